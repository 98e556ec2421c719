/**
 * `wavecv info`: which backend was chosen, why, and the versions in use; and
 * the WebGPU adapter: the one in use on `--backend webgpu`, otherwise the one
 * `--backend webgpu` would get (looked up without starting that backend), each
 * marked software (a CPU driver such as llvmpipe) or hardware.
 */
import type { Command } from 'commander';
import { startEngine } from '../engine-option.js';
import { adapterName, probeWebGpuAdapter } from '../../engine/webgpu.js';
import { examples } from '../help-examples.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the TensorFlow.js backend, versions and how the backend was chosen')
    .addHelpText('after', examples('wavecv info', 'wavecv info --json', 'wavecv --backend cpu info'))
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const info = await startEngine(command);
      const webgpu = info.adapter ? { adapter: info.adapter } : await probeWebGpuAdapter();
      if (options.json) {
        process.stdout.write(JSON.stringify({ ...info, webgpu }, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        [
          `backend:     ${info.backend} (chosen by ${info.chosenBy}; tried ${info.attempted.join(', ')})`,
          `wasm SIMD:   ${info.wasmSimd ?? 'n/a'}`,
          `tfjs:        ${info.tfjsVersion}`,
          `tfjs-node:   ${info.tfjsNode ? 'installed' : 'not installed'}`,
          `native:      ${info.native ? `oneDNN ${info.native.oneDnnVersion} convolutions and batch norm, ${info.native.threads} thread(s)` : info.backend === 'wasm' ? 'not loaded (npm run build:native; needs libdnnl-dev)' : 'n/a'}`,
          `webgpu:      ${webgpu.adapter ? `${adapterName(webgpu.adapter)}${info.adapter ? '' : '; available with --backend webgpu'}` : `no adapter: ${webgpu.reason}`}`,
          `node:        ${info.nodeVersion}`,
        ].join('\n') + '\n',
      );
    });
}
