/**
 * Faces and their landmarks found by face-api's SSD-MobileNetV1 detector and
 * 68-point landmark net, in the form wavecv uses, whichever face-api build
 * runs them (browser-safe: `detect.ts` loads the models from disk in Node, the
 * browser app from URLs). The five ArcFace points come from the 68 by
 * {@link fivePointsFrom68}.
 */
import type * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../../errors.js';
import { fivePointsFrom68, type Point } from './align.js';

export interface DetectedFace {
  /** Box in image pixels. */
  box: { x: number; y: number; width: number; height: number };
  /** Detector confidence in [0, 1]. */
  score: number;
  /** The 68 iBUG points in image pixels. */
  landmarks68: Point[];
  /** Left eye, right eye, nose tip, left and right mouth corners. */
  landmarks5: Point[];
}

/** The detection calls of face-api that wavecv uses (any build: node-wasm in Node, the ESM build in browsers). */
export interface FaceApiDetection {
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => unknown;
  detectAllFaces(
    input: tf.Tensor3D,
    options: unknown,
  ): {
    withFaceLandmarks(): Promise<
      Array<{
        detection: { score: number; box: { x: number; y: number; width: number; height: number } };
        landmarks: { positions: Array<{ x: number; y: number }> };
      }>
    >;
  };
}

/** All faces in `input` (`[H, W, 3]` pixels 0–255) with confidence ≥ `minConfidence`, highest confidence first. */
export async function detectFaces(api: FaceApiDetection, input: tf.Tensor3D, minConfidence: number, maxResults: number): Promise<DetectedFace[]> {
  const found = await api.detectAllFaces(input, new api.SsdMobilenetv1Options({ minConfidence, maxResults })).withFaceLandmarks();
  return found
    .map((f) => {
      const landmarks68 = f.landmarks.positions.map((p) => [p.x, p.y] as Point);
      const { x, y, width, height } = f.detection.box;
      return { box: { x, y, width, height }, score: f.detection.score, landmarks68, landmarks5: fivePointsFrom68(landmarks68) };
    })
    .sort((a, b) => b.score - a.score);
}

/** The face with the largest box (the usual subject of a portrait), or a {@link WavecvError} naming `name` when there is none. */
export function largestFace(faces: DetectedFace[], name: string, minConfidence: number): DetectedFace {
  if (faces.length === 0) throw new WavecvError(name, 'no face found', `a photo with a face (detector confidence ≥ ${minConfidence})`);
  return faces.reduce((best, f) => (f.box.width * f.box.height > best.box.width * best.box.height ? f : best));
}
