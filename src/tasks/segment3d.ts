/**
 * Training a 3-D segmentation network on neuron cubes with the trainer, as the
 * 3D WaveUNet paper trains (Li et al., Bioinformatics 38(3):809, 2022, Sec.
 * 2.4 and its released training code):
 *
 * - **Data**: a folder with `train/` and `test/` holding `images/*.tif` and
 *   `masks/*.tif` (0/1) of equal-sized volumes (`wavecv generate neurons`
 *   writes one). Every step draws random cubes (default 32×128×128) from the
 *   training volumes: the epoch visits every volume `cubesPerVolume` times in a
 *   seeded order, and each visit crops a random cube.
 * - **Normalisation**: samples / 255, then (x − 0.029720) / 0.042195 — the
 *   reference's constants (its NeuCuDa mean and standard deviation), kept for
 *   any data so a model trained here normalises like the reference's.
 * - **Augmentation**: random flips along x and along y (p 0.5 each) and, with
 *   p 0.5, additive N(0, 1) noise on the normalised cube.
 * - **Loss**: weighted cross-entropy with class weights (1, 5) against the
 *   extreme foreground imbalance (seg's `segmentationCrossEntropy` on the
 *   cube flattened to slices, which leaves the weighted mean unchanged).
 * - **Optimiser** (CLI defaults): SGD, momentum 0.9, weight decay 5e-4,
 *   learning rate 0.1 with a poly schedule (power 0.9).
 * - **Evaluation** after each epoch and at the end: every held-out volume is
 *   segmented whole by overlapping cubes (stride 3/4, OR assembly as the
 *   reference; ../neuron/cubes.ts) and scored by voxel Dice of the
 *   foreground, from seg's confusion matrix; `metrics.json` lists the
 *   per-volume and mean Dice.
 *
 * The model is saved under `out/model/` with metadata (`task: segment3d`, the
 * model name and options, cube size, normalisation) that `wavecv segment3d`
 * reads.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compose, randomCrop, randomFlip, randomGaussianNoise } from '../data/augment.js';
import { DataLoader, ExampleDataset, hostTensor } from '../data/dataset.js';
import { check } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { saveModel } from '../io/model-io.js';
import { readTiffStack } from '../io/tiff-stack.js';
import { stackSamples } from '../io/stack-volume.js';
import { segmentationCrossEntropy } from '../losses/segmentation.js';
import { confusionMatrix, segmentationScores } from '../metrics/segmentation.js';
import { createModel } from '../models/index.js';
import { assembleCubes, planCubes, type Shape3 } from '../neuron/cubes.js';
import { checkRunFolder } from '../train/run-folder.js';
import { trainerLoopOptions, type EpochTrainingSettings } from '../train/task-settings.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../engine/seed.js';
import { Trainer, type Objective } from '../train/trainer.js';

/** The reference's normalisation: samples/255, then (x − mean)/std with its data set's statistics. */
export const NEURON_NORMALIZATION = { scale: 1 / 255, mean: 0.02972, std: 0.042195 } as const;
export const CLASS_WEIGHTS = [1, 5] as const;

export interface Segment3dOptions extends EpochTrainingSettings {
  model: string;
  modelOptions?: Record<string, unknown>;
  data: string;
  cube?: Shape3;
  batchSize?: number;
  cubesPerVolume?: number;
  /** Evaluate on the first n test volumes only. */
  testLimit?: number;
  out: string;
  resume?: boolean;
}

export interface VolumeDice {
  name: string;
  dice: number;
}

export interface Segment3dResult {
  outDir: string;
  steps: number;
  stopped: 'completed' | 'aborted';
  test: { meanDice: number; volumes: VolumeDice[] };
  seconds: number;
}

interface LabelledVolume {
  name: string;
  image: Float32Array;
  mask: Uint8Array;
  shape: Shape3;
}

/** Reads `split/images/*.tif` with their masks; every image normalised to float. */
export function readVolumeSplit(folder: string, split: 'train' | 'test', limit?: number): LabelledVolume[] {
  const dir = join(folder, split);
  let names: string[];
  try {
    names = readdirSync(join(dir, 'images')).filter((n) => /\.tiff?$/i.test(n)).sort();
  } catch {
    names = [];
  }
  check(names.length > 0, 'data', folder, `a folder with ${split}/images/*.tif and ${split}/masks/*.tif (wavecv generate neurons writes one)`);
  return names.slice(0, limit).map((name) => {
    const image = stackSamples(readTiffStack(join(dir, 'images', name)), join(dir, 'images', name));
    const mask = stackSamples(readTiffStack(join(dir, 'masks', name)), join(dir, 'masks', name));
    check(mask.shape.every((s, a) => s === image.shape[a]), `${split}/masks/${name}`, mask.shape, `the shape of its image [${image.shape.join(', ')}]`);
    const { scale, mean, std } = NEURON_NORMALIZATION;
    return { name, image: Float32Array.from(image.data, (v) => (v * scale - mean) / std), mask: Uint8Array.from(mask.data, (v) => (v > 0 ? 1 : 0)), shape: image.shape };
  });
}

/** Weighted cross-entropy (1, 5) on per-voxel logits `[B, D, H, W, 2]` and `mask` `[B, D, H, W, 1]`, with voxel accuracy. */
export function segment3dObjective(classWeights: readonly number[] = CLASS_WEIGHTS): Objective {
  return {
    compute(outputs, batch) {
      check(!Array.isArray(outputs) && outputs.rank === 5, 'model output', outputs, 'per-voxel logits [batch, depth, height, width, classes]');
      const logits = outputs as tf.Tensor;
      const [b, d, h, w, c] = logits.shape;
      const flat = tf.reshape(logits, [b * d, h, w, c]) as tf.Tensor4D;
      const labels = tf.reshape(batch.mask, [b * d, h, w]) as tf.Tensor3D;
      const loss = segmentationCrossEntropy(flat, labels, { classWeights });
      const voxelAccuracy = tf.mean(tf.cast(tf.equal(tf.argMax(flat, 3), tf.cast(labels, 'int32')), 'float32')) as tf.Scalar;
      return { loss, metrics: { voxelAccuracy } };
    },
  };
}

/** Foreground probability of each cube (softmax channel 1), in batches. */
export function cubePredictor(model: tf.LayersModel, cube: Shape3) {
  return (cubes: Float32Array[]): Float32Array[] => {
    const probabilities = tf.tidy(() => {
      const input = tf.tensor5d(concat(cubes), [cubes.length, ...cube, 1]);
      const logits = model.apply(input, { training: false }) as tf.Tensor;
      return tf.slice(tf.softmax(logits), [0, 0, 0, 0, 1], [-1, -1, -1, -1, 1]);
    });
    const values = probabilities.dataSync() as Float32Array;
    probabilities.dispose();
    const size = cube[0] * cube[1] * cube[2];
    return cubes.map((_, i) => values.slice(i * size, (i + 1) * size));
  };
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** Segments a normalised volume by overlapping cubes (OR assembly) and returns the 0/1 labels. */
export async function segmentByCubes(model: tf.LayersModel, image: Float32Array, shape: Shape3, cube: Shape3, batchSize: number): Promise<Uint8Array> {
  const labels = new Uint8Array(image.length);
  const slice = shape[1] * shape[2];
  await assembleCubes({
    grid: planCubes(shape, cube),
    source: (z0, z1) => image.subarray(z0 * slice, z1 * slice),
    predict: cubePredictor(model, cube),
    sink: (z0, values) => values.forEach((v, i) => (labels[z0 * slice + i] = v > 0 ? 1 : 0)),
    mode: 'or',
    batchSize,
  });
  return labels;
}

/** Voxel Dice of the foreground class (2·IoU/(1 + IoU) from seg's confusion matrix). */
export function foregroundDice(pred: Uint8Array, truth: Uint8Array, shape: Shape3): number {
  const counts = confusionMatrix({ data: pred, shape }, { data: truth, shape }, 2, { tolerance: 0 });
  const iou = segmentationScores(counts).perClassIoU[1];
  return Number.isNaN(iou) ? 1 : (2 * iou) / (1 + iou);
}

export async function trainSegment3d(options: Segment3dOptions): Promise<Segment3dResult> {
  const started = performance.now();
  const outDir = resolve(options.out);
  checkRunFolder(options.out, outDir, options.resume);
  const cube = options.cube ?? [32, 128, 128];
  const batchSize = options.batchSize ?? 2;
  const cubesPerVolume = options.cubesPerVolume ?? 4;
  check(Number.isInteger(cubesPerVolume) && cubesPerVolume > 0, 'cubesPerVolume', cubesPerVolume, 'a positive integer');
  const train = readVolumeSplit(options.data, 'train');
  const test = readVolumeSplit(options.data, 'test', options.testLimit);
  const shape = train[0].shape;
  train.forEach((v) => check(v.shape.every((s, a) => s === shape[a]), `train/images/${v.name}`, v.shape, `the shape of the first volume [${shape.join(', ')}] (cubes are stacked)`));
  check(cube.every((c, a) => c <= shape[a]), 'cube', cube, `at most the training volume size [${shape.join(', ')}]`);
  const modelOptions = { ...options.modelOptions, cube, numClasses: 2 };
  const model = withSeededRandom(deriveSeed(options.seed, SEED_STREAMS.modelInit), () => createModel(options.model, modelOptions));
  const dataset = new ExampleDataset(train.length * cubesPerVolume, (index) => {
    const volume = train[index % train.length];
    return { image: hostTensor('float32', [...shape, 1], volume.image.slice()), mask: hostTensor('int32', [...shape, 1], Int32Array.from(volume.mask)) };
  });
  const augment = compose(
    randomCrop({ size: cube, keys: ['image', 'mask'] }),
    randomFlip({ axes: ['width', 'height'], p: 0.5, keys: ['image', 'mask'] }),
    randomGaussianNoise({ std: 1, p: 0.5, keys: ['image'] }),
  );
  const loader = new DataLoader(dataset, { batchSize, seed: deriveSeed(options.seed, SEED_STREAMS.dataOrder), shuffle: true, dropLast: false, transform: augment });
  const evaluate = async (m: tf.LayersModel) => {
    const volumes: VolumeDice[] = [];
    for (const v of test) volumes.push({ name: v.name, dice: foregroundDice(await segmentByCubes(m, v.image, v.shape, cube, batchSize), v.mask, v.shape) });
    return { meanDice: volumes.reduce((s, v) => s + v.dice, 0) / volumes.length, volumes };
  };
  const trainer = new Trainer({
    model,
    objective: segment3dObjective(),
    data: loader,
    ...trainerLoopOptions(options, loader.stepsPerEpoch, outDir),
    config: { task: 'segment3d', model: options.model, modelOptions, data: options.data, cube, batchSize, cubesPerVolume, classWeights: CLASS_WEIGHTS, normalization: NEURON_NORMALIZATION },
    evaluate: { everyEpochs: 1, run: async (m) => ({ meanDice: (await evaluate(m)).meanDice }) },
  });
  if (options.resume) await trainer.resume();
  const result = await trainer.fit();
  const final = await evaluate(model);
  model.setUserDefinedMetadata({ task: 'segment3d', model: options.model, modelOptions, cube, normalization: NEURON_NORMALIZATION });
  await saveModel(model, join(outDir, 'model'));
  writeJsonAtomic(join(outDir, 'metrics.json'), { task: 'segment3d', steps: result.steps, test: final, history: result.history });
  model.dispose();
  return { outDir, steps: result.steps, stopped: result.stopped, test: final, seconds: (performance.now() - started) / 1000 };
}
