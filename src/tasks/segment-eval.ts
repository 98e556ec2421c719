/**
 * Scores of a segmentation network on a data set (src/metrics/segmentation.ts:
 * one confusion matrix and the boundary counts over all pixels), optionally
 * under additive Gaussian noise: N(0, σ²) added to every pixel in [0, 1]
 * before normalisation and clipped to [0, 1] (the noise corruption of
 * Hendrycks & Dietterich, ICLR 2019, that WaveCNet and WaveSNet report
 * robustness against), seeded so every model sees the same noise.
 *
 * Images of the model's input size go through the network in batches;
 * other sizes are segmented one by one with overlapping tiles
 * (./segment-predict.ts). Inference mode (batch-norm running statistics).
 */
import * as tf from '@tensorflow/tfjs';
import { addGaussianNoise } from '../data/corruptions/index.js';
import type { Normalization } from '../data/normalization.js';
import type { SegmentationDataset } from '../data/segmentation/dataset.js';
import { Rng } from '../engine/random.js';
import { check } from '../errors.js';
import { addCounts, confusionMatrix, emptyCounts, segmentationScores, type SegmentationCounts, type SegmentationScores } from '../metrics/segmentation.js';
import { predictLabels } from './segment-predict.js';

export interface SegmentationEvalOptions {
  normalization: Normalization;
  batchSize?: number;
  /** Standard deviation of additive Gaussian noise on [0, 1] pixels (default 0: clean). */
  noiseSigma?: number;
  /** Seed of the noise (default 0). */
  seed?: number;
  /** Evaluate the first `limit` samples only. */
  limit?: number;
  /** Called after each batch with the images done and their total. */
  onProgress?: (done: number, total: number) => void;
}

export interface SegmentationEvaluation {
  scores: SegmentationScores;
  counts: SegmentationCounts;
  images: number;
}

function normalise(data: Float32Array, channels: number, n: Normalization): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const k = n.mean.length === 1 ? 0 : i % channels;
    out[i] = (data[i] - n.mean[k]) / n.std[k];
  }
  return out;
}

export async function evaluateSegmentation(model: tf.LayersModel, dataset: SegmentationDataset, options: SegmentationEvalOptions): Promise<SegmentationEvaluation> {
  const batchSize = options.batchSize ?? 16;
  const sigma = options.noiseSigma ?? 0;
  check(Number.isFinite(sigma) && sigma >= 0, 'noiseSigma', sigma, 'a standard deviation ≥ 0');
  const count = Math.min(dataset.length, options.limit ?? dataset.length);
  const numClasses = dataset.classNames.length;
  const [height, width, channels] = dataset.imageShape;
  const inputShape = model.inputs[0].shape;
  const direct = inputShape[1] === height && inputShape[2] === width;
  const rng = new Rng(options.seed ?? 0);
  const total = emptyCounts(numClasses);
  for (let start = 0; start < count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
    const batch = await dataset.getBatch(indices);
    const b = indices.length;
    let pixels = batch.image.data as Float32Array;
    if (sigma > 0) pixels = addGaussianNoise({ data: pixels, shape: [b, height, width, channels] }, sigma, { rng }).data;
    const input = normalise(pixels, channels, options.normalization);
    let predicted: Int32Array;
    if (direct) {
      const labels = tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(input, [b, height, width, channels])) as tf.Tensor4D, 3));
      try {
        predicted = (await labels.data()) as Int32Array;
      } finally {
        labels.dispose();
      }
    } else {
      predicted = new Int32Array(b * height * width);
      for (let i = 0; i < b; i++) {
        const image = tf.tensor3d(input.subarray(i * height * width * channels, (i + 1) * height * width * channels), [height, width, channels]);
        try {
          predicted.set(await predictLabels(model, image), i * height * width);
        } finally {
          image.dispose();
        }
      }
    }
    addCounts(total, confusionMatrix({ data: predicted, shape: [b, height, width] }, { data: batch.mask.data, shape: [b, height, width] }, numClasses, { ignoreIndex: dataset.ignoreIndex }));
    options.onProgress?.(start + b, count);
  }
  return { scores: segmentationScores(total), counts: total, images: count };
}
