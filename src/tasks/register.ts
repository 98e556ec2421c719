/**
 * Unsupervised deformable registration with the registration networks of the
 * model registry (`winet`, `winet-diff`, `vxm-unet`, `pyramid-unet`): training as a task of
 * the run template (src/train/run.ts), registering a pair, and evaluating on
 * labelled pairs.
 *
 * Objective: a `registration` loss of the registry
 * (src/losses/registration.ts): similarity(fixed, moving ∘ φ) + λ ·
 * smoothness (VoxelMorph, Balakrishnan et al. 2019, Eq. 3; WiNet, Cheng et
 * al. 2024, §2.3), `ncc` (9-voxel window) by default or `mse`, with λ = 2
 * (WiNet's) and VoxelMorph's `Grad` l2 smoothness on the network's field —
 * the velocity for a diffeomorphic model, integrated by scaling and squaring
 * (7 steps) before warping. The moving image is warped linearly with zero
 * padding; labels with nearest neighbours.
 *
 * The run folder is the template's (`config.json`, `log.jsonl`,
 * `checkpoints/`, `model/` with its metadata, `metrics.json`,
 * `loss-curve.png`) plus `registration.json`. Decisions recorded in the model
 * metadata (and `registration.json`, which runs written before the typed
 * metadata carry alone) and read back by inference and evaluation: the model
 * and its options (so the network accepts one spatial size, `size`), the
 * field kind, min–max scaling to [0, 1] of each scan (the preprocessing's
 * `intensity`), centred padding/cropping to `size` and back
 * (`data/registration.ts`). Outputs are on the fixed grid at the fixed
 * scan's size; warped intensities keep the moving scan's units. The model
 * initialiser is seeded by the run's seed through the model's own `seed`
 * option (as runs were before the template).
 */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { loadModel } from '../io/model-io.js';
import { ArrayRecordDataset, DataLoader, hostTensor } from '../data/dataset.js';
import { centerFit, listPairs, normalizeMinMax, readScan, resampleTo, type Scan } from '../data/registration.js';
import { checkLossOptions, createLoss } from '../losses/registry.js';
import { resolveRegistrationLoss, type RegistrationLoss, type RegistrationLossContext } from '../losses/registration.js';
import { dice, foldingPercentage, hd95, labelsIn } from '../metrics/registration.js';
import { createModel, type ModelOptions } from '../models/index.js';
import { registrationField, registrationModels, type FieldKind } from '../models/winet/index.js';
import { displacementOf, warp } from '../nn/warp.js';
import { findModelMetadata, loadRunModel } from '../train/run-folder.js';
import { runTraining, windowedStepCurves, type RunOutcome, type RunSettings, type TrainingTask } from '../train/run.js';
import type { Objective } from '../train/trainer.js';

/** The registry losses of registration. */
export type RegistrationLossName = 'ncc' | 'mse';

/** What a trained registration run records (the model metadata's extension and `registration.json`). */
export interface RegistrationMetadata {
  task: 'register';
  model: string;
  modelOptions: ModelOptions;
  size: number[];
  field: FieldKind;
  integrationSteps: number;
  normalization: 'minmax';
  loss: RegistrationLoss;
}

/** The model metadata's extension of a registration run. */
export type RegisterModelExtension = Pick<RegistrationMetadata, 'size' | 'field' | 'integrationSteps' | 'loss'>;

export interface TrainRegistrationOptions extends Omit<RunSettings, 'optimizer'> {
  /** A registration model of the registry (winet, winet-diff, vxm-unet, pyramid-unet). */
  model: string;
  /** Further model options (startChannels, wavelet); dims, size and seed come from the data and the run. */
  modelOptions?: ModelOptions;
  /** Training pairs: a folder of pair folders (fixed.*, moving.*) or a pairs CSV. */
  data: string;
  /** Network input size (multiples of 16; default: the scans' size rounded up). */
  size?: number[];
  /** A `registration` loss of the registry (default `ncc`). */
  loss?: RegistrationLossName;
  /** Options of the loss (window, lambda, penalty); options the loss does not take are refused. */
  lossOptions?: Record<string, unknown>;
  /** Default Adam, learning rate 1e-4 (WiNet's). */
  optimizer?: RunSettings['optimizer'];
}

export interface TrainRegistrationResult {
  metadata: RegistrationMetadata;
  /** Mean loss over the last epoch. */
  finalLoss: number;
}

interface RegistrationPairs {
  fixed: Float32Array;
  moving: Float32Array;
  count: number;
  size: number[];
  shape: number[];
}

type RegisterRunOptions = TrainRegistrationOptions & RunSettings;

/** Unsupervised registration as a task of the run template. */
export const registerTask: TrainingTask<RegisterRunOptions, RegistrationPairs, RegisterModelExtension, TrainRegistrationResult> = {
  name: 'register',

  validate(options) {
    check(registrationField(options.model) !== undefined, 'model', options.model, `a registration model (${registrationModels().join(', ')})`);
    check(typeof options.data === 'string' && options.data !== '', 'data', options.data, 'a folder of pair folders or a pairs CSV');
    if (options.size !== undefined) check(Array.isArray(options.size) && (options.size.length === 2 || options.size.length === 3) && options.size.every((n) => Number.isInteger(n) && n > 0 && n % 16 === 0), 'size', options.size, 'two or three multiples of 16');
    for (const key of ['dims', 'size', 'seed']) check(options.modelOptions?.[key] === undefined, `modelOptions.${key}`, options.modelOptions?.[key], 'nothing (it comes from the data and the run)');
    checkLossOptions('registration', options.loss ?? 'ncc', options.lossOptions);
  },

  openData: (options) => loadTrainingPairs(options.data, options.size),

  preprocessing: (_options, { size }) => ({ inputShape: [...size, 1], intensity: 'minmax', normalization: { mean: [0], std: [1] } }),

  setup(options, data) {
    const field = registrationField(options.model)!;
    const modelOptions = { ...options.modelOptions, dims: data.size.length, size: data.size, seed: options.seed };
    const lossName = options.loss ?? 'ncc';
    const lossOptions = options.lossOptions ?? {};
    const objective = createLoss<RegistrationLossContext, Objective>('registration', lossName, lossOptions, { field });
    const loss = resolveRegistrationLoss(lossName, lossOptions);
    const model = createModel(options.model, modelOptions);
    const shape = [data.count, ...data.size, 1];
    const pairs = new ArrayRecordDataset({ fixed: hostTensor('float32', shape, data.fixed), moving: hostTensor('float32', shape, data.moving) });
    const loader = new DataLoader(pairs, { batchSize: options.batchSize ?? 1, seed: options.seed });
    const metadata: RegistrationMetadata = { task: 'register', model: options.model, modelOptions, size: data.size, field, integrationSteps: 7, normalization: 'minmax', loss };
    return {
      model,
      objective,
      loader,
      trainer: { inputKeys: ['moving', 'fixed'] },
      definition: { model: options.model, modelOptions, data: { spec: options.data, pairs: data.count, shape: data.shape, size: data.size }, loss: lossName, lossOptions },
      metadata: () => ({ model: { name: options.model, options: modelOptions }, extension: { size: data.size, field, integrationSteps: 7, loss } }),
      async finish(result, run) {
        if (result.stopped === 'completed') writeJsonAtomic(join(run.outDir, 'registration.json'), metadata);
        const finalLoss = result.history[result.history.length - 1]?.train.loss ?? NaN;
        return { metrics: { model: options.model, modelOptions, loss, pairs: data.count, finalLoss }, result: { metadata, finalLoss } };
      },
      charts: (_history, steps) => {
        const { x, loss: total, metric: similarity } = windowedStepCurves(steps, loader.stepsPerEpoch, 'similarity');
        const series = [
          { label: 'loss (batch)', x, y: total },
          { label: `${lossName} similarity (batch)`, x, y: similarity },
        ];
        return [{ file: 'loss-curve.png', series, options: { title: 'Registration loss', xLabel: 'epoch', yLabel: 'loss' } }];
      },
    };
  },
};

/** Trains a registration network on the pairs of `options.data` through the run template (module comment). */
export function trainRegistration(options: TrainRegistrationOptions): Promise<RunOutcome<TrainRegistrationResult>> {
  return runTraining(registerTask, { ...options, optimizer: options.optimizer ?? { type: 'adam', lr: 1e-4 } });
}

export interface LoadedRegistrationModel {
  model: tf.LayersModel;
  metadata: RegistrationMetadata;
}

/**
 * Loads a trained registration run: its model with the model metadata, or,
 * for runs saved before the typed metadata, `model/` and `registration.json`.
 */
export async function loadRegistrationModel(run: string): Promise<LoadedRegistrationModel> {
  if (existsSync(join(run, 'model', 'model.json')) && findModelMetadata(run) !== undefined) {
    const { model, metadata } = await loadRunModel<RegisterModelExtension>(run, 'register');
    const { size, field, integrationSteps, loss } = metadata.extension;
    return { model, metadata: { task: 'register', model: metadata.model.name, modelOptions: metadata.model.options, size, field, integrationSteps, normalization: 'minmax', loss } };
  }
  const metaPath = join(run, 'registration.json');
  check(existsSync(metaPath), 'model', run, 'a registration run folder (with model/ and its metadata, or registration.json)');
  const metadata = JSON.parse(readFileSync(metaPath, 'utf8')) as RegistrationMetadata;
  check(metadata.task === 'register', `${metaPath}: task`, metadata.task, 'register');
  return { model: await loadModel(join(run, 'model')), metadata };
}

export interface RegisterOptions {
  /** Resample the moving scan onto the fixed grid when the shapes differ (otherwise an error). */
  resample?: boolean;
  movingLabels?: Scan;
}

export interface RegistrationOutput {
  /** Displacement on the fixed grid [*fixed.shape, n], voxels, components in axis order. */
  displacement: Float32Array;
  /** The moving scan warped onto the fixed grid, in its own intensity units. */
  warped: Float32Array;
  warpedLabels?: Int32Array;
  shape: number[];
  /** Seconds of network inference, integration and warping. */
  seconds: number;
}

async function checkSameGrid(fixed: Scan, other: Scan, argument: string, resample: boolean | undefined): Promise<Float32Array> {
  if (tf.util.arraysEqual(fixed.shape, other.shape)) return other.values;
  check(resample === true, argument, other.shape, `the fixed scan's shape [${fixed.shape.join(', ')}] (or --resample to resample it onto the fixed grid)`);
  check(fixed.shape.length === other.shape.length, argument, other.shape, `${fixed.shape.length} axes like the fixed scan`);
  return resampleTo(other.values, other.shape, fixed.shape, argument.includes('labels') ? 'nearest' : 'linear');
}

/** Registers `moving` to `fixed` with a trained run (module comment); the results are read back asynchronously. */
export async function registerScans(loaded: LoadedRegistrationModel, fixed: Scan, moving: Scan, options: RegisterOptions = {}): Promise<RegistrationOutput> {
  const { model, metadata } = loaded;
  const size = metadata.size;
  check(fixed.shape.length === size.length, 'fixed', fixed.shape, `a ${size.length}-D scan (the model registers ${size.length}-D scans)`);
  const movingValues = await checkSameGrid(fixed, moving, 'moving', options.resample);
  const labelValues = options.movingLabels ? await checkSameGrid(fixed, options.movingLabels, 'moving labels', options.resample) : undefined;
  const axes = size.length;
  const start = performance.now();
  const fitted = tf.tidy(() => {
    const input = (values: Float32Array) => tf.tensor(centerFit(normalizeMinMax(values), fixed.shape, size), [1, ...size, 1]);
    const output = model.predict([input(movingValues), input(fixed.values)]) as tf.Tensor;
    return displacementOf(output, metadata.field);
  });
  let fittedValues: Float32Array;
  try {
    fittedValues = (await fitted.data()) as Float32Array;
  } finally {
    fitted.dispose();
  }
  const displacement = centerFit(fittedValues, size, fixed.shape, axes);
  const [warped, warpedLabels] = tf.tidy(() => {
    const field = tf.tensor(displacement, [1, ...fixed.shape, axes]);
    return [
      warp(tf.tensor(movingValues, [1, ...fixed.shape, 1]), field),
      ...(labelValues ? [warp(tf.tensor(labelValues, [1, ...fixed.shape, 1]), field, { interpolation: 'nearest' })] : []),
    ];
  });
  try {
    return {
      displacement,
      warped: (await warped.data()) as Float32Array,
      warpedLabels: warpedLabels ? Int32Array.from(await warpedLabels.data()) : undefined,
      shape: fixed.shape,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    tf.dispose([warped, ...(warpedLabels ? [warpedLabels] : [])]);
  }
}

/** Scores of one label set: mean Dice over the labels of the fixed map (0 excluded) before and after, mean HD95 (voxels) after. */
export interface LabelScores {
  diceBefore: number;
  dice: number;
  hd95: number;
}

export interface PairEvaluation extends LabelScores {
  name: string;
  foldingPercent: number;
  seconds: number;
  /** Scores of the further label sets (a second atlas, a brain mask), by name. */
  labelSets: Record<string, LabelScores>;
}

/** A further label set of a pair, read. */
export interface LabelSetScans {
  name: string;
  fixed: Scan;
  moving: Scan;
}

const nanMean = (values: number[]) => {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
};

/** `labels` (on the moving grid, resampled onto the fixed grid when `resample`) warped by the output's displacement, nearest neighbour; read back asynchronously. */
export async function warpLabels(output: RegistrationOutput, labels: Scan, resample?: boolean): Promise<Int32Array> {
  const fixedGrid = { values: new Float32Array(0), shape: output.shape, path: 'fixed' };
  const values = await checkSameGrid(fixedGrid, labels, 'moving labels', resample);
  const warped = tf.tidy(() => {
    const displacement = tf.tensor(output.displacement, [1, ...output.shape, output.shape.length]);
    return warp(tf.tensor(values, [1, ...output.shape, 1]), displacement, { interpolation: 'nearest' });
  });
  try {
    return Int32Array.from(await warped.data());
  } finally {
    warped.dispose();
  }
}

async function scoreLabels(fixedLabels: Scan, movingLabels: Scan, warped: Int32Array, shape: number[]): Promise<LabelScores> {
  const fixedMap = { data: Int32Array.from(fixedLabels.values), shape: fixedLabels.shape };
  const labels = labelsIn(fixedMap);
  const before = { data: Int32Array.from(await checkSameGrid(fixedLabels, movingLabels, 'moving labels', true)), shape: fixedLabels.shape };
  const after = { data: warped, shape };
  return { diceBefore: nanMean(dice(fixedMap, before, labels)), dice: nanMean(dice(fixedMap, after, labels)), hd95: nanMean(hd95(fixedMap, after, labels)) };
}

/** Scores one registered pair against its label maps (the first set, warped by `registerScans`, and any further sets). */
export async function evaluatePair(name: string, output: RegistrationOutput, fixedLabels: Scan, movingLabels: Scan, labelSets: LabelSetScans[] = []): Promise<PairEvaluation> {
  check(output.warpedLabels !== undefined, 'movingLabels', name, 'moving labels registered with the pair');
  const sets: Array<[string, LabelScores]> = [];
  for (const set of labelSets) sets.push([set.name, await scoreLabels(set.fixed, set.moving, await warpLabels(output, set.moving, true), output.shape)]);
  return {
    name,
    ...(await scoreLabels(fixedLabels, movingLabels, output.warpedLabels!, output.shape)),
    foldingPercent: foldingPercentage({ data: output.displacement, shape: [...output.shape, output.shape.length] }),
    seconds: output.seconds,
    labelSets: Object.fromEntries(sets),
  };
}

/** Spatial size a WiNet accepts for scans of `shape`: each axis rounded up to a multiple of 16. */
export function networkSize(shape: number[]): number[] {
  return shape.map((n) => Math.ceil(n / 16) * 16);
}

/** Reads the pairs of `source` (`listPairs`), normalised and fitted to `size` (default: `networkSize` of the first pair). */
export async function loadTrainingPairs(source: string, size?: number[]): Promise<{ fixed: Float32Array; moving: Float32Array; count: number; size: number[]; shape: number[] }> {
  const pairs = listPairs(source);
  const first = await readScan(pairs[0].fixed, 'fixed');
  const target = size ?? networkSize(first.shape);
  check(target.length === first.shape.length, 'size', target, `${first.shape.length} sizes (the scans are ${first.shape.length}-D)`);
  const voxels = target.reduce((a, b) => a * b, 1);
  const fixed = new Float32Array(pairs.length * voxels);
  const moving = new Float32Array(pairs.length * voxels);
  for (let i = 0; i < pairs.length; i++) {
    const f = await readScan(pairs[i].fixed, 'fixed');
    const m = await readScan(pairs[i].moving, 'moving');
    check(tf.util.arraysEqual(f.shape, first.shape) && tf.util.arraysEqual(m.shape, first.shape), `pairs: ${pairs[i].name}`, [f.shape, m.shape], `fixed and moving of shape [${first.shape.join(', ')}] like the first pair`);
    fixed.set(centerFit(normalizeMinMax(f.values), f.shape, target), i * voxels);
    moving.set(centerFit(normalizeMinMax(m.values), m.shape, target), i * voxels);
  }
  return { fixed, moving, count: pairs.length, size: target, shape: first.shape };
}
