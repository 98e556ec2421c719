/**
 * Declared model options, checked the same way for every model family (and
 * every encoder): each registry entry lists the options it reads with their
 * type and allowed values, and {@link validateOptions} refuses, naming the
 * option, anything else — an unknown or misspelt option, an option of another
 * family (`wavelet` on a face backbone), a wrong type, a value out of range or
 * not among the allowed ones. Undefined values count as absent. Checks that
 * depend on several options (an input size the network's down-samplings can
 * take) stay with the constructor.
 */
import { check, WavecvError } from '../errors.js';
import { wavelist } from '../wavelets/filters.js';

export type OptionSpec =
  | { type: 'integer'; min?: number; max?: number; values?: readonly number[]; description: string }
  | { type: 'number'; min?: number; /** exclusive upper bound */ below?: number; description: string }
  | { type: 'string'; values?: readonly string[]; description: string }
  /** A discrete wavelet name of `wavelist()`. */
  | { type: 'wavelet'; description: string }
  | { type: 'boolean'; description: string }
  /** Integers ≥ `min`, each a multiple of `multipleOf`, `length` of them (when given). */
  | { type: 'integer[]'; min?: number; multipleOf?: number; length?: number; description: string };

export type OptionSpecs = Record<string, OptionSpec>;

function expectedOf(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
      if (spec.values) return `one of ${spec.values.join(', ')}`;
      return `an integer${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}${spec.max !== undefined ? ` and ≤ ${spec.max}` : ''}`;
    case 'number':
      return `a number${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}${spec.below !== undefined ? ` and < ${spec.below}` : ''}`;
    case 'string':
      return spec.values ? `one of ${spec.values.join(', ')}` : 'a string';
    case 'wavelet':
      return 'a discrete wavelet name (wavecv wavelets)';
    case 'boolean':
      return 'true or false';
    case 'integer[]':
      return `${spec.length !== undefined ? `${spec.length}` : 'a non-empty array of'} integers${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}${spec.multipleOf !== undefined ? `, multiples of ${spec.multipleOf}` : ''}`;
  }
}

function valid(spec: OptionSpec, value: unknown): boolean {
  const integer = (v: unknown, min?: number, max?: number): boolean =>
    typeof v === 'number' && Number.isInteger(v) && (min === undefined || v >= min) && (max === undefined || v <= max);
  switch (spec.type) {
    case 'integer':
      return integer(value, spec.min, spec.max) && (spec.values === undefined || spec.values.includes(value as number));
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && (spec.min === undefined || value >= spec.min) && (spec.below === undefined || value < spec.below);
    case 'string':
      return typeof value === 'string' && (spec.values === undefined || spec.values.includes(value));
    case 'wavelet':
      return typeof value === 'string' && wavelist().includes(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer[]':
      return (
        Array.isArray(value) &&
        value.length > 0 &&
        (spec.length === undefined || value.length === spec.length) &&
        value.every((v) => integer(v, spec.min) && (spec.multipleOf === undefined || v % spec.multipleOf === 0))
      );
  }
}

/** Checks `options` of `owner` (a model or encoder name) against `specs`; throws a {@link WavecvError} naming the option. */
export function validateOptions(owner: string, specs: OptionSpecs, options: Record<string, unknown>): void {
  check(options !== null && typeof options === 'object' && !Array.isArray(options), `${owner} options`, options, 'an object of options');
  const names = Object.keys(specs);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const spec = specs[key];
    if (spec === undefined) {
      throw new WavecvError(`${owner} option`, key, names.length > 0 ? `one of ${names.join(', ')}` : 'no options');
    }
    check(valid(spec, value), key, value, `${expectedOf(spec)} (${owner}: ${spec.description})`);
  }
}
