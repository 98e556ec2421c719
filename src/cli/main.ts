#!/usr/bin/env node
/**
 * The `wavecv` command. Each sub-command lives in its own file under
 * `commands/` and is listed in `commands/index.ts`.
 */
import { Command } from 'commander';
import { WavecvError } from '../errors.js';
import { COMMANDS } from './commands/index.js';

const program = new Command('wavecv')
  .description('Wavelet-integrated deep networks and unified-threshold face analysis')
  .option('--backend <name>', 'TensorFlow.js backend (wasm, cpu, tensorflow); default: WAVECV_BACKEND or the fastest available')
  .showHelpAfterError();

for (const register of COMMANDS) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof WavecvError) {
    process.stderr.write(`wavecv: ${error.message}\n`);
  } else {
    process.stderr.write(`wavecv: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
});
