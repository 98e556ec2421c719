/**
 * Commander option parsers shared by the commands: each returns the parsed
 * value or throws a {@link WavecvError} naming the flag, the value and what
 * was expected. Every number a command reads from its flags goes through one
 * of these (as the option's parser, or on the flag's string in the action for
 * lists), so `--seed 1.5` or `--level two` is refused the same way everywhere.
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
/** A finite number in [lo, hi]. */
export const numberInRange = (argument: string, lo: number, hi: number) => number(argument, (n) => Number.isFinite(n) && n >= lo && n <= hi, `a number in [${lo}, ${hi}]`);

/** Parses `1-5`, `1,3,5` or a mix (`1-2,5`) into sorted distinct integers in [lo, hi]. */
export function parseIntegerList(spec: string, argument: string, lo: number, hi: number): number[] {
  const values = new Set<number>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    const [a, b] = range ? [Number(range[1]), Number(range[2])] : [Number(part), Number(part)];
    check(Number.isInteger(a) && Number.isInteger(b) && a >= lo && b <= hi && a <= b, argument, spec, `integers or ranges within ${lo}-${hi} (e.g. "${lo}-${hi}" or "${lo},${hi}")`);
    for (let v = a; v <= b; v++) values.add(v);
  }
  check(values.size > 0, argument, spec, 'at least one value');
  return [...values].sort((x, y) => x - y);
}

/** Parses a comma-separated list of finite numbers in [lo, hi] (in the order given). */
export function parseNumberList(spec: string, argument: string, lo: number, hi: number): number[] {
  const parts = spec.split(',').map((p) => p.trim());
  const values = parts.map((p) => (p === '' ? NaN : Number(p)));
  check(values.length > 0 && values.every((v) => Number.isFinite(v) && v >= lo && v <= hi), argument, spec, `comma-separated numbers in [${lo}, ${hi}]`);
  return values;
}

/**
 * Parser of a flag holding exactly `length` comma-separated integers that
 * each pass `test` (a volume or cube size such as `48,160,160`);
 * `expected` says what they must be, `example` completes the message.
 */
export function integerTuple(argument: string, length: number, test: (n: number) => boolean, expected: string, example: string) {
  return (spec: string): number[] => {
    const values = spec.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
    check(values.length === length && values.every((v) => Number.isInteger(v) && test(v)), argument, spec, `${length} comma-separated ${expected}, e.g. ${example}`);
    return values;
  };
}

/** One of `choices` (a flag with a fixed set of values). */
export function choice<T extends string>(argument: string, choices: readonly T[]) {
  return (value: string): T => {
    check((choices as readonly string[]).includes(value), argument, value, choices.join(', '));
    return value as T;
  };
}

/** `--align`: 'none' (aligned crops) or 'detect' (find the face and align it). */
export function alignMode(value: string): 'none' | 'detect' {
  check(value === 'none' || value === 'detect', 'align', value, "'none' or 'detect'");
  return value;
}

/**
 * Parser of a repeated `--<flag> key=value` option (values as JSON when they
 * parse, else strings), collecting an object; `example` completes the error
 * message.
 */
export function keyValueParser(flag: string, example: string) {
  return (value: string, previous: Record<string, unknown> = {}): Record<string, unknown> => {
    const match = /^([A-Za-z][\w.-]*)=(.*)$/.exec(value);
    check(match !== null, flag, value, `key=value, e.g. ${example}`);
    let parsed: unknown = match[2];
    try {
      parsed = JSON.parse(match[2]);
    } catch {
      // a bare string such as bior3.3
    }
    return { ...previous, [match[1]]: parsed };
  };
}

/** Parser of repeated `--model-option key=value` flags. */
export const modelOptionParser = (example: string) => keyValueParser('model-option', example);

/** Parser of repeated `--loss-option key=value` flags (the options the chosen loss takes; others are refused). */
export const lossOptionParser = (example: string) => keyValueParser('loss-option', example);
