/**
 * The browser-safe part of face verification (no Node module; the browser
 * app and `wavecv verify` share it): an aligned crop's pixels → the model's
 * input, L2-normalised embeddings with the optional flip test, the cosine of
 * two embeddings, and the decision threshold a model carries. A pair is
 * "same" when cos(e₁, e₂) ≥ t, with t the unified threshold learned with the
 * loss (b/s of UCE, Zhou et al., "Uniface: Unified Cross-Entropy Loss for
 * Deep Face Recognition", ICCV 2023, and of USS, Zhou et al., "UniTSFace:
 * Unified Threshold Integrated Sample-to-Sample Loss for Face Recognition",
 * NeurIPS 2023), or one stored by `eval verification --store-threshold`.
 */
import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../data/faces/image.js';
import { check, WavecvError } from '../errors.js';
import { embedFaces } from '../models/face/embed.js';
import type { FaceModelMetadata } from './face.js';

/** The decision threshold of a model: explicit, else learned, else stored by `eval verification`. */
export function decisionThreshold(metadata: FaceModelMetadata, explicit?: number): { threshold: number; source: string } {
  if (explicit !== undefined) {
    check(Number.isFinite(explicit) && explicit >= -1 && explicit <= 1, 'threshold', explicit, 'a cosine in [-1, 1]');
    return { threshold: explicit, source: 'given on the command line' };
  }
  const stored = metadata.thresholds.learned ?? metadata.thresholds.verification;
  if (stored) return { threshold: stored.value, source: stored.source };
  throw new WavecvError(
    'threshold',
    `none in the metadata of a ${metadata.extension.loss} model`,
    'a model trained with a unified-threshold loss (uce, uss, bce, epl-uniface), a threshold stored by `wavecv eval verification --store-threshold`, or --threshold',
  );
}

/**
 * The model input [H, W, C] of an aligned crop already at the model's input
 * size: pixels scaled to [0, 1] (grey: the mean of R, G, B) and normalised by
 * the model's metadata.
 */
export function faceInput(crop: RgbImage, metadata: FaceModelMetadata): Float32Array {
  const [h, w, c] = metadata.preprocessing.inputShape;
  check(crop.width === w && crop.height === h, 'crop', `${crop.width}×${crop.height}`, `${w}×${h}, the model's input size`);
  const { mean, std } = metadata.preprocessing.normalization;
  const input = new Float32Array(h * w * c);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < c; k++) {
      const value = c === 3 ? crop.data[p * 3 + k] / 255 : (crop.data[p * 3] + crop.data[p * 3 + 1] + crop.data[p * 3 + 2]) / 3 / 255;
      const j = mean.length === 1 ? 0 : k;
      input[p * c + k] = (value - mean[j]) / std[j];
    }
  }
  return input;
}

/** L2-normalised embeddings of prepared inputs, flip-tested when the model's metadata says so (read back asynchronously). */
export async function embedInputs(model: tf.LayersModel, metadata: FaceModelMetadata, inputs: Float32Array[], batchSize = 64): Promise<Float32Array> {
  const [h, w, c] = metadata.preprocessing.inputShape;
  const dim = model.outputs[0].shape[1] as number;
  const out = new Float32Array(inputs.length * dim);
  for (let start = 0; start < inputs.length; start += batchSize) {
    const chunk = inputs.slice(start, start + batchSize);
    const flat = new Float32Array(chunk.length * h * w * c);
    chunk.forEach((x, i) => flat.set(x, i * h * w * c));
    const e = tf.tidy(() => embedFaces(model, tf.tensor4d(flat, [chunk.length, h, w, c]), { flip: metadata.extension.flip, batchSize: chunk.length }));
    try {
      out.set(await e.data(), start * dim);
    } finally {
      e.dispose();
    }
  }
  return out;
}

/** Cosine similarity of two L2-normalised embeddings. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
