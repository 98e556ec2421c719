/**
 * Commander option parsers shared by the commands: each returns the parsed
 * value or throws a {@link WavecvError} naming the flag, the value and what
 * was expected.
 */
import { check } from '../errors.js';

function number(argument: string, test: (n: number) => boolean, expected: string) {
  return (value: string): number => {
    const n = Number(value);
    check(value.trim() !== '' && test(n), argument, value, expected);
    return n;
  };
}

export const positiveInteger = (argument: string) => number(argument, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
export const nonNegativeInteger = (argument: string) => number(argument, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
export const nonNegative = (argument: string) => number(argument, (n) => Number.isFinite(n) && n >= 0, 'a number ≥ 0');
export const positive = (argument: string) => number(argument, (n) => Number.isFinite(n) && n > 0, 'a number > 0');

/** `--align`: 'none' (aligned crops) or 'detect' (find the face and align it). */
export function alignMode(value: string): 'none' | 'detect' {
  check(value === 'none' || value === 'detect', 'align', value, "'none' or 'detect'");
  return value;
}

/**
 * Parser of repeated `--model-option key=value` flags (values as JSON when they
 * parse, else strings); `example` completes the error message.
 */
export function modelOptionParser(example: string) {
  return (value: string, previous: Record<string, unknown> = {}): Record<string, unknown> => {
    const match = /^([A-Za-z][\w.-]*)=(.*)$/.exec(value);
    check(match !== null, 'model-option', value, `key=value, e.g. ${example}`);
    let parsed: unknown = match[2];
    try {
      parsed = JSON.parse(match[2]);
    } catch {
      // a bare string such as bior3.3
    }
    return { ...previous, [match[1]]: parsed };
  };
}
