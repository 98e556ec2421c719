/**
 * Face detection and 68-point landmarks for unaligned photos, with the
 * TF.js models that ship inside the npm package `@vladmandic/face-api`
 * (1.7.15): the SSD-MobileNetV1 face detector and the 68-point landmark net
 * (`model/ssd_mobilenetv1_model*`, `model/face_landmark_68_model*`, about
 * 6 MB and 0.35 MB). The five ArcFace points come from the 68 by
 * {@link fivePointsFrom68}.
 *
 * How it runs offline with our TensorFlow.js (investigated in Node 20 with
 * @tensorflow/tfjs 4.22; my choice): face-api publishes several builds.
 * `dist/face-api.esm.js` bundles its own copy of tfjs — a second engine that
 * would share neither our backend nor our kernels — and fails to start in Node
 * anyway (`this.util.TextEncoder is not a constructor`).
 * `dist/face-api.esm-nobundle.js` imports `@tensorflow/tfjs/dist/index.js`,
 * tfjs's ESM tree, which Node cannot load (`Directory import
 * '…/tfjs-core/dist/gradients' is not supported`), and which would in any case
 * be a module instance apart from the CJS entry (`dist/tf.node.js`) that
 * `import '@tensorflow/tfjs'` resolves to. `dist/face-api.node-wasm.js` is
 * CommonJS and `require`s `@tensorflow/tfjs` and
 * `@tensorflow/tfjs-backend-wasm`, which resolve to the very module instances
 * wavecv already uses (checked: `faceapi.tf.engine() === tf.engine()`), so
 * detection runs on the backend `initEngine` chose (wasm, or cpu), with the
 * wasm binary from our own `node_modules`. That build is loaded with `createRequire`. The model
 * weights are read from `node_modules/@vladmandic/face-api/model` with
 * `loadFromDisk` (plain `fs`); nothing touches the network.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { check, WavecvError } from '../../errors.js';
import { detectFaces, largestFace, type DetectedFace, type FaceApiDetection } from './detection.js';
import type { RgbImage } from './image.js';

export type { DetectedFace } from './detection.js';

export interface FaceDetectorOptions {
  /** Folder holding the face-api model files (default: the package's `model/`). */
  modelDir?: string;
  /** Detections below this confidence are dropped (default 0.5). */
  minConfidence?: number;
  /** At most this many faces per image (default 100). */
  maxResults?: number;
}

/** The slice of face-api's API that wavecv uses in Node: detection, plus loading from disk. */
interface FaceApi extends FaceApiDetection {
  version: string;
  tf: { engine(): unknown };
  nets: {
    ssdMobilenetv1: { loadFromDisk(dir: string): Promise<void>; isLoaded: boolean };
    faceLandmark68Net: { loadFromDisk(dir: string): Promise<void>; isLoaded: boolean };
  };
}

const require = createRequire(import.meta.url);
let faceApi: FaceApi | undefined;
const loadedFrom = new Set<string>();

/** The folder of the model files shipped in `@vladmandic/face-api`. */
export function faceApiModelDir(): string {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

function loadFaceApi(): FaceApi {
  if (!faceApi) {
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    if (api.tf.engine() !== tf.engine()) {
      throw new WavecvError('@vladmandic/face-api', api.version, 'a build that shares the @tensorflow/tfjs instance of wavecv');
    }
    faceApi = api;
  }
  return faceApi;
}

/** Detects faces and their landmarks; create with {@link FaceDetector.load} after `initEngine()`. */
export class FaceDetector {
  private constructor(
    private readonly api: FaceApi,
    readonly minConfidence: number,
    readonly maxResults: number,
  ) {}

  static async load(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
    const minConfidence = options.minConfidence ?? 0.5;
    const maxResults = options.maxResults ?? 100;
    check(minConfidence >= 0 && minConfidence <= 1, 'minConfidence', minConfidence, 'a confidence in [0, 1]');
    check(Number.isInteger(maxResults) && maxResults > 0, 'maxResults', maxResults, 'a positive integer');
    const dir = options.modelDir ?? faceApiModelDir();
    for (const file of ['ssd_mobilenetv1_model-weights_manifest.json', 'face_landmark_68_model-weights_manifest.json']) {
      if (!existsSync(join(dir, file))) throw new WavecvError('modelDir', dir, `a folder with face-api's ${file}`);
    }
    const api = loadFaceApi();
    if (!loadedFrom.has(dir)) {
      await api.nets.ssdMobilenetv1.loadFromDisk(dir);
      await api.nets.faceLandmark68Net.loadFromDisk(dir);
      loadedFrom.add(dir);
    }
    return new FaceDetector(api, minConfidence, maxResults);
  }

  /** All faces in `image`, highest confidence first. */
  async detect(image: RgbImage): Promise<DetectedFace[]> {
    check(image.data.length === image.width * image.height * 3, 'image', `${image.data.length} bytes`, `${image.width}×${image.height}×3 RGB`);
    const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      return await detectFaces(this.api, input, this.minConfidence, this.maxResults);
    } finally {
      input.dispose();
    }
  }

  /** The face with the largest box (the usual subject of a portrait), or throws naming `name`. */
  async detectMain(image: RgbImage, name = 'image'): Promise<DetectedFace> {
    return largestFace(await this.detect(image), name, this.minConfidence);
  }
}
