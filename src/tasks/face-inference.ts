/**
 * Using a trained face model: loading it with its metadata, turning photos or
 * crops into model inputs (detect + align to the ArcFace template, or resize
 * an aligned crop; grey conversion for single-channel models), embedding, and
 * the 1:1 verification protocol on LFW `pairs.txt` lists or insightface
 * `.bin` sets.
 */
import { dirname, extname, join, resolve } from 'node:path';
import { alignFace } from '../data/faces/align.js';
import { FaceDetector, type DetectedFace } from '../data/faces/detect.js';
import { decodeImage, resizeImage, type RgbImage } from '../data/faces/image.js';
import { readPairs } from '../data/faces/pairs.js';
import { readVerificationBin } from '../data/faces/verification-bin.js';
import { check } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { writeFigure } from '../plot/vega.js';
import '../models/index.js';
import { loadRunModel, updateModelMetadata, type LoadedRunModel } from '../train/run-folder.js';
import { embedInputs, faceInput } from './face-decision.js';
import { pairSimilarities, rocChartSpec, verificationSummary, type FaceModelExtension, type FaceModelMetadata } from './face.js';

export { cosine, decisionThreshold, embedInputs, faceInput } from './face-decision.js';

export type LoadedFaceModel = LoadedRunModel<FaceModelExtension>;

/** Loads a face model with its metadata from its folder or from a `train face` run folder (its `model/`). */
export function loadFaceModel(path: string): Promise<LoadedFaceModel> {
  return loadRunModel<FaceModelExtension>(path, 'face');
}

/** How photos become model inputs. */
export interface PrepareOptions {
  /** `'detect'`: find the largest face and align it; `'none'`: the image is an aligned crop (resized). */
  align: 'none' | 'detect';
  detector?: FaceDetector;
}

/**
 * A model input [H, W, C] — the crop's pixels scaled to [0, 1] (grey: the
 * mean of R, G, B) and normalised by the model's metadata — with the face
 * found (when detecting).
 */
export async function prepareFace(
  image: RgbImage,
  metadata: FaceModelMetadata,
  options: PrepareOptions,
  name = 'image',
): Promise<{ input: Float32Array; crop: RgbImage; face?: DetectedFace }> {
  const [h, w] = metadata.preprocessing.inputShape;
  let crop: RgbImage;
  let face: DetectedFace | undefined;
  if (options.align === 'detect') {
    check(options.detector !== undefined, 'detector', undefined, "a FaceDetector when align is 'detect'");
    face = await options.detector.detectMain(image, name);
    // Align at 112 (the template's size), then resize to the model's input.
    crop = await resizeImage(alignFace(image, face.landmarks5, 112).face, w, h);
  } else {
    crop = await resizeImage(image, w, h);
  }
  return { input: faceInput(crop, metadata), crop, face };
}

export interface VerificationEvalOptions {
  model: string;
  /** LFW-style `pairs.txt` (with `images` as its image root) or an insightface `.bin`. */
  pairs: string;
  /** Image root of a pairs list (default: the list's folder). */
  images?: string;
  align?: 'none' | 'detect';
  /** Output folder for verification.json and roc.png. */
  out: string;
  batchSize?: number;
  /** Write the best threshold into the model's metadata (`verificationThreshold`). */
  storeThreshold?: boolean;
  /** Called after each embedded batch with the images done and their total. */
  onProgress?: (done: number, total: number) => void;
}

/** Runs the verification protocol of a model on a pair set and writes verification.json and roc.png. */
export async function evaluateVerification(options: VerificationEvalOptions) {
  const { model, metadata, dir } = await loadFaceModel(options.model);
  try {
    const align = options.align ?? 'none';
    check(align === 'none' || align === 'detect', 'align', align, "'none' or 'detect'");
    const detector = align === 'detect' ? await FaceDetector.load() : undefined;
    const isBin = extname(options.pairs).toLowerCase() === '.bin';
    let sources: Array<string | Uint8Array>;
    let a: number[];
    let b: number[];
    let same: boolean[];
    if (isBin) {
      const bin = await readVerificationBin(options.pairs);
      sources = bin.images;
      same = bin.issame;
      a = same.map((_, i) => 2 * i);
      b = same.map((_, i) => 2 * i + 1);
    } else {
      const list = await readPairs(options.pairs, options.images ?? dirname(resolve(options.pairs)));
      const index = new Map<string, number>();
      const id = (p: string) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      };
      a = list.pairs.map((p) => id(p.a));
      b = list.pairs.map((p) => id(p.b));
      same = list.pairs.map((p) => p.same);
      sources = [...index.keys()];
    }
    // Decode, prepare and embed chunk by chunk, so that only one batch of inputs is
    // held at a time (12 000 LFW crops as floats would take 1.8 GB).
    const dim = model.outputs[0].shape[1] as number;
    const batchSize = options.batchSize ?? 64;
    const emb = new Float32Array(sources.length * dim);
    for (let start = 0; start < sources.length; start += batchSize) {
      const inputs: Float32Array[] = [];
      for (let i = start; i < Math.min(start + batchSize, sources.length); i++) {
        const src = sources[i];
        const name = typeof src === 'string' ? src : `${options.pairs} image ${i}`;
        inputs.push((await prepareFace(await decodeImage(src, name), metadata, { align, detector }, name)).input);
      }
      emb.set(await embedInputs(model, metadata, inputs, batchSize), start * dim);
      options.onProgress?.(start + inputs.length, sources.length);
    }
    const similarities = await pairSimilarities(emb, dim, a, b);
    const learned = metadata.thresholds.learned?.value ?? null;
    const v = verificationSummary(similarities, same, learned);
    const report = {
      model: dir,
      loss: metadata.extension.loss,
      pairs: { source: resolve(options.pairs), format: isBin ? 'insightface-bin' : 'pairs-list', count: same.length, same: same.filter(Boolean).length, images: sources.length },
      align,
      flip: metadata.extension.flip,
      accuracy: v.kfold.accuracy,
      folds: v.kfold.folds,
      bestThreshold: v.kfold.bestCosineThreshold,
      bestAccuracy: v.kfold.bestAccuracy,
      meanFoldThreshold: v.meanFoldThreshold,
      tarAtFar: v.tarAtFar,
      valAtFar: v.valAtFar,
      auc: v.auc,
      learnedThreshold: learned,
      thresholdGap: learned === null ? null : learned - v.kfold.bestCosineThreshold,
      accuracyAtLearned: v.accuracyAtLearned,
    };
    const outDir = resolve(options.out);
    writeJsonAtomic(join(outDir, 'verification.json'), report);
    await writeFigure(join(outDir, 'roc.png'), rocChartSpec(v.roc, metadata.extension.loss, `ROC, ${same.length} pairs (10-fold acc ${(100 * v.kfold.accuracy.mean).toFixed(2)}%)`));
    if (options.storeThreshold) {
      const verification = { value: v.kfold.bestCosineThreshold, source: `best threshold of eval verification on ${resolve(options.pairs)}` };
      updateModelMetadata(dir, (m) => ({ ...m, thresholds: { ...m.thresholds, verification } }));
    }
    return { ...report, outDir };
  } finally {
    model.dispose();
  }
}
