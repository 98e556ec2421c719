/**
 * The image container the corruptions work on: a batch of float images in
 * [0, 1], NHWC, stored in one `Float32Array` (gray images have C = 1, colour
 * images C = 3). The corruptions of Hendrycks & Dietterich (ICLR 2019,
 * "Benchmarking Neural Network Robustness to Common Corruptions and
 * Perturbations") are per-image operations (JPEG round trips, fractal fog,
 * random affine warps), so they run on plain arrays rather than tensors;
 * {@link imagesFromTensor} and {@link imagesToTensor} convert.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';

export interface ImageBatch {
  /** Pixel values in [0, 1], NHWC order. */
  data: Float32Array;
  /** [N, H, W, C]. */
  shape: [number, number, number, number];
}

/** Checks that `images` is a well-formed batch (shape matches data, finite values). */
export function checkImageBatch(images: ImageBatch, argument = 'images'): void {
  check(!!images && images.data instanceof Float32Array, argument, images, 'an ImageBatch { data: Float32Array, shape: [N, H, W, C] }');
  const shape = images.shape;
  check(Array.isArray(shape) && shape.length === 4 && shape.every((d) => Number.isInteger(d) && d > 0), `${argument}.shape`, shape, 'four positive integers [N, H, W, C]');
  check(shape[3] === 1 || shape[3] === 3, `${argument}.shape[3]`, shape[3], '1 (gray) or 3 (RGB) channels');
  const size = shape[0] * shape[1] * shape[2] * shape[3];
  check(images.data.length === size, `${argument}.data.length`, images.data.length, `N·H·W·C = ${size}`);
}

/** Copies a [N, H, W, C] tensor (values in [0, 1]) into an {@link ImageBatch}. */
export async function imagesFromTensor(x: tf.Tensor): Promise<ImageBatch> {
  check(x.rank === 4, 'x', x, 'a rank-4 NHWC tensor');
  const data = (await x.data()) as Float32Array;
  return { data: Float32Array.from(data), shape: x.shape as [number, number, number, number] };
}

/** The batch as a float32 tensor of shape [N, H, W, C]. */
export function imagesToTensor(images: ImageBatch): tf.Tensor4D {
  return tf.tensor4d(images.data, images.shape, 'float32');
}

/** A batch holding images `start … start+count−1` of `images` (copied). */
export function sliceImages(images: ImageBatch, start: number, count: number): ImageBatch {
  const [n, h, w, c] = images.shape;
  check(Number.isInteger(start) && start >= 0 && start < n, 'start', start, `an integer in [0, ${n})`);
  const end = Math.min(n, start + count);
  const per = h * w * c;
  return { data: images.data.slice(start * per, end * per), shape: [end - start, h, w, c] };
}

/** Reads one channel plane of image `index` into a row-major Float64Array (H·W). */
export function readPlane(images: ImageBatch, index: number, channel: number): Float64Array {
  const [, h, w, c] = images.shape;
  const plane = new Float64Array(h * w);
  const base = index * h * w * c + channel;
  for (let p = 0; p < h * w; p++) plane[p] = images.data[base + p * c];
  return plane;
}

/** Writes a plane back into `target` (the inverse of {@link readPlane}), clipping to [0, 1]. */
export function writePlane(target: ImageBatch, index: number, channel: number, plane: ArrayLike<number>): void {
  const [, h, w, c] = target.shape;
  const base = index * h * w * c + channel;
  for (let p = 0; p < h * w; p++) target.data[base + p * c] = clip01(plane[p]);
}

/** Applies `transform` to every channel plane of every image; returns a new batch. */
export function mapPlanes(images: ImageBatch, transform: (plane: Float64Array, height: number, width: number) => ArrayLike<number>): ImageBatch {
  const [n, h, w, c] = images.shape;
  const out: ImageBatch = { data: new Float32Array(images.data.length), shape: [n, h, w, c] };
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) writePlane(out, i, ch, transform(readPlane(images, i, ch), h, w));
  return out;
}

/** ITU-R 601 luma weights of (R, G, B), as cv2's RGB2GRAY and Pillow's L mode. */
export const LUMA = [0.299, 0.587, 0.114] as const;

export function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Peak signal-to-noise ratio in dB between two batches of the same shape (peak 1). */
export function psnr(a: ImageBatch, b: ImageBatch): number {
  check(a.data.length === b.data.length, 'b', b.shape, `the shape of a, [${a.shape.join(', ')}]`);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  const mse = sum / a.data.length;
  return mse === 0 ? Infinity : -10 * Math.log10(mse);
}
