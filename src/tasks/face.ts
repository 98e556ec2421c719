/**
 * The face-recognition task: a backbone of the registry (`src/models/face/`)
 * trained with a face loss (`src/losses/`: softmax, CosFace, ArcFace, BCE,
 * UCE, USS/UniTSFace, EPL, optionally plus ECLoss on a stage) by the one
 * trainer (`src/train/`), then evaluated with the face metrics
 * (`src/metrics/face.ts`).
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
 * Outputs in the run folder: `model/` (the backbone, its metadata holding the
 * learned unified threshold), `metrics.json`, `training-curve.png`, and the
 * trainer's `config.json`, `log.jsonl`, `checkpoints/`; with an open-set
 * evaluation also `roc.png`.
 */
import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { compose, normalize, randomHorizontalFlip } from '../data/augment.js';
import type { Normalization } from '../data/normalization.js';
import { DataLoader, type BatchTransform, type ClassificationData, type ClassificationDataset } from '../data/dataset.js';
import { engineInfo } from '../engine/backend.js';
import { check } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { saveModel } from '../io/model-io.js';
import { createFaceLoss, ExplainableChannelLoss, faceObjective, type CreateFaceLossOptions, type FaceLoss } from '../losses/index.js';
import { pairScores, rocCurve, sampleWiseAccuracy, STANDARD_FARS, tarAtFar, thresholdGap, uniformAccuracy, verificationKFold, verificationValAtFar, type ValAtFarResult, type VerificationResult } from '../metrics/face.js';
import { embedFaces, featureModel } from '../models/face/embed.js';
import { createModel } from '../models/index.js';
import { lineChartPng } from '../plot/line-chart.js';
import { checkRunFolder, trainerLoopOptions, type EpochTrainingSettings } from '../train/task-settings.js';
import { deriveSeed, SEED_STREAMS } from '../train/seed.js';
import { Trainer, type EpochSummary } from '../train/trainer.js';
import { ClassSubsetDataset, drawPairs, openFaceData, type FaceDataOptions } from './face-data.js';

/** What a face model's metadata holds (written by {@link trainFace}, read by verify/explain/eval). */
export interface FaceModelMetadata {
  task: 'face';
  backbone: string;
  modelOptions: Record<string, unknown>;
  loss: string;
  /** The learned unified threshold in cosine units (UCE: b/s, USS: b/γ), or null for losses without one. */
  threshold: number | null;
  /** Where `threshold` came from: the loss, or `eval verification --store-threshold`. */
  thresholdSource: string | null;
  inputShape: [number, number, number];
  normalization: Normalization;
  /** Whether embeddings are flip-tested (sum of image and mirror). */
  flip: boolean;
  classNames: string[];
  /** The ECLoss target layer, when trained with ECLoss. */
  ecloss?: { layer: string; weight: number };
  /** A threshold stored by `eval verification --store-threshold`, used when the loss learned none. */
  verificationThreshold?: { value: number; source: string };
  trainedSteps: number;
  seed: number;
}

export interface TrainFaceOptions extends EpochTrainingSettings {
  /** Registry name of the backbone (`iresnet18`, `iresnet-tiny`, `mobilefacenet`, …). */
  backbone: string;
  modelOptions?: Record<string, unknown>;
  /** A loss name of `createFaceLoss` (`softmax`, `cosface`, `uce`, `uss`, `epl`, …). */
  loss: string;
  lossOptions?: Omit<CreateFaceLossOptions, 'numClasses' | 'embeddingDim' | 'seed'>;
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
  batchSize?: number;
  out: string;
  resume?: boolean;
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
 * Embeddings of a whole dataset (images in [0, 1]), L2-normalised, optionally
 * flip-tested (sum of the embeddings of image and mirror before normalising).
 */
export async function embedDataset(
  model: tf.LayersModel,
  dataset: ClassificationDataset,
  options: { flip?: boolean; batchSize?: number } = {},
): Promise<{ embeddings: Float32Array; dim: number; labels: Int32Array }> {
  const batchSize = options.batchSize ?? 256;
  const dim = model.outputs[0].shape[1] as number;
  const out = new Float32Array(dataset.length * dim);
  const labels = new Int32Array(dataset.length);
  for (let start = 0; start < dataset.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, dataset.length - start) }, (_, i) => start + i);
    const batch = await dataset.getBatch(indices);
    const e = tf.tidy(() => {
      const x = tf.sub(tf.mul(tf.tensor(batch.image.data, batch.image.shape, 'float32'), 2), 1) as tf.Tensor4D;
      return embedFaces(model, x, { flip: options.flip, batchSize: indices.length });
    });
    out.set(e.dataSync(), start * dim);
    e.dispose();
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
 * (row-major [n, dim], L2-normalised).
 */
export function pairSimilarities(embeddings: Float32Array, dim: number, a: number[], b: number[]): Float64Array {
  const all = tf.tensor2d(embeddings, [embeddings.length / dim, dim]);
  const [ta, tb] = [tf.gather(all, a), tf.gather(all, b)];
  const { similarities } = pairScores(ta, tb);
  tf.dispose([all, ta, tb]);
  return similarities;
}

/** PNG of a ROC curve on a log FAR axis (points with FAR = 0 left out). */
export async function rocChartPng(roc: { far: number[]; tar: number[] }, label: string, title: string): Promise<Buffer> {
  const pts = roc.far.map((f, i) => [f, roc.tar[i]]).filter(([f]) => f > 0);
  return lineChartPng([{ label, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) }], {
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

function closedSet(loss: FaceLoss, emb: { embeddings: Float32Array; dim: number; labels: Int32Array }): ClosedSetResult {
  const n = emb.labels.length;
  const scores = tf.tidy(() => loss.scores(tf.tensor2d(emb.embeddings, [n, emb.dim])));
  const values = scores.dataSync();
  const matrix = { values, rows: n, cols: loss.numClasses };
  scores.dispose();
  const uni = uniformAccuracy(matrix, emb.labels);
  const learned = loss.threshold() ?? null;
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

async function trainingCurve(outDir: string, history: EpochSummary[]): Promise<void> {
  if (history.length === 0) return;
  const x = history.map((h) => h.epoch + 1);
  const series = [
    { label: 'loss / 10', x, y: history.map((h) => h.train.loss / 10) },
    { label: 'train accuracy', x, y: history.map((h) => h.train.accuracy ?? NaN) },
  ];
  if (history.some((h) => h.train.threshold !== undefined)) series.push({ label: 'threshold t', x, y: history.map((h) => h.train.threshold ?? NaN) });
  writeFileAtomic(join(outDir, 'training-curve.png'), await lineChartPng(series, { title: 'face training (epoch means)', xLabel: 'epoch', yLabel: 'value' }));
}

/** Trains a face-embedding backbone with a face loss (see the module comment). */
export async function trainFace(options: TrainFaceOptions): Promise<TrainFaceResult> {
  const started = Date.now();
  const outDir = resolve(options.out);
  checkRunFolder(options.out, outDir, options.resume);
  const data = typeof options.data === 'string' ? await openFaceData(options.data, options.dataOptions) : options.data;
  const allClasses = data.classNames.map((_, i) => i);
  const classes = options.classes ?? allClasses;
  const train: ClassificationDataset = new ClassSubsetDataset(data.train, classes, options.perClass);
  const [height, width, channels] = train.imageShape;
  check(height === width, 'data', `${height}×${width} images`, 'square images');
  const flip = options.flip ?? channels === 3;
  const normalization = faceNormalization(channels);
  const transforms: BatchTransform[] = [];
  if (flip) transforms.push(randomHorizontalFlip());
  transforms.push(normalize(normalization));
  const batchSize = options.batchSize ?? 64;
  const loader = new DataLoader(train, { batchSize, seed: options.seed, transform: compose(...transforms) });

  const modelOptions = { ...options.modelOptions, inChannels: channels, inputSize: height, seed: deriveSeed(options.seed, SEED_STREAMS.modelInit) };
  const model = createModel(options.backbone, modelOptions);
  const embeddingDim = model.outputs[0].shape[1] as number;
  const loss = createFaceLoss(options.loss, { ...options.lossOptions, numClasses: classes.length, embeddingDim, seed: deriveSeed(options.seed, SEED_STREAMS.modelInit, 1) });
  let trained = model;
  let ecloss: ExplainableChannelLoss | undefined;
  if (options.ecloss) {
    check(Number.isFinite(options.ecloss.weight) && options.ecloss.weight >= 0, 'ecloss weight', options.ecloss.weight, 'a number ≥ 0');
    trained = featureModel(model, options.ecloss.layer);
    ecloss = new ExplainableChannelLoss({ beta: options.ecloss.beta, diversityWeight: options.ecloss.diversityWeight });
  }
  const objective = faceObjective(loss, ecloss ? { featureOutput: 1, ecloss: { loss: ecloss, output: 0, weight: options.ecloss!.weight } } : {});
  const dataSummary = {
    spec: typeof options.data === 'string' ? options.data : data.source,
    source: data.source,
    format: data.format,
    classes: classes.map((c) => data.classNames[c]),
    trainSize: train.length,
    perClass: options.perClass,
    imageShape: train.imageShape,
  };
  const trainer = new Trainer({
    model: trained,
    objective,
    data: loader,
    ...trainerLoopOptions(options, loader.stepsPerEpoch, outDir),
    config: {
      task: 'face',
      backbone: options.backbone,
      modelOptions,
      loss: options.loss,
      lossOptions: options.lossOptions ?? {},
      ecloss: options.ecloss,
      data: dataSummary,
      flip,
      normalization,
      epochs: options.epochs,
      scheduleInEpochs: options.schedule ?? { type: 'constant' },
      closedSet: options.closedSet,
      openSet: options.openSet,
    },
  });
  try {
    if (options.resume) await trainer.resume();
    const result = await trainer.fit();
    const modelDir = join(outDir, 'model');
    const trainSeconds = result.history.reduce((s, h) => s + h.seconds, 0);
    const threshold = loss.threshold() ?? null;
    const metadata: FaceModelMetadata = {
      task: 'face',
      backbone: options.backbone,
      modelOptions,
      loss: options.loss,
      threshold,
      thresholdSource: threshold === null ? null : `learned unified bias of ${options.loss} (t = b/s)`,
      inputShape: train.imageShape,
      normalization,
      flip,
      classNames: classes.map((c) => data.classNames[c]),
      ecloss: options.ecloss ? { layer: options.ecloss.layer, weight: options.ecloss.weight } : undefined,
      trainedSteps: result.steps,
      seed: options.seed,
    };
    let closed: ClosedSetResult | undefined;
    let open: OpenSetResult | undefined;
    if (result.stopped === 'completed') {
      // JSON round trip: TF.js accepts only plain JSON (no undefined fields).
      model.setUserDefinedMetadata(JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>);
      await saveModel(model, modelDir);
      const evalBatch = options.evalBatchSize ?? 256;
      if (data.test && (options.closedSet ?? true)) {
        const test = new ClassSubsetDataset(data.test, classes);
        closed = closedSet(loss, await embedDataset(model, test, { flip, batchSize: evalBatch }));
      }
      if (options.openSet) {
        check(data.test !== undefined, 'openSet', options.openSet.classes, 'data with a test split');
        for (const c of options.openSet.classes) check(!classes.includes(c), 'openSet classes', c, 'classes not used in training');
        const unseen = new ClassSubsetDataset(data.test!, options.openSet.classes);
        const emb = await embedDataset(model, unseen, { flip, batchSize: evalBatch });
        const pairs = drawPairs(emb.labels, options.openSet.pairs ?? 6000, options.openSet.seed ?? 0);
        const similarities = pairSimilarities(emb.embeddings, emb.dim, pairs.a, pairs.b);
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
        writeFileAtomic(join(outDir, 'roc.png'), await rocChartPng(v.roc, options.loss, `ROC on ${pairs.same.length} pairs of unseen classes`));
      }
    }
    writeJsonAtomic(join(outDir, 'metrics.json'), {
      task: 'face',
      backbone: options.backbone,
      loss: options.loss,
      data: dataSummary,
      stopped: result.stopped,
      steps: result.steps,
      learnedThreshold: threshold,
      closedSet: closed,
      openSet: open,
      history: result.history.map((h) => ({ epoch: h.epoch + 1, step: h.step, lr: h.lr, ...h.train, seconds: h.seconds })),
      trainSeconds,
      backend: engineInfo()?.backend,
    });
    await trainingCurve(outDir, result.history);
    return { outDir, modelDir, threshold, closedSet: closed, openSet: open, history: result.history, steps: result.steps, stopped: result.stopped, trainSeconds, seconds: (Date.now() - started) / 1000 };
  } finally {
    trainer.dispose();
    loss.dispose();
    ecloss?.dispose();
    model.dispose();
  }
}
