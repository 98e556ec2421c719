/**
 * The `wavecv` command tree: the global options, how usage errors are shown,
 * and every sub-command of `commands/index.ts`. Built by a function so that
 * the CLI (main.ts) and the tests that walk every command (each `--help` has
 * an example, each example parses) use the same tree.
 *
 * Commander is told not to exit by itself (`exitOverride`): its usage errors
 * reach the one handler of main.ts as CommanderErrors, which gives them exit
 * code 2 like every other bad input (see {@link exitCodeOf}). Its messages are
 * printed as `wavecv: …` like the CLI's own errors, followed by one line that
 * says where the usage is, instead of the whole help.
 */
import { Command, type OutputConfiguration } from 'commander';
import { COMMANDS } from './commands/index.js';

/** How commander writes; tests pass their own to capture the help. */
export type ProgramOutput = Partial<OutputConfiguration>;

export function createProgram(output: ProgramOutput = {}): Command {
  const program = new Command('wavecv')
    .description('Wavelet-integrated deep networks and unified-threshold face analysis')
    .option('--backend <name>', 'TensorFlow.js backend (wasm, cpu, tensorflow, webgpu); default: WAVECV_BACKEND or the fastest available')
    .configureOutput({ outputError: (message, write) => write(`wavecv: ${message.replace(/^error: /, '')}`), ...output })
    .showHelpAfterError('(add --help to the command for its options and an example)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}
