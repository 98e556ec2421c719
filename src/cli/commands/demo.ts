/**
 * `wavecv demo`: trains a vanilla and a wavelet (Haar) cnn28 briefly on the
 * bundled Fashion-MNIST subset and compares them clean and under noise
 * (src/tasks/demo.ts). `npm run demo` builds and runs it.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { runDemo } from '../../tasks/demo.js';
import { startEngine } from '../engine-option.js';
import { createProgress } from '../progress.js';
import { nonNegativeInteger, positiveInteger } from '../option-parsers.js';
import { examples } from '../help-examples.js';
import { JSON_HELP, printResult } from '../report.js';

interface DemoCliOptions {
  out: string;
  wavelet: string;
  epochs: number;
  width: number;
  seed: number;
  trainLimit?: number;
  testLimit?: number;
  json?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('train a vanilla and a wavelet CNN on the bundled Fashion-MNIST subset and compare them clean and under noise')
    .addHelpText('after', examples('wavecv demo --epochs 1 --train-limit 1000 --test-limit 500 --out runs/demo-short', 'wavecv demo --out runs/demo'))
    .option('--out <dir>', 'output folder', 'runs/demo')
    .option('--wavelet <name>', 'wavelet of the second model', 'haar')
    .option('--epochs <n>', 'training epochs per model', positiveInteger('epochs'), 3)
    .option('--width <n>', 'channels of the first cnn28 stage', positiveInteger('width'), 16)
    .option('--seed <n>', 'seed of initialisation, data order and noise', nonNegativeInteger('seed'), 0)
    .option('--train-limit <n>', 'train on the first n of the 3000 training images', positiveInteger('train-limit'))
    .option('--test-limit <n>', 'evaluate on the first n of the 1000 test images', positiveInteger('test-limit'))
    .option('--json', JSON_HELP)
    .action(async (options: DemoCliOptions, command: Command) => {
      const engine = await startEngine(command);
      process.stderr.write(`wavecv demo on ${engine.backend}: vanilla vs ${options.wavelet} cnn28, ${options.epochs} epochs each, results in ${options.out}\n`);
      const report = await runDemo({
        out: options.out,
        wavelet: options.wavelet,
        epochs: options.epochs,
        width: options.width,
        seed: options.seed,
        trainLimit: options.trainLimit,
        testLimit: options.testLimit,
        progress: (name) => createProgress({ label: name }),
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(6);
      const sigmas = report.models[0].gaussianNoise.sigma;
      const lines = [
        `${'model'.padEnd(10)}  clean  ${sigmas.map((s) => `σ=${s}`.padStart(6)).join('  ')}  noise family (mean of sev. 1-5)`,
        ...report.models.map((m) => `${m.name.padEnd(10)} ${pct(m.clean.top1)}  ${m.gaussianNoise.top1.map(pct).join('  ')}  ${pct(m.noiseFamilyTop1BySeverity.reduce((a, b) => a + b, 0) / m.noiseFamilyTop1BySeverity.length)}`),
        `top-1 accuracy on ${report.config.testImages} test images; ${report.seconds.total.toFixed(0)} s (training ${report.seconds.training.toFixed(0)} s, evaluation ${report.seconds.evaluation.toFixed(0)} s)`,
        `wrote ${join(options.out, 'demo.png')}, ${join(options.out, 'demo.json')}, ${join(options.out, 'noise.png')}, ${join(options.out, 'robustness.json')} and the runs ${report.models.map((m) => join(options.out, m.name)).join(', ')}`,
      ];
      printResult(options.json, report, () => lines.join('\n'));
    });
}
