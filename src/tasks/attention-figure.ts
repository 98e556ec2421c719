/**
 * Attention maps of a transformer model over an input image, as a vega-lite
 * figure (`wavecv attention`): the image at the model's input size, the
 * attention rollout of all blocks (src/nn/attention-rollout.ts, Abnar &
 * Zuidema, ACL 2020), and the class token's attention in one block
 * (default the last) — the mean of its heads, then each head — each laid
 * over the image on the model's token grid (src/plot/attention-figure.ts).
 *
 * Any saved model with wavecv's multi-head self-attention layers works: the
 * plain ViT, DTN and the forgery ViT baseline. The token grid is the one of
 * N − 1 patch tokens (the class token is token 0) with the input's aspect
 * ratio (H/p × W/p for a ViT of patch p, H/16 × W/16 for DTN's stride-16
 * CNN stem). The image is resized to the model's input size (or, with
 * `face`, the most confident face is cropped as `wavecv generate
 * forgeries` and `wavecv detect` crop it) and normalised as the model's
 * metadata says; a one-channel model sees the image's mean of R, G and B.
 */
import * as tf from '@tensorflow/tfjs';
import type { DetectedFace } from '../data/faces/detection.js';
import { resizeImage, type RgbImage } from '../data/faces/image.js';
import { cropFace } from '../data/forgery/crop.js';
import type { Normalization } from '../data/normalization.js';
import { check } from '../errors.js';
import { MultiHeadSelfAttention } from '../nn/attention.js';
import { attentionRollout, classTokenAttention } from '../nn/attention-rollout.js';
import { vitAttentionMaps } from '../nn/vit.js';
import { attentionFigureSpec, imageDataUrl, type AttentionPanel } from '../plot/attention-figure.js';
import type { VegaLiteSpec } from '../plot/vega.js';
import { applyNormalization } from '../train/model-metadata.js';

export interface AttentionFigureOptions {
  /** Block whose class-token attention is shown per head, 0-based (default the last). */
  block?: number;
  /** Panels per row (default 4). */
  columns?: number;
  title?: string;
}

export interface AttentionFigure {
  spec: VegaLiteSpec;
  /** Attention layers of the model, in block order. */
  layers: string[];
  block: number;
  heads: number;
  grid: [number, number];
  /** The panels' maps (rollout, head mean, heads), one weight per token, row-major. */
  panels: AttentionPanel[];
}

/** The token grid [rows, columns] of `tokens` patch tokens over an input of `height`×`width`. */
export function tokenGrid(tokens: number, height: number, width: number): [number, number] {
  const cols = Math.round(Math.sqrt((tokens * width) / height));
  const rows = Math.round(tokens / Math.max(cols, 1));
  check(rows * cols === tokens, 'model', `${tokens} patch tokens over a ${height}×${width} input`, 'a token grid with the aspect ratio of the input');
  return [rows, cols];
}

/** The model's input tensor [1, H, W, C] of an RGB image already at the input size. */
function inputTensor(image: RgbImage, channels: number, normalization: Normalization): tf.Tensor4D {
  check(channels === 1 || channels === 3, 'model', `${channels} input channels`, 'a model of RGB or one-channel images');
  const pixels = image.width * image.height;
  const out = new Float32Array(pixels * channels);
  for (let k = 0; k < pixels; k++) {
    const [r, g, b] = [image.data[3 * k], image.data[3 * k + 1], image.data[3 * k + 2]];
    if (channels === 1) out[k] = (r + g + b) / (3 * 255);
    else [out[3 * k], out[3 * k + 1], out[3 * k + 2]] = [r / 255, g / 255, b / 255];
  }
  return tf.tidy(() => applyNormalization(tf.tensor4d(out, [1, image.height, image.width, channels]), normalization) as tf.Tensor4D);
}

/** The figure of `model`'s attention over `image` (resized to the model's input size); see the module comment. */
export async function modelAttentionFigure(model: tf.LayersModel, image: RgbImage, normalization: Normalization, options: AttentionFigureOptions = {}): Promise<AttentionFigure & { image: RgbImage }> {
  check(model.layers.some((l) => l instanceof MultiHeadSelfAttention), 'model', model.name, 'a model with multi-head self-attention layers (vit, dtn)');
  const [, height, width, channels] = model.inputs[0].shape as number[];
  const resized = await resizeImage(image, width, height);
  const x = inputTensor(resized, channels, normalization);
  let maps: Array<{ layer: string; maps: tf.Tensor4D }> = [];
  try {
    maps = vitAttentionMaps(model, x);
    const block = options.block ?? maps.length - 1;
    check(Number.isInteger(block) && block >= 0 && block < maps.length, 'block', block, `a block index in 0…${maps.length - 1}`);
    const heads = maps[block].maps.shape[1];
    const grid = tokenGrid(maps[block].maps.shape[2] - 1, height, width);
    const [rollout, perHead, headMean] = tf.tidy(() => {
      const row = classTokenAttention(maps[block].maps);
      return [attentionRollout(maps.map((m) => m.maps)), row, tf.mean(row, 1)];
    });
    let rolloutValues, headValues, meanValues;
    try {
      [rolloutValues, headValues, meanValues] = await Promise.all([rollout.data(), perHead.data(), headMean.data()]);
    } finally {
      tf.dispose([rollout, perHead, headMean]);
    }
    const tokens = grid[0] * grid[1];
    const panels: AttentionPanel[] = [
      { title: `rollout, blocks 0–${maps.length - 1}`, weights: Array.from(rolloutValues) },
      { title: `block ${block}, mean of ${heads} heads`, weights: Array.from(meanValues) },
      ...Array.from({ length: heads }, (_, h) => ({ title: `block ${block}, head ${h}`, weights: Array.from(headValues.subarray(h * tokens, (h + 1) * tokens)) })),
    ];
    const title = options.title ?? `${model.name}: class-token attention on the ${grid[0]}×${grid[1]} token grid`;
    const spec = attentionFigureSpec(await imageDataUrl(resized), resized, panels, { grid, columns: options.columns, title });
    return { spec, layers: maps.map((m) => m.layer), block, heads, grid, panels, image: resized };
  } finally {
    x.dispose();
    tf.dispose(maps.map((m) => m.maps));
  }
}

/** The most confident face of `photo` cropped as the forgery crops are (square of `scale` × the box, at `size` px). */
export async function mainFaceCrop(photo: RgbImage, detector: { detect(photo: RgbImage): Promise<DetectedFace[]> }, size: number, scale = 1.3): Promise<{ face: RgbImage; box: DetectedFace['box']; score: number }> {
  const faces = await detector.detect(photo);
  check(faces.length > 0, 'image', `${photo.width}×${photo.height} photo`, 'a photo with a face the detector finds (or leave out --face)');
  const best = faces.reduce((a, b) => (b.score > a.score ? b : a));
  return { face: cropFace(photo, best, { scale, size }).face, box: best.box, score: best.score };
}
