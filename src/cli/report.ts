/**
 * What a command prints on stdout when it is done: a few lines for a person,
 * or with `--json` one JSON object for scripts (the same figures, nothing
 * else on stdout; progress and notes go to stderr either way). Every command
 * that reports figures takes `--json`.
 */

/** The help of `--json`: `.option('--json', JSON_HELP)`. */
export const JSON_HELP = 'print the result as one JSON object on stdout (progress stays on stderr)';

/** Prints `result` as JSON when `json` is set, else the text `text()` builds (a final newline added). */
export function printResult(json: boolean | undefined, result: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : text().replace(/\n?$/, '\n'));
}
