#!/usr/bin/env node
/**
 * The `wavecv` command (the tree is built in program.ts). Exit codes: 0
 * success, 2 bad input (an argument, option, file or usage the command
 * refuses), 1 a failure while doing the work, 130 interrupted by Ctrl-C
 * (src/cli/error-message.ts decides between 2 and 1).
 */
import { CommanderError } from 'commander';
import { createProgram } from './program.js';
import { cliErrorMessage, exitCodeOf } from './error-message.js';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    // commander has printed its own message (usage error) or the help (--help, exit 0)
    if (!(error instanceof CommanderError)) process.stderr.write(`${cliErrorMessage(error)}\n`);
    process.exitCode = exitCodeOf(error);
  });
