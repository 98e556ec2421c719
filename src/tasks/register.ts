/**
 * Unsupervised deformable registration with the registration networks of the
 * model registry (`winet`, `winet-diff`): training, registering a pair, and
 * evaluating on labelled pairs.
 *
 * Objective (VoxelMorph, Balakrishnan et al. 2019, Eq. 3; WiNet, Cheng et al.
 * 2024, §2.3): similarity(fixed, moving ∘ φ) + λ · smoothness, with local NCC
 * (9-voxel window) or MSE, and VoxelMorph's `Grad` l2 smoothness on the
 * network's field — the velocity for a diffeomorphic model, as WiNet-Diff
 * penalises it, which is then integrated by scaling and squaring (7 steps)
 * before warping. λ defaults to WiNet's 2. The moving image is warped
 * linearly with zero padding; labels with nearest neighbours.
 *
 * Decisions recorded in the run's `registration.json` and read back by
 * inference and evaluation: the model and its options (so the network
 * accepts one spatial size, `size`), the field kind, min–max normalisation
 * to [0, 1] of each scan, centred padding/cropping to `size` and back
 * (`data/registration.ts`). Outputs are on the fixed grid at the fixed scan's
 * size; warped intensities keep the moving scan's units.
 */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { check, WavecvError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { loadModel, saveModel } from '../io/model-io.js';
import { ArrayRecordDataset, DataLoader, hostTensor } from '../data/dataset.js';
import { centerFit, listPairs, normalizeMinMax, readScan, resampleTo, type Scan } from '../data/registration.js';
import { gradientSmoothness, mse, ncc } from '../losses/registration.js';
import { dice, foldingPercentage, hd95, labelsIn } from '../metrics/registration.js';
import { createModel, type ModelOptions } from '../models/index.js';
import { registrationField, registrationSize, type FieldKind } from '../models/winet/index.js';
import { integrateVelocity, warp } from '../nn/warp.js';
import { Trainer, type Objective, type ProgressReporter } from '../train/trainer.js';
import { checkRunFolder } from '../train/run-folder.js';
import { trainerLoopOptions } from '../train/task-settings.js';
import type { ClipSpec } from '../train/clip.js';
import type { OptimizerSpec } from '../train/optimizers.js';
import type { EpochScheduleSpec } from '../train/schedules.js';

export type Similarity = 'ncc' | 'mse';

export interface RegistrationLoss {
  similarity: Similarity;
  /** NCC window (odd; default 9). */
  window: number;
  /** Weight λ of the smoothness term (default 2, WiNet's). */
  lambda: number;
}

export const DEFAULT_REGISTRATION_LOSS: RegistrationLoss = { similarity: 'ncc', window: 9, lambda: 2 };

/** What a trained registration run records (`registration.json`). */
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

/** The displacement a model's output stands for (integrated when it is a velocity). */
export function displacementOf(output: tf.Tensor, field: FieldKind): tf.Tensor {
  return field === 'velocity' ? integrateVelocity(output, { steps: 7 }) : tf.clone(output);
}

/** The training objective of the module comment for batches `{ moving, fixed }`. */
export function registrationObjective(field: FieldKind, loss: RegistrationLoss = DEFAULT_REGISTRATION_LOSS): Objective {
  check(loss.similarity === 'ncc' || loss.similarity === 'mse', 'similarity', loss.similarity, 'ncc or mse');
  check(Number.isFinite(loss.lambda) && loss.lambda >= 0, 'lambda', loss.lambda, 'a non-negative number');
  return {
    compute(outputs, batch) {
      const predicted = Array.isArray(outputs) ? outputs[0] : outputs;
      const displacement = displacementOf(predicted, field);
      const warped = warp(batch.moving, displacement);
      const similarity = loss.similarity === 'ncc' ? ncc(batch.fixed, warped, { window: loss.window }) : mse(batch.fixed, warped);
      const smoothness = gradientSmoothness(predicted, { penalty: 'l2' });
      return { loss: tf.add(similarity, tf.mul(smoothness, loss.lambda)) as tf.Scalar, metrics: { similarity, smoothness } };
    },
  };
}

export interface TrainRegistrationOptions {
  model: string;
  modelOptions?: ModelOptions;
  /** Training pairs: fixed and moving [N, *size, 1], normalised, at the model's size. */
  fixed: Float32Array;
  moving: Float32Array;
  count: number;
  loss?: RegistrationLoss;
  epochs: number;
  batchSize?: number;
  /** Default Adam, learning rate 1e-4 (WiNet's). */
  optimizer?: OptimizerSpec;
  schedule?: EpochScheduleSpec;
  clip?: ClipSpec;
  seed: number;
  out: string;
  resume?: boolean;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface TrainRegistrationResult {
  metadata: RegistrationMetadata;
  steps: number;
  seconds: number;
  /** Mean loss over the last epoch. */
  finalLoss: number;
}

/** Trains a registration network on prepared pairs and writes the run folder (model/, registration.json, log, checkpoints). */
export async function trainRegistration(options: TrainRegistrationOptions): Promise<TrainRegistrationResult> {
  const field = registrationField(options.model);
  if (!field) throw new WavecvError('model', options.model, 'a registration model (winet, winet-diff, vxm-unet)');
  const modelOptions = { ...options.modelOptions, seed: options.seed };
  const size = registrationSize(modelOptions);
  const voxels = size.reduce((a, b) => a * b, 1);
  check(options.fixed.length === options.count * voxels && options.moving.length === options.count * voxels, 'pairs', options.count, `fixed and moving arrays of ${options.count} × ${size.join('×')} voxels`);
  checkRunFolder(options.out, options.out, options.resume);
  const loss = options.loss ?? DEFAULT_REGISTRATION_LOSS;
  const model = createModel(options.model, modelOptions);
  const shape = [options.count, ...size, 1];
  const data = new ArrayRecordDataset({ fixed: hostTensor('float32', shape, options.fixed), moving: hostTensor('float32', shape, options.moving) });
  const batchSize = options.batchSize ?? 1;
  const loader = new DataLoader(data, { batchSize, seed: options.seed });
  const metadata: RegistrationMetadata = { task: 'register', model: options.model, modelOptions, size, field, integrationSteps: 7, normalization: 'minmax', loss };
  const trainer = new Trainer({
    model,
    objective: registrationObjective(field, loss),
    data: loader,
    inputKeys: ['moving', 'fixed'],
    ...trainerLoopOptions(
      { epochs: options.epochs, optimizer: options.optimizer ?? { type: 'adam', lr: 1e-4 }, schedule: options.schedule, clip: options.clip, seed: options.seed, progress: options.progress, signal: options.signal },
      loader.stepsPerEpoch,
      options.out,
    ),
    config: { ...metadata },
  });
  if (options.resume) await trainer.resume();
  const result = await trainer.fit();
  await saveModel(model, join(options.out, 'model'));
  writeJsonAtomic(join(options.out, 'registration.json'), metadata);
  const last = result.history[result.history.length - 1];
  model.dispose();
  return { metadata, steps: result.steps, seconds: result.seconds, finalLoss: last?.train.loss ?? NaN };
}

export interface LoadedRegistrationModel {
  model: tf.LayersModel;
  metadata: RegistrationMetadata;
}

/** Loads a trained registration run (its `model/` and `registration.json`). */
export async function loadRegistrationModel(run: string): Promise<LoadedRegistrationModel> {
  const metaPath = join(run, 'registration.json');
  check(existsSync(metaPath), 'model', run, 'a registration run folder (with registration.json and model/)');
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

function checkSameGrid(fixed: Scan, other: Scan, argument: string, resample: boolean | undefined): Float32Array {
  if (tf.util.arraysEqual(fixed.shape, other.shape)) return other.values;
  check(resample === true, argument, other.shape, `the fixed scan's shape [${fixed.shape.join(', ')}] (or --resample to resample it onto the fixed grid)`);
  check(fixed.shape.length === other.shape.length, argument, other.shape, `${fixed.shape.length} axes like the fixed scan`);
  return resampleTo(other.values, other.shape, fixed.shape, argument.includes('labels') ? 'nearest' : 'linear');
}

/** Registers `moving` to `fixed` with a trained run (module comment). */
export function registerScans(loaded: LoadedRegistrationModel, fixed: Scan, moving: Scan, options: RegisterOptions = {}): RegistrationOutput {
  const { model, metadata } = loaded;
  const size = metadata.size;
  check(fixed.shape.length === size.length, 'fixed', fixed.shape, `a ${size.length}-D scan (the model registers ${size.length}-D scans)`);
  const movingValues = checkSameGrid(fixed, moving, 'moving', options.resample);
  const labelValues = options.movingLabels ? checkSameGrid(fixed, options.movingLabels, 'moving labels', options.resample) : undefined;
  const axes = size.length;
  const start = performance.now();
  const result = tf.tidy(() => {
    const input = (values: Float32Array) => tf.tensor(centerFit(normalizeMinMax(values), fixed.shape, size), [1, ...size, 1]);
    const output = model.predict([input(movingValues), input(fixed.values)]) as tf.Tensor;
    const fitted = displacementOf(output, metadata.field);
    const displacement = tf.tensor(centerFit(fitted.dataSync() as Float32Array, size, fixed.shape, axes), [1, ...fixed.shape, axes]);
    const warped = warp(tf.tensor(movingValues, [1, ...fixed.shape, 1]), displacement);
    const warpedLabels = labelValues ? warp(tf.tensor(labelValues, [1, ...fixed.shape, 1]), displacement, { interpolation: 'nearest' }) : undefined;
    return {
      displacement: displacement.dataSync() as Float32Array,
      warped: warped.dataSync() as Float32Array,
      warpedLabels: warpedLabels ? Int32Array.from(warpedLabels.dataSync()) : undefined,
    };
  });
  return { ...result, shape: fixed.shape, seconds: (performance.now() - start) / 1000 };
}

export interface PairEvaluation {
  name: string;
  /** Mean Dice over the labels of the fixed label map (0 excluded), before and after. */
  diceBefore: number;
  dice: number;
  foldingPercent: number;
  /** Mean HD95 (voxels) over those labels, after registration. */
  hd95: number;
  seconds: number;
}

const nanMean = (values: number[]) => {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
};

/** Scores one registered pair against its label maps. */
export function evaluatePair(name: string, output: RegistrationOutput, fixedLabels: Scan, movingLabels: Scan): PairEvaluation {
  check(output.warpedLabels !== undefined, 'movingLabels', name, 'moving labels registered with the pair');
  const fixedMap = { data: Int32Array.from(fixedLabels.values), shape: fixedLabels.shape };
  const labels = labelsIn(fixedMap);
  const before = { data: Int32Array.from(checkSameGrid(fixedLabels, movingLabels, 'moving labels', true)), shape: fixedLabels.shape };
  const after = { data: output.warpedLabels, shape: output.shape };
  return {
    name,
    diceBefore: nanMean(dice(fixedMap, before, labels)),
    dice: nanMean(dice(fixedMap, after, labels)),
    foldingPercent: foldingPercentage({ data: output.displacement, shape: [...output.shape, output.shape.length] }),
    hd95: nanMean(hd95(fixedMap, after, labels)),
    seconds: output.seconds,
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
