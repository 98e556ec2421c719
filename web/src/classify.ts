/**
 * WaveCNet classification of one photo and its robustness under additive
 * Gaussian noise, as the app computes it (pure TF.js, no DOM, so the
 * end-to-end test runs the same code in Node to get the expected answer).
 *
 * Li et al., "Wavelet Integrated CNNs for Noise-Robust Image Classification"
 * (CVPR 2020), compare networks by their accuracy as additive Gaussian noise
 * grows; here one image is shown at several noise levels σ with the class and
 * confidence (softmax probability) the model gives each. The noise is wavecv's
 * (`gaussianNoise`: x + σ·N(0, 1), clipped to [0, 1], on pixels in [0, 1])
 * seeded as `wavecv eval robustness` seeds its noise sweep
 * (`deriveSeed(seed, 2000, round(σ·10⁶))`), so a level's noise is the same on
 * every run and in every backend.
 *
 * How an arbitrary photo becomes a model input (my choices, for the bundled
 * Fashion-MNIST models whose training images are centred garments, bright on
 * black, 28×28 grey):
 * - channels: grey as the mean of R, G, B when the model takes one channel;
 * - aspect: padded to a square with its own border colour (the mean of the
 *   outermost rows and columns), so nothing is cut off or stretched;
 * - polarity: `invert: 'auto'` inverts (1 − x) when that border colour is
 *   brighter than 0.5 — a product photo on a white background becomes a
 *   bright garment on black, as in Fashion-MNIST; `true`/`false` force it;
 * - size: averaged over ⌊side / target⌋ × ⌊side / target⌋ blocks first (an
 *   area filter, so thin stripes do not alias), then bilinear (half-pixel
 *   centres) to the model's input size;
 * - then the noise, then the normalisation stored in the model's metadata.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussianNoise } from '../../src/data/corruptions/noise.js';
import { deriveSeed } from '../../src/engine/seed.js';
import { Rng } from '../../src/engine/random.js';
import { applyNormalization, type ModelMetadata } from '../../src/train/model-metadata.js';

export type Invert = 'auto' | boolean;

/** The model input in [0, 1] (before normalisation), `[h, w, c]` flattened, and whether it was inverted. */
export interface ClassifierInput {
  pixels: Float32Array;
  shape: [number, number, number];
  inverted: boolean;
}

/** The mean of the outermost rows and columns of `[H, W, C]`. */
function borderMean(image: tf.Tensor3D): number {
  return tf.tidy(() => {
    const [h, w] = image.shape;
    const rows = tf.concat([image.slice([0, 0, 0], [1, w, -1]), image.slice([h - 1, 0, 0], [1, w, -1])], 1);
    const cols = tf.concat([image.slice([0, 0, 0], [h, 1, -1]), image.slice([0, w - 1, 0], [h, 1, -1])], 0);
    return tf.concat([rows.flatten(), cols.flatten()]).mean().dataSync()[0];
  });
}

/** An image `[H, W, C]` in [0, 1] → the input of a model taking `inputShape` = `[h, w, c]` (see the module comment). */
export function classifierInput(image: tf.Tensor3D, inputShape: number[], invert: Invert = 'auto'): ClassifierInput {
  const [h, w, c] = inputShape;
  if (inputShape.length !== 3 || (c !== 1 && c !== 3)) throw new Error(`inputShape: got [${inputShape.join(', ')}], expected [H, W, 1 or 3]`);
  const toChannels = (x: tf.Tensor3D): tf.Tensor3D => (x.shape[2] === c ? x : c === 1 ? x.mean(2, true) : tf.tile(x, [1, 1, 3]));
  const matched = tf.tidy(() => toChannels(image));
  const border = borderMean(matched);
  const inverted = invert === 'auto' ? border > 0.5 : invert;
  const pixels = tf.tidy(() => {
    const [H, W] = matched.shape;
    const side = Math.max(H, W);
    const top = Math.floor((side - H) / 2);
    const left = Math.floor((side - W) / 2);
    let x: tf.Tensor3D = tf.add(tf.pad(tf.sub(matched, border), [[top, side - H - top], [left, side - W - left], [0, 0]]), border);
    if (inverted) x = tf.sub(1, x);
    const factor = Math.floor(side / Math.max(h, w));
    let batch: tf.Tensor4D = x.expandDims(0);
    if (factor >= 2) batch = tf.avgPool(batch, factor, factor, 'valid');
    return tf.image.resizeBilinear(batch, [h, w], false, true).clipByValue(0, 1).dataSync() as Float32Array;
  });
  matched.dispose();
  return { pixels: Float32Array.from(pixels), shape: [h, w, c], inverted };
}

/** `input` with wavecv's seeded Gaussian noise of standard deviation `sigma` (σ = 0: a copy). */
export function noisyInput(input: ClassifierInput, sigma: number, seed = 0): Float32Array {
  if (!(Number.isFinite(sigma) && sigma >= 0)) throw new Error(`sigma: got ${sigma}, expected a non-negative standard deviation`);
  if (sigma === 0) return Float32Array.from(input.pixels);
  const rng = new Rng(deriveSeed(seed, 2000, Math.round(sigma * 1e6)));
  return gaussianNoise({ data: input.pixels, shape: [1, ...input.shape] }, sigma, rng).data;
}

export interface NoiseLevelPrediction {
  sigma: number;
  classIndex: number;
  className: string;
  /** Softmax probability of the predicted class. */
  confidence: number;
  probabilities: number[];
}

/** Whether the model's last layer already applies a softmax (then its outputs are probabilities). */
function endsInSoftmax(model: tf.LayersModel): boolean {
  const config = model.layers[model.layers.length - 1].getConfig() as { activation?: string };
  return config.activation === 'softmax';
}

/** The model's prediction for `input` under each noise level of `sigmas`, in one batch. */
export function predictUnderNoise(model: tf.LayersModel, metadata: ModelMetadata, input: ClassifierInput, sigmas: number[], seed = 0): NoiseLevelPrediction[] {
  const [h, w, c] = input.shape;
  const batch = new Float32Array(sigmas.length * h * w * c);
  sigmas.forEach((sigma, i) => batch.set(noisyInput(input, sigma, seed), i * h * w * c));
  const probabilities = tf.tidy(() => {
    const x = applyNormalization(tf.tensor4d(batch, [sigmas.length, h, w, c]), metadata.preprocessing.normalization);
    const y = model.predict(x) as tf.Tensor2D;
    return (endsInSoftmax(model) ? y : tf.softmax(y)).arraySync() as number[][];
  });
  return sigmas.map((sigma, i) => {
    const p = probabilities[i];
    const classIndex = p.indexOf(Math.max(...p));
    return { sigma, classIndex, className: metadata.classNames?.[classIndex] ?? `class ${classIndex}`, confidence: p[classIndex], probabilities: p };
  });
}
