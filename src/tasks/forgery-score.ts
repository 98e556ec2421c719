/**
 * Forgery detection on photos, the browser-safe part (`wavecv detect` in Node
 * and the browser app share it): every face the face-api
 * detector finds is cropped the way the training crops of
 * `wavecv generate forgeries` are made ({@link cropFace}: a square of
 * `scale` × the face box, default 1.3, resampled to the model's input size)
 * and scored by a `wavecv train forgery` model: the fake probability is the
 * softmax of the model's logits at its `fake` class (metadata `classNames`),
 * inputs normalised by the model's own metadata. A face is called fake at a
 * probability of 0.5 or more, the threshold of the accuracy the forgery
 * evaluation reports.
 */
import * as tf from '@tensorflow/tfjs';
import type { DetectedFace } from '../data/faces/detection.js';
import type { RgbImage } from '../data/faces/image.js';
import { cropFace } from '../data/forgery/crop.js';
import { check } from '../errors.js';
import type { Normalization } from '../data/normalization.js';
import { applyNormalization, type ModelMetadata } from '../train/model-metadata.js';

/** The decision threshold on the fake probability. */
export const FAKE_THRESHOLD = 0.5;

export interface DetectedForgery {
  /** Face box in photo pixels. */
  box: DetectedFace['box'];
  /** Face detector confidence. */
  score: number;
  /** The model's probability that the face is fake. */
  fakeProbability: number;
  fake: boolean;
}

/** A forgery detector with its metadata and the index of its `fake` class. */
export interface ForgeryModel {
  model: tf.LayersModel;
  metadata: ModelMetadata;
  fakeClass: number;
}

/**
 * Fake probabilities of images in [0, 1] (`[B, H, W, C]`) under
 * `normalization`: the softmax of the model's logits at `fakeClass`, in
 * inference mode. `wavecv detect`, the browser app and `eval forgery` all
 * score through this one function.
 */
export async function fakeProbabilities(model: tf.LayersModel, images: tf.Tensor4D, normalization: Normalization, fakeClass: number): Promise<Float32Array> {
  const probabilities = tf.tidy(() => {
    const logits = model.apply(applyNormalization(images, normalization), { training: false }) as tf.Tensor;
    check(logits.rank === 2 && logits.shape[1]! > fakeClass, 'model output', logits.shape, `logits of shape [batch, classes] with the fake class ${fakeClass}`);
    return tf.squeeze(tf.slice(tf.softmax(logits as tf.Tensor2D), [0, fakeClass], [-1, 1]), [1]);
  });
  try {
    return Float32Array.from(await probabilities.data());
  } finally {
    probabilities.dispose();
  }
}

/** Fake probabilities of `faces` (equally sized RGB crops at the model's input size). */
export async function scoreFaces(model: tf.LayersModel, metadata: ModelMetadata, fakeClass: number, faces: RgbImage[]): Promise<Float32Array> {
  if (faces.length === 0) return new Float32Array(0);
  const [height, width, channels] = metadata.preprocessing.inputShape;
  check(channels === 3, 'model', `${channels} input channels`, 'an RGB forgery detector');
  const pixels = new Float32Array(faces.length * height * width * 3);
  faces.forEach((f, i) => {
    check(f.width === width && f.height === height, `faces[${i}]`, `${f.width}×${f.height}`, `${width}×${height}, the model's input size`);
    for (let k = 0; k < f.data.length; k++) pixels[i * f.data.length + k] = f.data[k] / 255;
  });
  const images = tf.tensor4d(pixels, [faces.length, height, width, 3]);
  try {
    return await fakeProbabilities(model, images, metadata.preprocessing.normalization, fakeClass);
  } finally {
    images.dispose();
  }
}

/** Every face of `photo` with its fake probability, highest detector confidence first. */
export async function detectForgeries(
  photo: RgbImage,
  loaded: ForgeryModel,
  detector: { detect(photo: RgbImage): Promise<DetectedFace[]> },
  options: { scale?: number } = {},
): Promise<DetectedForgery[]> {
  const size = loaded.metadata.preprocessing.inputShape[0];
  check(loaded.metadata.preprocessing.inputShape[1] === size, 'model', loaded.metadata.preprocessing.inputShape, 'a square input size');
  const faces = await detector.detect(photo);
  const crops = faces.map((f) => cropFace(photo, f, { scale: options.scale ?? 1.3, size }).face);
  const p = await scoreFaces(loaded.model, loaded.metadata, loaded.fakeClass, crops);
  return faces.map((f, i) => ({ box: f.box, score: f.score, fakeProbability: p[i], fake: p[i] >= FAKE_THRESHOLD }));
}
