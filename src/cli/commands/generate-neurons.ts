/**
 * `wavecv generate neurons --out DIR`: a folder of SYNTHETIC neuron volumes
 * with true masks and SWC trees (src/neuron/synthetic-set.ts).
 */
import type { Command } from 'commander';
import { writeSyntheticNeurons } from '../../neuron/synthetic-set.js';
import { choice, integerTuple, nonNegativeInteger } from '../option-parsers.js';
import { generateCommand } from './generate.js';
import { examples } from '../help-examples.js';
import { JSON_HELP, printResult } from '../report.js';
import { createCountProgress } from '../progress.js';

interface NeuronsCliOptions {
  out: string;
  train: number;
  test: number;
  seed: number;
  noise: 'low' | 'high';
  shape: [number, number, number];
  json?: boolean;
}

export function registerGenerateNeurons(program: Command): void {
  generateCommand(program)
    .command('neurons')
    .description('SYNTHETIC neuron volumes (seeded branching trees, PSF, Poisson and Gaussian noise, background blobs, gaps) with true masks and SWC')
    .addHelpText('after', examples('wavecv generate neurons --out data-generated/neurons --train 8 --test 4 --noise low --seed 1', 'wavecv generate neurons --out data-generated/neurons-small --train 1 --test 1 --shape 16,48,48 --json'))
    .requiredOption('--out <dir>', 'new folder for train/, test/ (images/, masks/, swc/) and generator.json')
    .option('--train <n>', 'training volumes', nonNegativeInteger('train'), 8)
    .option('--test <n>', 'held-out volumes', nonNegativeInteger('test'), 4)
    .option('--noise <level>', 'noise preset: low or high', choice('noise', ['low', 'high'] as const), 'low')
    .option('--shape <d,h,w>', 'volume size depth,height,width', integerTuple('shape', 3, (v) => v >= 8, 'integers ≥ 8', '48,160,160'), [48, 160, 160])
    .option('--seed <n>', 'seed of every draw', nonNegativeInteger('seed'), 1)
    .option('--json', JSON_HELP)
    .action((o: NeuronsCliOptions) => {
      const progress = createCountProgress('volumes');
      writeSyntheticNeurons(o.out, { train: o.train, test: o.test, seed: o.seed, noise: o.noise, shape: o.shape, onVolume: (split, i) => progress.update((split === 'test' ? o.train : 0) + i + 1, o.train + o.test) });
      progress.stop();
      printResult(o.json, { out: o.out, train: o.train, test: o.test, shape: o.shape, noise: o.noise, seed: o.seed, synthetic: true }, () => `wrote ${o.train} training and ${o.test} test volumes (SYNTHETIC) to ${o.out}`);
    });
}
