/**
 * Image classification with the trainer: a registry model, a classification
 * dataset (IDX, CIFAR binaries, image folders — whichever reader recognises
 * `data`), softmax cross-entropy (optionally with label smoothing, Szegedy et
 * al. 2016, "Rethinking the Inception Architecture", §7) and top-1/top-5
 * accuracy.
 *
 * A run folder `out/` receives: `config.json` (resolved settings),
 * `log.jsonl` (every step), `checkpoints/`, the final model in TF.js format
 * under `model/` (its `userDefinedMetadata` records the model name and
 * options, class names, input shape and the normalisation to apply),
 * `metrics.json` (final test top-1/top-5/loss and the per-epoch history),
 * `training-curve.png` (accuracy) and `loss-curve.png`.
 *
 * Choices (ours, documented here):
 *  - inputs are normalised per channel with the mean and standard deviation
 *    of the training images (computed once, recorded in the model metadata);
 *  - `augment: 'auto'` means random crop (padding = size/8) + horizontal flip
 *    for colour images of at least 32×32 (the CIFAR recipe of He et al.
 *    2016, §4.2) and no augmentation for small grey images (MNIST-like,
 *    trained for few epochs);
 *  - the evaluation set is the dataset's test split; when a reader gives
 *    none, a seeded 10% of the training set is held out and used instead
 *    (recorded in metrics.json). The final model is the last one, not the
 *    best on the evaluation set, so the reported accuracy is not selected on
 *    the test data;
 *  - BatchNorm layers use batch statistics while training and their moving
 *    averages when evaluating (`model.apply(x, {training: false})`).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compose, normalize, randomCrop, randomHorizontalFlip } from '../data/augment.js';
import { channelStatistics, type Normalization } from '../data/normalization.js';
import { DataLoader, openClassificationData, subsetDataset, type BatchTransform, type ClassificationData, type ClassificationDataset } from '../data/dataset.js';
// The readers register themselves as classification sources when imported.
import '../data/idx.js';
import '../data/cifar.js';
import '../data/image-folder.js';
import { Rng } from '../engine/random.js';
import { engineInfo } from '../engine/backend.js';
import { check } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { saveModel } from '../io/model-io.js';
import { countTopK } from '../metrics/robustness.js';
import { createModel } from '../models/index.js';
import { lineChartPng, type Series } from '../plot/line-chart.js';
import { checkRunFolder, trainerLoopOptions, type EpochTrainingSettings } from '../train/task-settings.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../train/seed.js';
import { Trainer, type EpochSummary, type Objective } from '../train/trainer.js';

export const AUGMENTATIONS = ['crop', 'flip'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

export interface ClassifyOptions extends EpochTrainingSettings {
  /** Registry model name (`createModel`), e.g. `cnn28`, `resnet18-cifar`. */
  model: string;
  /** Extra model options (`wavelet`, `bands`, `width`, …); numClasses, inChannels, inputSize come from the data. */
  modelOptions?: Record<string, unknown>;
  /** A data alias (`fashion-mnist`), a folder any registered reader opens, or opened data. */
  data: string | ClassificationData;
  /** Options for the data reader (e.g. `size` for image folders). */
  dataOptions?: Record<string, unknown>;
  batchSize?: number;
  labelSmoothing?: number;
  /** `'auto'` (see module doc), `'none'`, or a list of augmentations. */
  augment?: 'auto' | 'none' | Augmentation[];
  /** Run folder. */
  out: string;
  /** Continue the run in `out` from its latest checkpoint. */
  resume?: boolean;
  /** Train on the first `trainLimit` training images only. */
  trainLimit?: number;
  /** Evaluate on the first `testLimit` evaluation images only. */
  testLimit?: number;
  evalBatchSize?: number;
  /** Evaluate every N steps as well as after every epoch. */
  evalEverySteps?: number;
}

export interface ClassificationMetrics {
  top1: number;
  top5: number;
  loss: number;
  count: number;
}

export interface ClassifyResult {
  outDir: string;
  modelDir: string;
  test: ClassificationMetrics;
  history: EpochSummary[];
  steps: number;
  stopped: 'completed' | 'aborted';
  /** Seconds spent in training steps over the whole run (resumed parts included). */
  trainSeconds: number;
  seconds: number;
  /** Training images used (after limits and any held-out split). */
  trainSize: number;
}

/**
 * Softmax cross-entropy over logits `[B, K]` against integer labels `B`,
 * with label smoothing ε: the target is (1 − ε)·onehot + ε/K. Logs
 * `accuracy` (top-1 of the batch).
 */
export function classificationObjective(numClasses: number, labelSmoothing = 0): Objective {
  check(Number.isInteger(numClasses) && numClasses > 1, 'numClasses', numClasses, 'an integer ≥ 2');
  check(labelSmoothing >= 0 && labelSmoothing < 1, 'labelSmoothing', labelSmoothing, 'a number in [0, 1)');
  return {
    compute(outputs, batch) {
      check(!Array.isArray(outputs) && outputs.rank === 2 && outputs.shape[1] === numClasses, 'model output', outputs, `logits of shape [batch, ${numClasses}]`);
      const logits = outputs as tf.Tensor2D;
      const labels = batch.label as tf.Tensor1D;
      const onehot = tf.oneHot(labels, numClasses);
      const loss = tf.losses.softmaxCrossEntropy(onehot, logits, undefined, labelSmoothing) as tf.Scalar;
      const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
      return { loss, metrics: { accuracy } };
    },
  };
}

/**
 * Top-1/top-5 accuracy and mean cross-entropy of `model` on `dataset`, in
 * inference mode (BatchNorm moving statistics), inputs normalised by
 * `normalization`. Leaves no tensors behind.
 */
export async function evaluateClassifier(
  model: tf.LayersModel,
  dataset: ClassificationDataset,
  options: { normalization?: Normalization; batchSize?: number } = {},
): Promise<ClassificationMetrics> {
  const batchSize = options.batchSize ?? 256;
  const numClasses = dataset.classNames.length;
  const transform = options.normalization ? normalize(options.normalization) : undefined;
  let top1 = 0;
  let top5 = 0;
  let lossSum = 0;
  for (let start = 0; start < dataset.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, dataset.length - start) }, (_, i) => start + i);
    let batch = await dataset.getBatch(indices);
    if (transform) batch = await transform(batch, new Rng(0));
    const labels = Int32Array.from(batch.label.data);
    const logits = tf.tidy(() => model.apply(tf.tensor(batch.image.data, batch.image.shape, 'float32'), { training: false }) as tf.Tensor2D);
    try {
      check(logits.rank === 2 && logits.shape[1] === numClasses, 'model output', logits, `logits of shape [batch, ${numClasses}]`);
      top1 += countTopK(logits, labels, 1);
      top5 += countTopK(logits, labels, 5);
      const loss = tf.tidy(() => tf.sum(tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), logits, undefined, 0, tf.Reduction.NONE)));
      lossSum += loss.dataSync()[0];
      loss.dispose();
    } finally {
      logits.dispose();
    }
  }
  const n = dataset.length;
  return { top1: top1 / n, top5: top5 / n, loss: lossSum / n, count: n };
}

function firstN(dataset: ClassificationDataset, limit: number | undefined, what: string): ClassificationDataset {
  if (limit === undefined || limit >= dataset.length) return dataset;
  check(Number.isInteger(limit) && limit > 0, what, limit, 'a positive integer');
  return subsetDataset(dataset, Array.from({ length: limit }, (_, i) => i)) as ClassificationDataset;
}

function resolveAugment(augment: ClassifyOptions['augment'], shape: [number, number, number]): Augmentation[] {
  if (augment === undefined || augment === 'auto') return shape[2] >= 3 && Math.min(shape[0], shape[1]) >= 32 ? ['crop', 'flip'] : [];
  if (augment === 'none') return [];
  for (const a of augment) check((AUGMENTATIONS as readonly string[]).includes(a), 'augment', a, `one of ${AUGMENTATIONS.join(', ')}, 'auto' or 'none'`);
  return augment;
}

async function curves(outDir: string, history: EpochSummary[], stepsPerEpoch: number): Promise<void> {
  const records = readFileSync(join(outDir, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { type: string; step: number; loss: number; metrics?: { accuracy?: number } })
    .filter((r) => r.type === 'train');
  // Training curves averaged over windows of a tenth of an epoch.
  const window = Math.max(1, Math.floor(stepsPerEpoch / 10));
  const x: number[] = [];
  const loss: number[] = [];
  const accuracy: number[] = [];
  for (let i = 0; i + window <= records.length; i += window) {
    const slice = records.slice(i, i + window);
    x.push(slice[slice.length - 1].step / stepsPerEpoch);
    loss.push(slice.reduce((s, r) => s + r.loss, 0) / slice.length);
    accuracy.push(slice.reduce((s, r) => s + (r.metrics?.accuracy ?? NaN), 0) / slice.length);
  }
  const evaluated = history.filter((h) => h.eval);
  const ex = evaluated.map((h) => h.step / stepsPerEpoch);
  const accuracySeries: Series[] = [
    { label: 'train (batch)', x, y: accuracy },
    { label: 'test top-1', x: ex, y: evaluated.map((h) => h.eval!.top1) },
  ];
  const lossSeries: Series[] = [
    { label: 'train (batch)', x, y: loss },
    { label: 'test', x: ex, y: evaluated.map((h) => h.eval!.loss) },
  ];
  writeFileAtomic(join(outDir, 'training-curve.png'), await lineChartPng(accuracySeries, { title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy' }));
  writeFileAtomic(join(outDir, 'loss-curve.png'), await lineChartPng(lossSeries, { title: 'Cross-entropy loss', xLabel: 'epoch', yLabel: 'loss' }));
}

/** Trains a classifier end to end; see the module comment for what is written. */
export async function trainClassifier(options: ClassifyOptions): Promise<ClassifyResult> {
  const started = Date.now();
  const outDir = resolve(options.out);
  checkRunFolder(options.out, outDir, options.resume);
  const data = typeof options.data === 'string' ? await openClassificationData(options.data, options.dataOptions) : options.data;
  let train = data.train;
  let test = data.test;
  let evalSplit = 'test';
  if (!test) {
    // Seeded 10% hold-out when the reader gives no test split.
    const order = new Rng(deriveSeed(options.seed, SEED_STREAMS.dataOrder, 0xffff)).shuffle(Array.from({ length: train.length }, (_, i) => i));
    const held = Math.max(1, Math.round(train.length / 10));
    test = subsetDataset(train, order.slice(0, held).sort((a, b) => a - b)) as ClassificationDataset;
    train = subsetDataset(train, order.slice(held).sort((a, b) => a - b)) as ClassificationDataset;
    evalSplit = 'held-out 10% of train';
  }
  train = firstN(train, options.trainLimit, 'trainLimit');
  test = firstN(test, options.testLimit, 'testLimit');
  const [height, width, channels] = train.imageShape;
  check(height === width, 'data', `${height}×${width} images`, 'square images (registry models take one inputSize)');
  const numClasses = data.classNames.length;
  const normalization = await channelStatistics(train);
  const augment = resolveAugment(options.augment, train.imageShape);
  const transforms: BatchTransform[] = [];
  if (augment.includes('crop')) transforms.push(randomCrop({ padding: Math.max(1, Math.round(height / 8)) }));
  if (augment.includes('flip')) transforms.push(randomHorizontalFlip());
  transforms.push(normalize(normalization));
  const batchSize = options.batchSize ?? 64;
  const loader = new DataLoader(train, { batchSize, seed: options.seed, transform: compose(...transforms) });
  const modelOptions = { ...options.modelOptions, numClasses, inChannels: channels, inputSize: height };
  const model = withSeededRandom(deriveSeed(options.seed, SEED_STREAMS.modelInit), () => createModel(options.model, modelOptions));
  const evalBatchSize = options.evalBatchSize ?? 256;
  const testSet = test;
  const dataSummary = { spec: typeof options.data === 'string' ? options.data : data.source, source: data.source, format: data.format, trainSize: train.length, evalSize: test.length, evalSplit, classNames: data.classNames, imageShape: train.imageShape };
  const trainer = new Trainer({
    model,
    objective: classificationObjective(numClasses, options.labelSmoothing ?? 0),
    data: loader,
    ...trainerLoopOptions(options, loader.stepsPerEpoch, outDir),
    evaluate: {
      everySteps: options.evalEverySteps,
      everyEpochs: 1,
      run: async (m) => {
        const r = await evaluateClassifier(m, testSet, { normalization, batchSize: evalBatchSize });
        return { top1: r.top1, top5: r.top5, loss: r.loss };
      },
    },
    config: {
      task: 'classify',
      model: options.model,
      modelOptions,
      data: dataSummary,
      augment,
      normalization,
      labelSmoothing: options.labelSmoothing ?? 0,
      epochs: options.epochs,
      scheduleInEpochs: options.schedule ?? { type: 'constant' },
      evalBatchSize,
    },
  });
  try {
    if (options.resume) await trainer.resume();
    const result = await trainer.fit();
    const modelDir = join(outDir, 'model');
    const trainSeconds = result.history.reduce((s, h) => s + h.seconds, 0);
    let testMetrics: ClassificationMetrics;
    if (result.stopped === 'completed') {
      testMetrics = await evaluateClassifier(model, test, { normalization, batchSize: evalBatchSize });
      model.setUserDefinedMetadata({
        task: 'classify',
        model: options.model,
        modelOptions,
        classNames: data.classNames,
        inputShape: train.imageShape,
        normalization,
        trainedSteps: result.steps,
        seed: options.seed,
        engine: engineInfo()?.backend,
      });
      await saveModel(model, modelDir);
    } else {
      const last = result.lastEval;
      testMetrics = { top1: last?.top1 ?? NaN, top5: last?.top5 ?? NaN, loss: last?.loss ?? NaN, count: test.length };
    }
    const history = result.history.map((h) => ({
      epoch: h.epoch + 1,
      step: h.step,
      steps: h.steps,
      lr: h.lr,
      trainLoss: h.train.loss,
      trainAccuracy: h.train.accuracy,
      testTop1: h.eval?.top1,
      testTop5: h.eval?.top5,
      testLoss: h.eval?.loss,
      seconds: h.seconds,
    }));
    writeJsonAtomic(join(outDir, 'metrics.json'), {
      task: 'classify',
      model: options.model,
      modelOptions,
      data: dataSummary,
      stopped: result.stopped,
      steps: result.steps,
      epochs: result.history.filter((h) => h.steps === loader.stepsPerEpoch).length,
      test: testMetrics,
      history,
      trainSeconds,
      backend: engineInfo()?.backend,
    });
    await curves(outDir, result.history, loader.stepsPerEpoch);
    return { outDir, modelDir, test: testMetrics, history: result.history, steps: result.steps, stopped: result.stopped, trainSeconds, seconds: (Date.now() - started) / 1000, trainSize: train.length };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
