/**
 * A folder of SYNTHETIC neuron volumes ({@link syntheticNeuron}) in the layout
 * `wavecv train segment3d` reads:
 *
 * ```
 * out/train/images/000.tif  8-bit image stack
 * out/train/masks/000.tif   0/1 labels (uint8)
 * out/train/swc/000.swc     true tree
 * out/test/…                the same for held-out neurons
 * out/generator.json        settings and the word "synthetic"
 * ```
 *
 * Volume i of a split is generated with seed `seed·1000003 + split·100003 + i`
 * (train 0, test 1), so train and test neurons never share a seed. The folder
 * is written under a temporary name and renamed at the end (an interrupted
 * run leaves nothing); an existing `out` is refused.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { check, WavecvError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { stackVolume } from '../io/stack-volume.js';
import { writeTiffStack } from '../io/tiff-stack.js';
import { writeSwc } from './swc.js';
import { syntheticNeuron, type SyntheticNeuronOptions } from './synthetic.js';

export interface SyntheticSetOptions {
  train: number;
  test: number;
  seed: number;
  noise: 'low' | 'high';
  shape: [number, number, number];
  /** Called after each volume. */
  onVolume?: (split: string, index: number) => void;
}

export const SPLITS = ['train', 'test'] as const;

export function sampleSeed(seed: number, split: 0 | 1, index: number): number {
  return (seed * 1000003 + split * 100003 + index) >>> 0;
}

export function writeSyntheticNeurons(out: string, options: SyntheticSetOptions): void {
  const target = resolve(out);
  if (existsSync(target)) throw new WavecvError('out', out, 'a folder that does not exist yet (generated data are never mixed with existing files)');
  check(Number.isInteger(options.train) && options.train >= 0 && Number.isInteger(options.test) && options.test >= 0 && options.train + options.test > 0, 'counts', [options.train, options.test], 'train and test counts ≥ 0, not both 0');
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  rmSync(temporary, { recursive: true, force: true });
  try {
    SPLITS.forEach((split, s) => {
      const count = split === 'train' ? options.train : options.test;
      for (const folder of ['images', 'masks', 'swc']) mkdirSync(join(temporary, split, folder), { recursive: true });
      for (let i = 0; i < count; i++) {
        const settings: SyntheticNeuronOptions = { shape: options.shape, seed: sampleSeed(options.seed, s as 0 | 1, i), noise: options.noise };
        const neuron = syntheticNeuron(settings);
        const name = String(i).padStart(3, '0');
        writeTiffStack(join(temporary, split, 'images', `${name}.tif`), stackVolume(neuron.image, neuron.shape));
        writeTiffStack(join(temporary, split, 'masks', `${name}.tif`), stackVolume(neuron.mask, neuron.shape));
        writeSwc(join(temporary, split, 'swc', `${name}.swc`), neuron.tree);
        options.onVolume?.(split, i);
      }
    });
    writeJsonAtomic(join(temporary, 'generator.json'), { generator: 'wavecv syntheticNeuron', synthetic: true, note: 'SYNTHETIC neurons: seeded stochastic trees rendered with a PSF and noise; not microscope data', train: options.train, test: options.test, seed: options.seed, noise: options.noise, shape: options.shape, classNames: ['background', 'neurite'] });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
}
