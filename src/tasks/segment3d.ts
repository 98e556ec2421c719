/**
 * Training a 3-D segmentation network on neuron cubes as a task of the run
 * template (src/train/run.ts), as the 3D WaveUNet paper trains (Li et al.,
 * Bioinformatics 38(3):809, 2022, Sec. 2.4 and its released training code):
 *
 * - **Data**: a folder with `train/` and `test/` holding `images/*.tif` and
 *   `masks/*.tif` (0/1) of equal-sized volumes (`wavecv generate neurons`
 *   writes one). Every step draws random cubes (default 32×128×128) from the
 *   training volumes: the epoch visits every volume `cubesPerVolume` times in a
 *   seeded order, and each visit crops a random cube.
 * - **Normalisation** (the run's preprocessing, recorded in the model
 *   metadata): samples / 255, then (x − 0.029720) / 0.042195 — the
 *   reference's constants (its NeuCuDa mean and standard deviation), kept for
 *   any data so a model trained here normalises like the reference's.
 * - **Augmentation**: random flips along x and along y (p 0.5 each) and, with
 *   p 0.5, additive N(0, 1) noise on the normalised cube.
 * - **Loss**: a `segmentation` loss of the registry
 *   (src/losses/segmentation.ts), by default the cross-entropy with class
 *   weights (1, 5) against the extreme foreground imbalance (the reference's;
 *   `classWeights` in the loss options replaces them).
 * - **Optimiser** (CLI defaults): SGD, momentum 0.9, weight decay 5e-4,
 *   learning rate 0.1 with a poly schedule (power 0.9).
 * - **Evaluation** after each epoch and at the end: every held-out volume is
 *   segmented whole by overlapping cubes (stride 3/4, OR assembly as the
 *   reference; ../neuron/cubes.ts) and scored by voxel Dice of the
 *   foreground, from seg's confusion matrix; `metrics.json` lists the
 *   per-volume and mean Dice.
 *
 * The run folder is the template's (`config.json`, `log.jsonl`,
 * `checkpoints/`, `model/` with its metadata, `metrics.json`,
 * `loss-curve.png`); the model metadata (`task: segment3d`, the model name
 * and options, the normalisation, the cube size in its extension) is what
 * `wavecv segment3d` reads.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compose, randomCrop, randomFlip, randomGaussianNoise } from '../data/augment.js';
import { DataLoader, ExampleDataset, hostTensor } from '../data/dataset.js';
import type { Normalization } from '../data/normalization.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../engine/seed.js';
import { check } from '../errors.js';
import { readTiffStack } from '../io/tiff-stack.js';
import { stackSamples } from '../io/stack-volume.js';
import { checkLossOptions, createLoss } from '../losses/registry.js';
import { medianFrequencyWeights, wantsMedianFrequency, type SegmentationLossContext } from '../losses/segmentation.js';
import { confusionMatrix, IGNORE_INDEX, segmentationScores } from '../metrics/segmentation.js';
import { createModel } from '../models/index.js';
import { assembleCubes, planCubes, type Shape3 } from '../neuron/cubes.js';
import { runTraining, windowedStepCurves, type RunOutcome, type RunSettings, type TrainingTask } from '../train/run.js';
import type { Preprocessing } from '../train/run-folder.js';
import type { Objective } from '../train/trainer.js';

/** The reference's normalisation of samples / 255, with its data set's mean and standard deviation. */
export const NEURON_NORMALIZATION: Normalization = { mean: [0.02972], std: [0.042195] };
/** The reference's class weights (background, foreground), the default of the cross-entropy. */
export const CLASS_WEIGHTS = [1, 5] as const;

export interface Segment3dOptions extends RunSettings {
  model: string;
  /** Further model options (variant, width, wavelet); `cube` and `numClasses` come from the task. */
  modelOptions?: Record<string, unknown>;
  data: string;
  cube?: Shape3;
  cubesPerVolume?: number;
  /** Evaluate on the first n test volumes only. */
  testLimit?: number;
  /** A `segmentation` loss of the registry (default `cross-entropy`). */
  loss?: string;
  /** Options of the loss (default for the cross-entropy: classWeights [1, 5]); options the loss does not take are refused. */
  lossOptions?: Record<string, unknown>;
}

export interface VolumeDice {
  name: string;
  dice: number;
}

export interface Segment3dResult {
  test: { meanDice: number; volumes: VolumeDice[] };
}

/** What the segment3d task adds to the saved model's metadata. */
export interface Segment3dModelExtension {
  /** The cube the network segments (training crops and inference tiles). */
  cube: Shape3;
}

/** A volume as read: raw samples, 0/1 mask. */
interface LabelledVolume {
  name: string;
  samples: Float32Array;
  mask: Uint8Array;
  shape: Shape3;
}

interface Segment3dData {
  train: LabelledVolume[];
  test: LabelledVolume[];
  medianFrequency?: number[];
}

/** Raw samples → network input by a run's preprocessing (samples / 255, then its normalisation). */
export function voxelNormaliser(preprocessing: Preprocessing): (sample: number) => number {
  check(preprocessing.intensity === undefined && preprocessing.normalization.mean.length === 1, 'preprocessing', preprocessing, 'samples / 255 and one mean and std (a segment3d model)');
  const [mean] = preprocessing.normalization.mean;
  const [std] = preprocessing.normalization.std;
  return (sample) => (sample / 255 - mean) / std;
}

/** Reads `split/images/*.tif` with their masks (samples as stored, masks as 0/1). */
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
    return { name, samples: Float32Array.from(image.data), mask: Uint8Array.from(mask.data, (v) => (v > 0 ? 1 : 0)), shape: image.shape };
  });
}

/** The loss options of a run: the reference's class weights unless the loss options say otherwise. */
function runLossOptions(options: Segment3dOptions): Record<string, unknown> {
  const loss = options.loss ?? 'cross-entropy';
  const given = options.lossOptions ?? {};
  return loss === 'cross-entropy' && given.classWeights === undefined ? { ...given, classWeights: [...CLASS_WEIGHTS] } : given;
}

/** 3-D neuron segmentation as a task of the run template (module comment). */
export const segment3dTask: TrainingTask<Segment3dOptions, Segment3dData, Segment3dModelExtension, Segment3dResult> = {
  name: 'segment3d',

  validate(options) {
    check(typeof options.model === 'string' && options.model !== '', 'model', options.model, 'a registry model name (waveunet3d)');
    check(typeof options.data === 'string' && options.data !== '', 'data', options.data, 'a folder with train/ and test/ volumes');
    const cube = options.cube ?? [32, 128, 128];
    check(Array.isArray(cube) && cube.length === 3 && cube.every((c) => Number.isInteger(c) && c > 0 && c % 16 === 0), 'cube', cube, 'three multiples of 16');
    for (const key of ['cubesPerVolume', 'testLimit'] as const) {
      const v = options[key];
      if (v !== undefined) check(Number.isInteger(v) && v > 0, key, v, 'a positive integer');
    }
    for (const key of ['cube', 'numClasses']) check(options.modelOptions?.[key] === undefined, `modelOptions.${key}`, options.modelOptions?.[key], 'nothing (it comes from the task)');
    checkLossOptions('segmentation', options.loss ?? 'cross-entropy', options.lossOptions);
  },

  async openData(options) {
    const train = readVolumeSplit(options.data, 'train');
    const test = readVolumeSplit(options.data, 'test', options.testLimit);
    const shape = train[0].shape;
    train.forEach((v) => check(v.shape.every((s, a) => s === shape[a]), `train/images/${v.name}`, v.shape, `the shape of the first volume [${shape.join(', ')}] (cubes are stacked)`));
    const cube = options.cube ?? [32, 128, 128];
    check(cube.every((c, a) => c <= shape[a]), 'cube', cube, `at most the training volume size [${shape.join(', ')}]`);
    const medianFrequency = wantsMedianFrequency(options.lossOptions) ? medianFrequencyWeights(train.map((v) => v.mask), 2) : undefined;
    return { train, test, medianFrequency };
  },

  preprocessing: (options) => ({ inputShape: [...(options.cube ?? [32, 128, 128]), 1], normalization: NEURON_NORMALIZATION }),

  setup(options, { train, test, medianFrequency }, { preprocessing }) {
    const cube = options.cube ?? [32, 128, 128];
    const batchSize = options.batchSize ?? 2;
    const cubesPerVolume = options.cubesPerVolume ?? 4;
    const normalise = voxelNormaliser(preprocessing);
    const inputs = train.map((v) => Float32Array.from(v.samples, normalise));
    const tests = test.map((v) => ({ ...v, image: Float32Array.from(v.samples, normalise) }));
    const shape = train[0].shape;
    const modelOptions = { ...options.modelOptions, cube, numClasses: 2 };
    const model = withSeededRandom(deriveSeed(options.seed, SEED_STREAMS.modelInit), () => createModel(options.model, modelOptions));
    const dataset = new ExampleDataset(train.length * cubesPerVolume, (index) => {
      const i = index % train.length;
      return { image: hostTensor('float32', [...shape, 1], inputs[i].slice()), mask: hostTensor('int32', [...shape, 1], Int32Array.from(train[i].mask)) };
    });
    const augment = compose(
      randomCrop({ size: cube, keys: ['image', 'mask'] }),
      randomFlip({ axes: ['width', 'height'], p: 0.5, keys: ['image', 'mask'] }),
      randomGaussianNoise({ std: 1, p: 0.5, keys: ['image'] }),
    );
    const loader = new DataLoader(dataset, { batchSize, seed: deriveSeed(options.seed, SEED_STREAMS.dataOrder), shuffle: true, dropLast: false, transform: augment });
    const loss = options.loss ?? 'cross-entropy';
    const lossOptions = runLossOptions(options);
    const objective = createLoss<SegmentationLossContext, Objective>('segmentation', loss, lossOptions, { numClasses: 2, ignoreIndex: IGNORE_INDEX, medianFrequency });
    const evaluate = async (m: tf.LayersModel) => {
      const volumes: VolumeDice[] = [];
      for (const v of tests) volumes.push({ name: v.name, dice: foregroundDice(await segmentByCubes(m, v.image, v.shape, cube, batchSize), v.mask, v.shape) });
      return { meanDice: volumes.reduce((s, v) => s + v.dice, 0) / volumes.length, volumes };
    };
    return {
      model,
      objective,
      loader,
      evaluate: { everyEpochs: 1, run: async (m) => ({ meanDice: (await evaluate(m)).meanDice }) },
      definition: {
        model: options.model,
        modelOptions,
        cube,
        cubesPerVolume,
        testLimit: options.testLimit,
        loss,
        lossOptions,
        data: { spec: options.data, trainVolumes: train.length, testVolumes: test.length, shape },
      },
      settings: { classWeightValues: medianFrequency },
      metadata: () => ({ model: { name: options.model, options: modelOptions }, extension: { cube } }),
      async finish(result) {
        const final = result.stopped === 'completed' ? await evaluate(model) : { meanDice: (result.lastEval?.meanDice as number | undefined) ?? NaN, volumes: [] };
        return { metrics: { model: options.model, modelOptions, test: final }, result: { test: final } };
      },
      charts: (_history, steps) => {
        const { x, loss: total, metric: accuracy } = windowedStepCurves(steps, loader.stepsPerEpoch, 'voxelAccuracy');
        return [
          {
            file: 'loss-curve.png',
            series: [
              { label: 'train loss (batch)', x, y: total },
              { label: 'train voxel accuracy (batch)', x, y: accuracy },
            ],
            options: { title: 'Training', xLabel: 'epoch', yLabel: 'loss / accuracy' },
          },
        ];
      },
    };
  },
};

/** Foreground probability of each cube (softmax channel 1), in batches, read back asynchronously. */
export function cubePredictor(model: tf.LayersModel, cube: Shape3) {
  return async (cubes: Float32Array[]): Promise<Float32Array[]> => {
    const probabilities = tf.tidy(() => {
      const input = tf.tensor5d(concat(cubes), [cubes.length, ...cube, 1]);
      const logits = model.apply(input, { training: false }) as tf.Tensor;
      return tf.slice(tf.softmax(logits), [0, 0, 0, 0, 1], [-1, -1, -1, -1, 1]);
    });
    let values: Float32Array;
    try {
      values = (await probabilities.data()) as Float32Array;
    } finally {
      probabilities.dispose();
    }
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

/** Trains a 3-D segmentation network end to end; see the module comment. */
export function trainSegment3d(options: Segment3dOptions): Promise<RunOutcome<Segment3dResult>> {
  return runTraining(segment3dTask, options);
}
