/**
 * Face forgery detection with the trainer (`wavecv train forgery`) and its
 * evaluation (`wavecv eval forgery`): a registry detector (`dtn`,
 * `xception-small`, `vit-tiny`, …) trained on forgery data opened by
 * `openForgeryData` (src/data/readers.ts: real/fake folders, FaceForensics++
 * frame trees; label 1 = fake), scored per frame and per video (the mean of
 * a video's frame scores) with AUC, EER, AP and accuracy at 0.5
 * (src/metrics/binary.ts), ROC figure (src/plot/roc-figure.ts).
 *
 * A task of the run template (src/train/run.ts): the run folder gets
 * `config.json`, `log.jsonl`, `checkpoints/`, `model/` (metadata: model
 * name and options, classes `real, fake`, the normalisation), `metrics.json`
 * (frame and video scores on the evaluation split), `roc.png`,
 * `loss-curve.png` and `auc-curve.png`.
 *
 * Choices (ours, documented here):
 *  - the detector outputs two logits (real, fake); a frame's score is the
 *    softmax probability of fake;
 *  - inputs in [0, 1] are normalised with mean 0.5 and std 0.5 per channel
 *    (DeepfakeBench's detector configs), not with statistics of the data, so
 *    that real and fake sets of different make-up are treated alike;
 *  - augmentation: horizontal flip with p = 0.5 (DeepfakeBench's), nothing
 *    that would blur or hide blending artifacts;
 *  - loss: softmax cross-entropy; with `dsd` the deepfake self-distillation
 *    loss (src/losses/distillation.ts) whose teacher is the exponential
 *    moving average of the detector's weights (src/train/ema.ts, decay
 *    `emaDecay`, default 0.99, with the mean teacher's warm-up
 *    d_t = min(d, 1 − 1/(t + 1))). The saved model is the student, so DSD
 *    on/off compares the same kind of network;
 *  - the evaluation split is the data's test split; without one a seeded
 *    10% of the training *videos* is held out (never frames of one video on
 *    both sides);
 *  - the MoE's balancing loss and expert loads are logged per step through
 *    the auxiliary-loss hook (`aux/moe_balance`, `aux/moe/load<i>`) and
 *    their epoch means are kept in metrics.json's history.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, normalize, randomHorizontalFlip } from '../data/augment.js';
import { DataLoader, subsetDataset, type Dataset } from '../data/dataset.js';
import type { ForgeryData, ForgeryDataset, ForgeryReaderOptions } from '../data/forgery/dataset.js';
import { FORGERY_CLASSES } from '../data/forgery/dataset.js';
import type { Normalization } from '../data/normalization.js';
import { openForgeryData } from '../data/readers.js';
import { Rng } from '../engine/random.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../engine/seed.js';
import { check } from '../errors.js';
import { createLoss, type ClassificationLossContext } from '../losses/index.js';
import { frameAndVideoScores, videoScores, type BinaryScores } from '../metrics/binary.js';
import { createModel } from '../models/index.js';
import { rocSpec } from '../plot/roc-figure.js';
import { writeFigure, type VegaLiteSpec } from '../plot/vega.js';
import { fakeProbabilities as scoreImages } from './forgery-score.js';
import { runTraining, windowedStepCurves, type RunChart, type RunSettings, type TrainingTask } from '../train/run.js';
import type { EpochSummary, Objective, StepRecord } from '../train/trainer.js';
import { join } from 'node:path';

/** The fixed input normalisation of forgery detectors (DeepfakeBench: mean = std = 0.5). */
export const FORGERY_NORMALIZATION: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/** Index of the fake class among the detector's outputs. */
export const FAKE_CLASS = FORGERY_CLASSES.indexOf('fake');

export interface ForgeryTrainOptions extends RunSettings {
  /** Registry model (default `dtn`). */
  model?: string;
  /** Model options (`moe`, `levt`, `mas`, `experts`, …); numClasses, inChannels and inputSize come from the data. */
  modelOptions?: Record<string, unknown>;
  /** A forgery data folder (real/fake folders or a FaceForensics++ tree). */
  data: string;
  /** Reader options: `size` (the input size), `framesPerVideo`, FaceForensics++ `compression` and `methods`. */
  dataOptions?: ForgeryReaderOptions;
  /** Deepfake self-distillation from the EMA teacher (default false). */
  dsd?: boolean;
  /** DSD temperature T (default 2) and weight α (default 0.5). */
  dsdTemperature?: number;
  dsdWeight?: number;
  /** Decay of the teacher's weight average (default 0.99). */
  emaDecay?: number;
  /** Horizontal flips (default true). */
  flip?: boolean;
  trainLimit?: number;
  testLimit?: number;
  evalBatchSize?: number;
}

/** Frame- and video-level scores of a detector on a split. */
export interface ForgeryEvaluation {
  frame: BinaryScores;
  video: BinaryScores & { videos: number };
  frames: number;
}

/** Fake probabilities of images in [0, 1] ([B, H, W, C]) under `normalization`; inference mode (the detector's scoring, src/tasks/forgery-score.ts). */
export function fakeProbabilities(model: tf.LayersModel, images: tf.Tensor4D, normalization: Normalization): Promise<Float32Array> {
  return scoreImages(model, images, normalization, FAKE_CLASS);
}

/** Fake probability, label and video id of every sample of `dataset` (whose batches hold `video`, an index into `videos`). */
export async function forgeryScores(
  model: tf.LayersModel,
  dataset: Dataset,
  videos: readonly string[],
  options: { normalization: Normalization; batchSize?: number },
): Promise<{ scores: Float32Array; labels: Int32Array; videoIds: string[] }> {
  const batchSize = options.batchSize ?? 32;
  const scores = new Float32Array(dataset.length);
  const labels = new Int32Array(dataset.length);
  const videoIds: string[] = [];
  for (let start = 0; start < dataset.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, dataset.length - start) }, (_, i) => start + i);
    const batch = await dataset.getBatch(indices);
    check(batch.video !== undefined, 'data', 'batches without video ids', 'forgery data (batches with a `video` key)');
    const images = tf.tensor4d(batch.image.data as Float32Array, batch.image.shape as [number, number, number, number]);
    try {
      scores.set(await fakeProbabilities(model, images, options.normalization), start);
    } finally {
      images.dispose();
    }
    labels.set(batch.label.data as Int32Array, start);
    for (const v of batch.video.data) videoIds.push(videos[v]);
  }
  return { scores, labels, videoIds };
}

/** Frame- and video-level AUC, EER, AP and accuracy of `model` on `dataset`, with the scores for a ROC figure. */
export async function evaluateForgery(
  model: tf.LayersModel,
  dataset: Dataset,
  videos: readonly string[],
  options: { normalization: Normalization; batchSize?: number },
): Promise<ForgeryEvaluation & { scores: Float32Array; labels: Int32Array; videoIds: string[] }> {
  const s = await forgeryScores(model, dataset, videos, options);
  const { frame, video } = frameAndVideoScores(s.scores, s.labels, s.videoIds);
  return { frame, video, frames: dataset.length, ...s };
}

/** The vega-lite spec of the ROC figure of frame and video scores (the mean of a video's frame scores). */
export function forgeryRocSpec(e: { scores: Float32Array; labels: Int32Array; videoIds: string[] }, title: string): VegaLiteSpec {
  const videos = videoScores(e.scores, e.labels, e.videoIds);
  return rocSpec(
    [
      { label: 'frames', scores: e.scores, labels: e.labels },
      { label: 'videos (mean of frames)', scores: videos.scores, labels: videos.labels },
    ],
    title,
  );
}

interface ForgerySplits {
  data: ForgeryData;
  train: Dataset & { imageShape: [number, number, number]; length: number };
  test: Dataset;
  /** Video ids of the test batches' `video` indices. */
  testVideos: readonly string[];
  evalSplit: string;
}

function firstN(dataset: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= dataset.length) return dataset;
  return subsetDataset(dataset, Array.from({ length: limit }, (_, i) => i));
}

/** A seeded 10% of the videos of `dataset` (at least one) held out: sample indices of the kept and held-out videos. */
function holdOutVideos(dataset: ForgeryDataset, seed: number): { kept: number[]; held: number[] } {
  const order = new Rng(seed).shuffle(dataset.videos.map((_, i) => i));
  const heldVideos = new Set(order.slice(0, Math.max(1, Math.round(dataset.videos.length / 10))));
  const kept: number[] = [];
  const held: number[] = [];
  dataset.videoIndices().forEach((v, i) => (heldVideos.has(v) ? held : kept).push(i));
  return { kept, held };
}

function checkPositive(options: ForgeryTrainOptions, keys: ReadonlyArray<'trainLimit' | 'testLimit' | 'evalBatchSize'>): void {
  for (const key of keys) {
    const v = options[key];
    if (v !== undefined) check(Number.isInteger(v) && v > 0, key, v, 'a positive integer');
  }
}

function forgeryCharts(history: EpochSummary[], steps: StepRecord[], stepsPerEpoch: number): RunChart[] {
  const { x, loss } = windowedStepCurves(steps, stepsPerEpoch, 'accuracy');
  const evaluated = history.filter((h) => h.eval);
  const ex = evaluated.map((h) => h.step / stepsPerEpoch);
  return [
    { file: 'loss-curve.png', series: [{ label: 'train (batch)', x, y: loss }], options: { title: 'Training loss', xLabel: 'epoch', yLabel: 'loss' } },
    {
      file: 'auc-curve.png',
      series: [
        { label: 'frame AUC', x: ex, y: evaluated.map((h) => h.eval!.auc) },
        { label: 'video AUC', x: ex, y: evaluated.map((h) => h.eval!.videoAuc) },
      ],
      options: { title: 'Evaluation AUC', xLabel: 'epoch', yLabel: 'AUC', yRange: [0, 1] },
    },
  ];
}

/** Metadata extension of a forgery model. */
export interface ForgeryModelExtension {
  fakeClass: number;
  dsd: { temperature: number; weight: number; emaDecay: number } | null;
}

/** Face forgery detection as a task of the run template. */
export const forgeryTask: TrainingTask<ForgeryTrainOptions, ForgerySplits, ForgeryModelExtension, ForgeryEvaluation> = {
  name: 'forgery',

  validate(options) {
    check(options.model === undefined || (typeof options.model === 'string' && options.model !== ''), 'model', options.model, 'a registry model name');
    check(typeof options.data === 'string' && options.data !== '', 'data', options.data, 'a forgery data folder');
    checkPositive(options, ['trainLimit', 'testLimit', 'evalBatchSize']);
    for (const key of ['numClasses', 'inChannels', 'inputSize']) {
      check(options.modelOptions?.[key] === undefined, `modelOptions.${key}`, options.modelOptions?.[key], 'nothing (it comes from the data)');
    }
    if (options.emaDecay !== undefined) check(Number.isFinite(options.emaDecay) && options.emaDecay >= 0 && options.emaDecay < 1, 'emaDecay', options.emaDecay, 'a number in [0, 1)');
    if (!options.dsd) {
      for (const key of ['dsdTemperature', 'dsdWeight', 'emaDecay'] as const) check(options[key] === undefined, key, options[key], 'nothing without dsd (it sets the self-distillation)');
    }
  },

  async openData(options) {
    const data = await openForgeryData(options.data, options.dataOptions ?? {});
    let train: Dataset = data.train;
    let test: Dataset;
    let testVideos: readonly string[];
    let evalSplit = 'test';
    if (data.test) {
      test = data.test;
      testVideos = data.test.videos;
    } else {
      const { kept, held } = holdOutVideos(data.train, deriveSeed(options.seed, SEED_STREAMS.dataOrder, 0xffff));
      check(kept.length > 0 && held.length > 0, 'data', options.data, 'forgery data with a test split, or at least two videos to hold one out');
      train = subsetDataset(data.train, kept);
      test = subsetDataset(data.train, held);
      testVideos = data.train.videos;
      evalSplit = 'held-out 10% of the training videos';
    }
    const labels = (train as ForgeryDataset).labels();
    check(labels.includes(0) && labels.includes(1), 'data', options.data, 'training frames of both classes (real and fake)');
    return {
      data,
      train: Object.assign(firstN(train, options.trainLimit), { imageShape: data.train.imageShape }),
      test: firstN(test, options.testLimit),
      testVideos,
      evalSplit,
    };
  },

  preprocessing(_options, { train }) {
    return { inputShape: train.imageShape, normalization: FORGERY_NORMALIZATION };
  },

  setup(options, { data, train, test, testVideos, evalSplit }, { preprocessing, outDir }) {
    const [size, , channels] = train.imageShape;
    const model = options.model ?? 'dtn';
    const modelOptions = { ...options.modelOptions, numClasses: FORGERY_CLASSES.length, inChannels: channels, inputSize: size };
    const build = (stream: number) => withSeededRandom(deriveSeed(options.seed, SEED_STREAMS.modelInit, stream), () => createModel(model, modelOptions));
    const network = build(0);
    const normalization = preprocessing.normalization;
    const transforms = options.flip === false ? [normalize(normalization)] : [randomHorizontalFlip(), normalize(normalization)];
    const loader = new DataLoader(train, { batchSize: options.batchSize ?? 32, seed: options.seed, transform: compose(...transforms) });
    const dsd = options.dsd ? { temperature: options.dsdTemperature ?? 2, weight: options.dsdWeight ?? 0.5, emaDecay: options.emaDecay ?? 0.99 } : null;
    const context: ClassificationLossContext = { numClasses: FORGERY_CLASSES.length };
    const objective = dsd
      ? createLoss<ClassificationLossContext, Objective>('distillation', 'self-distillation', { temperature: dsd.temperature, weight: dsd.weight }, context)
      : createLoss<ClassificationLossContext, Objective>('classification', 'cross-entropy', {}, context);
    const teacher = dsd ? build(1) : undefined;
    const evalBatchSize = options.evalBatchSize ?? 32;
    const evaluate = () => evaluateForgery(network, test, testVideos, { normalization, batchSize: evalBatchSize });
    const dataSummary = { spec: options.data, source: data.source, format: data.format, trainSize: train.length, evalSize: test.length, evalSplit, imageShape: train.imageShape };
    return {
      model: network,
      objective,
      loader,
      trainer: teacher ? { ema: { model: teacher, decay: dsd!.emaDecay, warmup: {}, teacher: true } } : undefined,
      evaluate: {
        everyEpochs: 1,
        run: async () => {
          const e = await evaluate();
          return { auc: e.frame.auc, eer: e.frame.eer, ap: e.frame.ap, accuracy: e.frame.accuracy, videoAuc: e.video.auc };
        },
      },
      definition: { model, modelOptions, dataOptions: options.dataOptions, trainLimit: options.trainLimit, testLimit: options.testLimit, data: dataSummary, flip: options.flip !== false, dsd },
      settings: { evalBatchSize },
      metadata: () => ({ model: { name: model, options: modelOptions }, classNames: [...FORGERY_CLASSES], extension: { fakeClass: FAKE_CLASS, dsd } }),
      async finish(result) {
        if (result.stopped !== 'completed') {
          const last = result.lastEval ?? {};
          const partial: ForgeryEvaluation = {
            frame: { auc: last.auc ?? NaN, eer: last.eer ?? NaN, ap: last.ap ?? NaN, accuracy: last.accuracy ?? NaN, positives: NaN, negatives: NaN },
            video: { auc: last.videoAuc ?? NaN, eer: NaN, ap: NaN, accuracy: NaN, positives: NaN, negatives: NaN, videos: NaN },
            frames: test.length,
          };
          return { metrics: { model, modelOptions, data: dataSummary, dsd, test: partial }, result: partial };
        }
        const e = await evaluate();
        await writeFigure(join(outDir, 'roc.png'), forgeryRocSpec(e, `${model} on ${evalSplit}`));
        const scores: ForgeryEvaluation = { frame: e.frame, video: e.video, frames: e.frames };
        return { metrics: { model, modelOptions, data: dataSummary, dsd, test: scores }, result: scores };
      },
      historyRow: (h) => ({ epoch: h.epoch + 1, step: h.step, steps: h.steps, lr: h.lr, train: h.train, eval: h.eval, seconds: h.seconds }),
      charts: (history, steps) => forgeryCharts(history, steps, loader.stepsPerEpoch),
      dispose: () => teacher?.dispose(),
    };
  },
};

/** Trains a forgery detector end to end; see the module comment for what is written. */
export async function trainForgery(options: ForgeryTrainOptions) {
  return runTraining(forgeryTask, options);
}
