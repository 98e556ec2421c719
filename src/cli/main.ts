#!/usr/bin/env node
/**
 * The `wavecv` command. Each sub-command lives in its own file under
 * `commands/` and is listed in `commands/index.ts`.
 */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { cliErrorMessage } from './error-message.js';

const program = new Command('wavecv')
  .description('Wavelet-integrated deep networks and unified-threshold face analysis')
  .option('--backend <name>', 'TensorFlow.js backend (wasm, cpu, tensorflow, webgpu); default: WAVECV_BACKEND or the fastest available')
  .showHelpAfterError();

for (const register of COMMANDS) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${cliErrorMessage(error)}\n`);
  process.exitCode = 1;
});
