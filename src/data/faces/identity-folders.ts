/**
 * Face training data as identity folders: `root/<identity>/<image>`, one
 * folder per person (the layout of CASIA-WebFace or of insightface's
 * extracted `faces_webface_112x112` images). Identities are the sorted
 * folder names; images are decoded on demand (sharp, in libuv's thread pool,
 * so the loader's prefetch overlaps decoding with training).
 *
 * `align: 'none'` (default) expects crops that are already aligned and
 * resizes them to `size`×`size`; `align: 'detect'` runs the face detector
 * and warps each photo to the ArcFace template (the largest face; the five
 * points of each file are cached after the first detection).
 *
 * Batches follow the {@link ClassificationDataset} contract: `image` float32
 * `[B, size, size, 3]` in [0, 1] (the face task maps it to [−1, 1]) and
 * `label` int32.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { check, WavecvError } from '../../errors.js';
import { hostTensor, type ClassificationData, type ClassificationDataset, type HostBatch } from '../dataset.js';
import { alignFace, type Point } from './align.js';
import type { FaceDetector } from './detect.js';
import { decodeImage, resizeImage, type RgbImage } from './image.js';

export const FACE_IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff'];

export interface IdentityFolderOptions {
  /** Side of the square crops (default 112). */
  size?: number;
  /** `'none'`: already aligned crops, resized; `'detect'`: detect and align (needs `detector`). */
  align?: 'none' | 'detect';
  detector?: FaceDetector;
  /** Identities with fewer images are left out (default 1). */
  minImages?: number;
}

/** The images of one identity-folder tree, as a dataset. */
export class IdentityFolderDataset implements ClassificationDataset {
  readonly length: number;
  readonly imageShape: [number, number, number];
  private readonly landmarkCache = new Map<number, Point[]>();

  constructor(
    readonly files: string[],
    private readonly labelArray: Int32Array,
    readonly classNames: string[],
    readonly size: number,
    private readonly align: 'none' | 'detect',
    private readonly detector?: FaceDetector,
  ) {
    check(files.length === labelArray.length, 'labels', labelArray.length, `${files.length} labels`);
    check(align === 'none' || detector !== undefined, 'detector', detector, "a FaceDetector when align is 'detect'");
    this.length = files.length;
    this.imageShape = [size, size, 3];
  }

  /** The aligned (or resized) crop of sample `index`. */
  async face(index: number): Promise<RgbImage> {
    check(Number.isInteger(index) && index >= 0 && index < this.length, 'index', index, `an integer in [0, ${this.length})`);
    const image = await decodeImage(this.files[index]);
    if (this.align === 'none') return resizeImage(image, this.size);
    let points = this.landmarkCache.get(index);
    if (!points) {
      points = (await this.detector!.detectMain(image, this.files[index])).landmarks5;
      this.landmarkCache.set(index, points);
    }
    return alignFace(image, points, this.size).face;
  }

  async getBatch(indices: number[]): Promise<HostBatch> {
    const faces = await Promise.all(indices.map((i) => this.face(i)));
    const per = this.size * this.size * 3;
    const image = new Float32Array(indices.length * per);
    faces.forEach((f, row) => {
      for (let k = 0; k < per; k++) image[row * per + k] = f.data[k] / 255;
    });
    return {
      image: hostTensor('float32', [indices.length, this.size, this.size, 3], image),
      label: hostTensor('int32', [indices.length], Int32Array.from(indices, (i) => this.labelArray[i])),
    };
  }

  labels(): Int32Array {
    return this.labelArray.slice();
  }
}

/** True when `path` is a folder whose sub-folders hold images. */
export function isIdentityFolderTree(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
    return readdirSync(path, { withFileTypes: true }).some(
      (d) => d.isDirectory() && readdirSync(join(path, d.name)).some((f) => FACE_IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())),
    );
  } catch {
    return false;
  }
}

/** Opens `root/<identity>/<image>` as training data (no test split: faces are evaluated by verification pairs). */
export function openIdentityFolders(root: string, options: IdentityFolderOptions = {}): ClassificationData {
  const dir = resolve(root);
  const size = options.size ?? 112;
  const minImages = options.minImages ?? 1;
  check(Number.isInteger(size) && size >= 8, 'size', size, 'an integer ≥ 8');
  check(Number.isInteger(minImages) && minImages >= 1, 'minImages', minImages, 'a positive integer');
  if (!isIdentityFolderTree(dir)) throw new WavecvError('data', root, 'a folder with one sub-folder of face images per identity');
  const classNames: string[] = [];
  const files: string[] = [];
  const labels: number[] = [];
  const identities = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const identity of identities) {
    const images = readdirSync(join(dir, identity))
      .filter((f) => FACE_IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()))
      .sort();
    if (images.length < minImages) continue;
    const label = classNames.length;
    classNames.push(identity);
    for (const f of images) {
      files.push(join(dir, identity, f));
      labels.push(label);
    }
  }
  if (classNames.length === 0) throw new WavecvError('data', root, `identities with at least ${minImages} images`);
  const train = new IdentityFolderDataset(files, Int32Array.from(labels), classNames, size, options.align ?? 'none', options.detector);
  return { train, classNames, source: dir, format: 'identity-folders' };
}
