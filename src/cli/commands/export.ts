/**
 * `wavecv export RUN --format onnx --out model.onnx`: a trained or imported
 * classification, face or segmentation model as an ONNX file
 * (src/interop/export-onnx.ts).
 */
import type { Command } from 'commander';
import { exportOnnx } from '../../interop/export-onnx.js';
import { checkOutputPath } from '../../io/output-path.js';
import { startEngine } from '../engine-option.js';
import { choice } from '../option-parsers.js';
import { examples } from '../help-examples.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the model of a classification, face or segmentation run in another format (ONNX: NCHW input, wavelet layers as fixed-filter strided convolutions; not yet registration, 3-D, ViT and forgery models, the refusal says why)')
    .argument('<run>', 'run folder of wavecv train/import (or its model/ folder)')
    .option('--format <format>', 'onnx', choice('format', ['onnx'] as const), 'onnx')
    .requiredOption('--out <file>', 'the file to write (atomically)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples({ note: 'a run of wavecv train classify (or wavecv import)', run: 'wavecv export runs/r18-haar --format onnx --out r18-haar.onnx --json' }))
    .action(async (run: string, o: { format: 'onnx'; out: string; json?: boolean }, command: Command) => {
      checkOutputPath(o.out, 'file');
      await startEngine(command);
      const r = await exportOnnx(run, o.out);
      if (o.json) {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      process.stdout.write(`${r.model} (${r.task}) → ONNX opset ${r.opset}, input [${r.input.join(', ')}] → output [${r.output.join(', ')}], ${r.bytes.toLocaleString('en-US')} bytes; wrote ${o.out}\n`);
    });
}
