/**
 * A real/fake forgery data set made from real face photos alone
 * (`wavecv generate forgeries`): every face the detector finds in the photos
 * of a folder is cropped with a margin ({@link cropFace}), and for each of
 * `variants` draws the crop is written as a real example and a
 * self-blended forgery of that same crop ({@link selfBlend}) as its fake
 * twin, so the two classes differ only by the blend (Shiohara & Yamasaki,
 * CVPR 2022, train on exactly such pairs).
 *
 * Layout written (read by the real/fake reader, label 1 = fake):
 *
 *   OUT/real/<photo>_f<i>/<k>.png    OUT/fake/<photo>_f<i>/<k>.png    OUT/generator.json
 *
 * One folder per detected face, so each face is a "video" of the forgery
 * readers and video-level scores are per-face scores. `<photo>` is the
 * photo's path under the faces folder with `/` replaced by `_`. Faces are
 * numbered by detector confidence. Each variant draws a crop jitter (scale
 * ×U(0.95, 1.05) of the margin, centre shift U(−3%, 3%) of the box side,
 * horizontal flip with probability ½) so the variants of one face differ
 * for real and fake alike. Identities: the generator keeps every face of
 * a photo together; to hold identities out, generate the training and test
 * sets from different photo folders (`OUT/train`, `OUT/test`).
 *
 * Randomness: variant k of face i of photo p draws from
 * `deriveSeed(seed, p, i, k)`, so a seed fixes every file whatever the order
 * of work. Files are written atomically; the folder must not exist yet
 * (nothing is overwritten). Faces whose box is smaller than `minFaceSize`
 * are skipped and counted (upsampling a thumbnail face teaches the detector
 * the blur of upsampling).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../engine/random.js';
import { deriveSeed } from '../../engine/seed.js';
import { check, WavecvError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomic.js';
import type { Point } from '../faces/align.js';
import type { DetectedFace, FaceDetector } from '../faces/detect.js';
import { decodeImage, type RgbImage } from '../faces/image.js';
import { cropFace } from './crop.js';
import { imagesUnder } from './dataset.js';
import { selfBlend } from './self-blend.js';

export interface ForgeryGeneratorOptions {
  /** Real/fake pairs per face (default 4). */
  variants?: number;
  /** Crop side in pixels (default 128). */
  size?: number;
  /** Crop scale over the face box (default 1.3). */
  scale?: number;
  /** Faces with a smaller box side (pixels, the longer side) are skipped (default 64). */
  minFaceSize?: number;
  seed?: number;
  /** Called after each photo, with the photos done and their total. */
  onProgress?: (done: number, total: number) => void;
}

export interface GeneratedFace {
  photo: string;
  face: number;
  box: DetectedFace['box'];
  score: number;
  folder: string;
  /** The blend ratio of each variant's fake. */
  ratios: number[];
}

export interface ForgeryGeneratorResult {
  faces: GeneratedFace[];
  photos: number;
  skippedSmall: number;
  photosWithoutFaces: string[];
}

/** Mirrors an RGB image left–right, and its points with it. */
function flip(image: RgbImage, points: Point[]): { image: RgbImage; points: Point[] } {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = (y * width + (width - 1 - x)) * 3;
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { image: { width, height, data: out }, points: points.map(([x, y]) => [width - 1 - x, y] as Point) };
}

async function png(image: RgbImage): Promise<Uint8Array> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
}

/** Writes the real/fake set of self-blended forgeries of the faces in `facesDir` to the new folder `outDir`. */
export async function generateSelfBlendedForgeries(facesDir: string, outDir: string, detector: FaceDetector, options: ForgeryGeneratorOptions = {}): Promise<ForgeryGeneratorResult> {
  const variants = options.variants ?? 4;
  const size = options.size ?? 128;
  const scale = options.scale ?? 1.3;
  const minFaceSize = options.minFaceSize ?? 64;
  const seed = options.seed ?? 1;
  check(Number.isInteger(variants) && variants >= 1, 'variants', variants, 'a positive integer');
  check(Number.isInteger(size) && size >= 32, 'size', size, 'an integer ≥ 32');
  check(Number.isFinite(scale) && scale >= 1, 'scale', scale, 'a crop scale ≥ 1 (1.3 = 30% margin)');
  check(Number.isFinite(minFaceSize) && minFaceSize >= 0, 'minFaceSize', minFaceSize, 'a box side in pixels ≥ 0');
  check(Number.isInteger(seed) && seed >= 0, 'seed', seed, 'an integer ≥ 0');
  const root = resolve(facesDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new WavecvError('faces', facesDir, 'a folder of face photos');
  const photos = imagesUnder(root);
  if (photos.length === 0) throw new WavecvError('faces', facesDir, 'a folder holding photos (png, jpg, jpeg, webp, tif)');
  const out = resolve(outDir);
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) throw new WavecvError('out', outDir, 'a new or empty folder (nothing is overwritten)');
  const result: ForgeryGeneratorResult = { faces: [], photos: photos.length, skippedSmall: 0, photosWithoutFaces: [] };
  for (const [p, photoPath] of photos.entries()) {
    const photo = await decodeImage(photoPath);
    const name = relative(root, photoPath).split(/[\\/]/).join('_').replace(/\.[^.]+$/, '');
    const faces = (await detector.detect(photo)).filter((f) => {
      const big = Math.max(f.box.width, f.box.height) >= minFaceSize;
      if (!big) result.skippedSmall++;
      return big;
    });
    if (faces.length === 0) result.photosWithoutFaces.push(relative(root, photoPath));
    for (const [i, face] of faces.entries()) {
      const folder = `${name}_f${i}`;
      const ratios: number[] = [];
      for (let k = 0; k < variants; k++) {
        const rng = new Rng(deriveSeed(seed, p, i, k));
        const side = Math.max(face.box.width, face.box.height);
        const jittered = {
          x: face.box.x + (rng.next() - 0.5) * 0.06 * side,
          y: face.box.y + (rng.next() - 0.5) * 0.06 * side,
          width: face.box.width,
          height: face.box.height,
        };
        const crop = cropFace(photo, { box: jittered, landmarks68: face.landmarks68 }, { scale: scale * (0.95 + 0.1 * rng.next()), size });
        const real = rng.next() < 0.5 ? flip(crop.face, crop.landmarks68) : { image: crop.face, points: crop.landmarks68 };
        const fake = selfBlend(real.image, real.points, rng);
        ratios.push(fake.ratio);
        writeFileAtomic(join(out, 'real', folder, `${k}.png`), await png(real.image));
        writeFileAtomic(join(out, 'fake', folder, `${k}.png`), await png(fake.image));
      }
      result.faces.push({ photo: relative(root, photoPath), face: i, box: face.box, score: face.score, folder, ratios });
    }
    options.onProgress?.(p + 1, photos.length);
  }
  if (result.faces.length === 0) throw new WavecvError('faces', facesDir, `photos with at least one face of ${minFaceSize} pixels or more (found none)`);
  writeJsonAtomic(join(out, 'generator.json'), {
    generator: 'self-blended images (Shiohara & Yamasaki, CVPR 2022), src/data/forgery/self-blend.ts',
    facesFolder: root,
    settings: { variants, size, scale, minFaceSize, seed, minConfidence: detector.minConfidence },
    ...result,
  });
  return result;
}
