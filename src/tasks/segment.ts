/**
 * Semantic segmentation with the run template (src/train/run.ts): a
 * registry model that outputs per-pixel logits (`segnet`, `unet`, vanilla or
 * WaveSNet), a segmentation data folder (VOC, CamVid, Cityscapes, or
 * `images/` + `masks/`, src/data/segmentation), a `segmentation` loss of the
 * registry (src/losses/segmentation.ts: by default the pixel-wise
 * cross-entropy with the ignore index 255, optionally class-weighted by
 * median-frequency balancing of the training masks and plus a Dice term; or
 * the Dice loss alone), and the scores of src/metrics/segmentation.ts on the
 * evaluation split after every epoch.
 *
 * The run folder is the template's (`config.json`, `log.jsonl`,
 * `checkpoints/`, `model/` with its metadata, `metrics.json`, curves); the
 * model metadata's extension records the data set's palette, ignore index
 * and format, so `wavecv segment` writes masks in the data set's colours.
 *
 * Choices (ours, documented here):
 *  - inputs are normalised per channel with the training images' mean and
 *    standard deviation (recorded in the metadata);
 *  - `augment: 'auto'` is the reference's training augmentation at our scale
 *    (Chen et al. 2018, DeepLabv3+, §4; the WaveSNet code's scale-crop-flip):
 *    random scale in [0.75, 1.25] about the centre, random crop after padding
 *    by size/8, horizontal flip — image and mask with one draw, the mask
 *    resampled nearest and filled with the ignore index, the image filled
 *    with 0 before normalisation;
 *  - the schedule the CLI defaults to is poly (power 0.9), as the reference;
 *  - a model that declares a head (DeepLabv3+: ASPP and decoder) trains it at
 *    its reference's multiple of the learning rate (10×) through a parameter
 *    group, the backbone at the base rate; `headLrMultiplier` changes it;
 *  - the final model is the last one, not the best on the evaluation split.
 */
import type * as tf from '@tensorflow/tfjs';
import { compose, normalize, randomCrop, randomFlip, randomScale } from '../data/augment.js';
import { DataLoader, type BatchTransform } from '../data/dataset.js';
import { openSegmentationData } from '../data/readers.js';
import type { SegmentationData, SegmentationDataset } from '../data/segmentation/index.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../engine/seed.js';
import { check } from '../errors.js';
import type { Palette } from '../io/indexed-png.js';
import { checkLossOptions, createLoss } from '../losses/registry.js';
import { medianFrequencyWeights, wantsMedianFrequency, type SegmentationLossContext } from '../losses/segmentation.js';
import { IGNORE_INDEX, type SegmentationScores } from '../metrics/segmentation.js';
import { createModel, modelEntry } from '../models/index.js';
import type { Series } from '../plot/line-chart.js';
import { runTraining, windowedStepCurves, type RunChart, type RunOutcome, type RunSettings, type TrainingTask } from '../train/run.js';
import type { EpochSummary, Objective, StepRecord } from '../train/trainer.js';
import { evaluateSegmentation } from './segment-eval.js';
import { channelStatistics } from '../data/normalization.js';

export const SEGMENT_AUGMENTATIONS = ['scale', 'crop', 'flip'] as const;
export type SegmentAugmentation = (typeof SEGMENT_AUGMENTATIONS)[number];

export interface SegmentOptions extends RunSettings {
  /** Registry model name (`segnet`, `unet`). */
  model: string;
  /** Further model options (`wavelet`, `width`, …); numClasses, inChannels, inputSize come from the data. */
  modelOptions?: Record<string, unknown>;
  /** A segmentation data folder in any registered layout. */
  data: string;
  /** Reader options (`size`: fixed-scale crop to size × size). */
  dataOptions?: { size?: number };
  /** A `segmentation` loss of the registry (default `cross-entropy`). */
  loss?: string;
  /**
   * Options of the loss (cross-entropy: `classWeights` 'none',
   * 'median-frequency' or one weight per class, `diceWeight`; dice:
   * `smooth`); options the loss does not take are refused.
   */
  lossOptions?: Record<string, unknown>;
  augment?: 'auto' | 'none' | SegmentAugmentation[];
  /**
   * Learning rate of the model's head (DeepLab's ASPP and decoder) relative
   * to the backbone's, through a parameter group; default the model's
   * reference factor (10 for deeplabv3plus), 1 for models without a head.
   */
  headLrMultiplier?: number;
  trainLimit?: number;
  testLimit?: number;
  evalBatchSize?: number;
}

/** What the segment task adds to the saved model's metadata. */
export interface SegmentModelExtension {
  palette: Palette;
  ignoreIndex: number;
  dataFormat: string;
}

interface SegmentData {
  data: SegmentationData;
  train: SegmentationDataset;
  test: SegmentationDataset;
  classWeights?: number[];
}

export interface SegmentResult {
  test: SegmentationScores;
  trainSize: number;
  testSize: number;
}

function firstN(dataset: SegmentationDataset, limit: number | undefined): SegmentationDataset {
  if (limit === undefined || limit >= dataset.length) return dataset;
  const indices = Array.from({ length: limit }, (_, i) => i);
  return {
    length: limit,
    getBatch: (picked: number[]) => dataset.getBatch(picked.map((i) => indices[i])),
    classNames: dataset.classNames,
    palette: dataset.palette,
    ignoreIndex: dataset.ignoreIndex,
    imageShape: dataset.imageShape,
    pair: (i: number) => dataset.pair(indices[i]),
    masks: (picked: number[]) => dataset.masks(picked.map((i) => indices[i])),
  };
}

function resolveAugment(augment: SegmentOptions['augment']): SegmentAugmentation[] {
  if (augment === undefined || augment === 'auto') return [...SEGMENT_AUGMENTATIONS];
  if (augment === 'none') return [];
  return augment;
}

/** Scores logged at every evaluation (metrics.json keeps the full set at the end). */
function evalFigures(s: SegmentationScores): Record<string, number> {
  return { mIoU: s.mIoU, pixelAccuracy: s.pixelAccuracy, meanClassAccuracy: s.meanClassAccuracy, fwIoU: s.fwIoU, boundaryF1: s.boundaryF1 };
}

function segmentCharts(history: EpochSummary[], steps: StepRecord[], stepsPerEpoch: number): RunChart[] {
  const { x, loss, metric: accuracy } = windowedStepCurves(steps, stepsPerEpoch, 'pixelAccuracy');
  const evaluated = history.filter((h) => h.eval);
  const ex = evaluated.map((h) => h.step / stepsPerEpoch);
  const scores: Series[] = [
    { label: 'train pixel accuracy (batch)', x, y: accuracy },
    { label: 'test mIoU', x: ex, y: evaluated.map((h) => h.eval!.mIoU) },
    { label: 'test boundary F1', x: ex, y: evaluated.map((h) => h.eval!.boundaryF1) },
  ];
  return [
    { file: 'training-curve.png', series: scores, options: { title: 'Segmentation', xLabel: 'epoch', yLabel: 'score' } },
    { file: 'loss-curve.png', series: [{ label: 'train (batch)', x, y: loss }], options: { title: 'Training loss', xLabel: 'epoch', yLabel: 'loss' } },
  ];
}

/** Semantic segmentation as a task of the run template. */
export const segmentTask: TrainingTask<SegmentOptions, SegmentData, SegmentModelExtension, SegmentResult> = {
  name: 'segment',

  validate(options) {
    check(typeof options.model === 'string' && options.model !== '', 'model', options.model, 'a registry model name (segnet, unet)');
    check(typeof options.data === 'string' && options.data !== '', 'data', options.data, 'a segmentation data folder');
    for (const key of ['trainLimit', 'testLimit', 'evalBatchSize'] as const) {
      const v = options[key];
      if (v !== undefined) check(Number.isInteger(v) && v > 0, key, v, 'a positive integer');
    }
    checkLossOptions('segmentation', options.loss ?? 'cross-entropy', options.lossOptions);
    const augment = options.augment;
    if (Array.isArray(augment)) for (const a of augment) check((SEGMENT_AUGMENTATIONS as readonly string[]).includes(a), 'augment', a, `one of ${SEGMENT_AUGMENTATIONS.join(', ')}, 'auto' or 'none'`);
    else check(augment === undefined || augment === 'auto' || augment === 'none', 'augment', augment, `'auto', 'none' or a list of ${SEGMENT_AUGMENTATIONS.join(', ')}`);
    const head = modelEntry(options.model).head;
    const multiplier = options.headLrMultiplier;
    if (multiplier !== undefined) {
      check(Number.isFinite(multiplier) && multiplier >= 0, 'headLrMultiplier', multiplier, 'a number ≥ 0');
      check(head !== undefined || multiplier === 1, 'headLrMultiplier', multiplier, `1 or nothing for ${options.model}, which declares no head (deeplabv3plus does)`);
    }
    for (const key of ['numClasses', 'inChannels', 'inputSize']) {
      check(options.modelOptions?.[key] === undefined, `modelOptions.${key}`, options.modelOptions?.[key], 'nothing (it comes from the data)');
    }
  },

  async openData(options) {
    const data = await openSegmentationData(options.data, options.dataOptions ?? {});
    check(data.test !== undefined, 'data', options.data, 'a layout with an evaluation split (e.g. train/ and test/ folders of images/ and masks/)');
    const [height, width] = data.train.imageShape;
    check(height === width, 'data', `${height}×${width} images`, 'square images (pass --image-size to crop them square)');
    const train = firstN(data.train, options.trainLimit);
    const test = firstN(data.test!, options.testLimit);
    let classWeights: number[] | undefined;
    if (wantsMedianFrequency(options.lossOptions)) {
      const masks = await train.masks(Array.from({ length: train.length }, (_, i) => i));
      classWeights = medianFrequencyWeights(masks, data.classNames.length, { ignoreIndex: train.ignoreIndex });
    }
    return { data, train, test, classWeights };
  },

  async preprocessing(_options, { train }) {
    return { inputShape: train.imageShape, normalization: await channelStatistics(train as never) };
  },

  setup(options, { data, train, test, classWeights }, { preprocessing }) {
    const [size, , channels] = train.imageShape;
    const numClasses = data.classNames.length;
    const normalization = preprocessing.normalization;
    const augment = resolveAugment(options.augment);
    const keys = ['image', 'mask'];
    const fill = { image: 0, mask: IGNORE_INDEX };
    const transforms: BatchTransform[] = [];
    if (augment.includes('scale')) transforms.push(randomScale({ range: [0.75, 1.25], keys, fill }));
    if (augment.includes('crop')) transforms.push(randomCrop({ padding: Math.max(1, Math.round(size / 8)), keys, fill }));
    if (augment.includes('flip')) transforms.push(randomFlip({ axes: ['width'], keys }));
    transforms.push(normalize(normalization));
    const loader = new DataLoader(train, { batchSize: options.batchSize ?? 8, seed: options.seed, transform: compose(...transforms) });
    const modelOptions = { ...options.modelOptions, numClasses, inChannels: channels, inputSize: size };
    const model = withSeededRandom(deriveSeed(options.seed, SEED_STREAMS.modelInit), () => createModel(options.model, modelOptions));
    const evalBatchSize = options.evalBatchSize ?? 16;
    const loss = options.loss ?? 'cross-entropy';
    const lossOptions = options.lossOptions ?? {};
    const head = modelEntry(options.model).head;
    const headLrMultiplier = options.headLrMultiplier ?? head?.lrMultiplier ?? 1;
    const dataSummary = { spec: options.data, source: data.source, format: data.format, trainSize: train.length, evalSize: test.length, evalSplit: data.testSplit, classNames: data.classNames, imageShape: train.imageShape };
    const evaluate = (m: tf.LayersModel) => evaluateSegmentation(m, test, { normalization, batchSize: evalBatchSize });
    return {
      model,
      objective: createLoss<SegmentationLossContext, Objective>('segmentation', loss, lossOptions, { numClasses, ignoreIndex: train.ignoreIndex, medianFrequency: classWeights }),
      loader,
      evaluate: { everyEpochs: 1, run: async (m) => evalFigures((await evaluate(m)).scores) },
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
        headLrMultiplier,
      },
      trainer: head && headLrMultiplier !== 1 ? { parameterGroups: [{ name: 'head', select: head.select, lrMultiplier: headLrMultiplier }] } : undefined,
      settings: { evalBatchSize, classWeightValues: classWeights },
      metadata: () => ({
        model: { name: options.model, options: modelOptions },
        classNames: data.classNames,
        extension: { palette: data.palette, ignoreIndex: train.ignoreIndex, dataFormat: data.format },
      }),
      async finish(result) {
        const scores = result.stopped === 'completed' ? (await evaluate(model)).scores : undefined;
        const last = result.lastEval ?? {};
        return {
          metrics: { model: options.model, modelOptions, data: dataSummary, classWeights, test: scores ?? last },
          result: { test: scores ?? (last as unknown as SegmentationScores), trainSize: train.length, testSize: test.length },
        };
      },
      historyRow: (h) => ({ epoch: h.epoch + 1, step: h.step, steps: h.steps, lr: h.lr, trainLoss: h.train.loss, trainPixelAccuracy: h.train.pixelAccuracy, ...(h.eval ?? {}), seconds: h.seconds }),
      charts: (history, steps) => segmentCharts(history, steps, loader.stepsPerEpoch),
    };
  },
};

/** Trains a segmentation network end to end; see the module comment. */
export function trainSegmenter(options: SegmentOptions): Promise<RunOutcome<SegmentResult>> {
  return runTraining(segmentTask, options);
}
