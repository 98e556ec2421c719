/**
 * Face detection in the browser with face-api's ESM build without its own
 * TF.js (`face-api.esm-nobundle.js`: it imports `@tensorflow/tfjs`, which Vite
 * resolves to the very module the app uses, so detection runs on the app's
 * backend) and the same models as `wavecv verify` in Node (SSD-MobileNetV1 and
 * the 68-point landmark net from `@vladmandic/face-api/model/`, served by the
 * app under `face-api-models/`, see vite.config.ts). Detections are turned
 * into wavecv's faces by the code Node uses (`detectFaces`, `largestFace`).
 */
import * as tf from '@tensorflow/tfjs';
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import { detectFaces, largestFace, type DetectedFace, type FaceApiDetection } from '../../src/data/faces/detection.js';
import type { RgbImage } from '../../src/data/faces/image.js';

/** Where the app serves face-api's model files. */
export const FACE_API_MODELS = 'face-api-models/';

/** Detector confidence below which faces are ignored (as `wavecv verify`'s default). */
export const MIN_CONFIDENCE = 0.5;

let loading: Promise<void> | undefined;

/** Loads the detector and landmark models once. */
function loadModels(): Promise<void> {
  loading ??= (async () => {
    await faceapi.nets.ssdMobilenetv1.loadFromUri(FACE_API_MODELS);
    await faceapi.nets.faceLandmark68Net.loadFromUri(FACE_API_MODELS);
  })();
  return loading;
}

/** Every face of `image` with its landmarks, highest confidence first. */
export async function detectAllFaces(image: RgbImage): Promise<DetectedFace[]> {
  await loadModels();
  const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    return await detectFaces(faceapi as unknown as FaceApiDetection, input, MIN_CONFIDENCE, 100);
  } finally {
    input.dispose();
  }
}

/** The main (largest) face of `image` with its landmarks; throws naming `name` when there is none. */
export async function detectMainFace(image: RgbImage, name: string): Promise<DetectedFace> {
  return largestFace(await detectAllFaces(image), name, MIN_CONFIDENCE);
}
