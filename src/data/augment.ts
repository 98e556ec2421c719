/**
 * Standard image augmentations as {@link BatchTransform}s over NHWC float32
 * host batches, drawing every random choice from the `rng` the loader hands
 * them (so they are seeded and resumable, see dataset.ts):
 *
 * - {@link randomCrop}: pad by `padding` pixels with zeros, then crop back to
 *   the original size at a uniformly drawn offset (the CIFAR augmentation of
 *   He et al. 2016, "Deep Residual Learning", §4.2; torchvision
 *   `RandomCrop(size, padding)`). Draws per sample: row offset, then column
 *   offset.
 * - {@link randomHorizontalFlip}: mirror left–right with probability `p`.
 *   Draws per sample: one uniform number.
 * - {@link normalize}: (x − mean_c) / std_c per channel (no draws).
 *
 * Transforms apply to the batch key `image` unless `key` says otherwise and
 * work in place on the batch's arrays (a batch belongs to one consumer).
 */
import type { Rng } from '../engine/random.js';
import { check, WavecvError } from '../errors.js';
import type { BatchTransform, HostBatch, HostTensor } from './dataset.js';
import { checkNormalization, type Normalization } from './normalization.js';

function imageOf(batch: HostBatch, key: string): HostTensor & { data: Float32Array } {
  const image = batch[key];
  if (!image) throw new WavecvError('augment key', key, `a key of the batch (${Object.keys(batch).join(', ')})`);
  if (image.dtype !== 'float32' || image.shape.length !== 4) throw new WavecvError(`batch.${key}`, `${image.dtype} of shape [${image.shape.join(', ')}]`, 'float32 images [B, H, W, C]');
  return image as HostTensor & { data: Float32Array };
}

export interface CropOptions {
  /** Zero padding added on every side before cropping. */
  padding: number;
  /** Value of the padding (default 0; after normalisation use the normalised zero). */
  fill?: number;
  key?: string;
}

/** Random crop after zero padding; output keeps the input size. */
export function randomCrop(options: CropOptions): BatchTransform {
  const { padding, fill = 0, key = 'image' } = options;
  check(Number.isInteger(padding) && padding >= 0, 'padding', padding, 'an integer ≥ 0');
  return (batch: HostBatch, rng: Rng) => {
    const image = imageOf(batch, key);
    const [n, h, w, c] = image.shape;
    const src = image.data;
    const out = new Float32Array(src.length);
    const plane = h * w * c;
    for (let i = 0; i < n; i++) {
      const dy = rng.int(2 * padding + 1) - padding;
      const dx = rng.int(2 * padding + 1) - padding;
      const base = i * plane;
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        const rowOut = base + y * w * c;
        if (sy < 0 || sy >= h) {
          out.fill(fill, rowOut, rowOut + w * c);
          continue;
        }
        const rowIn = base + sy * w * c;
        for (let x = 0; x < w; x++) {
          const sx = x + dx;
          const o = rowOut + x * c;
          if (sx < 0 || sx >= w) out.fill(fill, o, o + c);
          else for (let k = 0; k < c; k++) out[o + k] = src[rowIn + sx * c + k];
        }
      }
    }
    return { ...batch, [key]: { ...image, data: out } };
  };
}

/** Mirrors each image left–right with probability `p` (default 0.5). */
export function randomHorizontalFlip(options: { p?: number; key?: string } = {}): BatchTransform {
  const { p = 0.5, key = 'image' } = options;
  check(p >= 0 && p <= 1, 'p', p, 'a probability in [0, 1]');
  return (batch: HostBatch, rng: Rng) => {
    const image = imageOf(batch, key);
    const [n, h, w, c] = image.shape;
    const data = image.data;
    for (let i = 0; i < n; i++) {
      if (!(rng.next() < p)) continue;
      for (let y = 0; y < h; y++) {
        const row = (i * h + y) * w * c;
        for (let x = 0; x < w >> 1; x++) {
          const a = row + x * c;
          const b = row + (w - 1 - x) * c;
          for (let k = 0; k < c; k++) {
            const t = data[a + k];
            data[a + k] = data[b + k];
            data[b + k] = t;
          }
        }
      }
    }
    return batch;
  };
}

/** Per-channel (x − mean) / std; one value each, or one per channel. */
export function normalize(options: Normalization & { key?: string }): BatchTransform {
  const { mean, std } = checkNormalization(options);
  const key = options.key ?? 'image';
  return (batch: HostBatch) => {
    const image = imageOf(batch, key);
    const c = image.shape[3];
    check(mean.length === 1 || mean.length === c, 'mean', mean, `1 or ${c} values for ${c}-channel images`);
    const data = image.data;
    for (let i = 0; i < data.length; i++) {
      const k = mean.length === 1 ? 0 : i % c;
      data[i] = (data[i] - mean[k]) / std[k];
    }
    return batch;
  };
}

/** Applies transforms in order, all drawing from the same stream (synchronous when they all are). */
export function compose(...transforms: BatchTransform[]): BatchTransform {
  return (batch: HostBatch, rng: Rng) => {
    let current: HostBatch | Promise<HostBatch> = batch;
    for (const t of transforms) current = current instanceof Promise ? current.then((b) => t(b, rng)) : t(current, rng);
    return current;
  };
}
