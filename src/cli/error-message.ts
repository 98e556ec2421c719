/**
 * The one line `wavecv` prints for an error: a {@link WavecvError}'s message
 * (argument, value, what was expected), a file-system errno error as
 * `<path>: <reason>` (src/io/output-path.ts), anything else with its stack
 * (a bug: the stack is what a report needs).
 */
import { WavecvError } from '../errors.js';
import { describeFileSystemError } from '../io/output-path.js';

export function cliErrorMessage(error: unknown): string {
  if (error instanceof WavecvError) return `wavecv: ${error.message}`;
  const fileSystem = describeFileSystemError(error);
  if (fileSystem !== undefined) return `wavecv: ${fileSystem}`;
  return `wavecv: ${(error as Error)?.stack ?? String(error)}`;
}
