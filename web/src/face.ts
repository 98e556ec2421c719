/**
 * Face verification of two photos as the app computes it (pure TF.js, no DOM,
 * so a test runs the same code in Node): each photo's main face, aligned to
 * the ArcFace 112×112 template by its five landmarks (`alignFace`: Umeyama's
 * least-squares similarity, bilinear warp) — or the photo itself when it is
 * already an aligned crop — becomes the model's input (`faceInput`), both are
 * embedded (flip test when the model was trained so) and their cosine is
 * compared with the model's threshold (`decisionThreshold`: the unified
 * threshold learned with UCE/USS, or one stored by `eval verification`).
 *
 * Resizing to a model input other than 112×112 (my choice): bilinear with
 * half-pixel centres (TF.js `resizeBilinear`), rounded to 8 bits like a
 * decoded image. `wavecv verify` resizes with libvips instead; for the
 * 112×112 face backbones nothing is resized.
 */
import * as tf from '@tensorflow/tfjs';
import { alignFace } from '../../src/data/faces/align.js';
import type { DetectedFace } from '../../src/data/faces/detection.js';
import type { RgbImage } from '../../src/data/faces/image.js';
import { cosine, decisionThreshold, embedInputs, faceInput } from '../../src/tasks/face-decision.js';
import type { FaceModelMetadata } from '../../src/tasks/face.js';
import type { Rgba } from './image-tensor.js';

/** RGB pixels of RGBA pixels (alpha dropped). */
export function rgbaToRgb(pixels: Rgba): RgbImage {
  const data = new Uint8Array(pixels.width * pixels.height * 3);
  for (let p = 0; p < pixels.width * pixels.height; p++) data.set(pixels.data.subarray(4 * p, 4 * p + 3), 3 * p);
  return { width: pixels.width, height: pixels.height, data };
}

/** `image` resized to `width`×`height` (bilinear, half-pixel centres, rounded to 8 bits); the image itself when the size matches. */
export function resizeRgb(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  const data = tf.tidy(() => {
    const x = tf.tensor3d(image.data, [image.height, image.width, 3], 'float32');
    return tf.image.resizeBilinear(x, [height, width], false, true).round().clipByValue(0, 255).dataSync();
  });
  return { width, height, data: Uint8Array.from(data) };
}

/** The crop a photo gives: aligned by the face's landmarks when one is given, else the photo (an aligned crop already) — at the model's input size. */
export function faceCrop(image: RgbImage, metadata: FaceModelMetadata, face?: DetectedFace): RgbImage {
  const [h, w] = metadata.preprocessing.inputShape;
  const aligned = face ? alignFace(image, face.landmarks5, 112).face : image;
  return resizeRgb(aligned, w, h);
}

export interface Verification {
  similarity: number;
  threshold: number;
  thresholdSource: string;
  same: boolean;
}

/** Cosine similarity of two crops' embeddings and the decision with the model's threshold. */
export async function verifyCrops(model: tf.LayersModel, metadata: FaceModelMetadata, crops: [RgbImage, RgbImage]): Promise<Verification> {
  const { threshold, source } = decisionThreshold(metadata);
  const embeddings = await embedInputs(model, metadata, crops.map((c) => faceInput(c, metadata)));
  const dim = embeddings.length / 2;
  const similarity = cosine(embeddings.subarray(0, dim), embeddings.subarray(dim));
  return { similarity, threshold, thresholdSource: source, same: similarity >= threshold };
}
