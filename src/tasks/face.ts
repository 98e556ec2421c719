/**
 * The face-recognition task: a backbone of the registry (`src/models/face/`)
 * trained with a face loss (`src/losses/`: softmax, CosFace, ArcFace, BCE,
 * UCE, USS/UniTSFace, EPL, optionally plus ECLoss on a stage) by the one
 * trainer (`src/train/`), then evaluated with the face metrics
 * (`src/metrics/`).
 *
 * Inputs are images in [0, 1] mapped to (x − 0.5)/0.5 (insightface's
 * normalisation). Training on RGB faces uses random horizontal flips
 * (insightface / UniFace `dataset.py`); single-channel data (digits,
 * Fashion-MNIST) is not flipped and not flip-tested, since a mirrored digit is
 * another pattern (my choice).
 *
 * Evaluations, both optional and on the test split:
 * - closed set: embeddings of the training classes scored against the loss's
 *   class prototypes (cosines): sample-wise and uniform accuracy (arXiv
 *   2403.07289), the best uniform threshold and its gap to the learned one;
 * - open set: seeded verification pairs over held-out classes (the open-set
 *   protocol of the uniform-classification paper, on data we have): the
 *   10-fold protocol (mean ± std), TAR@FAR and the ROC curve, with the
 *   learned threshold's accuracy on those pairs.
 *
 * A task of the run template (src/train/run.ts). Outputs in the run folder:
 * `model/` (the backbone; its metadata, {@link FaceModelMetadata}, holds the
 * learned unified threshold), `metrics.json`, `training-curve.png`, and the
 * trainer's `config.json`, `log.jsonl`, `checkpoints/`; with an open-set
 * evaluation also `roc.png`. Every option, the open-set classes and pairs
 * included, is checked before training starts.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { compose, normalize, randomHorizontalFlip } from '../data/augment.js';
import type { Normalization } from '../data/normalization.js';
import { DataLoader, type BatchTransform, type ClassificationData, type ClassificationDataset } from '../data/dataset.js';
import { check } from '../errors.js';
import { checkLossOptions, createLoss, ExplainableChannelLoss, faceObjective, readThreshold, type FaceLoss, type FaceLossContext, type FaceLossOptions } from '../losses/index.js';
import { pairScores, rocCurve, sampleWiseAccuracy, STANDARD_FARS, tarAtFar, thresholdGap, uniformAccuracy, verificationKFold, verificationValAtFar, type ValAtFarResult, type VerificationResult } from '../metrics/index.js';
import { embedFaces, featureModel } from '../models/face/embed.js';
import { createModel } from '../models/index.js';
import { lineChartSpec } from '../plot/line-chart.js';
import { writeFigure, type VegaLiteSpec } from '../plot/vega.js';
import { runTraining, type RunChart, type RunSettings, type TrainingTask } from '../train/run.js';
import { applyNormalization, type ModelMetadata, type Threshold } from '../train/run-folder.js';
import { deriveSeed, SEED_STREAMS } from '../engine/seed.js';
import type { EpochSummary } from '../train/trainer.js';
import { ClassSubsetDataset, drawPairs, openFaceData, type FaceDataOptions } from './face-data.js';

/** The face task's part of the model metadata ({@link ModelMetadata.extension}). */
export interface FaceModelExtension {
  /** The loss the backbone was trained with. */
  loss: string;
  /** Whether embeddings are flip-tested (sum of image and mirror). */
  flip: boolean;
  /** The ECLoss target layer, when trained with ECLoss. */
  ecloss?: { layer: string; weight: number };
}

/**
 * What a face model's metadata holds (written by {@link trainFace}, read by
 * verify/explain/eval). Thresholds, in cosine units: `learned` — the learned
 * unified threshold of the loss (UCE: b/s, USS: b/γ), absent for losses
 * without one; `verification` — stored by `eval verification --store-threshold`.
 */
export type FaceModelMetadata = ModelMetadata<FaceModelExtension>;

export interface TrainFaceOptions extends RunSettings {
  /** Registry name of the backbone (`iresnet18`, `iresnet-tiny`, `mobilefacenet`, …). */
  backbone: string;
  modelOptions?: Record<string, unknown>;
  /** A face loss of the registry (`softmax`, `cosface`, `uce`, `uss`, `epl`, …; src/losses/face-losses.ts). */
  loss: string;
  /** Options of the loss; options the loss does not take are refused. */
  lossOptions?: FaceLossOptions;
  /** `mnist`, `fashion-mnist`, a classification folder, identity folders, or opened data. */
  data: string | ClassificationData;
  dataOptions?: FaceDataOptions;
  /** Train on these classes only (renumbered in this order); default all. */
  classes?: number[];
  /** At most this many training images per class. */
  perClass?: number;
  /** Random horizontal flips while training and flip-test embeddings (default: on for 3-channel images). */
  flip?: boolean;
  /** ECLoss on the activations of `layer` (e.g. `stage3`), added with `weight`. */
  ecloss?: { layer: string; weight: number; beta?: number; diversityWeight?: number };
  /** Closed-set evaluation on the test split of the training classes (default true when there is a test split). */
  closedSet?: boolean;
  /** Open-set verification on `pairs` seeded pairs of these (held-out) classes of the test split. */
  openSet?: { classes: number[]; pairs?: number; seed?: number };
  evalBatchSize?: number;
}

export interface ClosedSetResult {
  samples: number;
  sampleWiseAccuracy: number;
  uniformAccuracy: number;
  bestThreshold: number;
  bestInterval: [number, number] | null;
  /** Uniform accuracy at the learned threshold and its gap to the best (null without a learned threshold). */
  learnedThreshold: number | null;
  accuracyAtLearned: number | null;
  gap: number | null;
}

export interface OpenSetResult {
  classes: string[];
  pairs: number;
  accuracy: VerificationResult['accuracy'];
  /** Best cosine threshold on all pairs, and the mean of the 10 folds' thresholds. */
  bestThreshold: number;
  meanFoldThreshold: number;
  tarAtFar: Array<{ far: number; tar: number; resolvable: boolean }>;
  /** insightface's VAL@FAR=1e-3 (k-fold, threshold interpolated on the training folds). */
  valAtFar: Pick<ValAtFarResult, 'farTarget' | 'val' | 'far'>;
  /** Accuracy of "same iff cos ≥ learned threshold" on the pairs (null without one). */
  accuracyAtLearned: number | null;
  auc: number;
}

export interface TrainFaceResult {
  outDir: string;
  modelDir: string;
  threshold: number | null;
  closedSet?: ClosedSetResult;
  openSet?: OpenSetResult;
  history: EpochSummary[];
  steps: number;
  stopped: 'completed' | 'aborted';
  trainSeconds: number;
  seconds: number;
}

/** Input normalisation of every face model: (x − 0.5)/0.5 per channel. */
export function faceNormalization(channels: number): Normalization {
  return { mean: new Array(channels).fill(0.5), std: new Array(channels).fill(0.5) };
}

/**
 * Embeddings of a whole dataset (images in [0, 1], normalised as the model's
 * metadata says), L2-normalised, optionally
 * flip-tested (sum of the embeddings of image and mirror before normalising).
 */
export async function embedDataset(
  model: tf.LayersModel,
  dataset: ClassificationDataset,
  options: { normalization: Normalization; flip?: boolean; batchSize?: number },
): Promise<{ embeddings: Float32Array; dim: number; labels: Int32Array }> {
  const batchSize = options.batchSize ?? 256;
  const dim = model.outputs[0].shape[1] as number;
  const out = new Float32Array(dataset.length * dim);
  const labels = new Int32Array(dataset.length);
  for (let start = 0; start < dataset.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, dataset.length - start) }, (_, i) => start + i);
    const batch = await dataset.getBatch(indices);
    const e = tf.tidy(() => {
      const x = applyNormalization(tf.tensor(batch.image.data, batch.image.shape, 'float32'), options.normalization) as tf.Tensor4D;
      return embedFaces(model, x, { flip: options.flip, batchSize: indices.length });
    });
    try {
      out.set(await e.data(), start * dim);
    } finally {
      e.dispose();
    }
    labels.set(batch.label.data as Int32Array, start);
  }
  return { embeddings: out, dim, labels };
}

/** Area under the ROC curve (trapezoids over the curve's points). */
export function rocAuc(far: number[], tar: number[]): number {
  let area = 0;
  for (let i = 1; i < far.length; i++) area += ((far[i] - far[i - 1]) * (tar[i] + tar[i - 1])) / 2;
  return area;
}

/**
 * Cosine similarities of the pairs (a[i], b[i]) of rows of `embeddings`
 * (row-major [n, dim], L2-normalised), read back asynchronously.
 */
export async function pairSimilarities(embeddings: Float32Array, dim: number, a: number[], b: number[]): Promise<Float64Array> {
  const all = tf.tensor2d(embeddings, [embeddings.length / dim, dim]);
  const [ta, tb] = [tf.gather(all, a), tf.gather(all, b)];
  try {
    return (await pairScores(ta, tb)).similarities;
  } finally {
    tf.dispose([all, ta, tb]);
  }
}

/** The vega-lite spec of a ROC curve on a log FAR axis (points with FAR = 0 left out). */
export function rocChartSpec(roc: { far: number[]; tar: number[] }, label: string, title: string): VegaLiteSpec {
  const pts = roc.far.map((f, i) => [f, roc.tar[i]]).filter(([f]) => f > 0);
  return lineChartSpec([{ label, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) }], {
    title,
    xLabel: 'false accept rate',
    yLabel: 'true accept rate',
    logX: true,
    yRange: [0, 1],
  });
}

/**
 * Verification figures of cosine scores of pairs (10-fold protocol, TAR@FAR,
 * insightface's VAL@FAR=1e-3 on the same folds, AUC). Sets of fewer than 10 pairs use one fold per pair (my choice, so tiny
 * sets still run).
 */
export function verificationSummary(similarities: Float64Array, same: boolean[], learned: number | null) {
  check(similarities.length >= 2, 'pairs', similarities.length, 'at least 2 pairs');
  const folds = Math.min(10, similarities.length);
  const kfold = verificationKFold({ similarities }, same, { folds });
  const val = verificationValAtFar({ similarities }, same, { folds });
  const roc = rocCurve(similarities, same);
  const tar = STANDARD_FARS.map((far) => tarAtFar(roc, far));
  let atLearned: number | null = null;
  if (learned !== null) {
    let correct = 0;
    similarities.forEach((s, i) => (correct += (s >= learned) === same[i] ? 1 : 0));
    atLearned = correct / similarities.length;
  }
  return {
    kfold,
    roc,
    tarAtFar: tar.map((t) => ({ far: t.far, tar: t.tar, resolvable: t.resolvable, threshold: t.threshold })),
    valAtFar: { farTarget: val.farTarget, val: val.val, far: val.far },
    meanFoldThreshold: kfold.folds.reduce((s, f) => s + f.cosineThreshold, 0) / kfold.folds.length,
    accuracyAtLearned: atLearned,
    auc: rocAuc(roc.far, roc.tar),
  };
}

async function closedSet(loss: FaceLoss, emb: { embeddings: Float32Array; dim: number; labels: Int32Array }): Promise<ClosedSetResult> {
  const n = emb.labels.length;
  const scores = tf.tidy(() => loss.scores(tf.tensor2d(emb.embeddings, [n, emb.dim])));
  let values: Float32Array;
  try {
    values = (await scores.data()) as Float32Array;
  } finally {
    scores.dispose();
  }
  const matrix = { values, rows: n, cols: loss.numClasses };
  const uni = uniformAccuracy(matrix, emb.labels);
  const learned = (await readThreshold(loss)) ?? null;
  const gap = learned !== null ? thresholdGap(matrix, emb.labels, learned) : undefined;
  return {
    samples: n,
    sampleWiseAccuracy: sampleWiseAccuracy(matrix, emb.labels),
    uniformAccuracy: uni.accuracy,
    bestThreshold: uni.threshold,
    bestInterval: uni.interval ?? null,
    learnedThreshold: learned,
    accuracyAtLearned: gap?.accuracyAtLearned ?? null,
    gap: gap?.gap ?? null,
  };
}

function trainingCurve(history: EpochSummary[]): RunChart[] {
  if (history.length === 0) return [];
  const x = history.map((h) => h.epoch + 1);
  const series = [
    { label: 'loss / 10', x, y: history.map((h) => h.train.loss / 10) },
    { label: 'train accuracy', x, y: history.map((h) => h.train.accuracy ?? NaN) },
  ];
  if (history.some((h) => h.train.threshold !== undefined)) series.push({ label: 'threshold t', x, y: history.map((h) => h.train.threshold ?? NaN) });
  return [{ file: 'training-curve.png', series, options: { title: 'face training (epoch means)', xLabel: 'epoch', yLabel: 'value' } }];
}

const classIndex = (what: string, count: number) => (c: number) => check(Number.isInteger(c) && c >= 0 && c < count, what, c, `a class index in [0, ${count})`);

/** The opened data of a face run and its training classes. */
interface FaceRunData {
  data: ClassificationData;
  classes: number[];
  train: ClassificationDataset;
}

/** The face task of the run template (src/train/run.ts). */
export const faceTask: TrainingTask<TrainFaceOptions, FaceRunData, FaceModelExtension, Omit<TrainFaceResult, keyof RunOutcomeFields>> = {
  name: 'face',

  validate(options) {
    check(typeof options.backbone === 'string' && options.backbone !== '', 'backbone', options.backbone, 'a registry backbone name');
    checkLossOptions('face', options.loss, options.lossOptions);
    const distinct = (list: number[], what: string) => {
      check(Array.isArray(list) && list.length > 0, what, list, 'a non-empty list of class indices');
      list.forEach((c) => check(Number.isInteger(c) && c >= 0, what, c, 'class indices (integers ≥ 0)'));
      check(new Set(list).size === list.length, what, list, 'distinct class indices');
    };
    if (options.classes !== undefined) distinct(options.classes, 'classes');
    if (options.perClass !== undefined) check(Number.isInteger(options.perClass) && options.perClass > 0, 'perClass', options.perClass, 'a positive integer');
    if (options.evalBatchSize !== undefined) check(Number.isInteger(options.evalBatchSize) && options.evalBatchSize > 0, 'evalBatchSize', options.evalBatchSize, 'a positive integer');
    if (options.openSet) {
      distinct(options.openSet.classes, 'openSet');
      check(options.classes !== undefined, 'openSet', options.openSet.classes, 'classes held out of training (give the training classes too, e.g. classes 0-6 with open set 7-9)');
      for (const c of options.openSet.classes) check(!options.classes.includes(c), 'openSet', c, 'classes not used in training');
      const pairs = options.openSet.pairs ?? 6000;
      check(Number.isInteger(pairs) && pairs >= 20 && pairs % 20 === 0, 'pairs', pairs, 'a multiple of 20 (same and different pairs in each of 10 folds)');
      if (options.openSet.seed !== undefined) check(Number.isInteger(options.openSet.seed) && options.openSet.seed >= 0, 'pairSeed', options.openSet.seed, 'an integer ≥ 0');
    }
    if (options.ecloss) {
      check(typeof options.ecloss.layer === 'string' && options.ecloss.layer !== '', 'ecloss', options.ecloss.layer, 'a layer name, e.g. stage3');
      check(Number.isFinite(options.ecloss.weight) && options.ecloss.weight >= 0, 'eclossWeight', options.ecloss.weight, 'a number ≥ 0');
    }
  },

  async openData(options) {
    const data = typeof options.data === 'string' ? await openFaceData(options.data, options.dataOptions) : options.data;
    const classes = options.classes ?? data.classNames.map((_, i) => i);
    classes.forEach(classIndex('classes', data.classNames.length));
    if (options.openSet) {
      check(data.test !== undefined, 'openSet', options.openSet.classes, 'data with a test split');
      options.openSet.classes.forEach(classIndex('openSet', data.classNames.length));
    }
    const train: ClassificationDataset = new ClassSubsetDataset(data.train, classes, options.perClass);
    check(train.length > 0, 'data', typeof options.data === 'string' ? options.data : data.source, 'training images of the chosen classes (there are none)');
    const [height, width] = train.imageShape;
    check(height === width, 'data', `${height}×${width} images`, 'square images');
    return { data, classes, train };
  },

  preprocessing(_options, { train }) {
    return { inputShape: train.imageShape, normalization: faceNormalization(train.imageShape[2]) };
  },

  setup(options, { data, classes, train }, { preprocessing }) {
    const [height, , channels] = train.imageShape;
    const flip = options.flip ?? channels === 3;
    const normalization = preprocessing.normalization;
    const transforms: BatchTransform[] = [];
    if (flip) transforms.push(randomHorizontalFlip());
    transforms.push(normalize(normalization));
    const loader = new DataLoader(train, { batchSize: options.batchSize ?? 64, seed: options.seed, transform: compose(...transforms) });
    const modelOptions = { ...options.modelOptions, inChannels: channels, inputSize: height, seed: deriveSeed(options.seed, SEED_STREAMS.modelInit) };
    const model = createModel(options.backbone, modelOptions);
    const disposables: Array<{ dispose(): void }> = [];
    try {
      const embeddingDim = model.outputs[0].shape[1] as number;
      const loss = createLoss<FaceLossContext, FaceLoss>('face', options.loss, options.lossOptions, { numClasses: classes.length, embeddingDim, seed: deriveSeed(options.seed, SEED_STREAMS.modelInit, 1) });
      disposables.push(loss);
      let trained: tf.LayersModel | undefined;
      let ecloss: ExplainableChannelLoss | undefined;
      if (options.ecloss) {
        trained = featureModel(model, options.ecloss.layer);
        ecloss = new ExplainableChannelLoss({ beta: options.ecloss.beta, diversityWeight: options.ecloss.diversityWeight });
        disposables.push(ecloss);
      }
      const objective = faceObjective(loss, ecloss ? { featureOutput: 1, ecloss: { loss: ecloss, output: 0, weight: options.ecloss!.weight } } : {});
      const classNames = classes.map((c) => data.classNames[c]);
      const dataSummary = {
        spec: typeof options.data === 'string' ? options.data : data.source,
        source: data.source,
        format: data.format,
        classes: classNames,
        trainSize: train.length,
        perClass: options.perClass,
        imageShape: train.imageShape,
      };
      const evalBatch = options.evalBatchSize ?? 256;
      return {
        model,
        trained,
        objective,
        loader,
        definition: {
          backbone: options.backbone,
          modelOptions,
          loss: options.loss,
          lossOptions: options.lossOptions ?? {},
          ecloss: options.ecloss,
          dataOptions: options.dataOptions,
          classes: options.classes,
          perClass: options.perClass,
          flip,
          data: dataSummary,
        },
        settings: { closedSet: options.closedSet, openSet: options.openSet, evalBatchSize: evalBatch },
        async metadata() {
          const threshold = (await readThreshold(loss)) ?? null;
          const thresholds: Record<string, Threshold> = {};
          if (threshold !== null) thresholds.learned = { value: threshold, source: `learned unified bias of ${options.loss} (t = b/s)` };
          return {
            model: { name: options.backbone, options: modelOptions },
            classNames,
            thresholds,
            extension: { loss: options.loss, flip, ecloss: options.ecloss ? { layer: options.ecloss.layer, weight: options.ecloss.weight } : undefined },
          };
        },
        async finish(result, run) {
          const threshold = (await readThreshold(loss)) ?? null;
          let closed: ClosedSetResult | undefined;
          let open: OpenSetResult | undefined;
          if (result.stopped === 'completed') {
            if (data.test && (options.closedSet ?? true)) {
              const test = new ClassSubsetDataset(data.test, classes);
              closed = await closedSet(loss, await embedDataset(model, test, { normalization, flip, batchSize: evalBatch }));
            }
            if (options.openSet) {
              const unseen = new ClassSubsetDataset(data.test!, options.openSet.classes);
              const emb = await embedDataset(model, unseen, { normalization, flip, batchSize: evalBatch });
              const pairs = drawPairs(emb.labels, options.openSet.pairs ?? 6000, options.openSet.seed ?? 0);
              const similarities = await pairSimilarities(emb.embeddings, emb.dim, pairs.a, pairs.b);
              const v = verificationSummary(similarities, pairs.same, threshold);
              open = {
                classes: options.openSet.classes.map((c) => data.classNames[c]),
                pairs: pairs.same.length,
                accuracy: v.kfold.accuracy,
                bestThreshold: v.kfold.bestCosineThreshold,
                meanFoldThreshold: v.meanFoldThreshold,
                tarAtFar: v.tarAtFar.map(({ far, tar, resolvable }) => ({ far, tar, resolvable })),
                valAtFar: v.valAtFar,
                accuracyAtLearned: v.accuracyAtLearned,
                auc: v.auc,
              };
              await writeFigure(join(run.outDir, 'roc.png'), rocChartSpec(v.roc, options.loss, `ROC on ${pairs.same.length} pairs of unseen classes`));
            }
          }
          return {
            metrics: { backbone: options.backbone, loss: options.loss, data: dataSummary, learnedThreshold: threshold, closedSet: closed, openSet: open },
            result: { threshold, closedSet: closed, openSet: open },
          };
        },
        historyRow: (h) => ({ epoch: h.epoch + 1, step: h.step, lr: h.lr, ...h.train, seconds: h.seconds }),
        charts: (history) => trainingCurve(history),
        dispose: () => disposables.forEach((d) => d.dispose()),
      };
    } catch (error) {
      disposables.forEach((d) => d.dispose());
      model.dispose();
      throw error;
    }
  },
};

type RunOutcomeFields = Pick<TrainFaceResult, 'outDir' | 'modelDir' | 'history' | 'steps' | 'stopped' | 'trainSeconds' | 'seconds'>;

/** Trains a face-embedding backbone with a face loss (see the module comment). */
export async function trainFace(options: TrainFaceOptions): Promise<TrainFaceResult> {
  const outcome = await runTraining(faceTask, options);
  const { outDir, modelDir, history, steps, stopped, trainSeconds, seconds } = outcome;
  return { outDir, modelDir, ...outcome.result, history, steps, stopped, trainSeconds, seconds };
}
