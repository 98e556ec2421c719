/**
 * The one line `wavecv` prints for an error and the exit code it ends with.
 *
 * Message: a {@link WavecvError}'s message (argument, value, what was
 * expected), a file-system errno error as `<path>: <reason>`
 * (src/io/output-path.ts), anything else with its stack (a bug: the stack is
 * what a report needs).
 *
 * Exit code ({@link exitCodeOf}): 2 for bad input — a WavecvError (every
 * check of an argument, option, file or model folder throws one), a commander
 * usage error (unknown option or command, missing required option or
 * argument), and a path the user named that does not exist or is of the
 * wrong kind (ENOENT, ENOTDIR, EISDIR); 1 for a failure while doing the work
 * (anything else: full disk, I/O error, a bug). Scripts can thus tell "fix
 * the call" from "the run failed". Commander's help and version exits keep
 * their code 0.
 */
import { CommanderError } from 'commander';
import { WavecvError } from '../errors.js';
import { describeFileSystemError } from '../io/output-path.js';

export function cliErrorMessage(error: unknown): string {
  if (error instanceof WavecvError) return `wavecv: ${error.message}`;
  const fileSystem = describeFileSystemError(error);
  if (fileSystem !== undefined) return `wavecv: ${fileSystem}`;
  return `wavecv: ${(error as Error)?.stack ?? String(error)}`;
}

/** Exit code for bad input. */
export const EXIT_BAD_INPUT = 2;
/** Exit code for a failure while doing the work. */
export const EXIT_FAILURE = 1;

const BAD_PATH_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** 2 for bad input, 1 for a failure, commander's own code for help/version (see the module comment). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  if (error instanceof WavecvError) return EXIT_BAD_INPUT;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (describeFileSystemError(error) !== undefined && code !== undefined && BAD_PATH_CODES.has(code)) return EXIT_BAD_INPUT;
  return EXIT_FAILURE;
}
