/**
 * Per-channel input normalisation x ↦ (x − mean)/std: the one description of
 * it that training (the `normalize` batch transform), the attacks (which
 * perturb in [0, 1] and normalise inside the differentiated function), the
 * model metadata and the evaluation commands share.
 *
 * `mean` and `std` hold one value (applied to every channel) or one value per
 * channel, on the scale of the batched images ([0, 1] for every reader).
 */
import { check } from '../errors.js';
import type { ClassificationDataset } from './dataset.js';

/** Per-channel normalisation x ↦ (x − mean[k])/std[k]. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/**
 * `value` as a {@link Normalization} when it is one — `mean` finite numbers,
 * `std` as many positive finite numbers — else a {@link WavecvError} naming
 * `argument` (e.g. `normalization`, or the metadata file it was read from).
 */
export function checkNormalization(value: unknown, argument = 'normalization'): Normalization {
  const { mean, std } = (value ?? {}) as { mean?: unknown; std?: unknown };
  const finite = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  check(finite(mean), `${argument}.mean`, mean, 'finite numbers, one or one per channel');
  check(finite(std) && std.length === mean.length && std.every((s) => s > 0), `${argument}.std`, std, `${mean.length} positive finite number(s), one per mean`);
  return { mean, std };
}

/**
 * Per-channel mean and population standard deviation of a dataset's images
 * (values as batched, i.e. in [0, 1]), accumulated in float64 over batches of
 * `batchSize`. A constant channel gets std 1e-6 (the square root of the
 * variance floor 1e-12), so normalising by it stays finite.
 */
export async function channelStatistics(dataset: ClassificationDataset, batchSize = 1024): Promise<Normalization> {
  check(dataset.length > 0, 'dataset', `${dataset.length} images`, 'at least one image to compute the channel statistics of');
  const c = dataset.imageShape[2];
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  let count = 0;
  for (let start = 0; start < dataset.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, dataset.length - start) }, (_, i) => start + i);
    const { image } = await dataset.getBatch(indices);
    const data = image.data;
    for (let i = 0; i < data.length; i++) {
      const k = i % c;
      sum[k] += data[i];
      sumSq[k] += data[i] * data[i];
    }
    count += data.length / c;
  }
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sumSq, (s, k) => Math.sqrt(Math.max(s / count - mean[k] ** 2, 1e-12)));
  return { mean, std };
}
