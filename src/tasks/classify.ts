/**
 * Image classification with the trainer: a registry model, a classification
 * dataset (IDX, CIFAR binaries, image folders — whichever reader recognises
 * `data`), softmax cross-entropy (optionally with label smoothing, Szegedy et
 * al. 2016, "Rethinking the Inception Architecture", §7) and top-1/top-5
 * accuracy.
 *
 * A task of the run template (src/train/run.ts). The run folder `out/`
 * receives: `config.json` (resolved settings), `log.jsonl` (every step),
 * `checkpoints/`, the final model in TF.js format under `model/` (its
 * metadata, src/train/run-folder.ts, records the model name and options,
 * class names, input shape and the normalisation to apply), `metrics.json`
 * (final test top-1/top-5/loss and the per-epoch history),
 * `training-curve.png` (accuracy) and `loss-curve.png`. A folder without a
 * test split whose hold-out leaves either split empty is refused before
 * anything is computed.
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
import { compose, normalize, randomCrop, randomHorizontalFlip } from '../data/augment.js';
import { channelStatistics, type Normalization } from '../data/normalization.js';
import { openClassificationData } from '../data/readers.js';
import { DataLoader, subsetDataset, type BatchTransform, type ClassificationData, type ClassificationDataset } from '../data/dataset.js';
import { Rng } from '../engine/random.js';
import { check } from '../errors.js';
import { createLoss, checkLossOptions, type ClassificationLossContext } from '../losses/index.js';
import { countTopK } from '../metrics/classification.js';
import { createModel } from '../models/index.js';
import type { Series } from '../plot/line-chart.js';
import { runTraining, windowedStepCurves, type RunChart, type RunSettings, type TrainingTask } from '../train/run.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../engine/seed.js';
import type { EpochSummary, Objective, StepRecord } from '../train/trainer.js';

export const AUGMENTATIONS = ['crop', 'flip'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

export interface ClassifyOptions extends RunSettings {
  /** Registry model name (`createModel`), e.g. `cnn28`, `resnet18-cifar`. */
  model: string;
  /** Extra model options (`wavelet`, `bands`, `width`, …); numClasses, inChannels, inputSize come from the data. */
  modelOptions?: Record<string, unknown>;
  /** A data alias (`fashion-mnist`), a folder any registered reader opens, or opened data. */
  data: string | ClassificationData;
  /** Options for the data reader (e.g. `size` for image folders). */
  dataOptions?: Record<string, unknown>;
  /** A classification loss of the registry (default `cross-entropy`). */
  loss?: string;
  /** Options of the loss (e.g. `labelSmoothing` of `cross-entropy`); options the loss does not take are refused. */
  lossOptions?: Record<string, unknown>;
  /** `'auto'` (see module doc), `'none'`, or a list of augmentations. */
  augment?: 'auto' | 'none' | Augmentation[];
  /** Train on the first `trainLimit` training images only. */
  trainLimit?: number;
  /** Evaluate on the first `testLimit` evaluation images only. */
  testLimit?: number;
  evalBatchSize?: number;
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
      top1 += await countTopK(logits, labels, 1);
      top5 += await countTopK(logits, labels, 5);
      const loss = tf.tidy(() => tf.sum(tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), logits, undefined, 0, tf.Reduction.NONE)));
      try {
        lossSum += (await loss.data())[0];
      } finally {
        loss.dispose();
      }
    } finally {
      logits.dispose();
    }
  }
  const n = dataset.length;
  return { top1: top1 / n, top5: top5 / n, loss: lossSum / n, count: n };
}

function firstN(dataset: ClassificationDataset, limit: number | undefined): ClassificationDataset {
  if (limit === undefined || limit >= dataset.length) return dataset;
  return subsetDataset(dataset, Array.from({ length: limit }, (_, i) => i)) as ClassificationDataset;
}

function resolveAugment(augment: ClassifyOptions['augment'], shape: [number, number, number]): Augmentation[] {
  if (augment === undefined || augment === 'auto') return shape[2] >= 3 && Math.min(shape[0], shape[1]) >= 32 ? ['crop', 'flip'] : [];
  if (augment === 'none') return [];
  return augment;
}

/** The training and evaluation splits of a classify run, after the hold-out and the limits. */
interface ClassifySplits {
  data: ClassificationData;
  train: ClassificationDataset;
  test: ClassificationDataset;
  evalSplit: string;
}

/** Training curves averaged over windows of a tenth of an epoch, from the log's step records. */
function classifyCharts(history: EpochSummary[], steps: StepRecord[], stepsPerEpoch: number): RunChart[] {
  const { x, loss, metric: accuracy } = windowedStepCurves(steps, stepsPerEpoch, 'accuracy');
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
  return [
    { file: 'training-curve.png', series: accuracySeries, options: { title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy' } },
    { file: 'loss-curve.png', series: lossSeries, options: { title: 'Cross-entropy loss', xLabel: 'epoch', yLabel: 'loss' } },
  ];
}

/** Image classification as a task of the run template (src/train/run.ts). */
export const classifyTask: TrainingTask<ClassifyOptions, ClassifySplits, Record<string, never>, { test: ClassificationMetrics; trainSize: number }> = {
  name: 'classify',

  validate(options) {
    check(typeof options.model === 'string' && options.model !== '', 'model', options.model, 'a registry model name');
    check(typeof options.data === 'string' || (typeof options.data === 'object' && options.data !== null && 'train' in options.data), 'data', options.data, 'a data alias, a folder or opened data');
    checkLossOptions('classification', options.loss ?? 'cross-entropy', options.lossOptions);
    for (const key of ['trainLimit', 'testLimit', 'evalBatchSize'] as const) {
      const v = options[key];
      if (v !== undefined) check(Number.isInteger(v) && v > 0, key, v, 'a positive integer');
    }
    const augment = options.augment;
    if (Array.isArray(augment)) for (const a of augment) check((AUGMENTATIONS as readonly string[]).includes(a), 'augment', a, `one of ${AUGMENTATIONS.join(', ')}, 'auto' or 'none'`);
    else check(augment === undefined || augment === 'auto' || augment === 'none', 'augment', augment, `'auto', 'none' or a list of ${AUGMENTATIONS.join(', ')}`);
    for (const key of ['numClasses', 'inChannels', 'inputSize']) {
      check(options.modelOptions?.[key] === undefined, `modelOptions.${key}`, options.modelOptions?.[key], 'nothing (it comes from the data)');
    }
  },

  async openData(options) {
    const data = typeof options.data === 'string' ? await openClassificationData(options.data, options.dataOptions) : options.data;
    const spec = typeof options.data === 'string' ? options.data : data.source;
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
    const why = evalSplit === 'test' ? '' : ` after holding out 10% of its ${data.train.length} image(s) for evaluation`;
    check(train.length > 0, 'data', spec, `data with a non-empty training split (it is empty${why})`);
    check(test.length > 0, 'data', spec, 'data with a non-empty evaluation split (it is empty)');
    const [height, width] = train.imageShape;
    check(height === width, 'data', `${height}×${width} images`, 'square images (registry models take one inputSize)');
    return { data, train: firstN(train, options.trainLimit), test: firstN(test, options.testLimit), evalSplit };
  },

  async preprocessing(_options, { train }) {
    return { inputShape: train.imageShape, normalization: await channelStatistics(train) };
  },

  setup(options, { data, train, test, evalSplit }, { preprocessing }) {
    const [height, , channels] = train.imageShape;
    const numClasses = data.classNames.length;
    const normalization = preprocessing.normalization;
    const augment = resolveAugment(options.augment, train.imageShape);
    const transforms: BatchTransform[] = [];
    if (augment.includes('crop')) transforms.push(randomCrop({ padding: Math.max(1, Math.round(height / 8)) }));
    if (augment.includes('flip')) transforms.push(randomHorizontalFlip());
    transforms.push(normalize(normalization));
    const loader = new DataLoader(train, { batchSize: options.batchSize ?? 64, seed: options.seed, transform: compose(...transforms) });
    const modelOptions = { ...options.modelOptions, numClasses, inChannels: channels, inputSize: height };
    const model = withSeededRandom(deriveSeed(options.seed, SEED_STREAMS.modelInit), () => createModel(options.model, modelOptions));
    const evalBatchSize = options.evalBatchSize ?? 256;
    const loss = options.loss ?? 'cross-entropy';
    const lossOptions = options.lossOptions ?? {};
    const dataSummary = {
      spec: typeof options.data === 'string' ? options.data : data.source,
      source: data.source,
      format: data.format,
      trainSize: train.length,
      evalSize: test.length,
      evalSplit,
      classNames: data.classNames,
      imageShape: train.imageShape,
    };
    const evaluate = () => evaluateClassifier(model, test, { normalization, batchSize: evalBatchSize });
    return {
      model,
      objective: createLoss<ClassificationLossContext, Objective>('classification', loss, lossOptions, { numClasses }),
      loader,
      evaluate: {
        everyEpochs: 1,
        run: async () => {
          const r = await evaluate();
          return { top1: r.top1, top5: r.top5, loss: r.loss };
        },
      },
      definition: {
        model: options.model,
        modelOptions,
        trainLimit: options.trainLimit,
        testLimit: options.testLimit,
        dataOptions: options.dataOptions,
        data: dataSummary,
        augment,
        loss,
        lossOptions,
      },
      settings: { evalBatchSize },
      metadata: () => ({ model: { name: options.model, options: modelOptions }, classNames: data.classNames, extension: {} }),
      async finish(result) {
        const last = result.lastEval;
        const testMetrics: ClassificationMetrics =
          result.stopped === 'completed' ? await evaluate() : { top1: last?.top1 ?? NaN, top5: last?.top5 ?? NaN, loss: last?.loss ?? NaN, count: test.length };
        return {
          metrics: {
            model: options.model,
            modelOptions,
            data: dataSummary,
            epochs: result.history.filter((h) => h.steps === loader.stepsPerEpoch).length,
            test: testMetrics,
          },
          result: { test: testMetrics, trainSize: train.length },
        };
      },
      historyRow: (h) => ({
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
      }),
      charts: (history, steps) => classifyCharts(history, steps, loader.stepsPerEpoch),
    };
  },
};

/** Trains a classifier end to end; see the module comment for what is written. */
export async function trainClassifier(options: ClassifyOptions): Promise<ClassifyResult> {
  const outcome = await runTraining(classifyTask, options);
  return {
    outDir: outcome.outDir,
    modelDir: outcome.modelDir,
    test: outcome.result.test,
    history: outcome.history,
    steps: outcome.steps,
    stopped: outcome.stopped,
    trainSeconds: outcome.trainSeconds,
    seconds: outcome.seconds,
    trainSize: outcome.result.trainSize,
  };
}
