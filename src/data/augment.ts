/**
 * Augmentations as {@link BatchTransform}s over host batches of images (NHWC)
 * and volumes (NDHWC), drawing every random choice from the `rng` the loader
 * hands them (so they are seeded and resumable, see dataset.ts).
 *
 * Several keys, one draw (design choice, ours): a spatial transform takes the
 * batch `keys` it moves (default `['image']`) and draws its parameters once
 * per sample, then applies them to every key — an image and its mask, a fixed
 * and a moving volume, an image and its label map stay aligned. The keys must
 * share batch size and spatial extent; their channels and dtypes may differ.
 * Per-key `fill` values (e.g. `{ mask: 255 }`, the ignore label) and
 * interpolation (default: linear for float32 keys, nearest for int32 keys)
 * say how each key is padded and resampled. Intensity transforms change
 * float32 keys only and refuse an int32 key (a mask or label map).
 *
 * - {@link randomCrop}: pad by `padding` on every side (with the key's fill),
 *   then crop `size` (default: the input size) at a uniformly drawn offset —
 *   the CIFAR augmentation of He et al. 2016, "Deep Residual Learning", §4.2,
 *   torchvision `RandomCrop(size, padding)`. Draws per sample: one integer per
 *   spatial axis, in order (depth,) height, width.
 * - {@link randomFlip}: mirrors along each of `axes` with probability `p`.
 *   Draws per sample: one uniform number per axis, in the order given.
 *   {@link randomHorizontalFlip} is `randomFlip({ axes: ['width'] })`.
 * - {@link randomScale}: zooms about the centre by a factor drawn uniformly
 *   from `range`, keeping the size (the random-scale step of DeepLab's
 *   scale-and-crop, Chen et al. 2018, "Encoder-Decoder with Atrous Separable
 *   Convolution", §4; follow it with {@link randomCrop} for the random
 *   placement). Draws per sample: one uniform number.
 * - {@link randomIntensity}: `x ← a·x + b` with `a` and `b` drawn uniformly
 *   from `scale` and `shift` (brightness-style jitter that also suits volumes
 *   in arbitrary units). Draws per sample: `a`, then `b`.
 * - {@link randomGaussianNoise}: with probability `p`, adds N(0, std²) noise
 *   to every value. Draws per sample: one uniform number, then (when applied)
 *   two per value (Box–Muller).
 * - {@link normalize}: (x − mean_c) / std_c per channel (no draws).
 *
 * Spatial transforms write new arrays or work in place on the batch's arrays
 * (a batch belongs to one consumer).
 */
import type { Rng } from '../engine/random.js';
import { check, WavecvError } from '../errors.js';
import type { BatchTransform, HostBatch, HostTensor } from './dataset.js';
import { checkNormalization, type Normalization } from './normalization.js';
import { cropAt, flipSample, spatialAxisIndex, spatialLayout, zoomAboutCentre, type Interpolation, type SpatialAxis } from './spatial.js';

/** A value for every key, or one per key (keys not named take `fallback`). */
export type PerKey<T> = T | Record<string, T>;

function valueFor<T>(spec: PerKey<T> | undefined, key: string, fallback: T): T {
  if (spec === undefined) return fallback;
  if (typeof spec === 'object' && spec !== null) return (spec as Record<string, T>)[key] ?? fallback;
  return spec as T;
}

function checkKeys(keys: string[]): void {
  check(Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string'), 'keys', keys, 'a non-empty list of batch keys');
}

function tensorOf(batch: HostBatch, key: string): HostTensor {
  const tensor = batch[key];
  if (!tensor) throw new WavecvError('augment key', key, `a key of the batch (${Object.keys(batch).join(', ')})`);
  return tensor;
}

/** The keys' tensors, checked to share batch size and spatial extent; returns that extent. */
function alignedKeys(batch: HostBatch, keys: string[]): { batch: number; spatial: number[]; tensors: HostTensor[] } {
  const tensors = keys.map((k) => tensorOf(batch, k));
  const first = spatialLayout(tensors[0], `batch.${keys[0]}`);
  tensors.forEach((t, i) => {
    const layout = spatialLayout(t, `batch.${keys[i]}`);
    if (layout.batch !== first.batch || !layout.spatial.every((s, a) => s === first.spatial[a]) || layout.spatial.length !== first.spatial.length) {
      throw new WavecvError(`batch.${keys[i]}`, `shape [${t.shape.join(', ')}]`, `the batch size and spatial size of batch.${keys[0]} [${tensors[0].shape.slice(0, -1).join(', ')}, ·] (keys moved together must be aligned)`);
    }
  });
  return { batch: first.batch, spatial: first.spatial, tensors };
}

/** The float32 tensors of `keys`, checked to share the batch size. */
function floatKeys(batch: HostBatch, keys: string[]): Array<HostTensor & { data: Float32Array }> {
  const tensors = keys.map((key) => {
    const tensor = tensorOf(batch, key);
    if (tensor.dtype !== 'float32' || tensor.shape.length < 2) {
      throw new WavecvError(`batch.${key}`, `${tensor.dtype} of shape [${tensor.shape.join(', ')}]`, 'float32 intensities (intensity transforms leave masks and labels alone: list image keys only)');
    }
    return tensor as HostTensor & { data: Float32Array };
  });
  tensors.forEach((t, j) => check(t.shape[0] === tensors[0].shape[0], `batch.${keys[j]}`, t.shape[0], `${tensors[0].shape[0]} samples, as batch.${keys[0]}`));
  return tensors;
}

export interface CropOptions {
  /** Padding added on every side of every spatial axis before cropping (default 0). */
  padding?: number;
  /** Output spatial size, `[H, W]` or `[D, H, W]` (default: the input's). */
  size?: number[];
  /** Value of positions outside the source, per key or for all (default 0; after normalisation use the normalised zero). */
  fill?: PerKey<number>;
  /** Batch keys cropped with the same offsets (default `['image']`). */
  keys?: string[];
}

/** Random crop after padding; see the module doc. */
export function randomCrop(options: CropOptions): BatchTransform {
  const { padding = 0, size, fill, keys = ['image'] } = options;
  check(Number.isInteger(padding) && padding >= 0, 'padding', padding, 'an integer ≥ 0');
  check(size === undefined || (Array.isArray(size) && (size.length === 2 || size.length === 3) && size.every((s) => Number.isInteger(s) && s > 0)), 'size', size, '2 or 3 positive integers ([H, W] or [D, H, W])');
  check(padding > 0 || size !== undefined, 'randomCrop', options, 'a padding > 0 or an output size (otherwise the crop is the identity)');
  checkKeys(keys);
  return (batch: HostBatch, rng: Rng) => {
    const { batch: n, spatial, tensors } = alignedKeys(batch, keys);
    const outSize = size ?? spatial;
    check(outSize.length === spatial.length, 'size', outSize, `${spatial.length} sizes for ${spatial.length}-D data`);
    const ranges = spatial.map((s, a) => s + 2 * padding - outSize[a]);
    ranges.forEach((r, a) => check(r >= 0, 'size', outSize, `at most the padded input size [${spatial.map((s) => s + 2 * padding).join(', ')}] on every axis (axis ${a})`));
    const starts = new Int32Array(n * spatial.length);
    for (let i = 0; i < n; i++) for (let a = 0; a < spatial.length; a++) starts[i * spatial.length + a] = rng.int(ranges[a] + 1) - padding;
    const out: HostBatch = { ...batch };
    keys.forEach((key, j) => (out[key] = cropAt(tensors[j], starts, outSize, valueFor(fill, key, 0))));
    return out;
  };
}

export interface FlipOptions {
  /** Axes flipped independently, each with probability `p` (default `['width']`). */
  axes?: SpatialAxis[];
  p?: number;
  /** Batch keys flipped together (default `['image']`). */
  keys?: string[];
}

/** Random mirror along each of `axes`; see the module doc. */
export function randomFlip(options: FlipOptions = {}): BatchTransform {
  const { axes = ['width'], p = 0.5, keys = ['image'] } = options;
  check(p >= 0 && p <= 1, 'p', p, 'a probability in [0, 1]');
  check(Array.isArray(axes) && axes.length > 0 && new Set(axes).size === axes.length, 'axes', axes, 'distinct spatial axes (depth, height, width)');
  checkKeys(keys);
  return (batch: HostBatch, rng: Rng) => {
    const { batch: n, spatial, tensors } = alignedKeys(batch, keys);
    const indices = axes.map((axis) => spatialAxisIndex(axis, spatial.length, 'axes'));
    for (let i = 0; i < n; i++) {
      for (const axis of indices) {
        if (!(rng.next() < p)) continue;
        for (const t of tensors) flipSample(t, i, axis);
      }
    }
    return batch;
  };
}

/** Mirrors each image left–right with probability `p` (default 0.5): `randomFlip` along width. */
export function randomHorizontalFlip(options: { p?: number; keys?: string[] } = {}): BatchTransform {
  return randomFlip({ axes: ['width'], ...options });
}

export interface ScaleOptions {
  /** `[min, max]` zoom factors; a factor is drawn uniformly per sample. */
  range: [number, number];
  /** Batch keys zoomed together (default `['image']`). */
  keys?: string[];
  /** Per key or for all (default linear for float32 keys, nearest for int32 keys; int32 keys must be nearest). */
  interpolation?: PerKey<Interpolation>;
  /** Value read outside the source, per key or for all (default 0). */
  fill?: PerKey<number>;
}

/** Random zoom about the centre, same size out; see the module doc and {@link zoomAboutCentre}. */
export function randomScale(options: ScaleOptions): BatchTransform {
  const { range, keys = ['image'], interpolation, fill } = options;
  check(Array.isArray(range) && range.length === 2 && range[0] > 0 && Number.isFinite(range[1]) && range[0] <= range[1], 'range', range, '[min, max] with 0 < min ≤ max');
  checkKeys(keys);
  return (batch: HostBatch, rng: Rng) => {
    const { batch: n, tensors } = alignedKeys(batch, keys);
    const scales = new Float64Array(n);
    for (let i = 0; i < n; i++) scales[i] = range[0] + (range[1] - range[0]) * rng.next();
    const out: HostBatch = { ...batch };
    keys.forEach((key, j) => {
      const t = tensors[j];
      const mode = valueFor(interpolation, key, t.dtype === 'int32' ? 'nearest' : 'linear');
      check(mode === 'nearest' || mode === 'linear', `interpolation of ${key}`, mode, "'linear' or 'nearest'");
      check(mode === 'nearest' || t.dtype === 'float32', `interpolation of ${key}`, mode, `'nearest' for the int32 key ${key} (labels must not be blended)`);
      out[key] = zoomAboutCentre(t, scales, mode, valueFor(fill, key, 0));
    });
    return out;
  };
}

export interface IntensityOptions {
  /** `[min, max]` of the multiplicative factor (default `[1, 1]`). */
  scale?: [number, number];
  /** `[min, max]` of the additive offset (default `[0, 0]`). */
  shift?: [number, number];
  /** float32 batch keys changed, each sample with one draw for all of them (default `['image']`). */
  keys?: string[];
}

function checkRange(range: [number, number], name: string): void {
  check(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] <= range[1], name, range, '[min, max] of finite numbers');
}

/** Random `a·x + b` per sample; see the module doc. */
export function randomIntensity(options: IntensityOptions): BatchTransform {
  const { scale = [1, 1], shift = [0, 0], keys = ['image'] } = options;
  checkRange(scale, 'scale');
  checkRange(shift, 'shift');
  checkKeys(keys);
  return (batch: HostBatch, rng: Rng) => {
    const tensors = floatKeys(batch, keys);
    const n = tensors[0].shape[0];
    for (let i = 0; i < n; i++) {
      const a = scale[0] + (scale[1] - scale[0]) * rng.next();
      const b = shift[0] + (shift[1] - shift[0]) * rng.next();
      for (const t of tensors) {
        const size = t.data.length / n;
        for (let e = i * size; e < (i + 1) * size; e++) t.data[e] = a * t.data[e] + b;
      }
    }
    return batch;
  };
}

/** With probability `p` per sample (default 1), adds N(0, std²) to every value; see the module doc. */
export function randomGaussianNoise(options: { std: number; p?: number; keys?: string[] }): BatchTransform {
  const { std, p = 1, keys = ['image'] } = options;
  check(Number.isFinite(std) && std > 0, 'std', std, 'a positive standard deviation');
  check(p >= 0 && p <= 1, 'p', p, 'a probability in [0, 1]');
  checkKeys(keys);
  return (batch: HostBatch, rng: Rng) => {
    const tensors = floatKeys(batch, keys);
    const n = tensors[0].shape[0];
    for (let i = 0; i < n; i++) {
      if (!(rng.next() < p)) continue;
      for (const t of tensors) {
        const size = t.data.length / n;
        for (let e = i * size; e < (i + 1) * size; e++) t.data[e] += std * rng.normal();
      }
    }
    return batch;
  };
}

/** Per-channel (x − mean) / std on the last axis; one value each, or one per channel. */
export function normalize(options: Normalization & { keys?: string[] }): BatchTransform {
  const { mean, std } = checkNormalization(options);
  const keys = options.keys ?? ['image'];
  checkKeys(keys);
  return (batch: HostBatch) => {
    for (const image of floatKeys(batch, keys)) {
      const c = image.shape[image.shape.length - 1];
      check(mean.length === 1 || mean.length === c, 'mean', mean, `1 or ${c} values for ${c}-channel data`);
      const data = image.data;
      for (let i = 0; i < data.length; i++) {
        const k = mean.length === 1 ? 0 : i % c;
        data[i] = (data[i] - mean[k]) / std[k];
      }
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
