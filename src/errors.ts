/**
 * The one error type of wavecv. Every check of user input throws a
 * `WavecvError` whose message names the argument, the value received and what
 * was expected, so a user can fix the call without reading the source.
 */
export class WavecvError extends Error {
  constructor(
    readonly argument: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${argument}: got ${describeValue(value)}, expected ${expected}`);
    this.name = 'WavecvError';
  }
}

/** Throws a {@link WavecvError} for `argument` unless `condition` holds. */
export function check(condition: boolean, argument: string, value: unknown, expected: string): asserts condition {
  if (!condition) throw new WavecvError(argument, value, expected);
}

/** `value` when it is a positive integer (a number, not a string), else a {@link WavecvError} naming `argument`. */
export function positiveInt(value: unknown, argument: string, expected = 'a positive integer'): number {
  check(typeof value === 'number' && Number.isInteger(value) && value > 0, argument, value, expected);
  return value;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(describeValue).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  if (value && typeof value === 'object' && 'shape' in value) return `tensor of shape [${(value as { shape: number[] }).shape.join(', ')}]`;
  return String(value);
}
