/**
 * Segmentation of images of any size with a network trained at one size:
 * overlapping tiles of the training size, logits blended, as MONAI's
 * `sliding_window_inference` does (Cardoso et al., "MONAI", 2022; mode
 * "gaussian"). Choices (ours, after MONAI's defaults):
 *  - tiles of the model's input size step by `tile · (1 − overlap)` (overlap
 *    0.25 by default) along each axis, and the last tile on an axis is
 *    shifted back to end at the border, so every pixel is covered and no
 *    tile hangs over the image;
 *  - an image smaller than a tile along an axis is padded at the end with the
 *    normalised zero (the training mean) and the padding is cut off again;
 *  - each tile's logits are weighted by a Gaussian window centred on the
 *    tile (σ = tile/8 on each axis, floored at 1e-3 of its peak so border
 *    pixels still count) and the weighted sum is divided by the summed
 *    weights, so overlaps blend smoothly instead of showing seams;
 *  - tiles go through the network `batchSize` at a time (default 8), in
 *    inference mode (batch-norm running statistics).
 * An image exactly the model's size is one tile: the plain forward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

export interface TileOptions {
  /** Fraction of a tile shared with its neighbour, in [0, 1) (default 0.25). */
  overlap?: number;
  /** Tiles per forward pass (default 8). */
  batchSize?: number;
}

/** Start offsets of tiles of `tile` along an axis of `length` (see the module comment). */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = Math.max(1, Math.floor(tile * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += stride) starts.push(s);
  starts.push(length - tile);
  return starts;
}

function gaussianWindow(tile: number): Float32Array {
  const sigma = tile / 8;
  const centre = (tile - 1) / 2;
  return Float32Array.from({ length: tile }, (_, i) => Math.max(Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)), 1e-3));
}

/**
 * Per-pixel logits `[H, W, K]` of a normalised image `[H, W, C]` from a model
 * whose input is `[tileH, tileW, C]`; see the module comment. The tiles'
 * logits are read back asynchronously, one read per batch of tiles.
 */
export async function predictLogits(model: tf.LayersModel, image: tf.Tensor3D, options: TileOptions = {}): Promise<tf.Tensor3D> {
  const overlap = options.overlap ?? 0.25;
  const batchSize = options.batchSize ?? 8;
  check(Number.isFinite(overlap) && overlap >= 0 && overlap < 1, 'overlap', overlap, 'a fraction in [0, 1)');
  check(Number.isInteger(batchSize) && batchSize > 0, 'batchSize', batchSize, 'a positive integer');
  const inputShape = model.inputs[0].shape;
  const [tileH, tileW, channels] = [inputShape[1] as number, inputShape[2] as number, inputShape[3] as number];
  check(image.rank === 3 && image.shape[2] === channels, 'image', image, `an image [H, W, ${channels}] (the model's channels)`);
  const [height, width] = image.shape;
  if (height === tileH && width === tileW) {
    return tf.tidy(() => tf.squeeze(model.predict(tf.expandDims(image, 0)) as tf.Tensor4D, [0]) as tf.Tensor3D);
  }
  const paddedH = Math.max(height, tileH);
  const paddedW = Math.max(width, tileW);
  const padded = tf.tidy(() => tf.pad(image, [[0, paddedH - height], [0, paddedW - width], [0, 0]]));
  const tiles: Array<[number, number]> = [];
  for (const y of tileStarts(paddedH, tileH, overlap)) for (const x of tileStarts(paddedW, tileW, overlap)) tiles.push([y, x]);
  const wy = gaussianWindow(tileH);
  const wx = gaussianWindow(tileW);
  let classes = 0;
  let sum = new Float32Array(0);
  const weight = new Float32Array(paddedH * paddedW);
  try {
    for (let start = 0; start < tiles.length; start += batchSize) {
      const chunk = tiles.slice(start, start + batchSize);
      const logits = tf.tidy(() => model.predict(tf.stack(chunk.map(([y, x]) => tf.slice(padded, [y, x, 0], [tileH, tileW, channels])))) as tf.Tensor4D);
      let values: Float32Array;
      try {
        values = (await logits.data()) as Float32Array;
      } finally {
        logits.dispose();
      }
      if (classes === 0) {
        classes = logits.shape[3];
        sum = new Float32Array(paddedH * paddedW * classes);
      }
      chunk.forEach(([y0, x0], t) => {
        const base = t * tileH * tileW * classes;
        for (let y = 0; y < tileH; y++) {
          for (let x = 0; x < tileW; x++) {
            const w = wy[y] * wx[x];
            const at = (y0 + y) * paddedW + x0 + x;
            weight[at] += w;
            const from = base + (y * tileW + x) * classes;
            for (let k = 0; k < classes; k++) sum[at * classes + k] += w * values[from + k];
          }
        }
      });
    }
  } finally {
    padded.dispose();
  }
  const out = new Float32Array(height * width * classes);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * paddedW + x;
      for (let k = 0; k < classes; k++) out[(y * width + x) * classes + k] = sum[at * classes + k] / weight[at];
    }
  }
  return tf.tensor3d(out, [height, width, classes]);
}

/** The class of every pixel (argmax of {@link predictLogits}), row-major `H × W`, read back asynchronously. */
export async function predictLabels(model: tf.LayersModel, image: tf.Tensor3D, options: TileOptions = {}): Promise<Int32Array> {
  const logits = await predictLogits(model, image, options);
  const labels = tf.tidy(() => tf.argMax(logits, 2));
  try {
    return (await labels.data()) as Int32Array;
  } finally {
    tf.dispose([logits, labels]);
  }
}
