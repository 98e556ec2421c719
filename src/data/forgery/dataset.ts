/**
 * Face-forgery data: frames labelled real (0) or fake (1), each belonging to
 * a video, so a detector can be scored per frame and per video (the mean of
 * its frame scores, as DeepfakeBench's video-level AUC does it: Yan et al.,
 * "DeepfakeBench", NeurIPS 2023 Datasets and Benchmarks).
 *
 * API for trainers and evaluators (`train forgery`, `eval forgery`):
 *
 *   const data = await openForgeryData(dir, { size: 128, framesPerVideo: 8 }); // src/data/readers.ts
 *   data.train            // ForgeryDataset (and data.test when the folder has a test split)
 *   data.train.getBatch([0, 5]) // { image: float32 [B, size, size, 3] in [0, 1],
 *                               //   label: int32 [B] (0 = real, 1 = fake),
 *                               //   video: int32 [B] (index into data.train.videos) }
 *   data.train.videos      // the video ids, sorted (a path relative to the root)
 *   data.train.videoIndices() // the video index of every sample, for video-level metrics
 *   data.train.labels()    // the label of every sample
 *
 * A {@link ForgeryDataset} is a {@link ClassificationDataset} with the classes
 * `['real', 'fake']`, so the classification loader, trainer and metrics work
 * on it unchanged; the `video` key is extra (trainers feed only `image`).
 *
 * Video id (our choice): the folder that holds the frame, relative to the
 * data root (`manipulated_sequences/Deepfakes/c23/frames/000_003`); an image
 * lying directly in a class folder (`real/photo.png`) is a video of its own
 * and its id is its relative path. Ids are unique across classes because the
 * class folder is part of the path.
 *
 * Frame sampling (DeepfakeBench's `fixed_num_frames`, Yan et al. 2023,
 * `preprocessing/preprocess.py`): of a video's T frames in natural name
 * order (`2.png` before `10.png`), the N frames at `floor(linspace(0, T−1,
 * N))` are kept (`np.linspace(..., dtype=int)`), i.e. evenly spread and
 * always including the first and last; videos with T ≤ N keep all frames.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { check, WavecvError } from '../../errors.js';
import type { ClassificationDataset, HostBatch } from '../dataset.js';
import { hostTensor } from '../dataset.js';
import { IMAGE_EXTENSIONS, ImageFolderDataset } from '../image-folder.js';

/** Class names of every forgery data set: label 0 = real, 1 = fake. */
export const FORGERY_CLASSES = ['real', 'fake'] as const;

/** One image of a forgery data set. */
export interface ForgeryFrame {
  path: string;
  /** 0 = real, 1 = fake. */
  label: 0 | 1;
  /** Video id (see the module comment). */
  video: string;
}

/** Options of the forgery readers (`openForgeryData(spec, options)`). */
export interface ForgeryReaderOptions {
  /** Side of the square images every frame is resized to (cover + centre crop); default: the first frame's width. */
  size?: number;
  /** Frames kept per video, evenly spread (default 32, DeepfakeBench's `num_frames`). */
  framesPerVideo?: number;
  /** Keep decoded frames in memory while the set needs at most this many bytes (default 1 GiB). */
  cacheBytes?: number;
  /** FaceForensics++ only: the compression folder to read (`raw`/`c0`, `c23`, `c40`); default every one present. */
  compression?: string;
  /** FaceForensics++ only: the manipulation methods to read (`Deepfakes`, `Face2Face`, …); default all. */
  methods?: string[];
}

/** Frames of real and fake videos; batches hold `image`, `label` (1 = fake) and `video`. */
export class ForgeryDataset implements ClassificationDataset {
  readonly classNames = [...FORGERY_CLASSES];
  readonly length: number;
  readonly imageShape: [number, number, number];
  /** The video ids, sorted; `video` in a batch indexes this list. */
  readonly videos: string[];
  private readonly videoOfSample: Int32Array;
  private readonly images: ImageFolderDataset;

  constructor(
    readonly frames: ForgeryFrame[],
    size: number,
    cacheBytes = 2 ** 30,
  ) {
    check(frames.length > 0, 'frames', frames.length, 'at least one frame');
    check(Number.isInteger(size) && size >= 8, 'size', size, 'an integer ≥ 8');
    this.length = frames.length;
    this.imageShape = [size, size, 3];
    this.videos = [...new Set(frames.map((f) => f.video))].sort();
    const index = new Map(this.videos.map((v, i) => [v, i]));
    this.videoOfSample = Int32Array.from(frames, (f) => index.get(f.video)!);
    this.images = new ImageFolderDataset(
      frames.map((f) => ({ path: f.path, label: f.label })),
      this.classNames,
      this.imageShape,
      true,
      cacheBytes,
    );
  }

  /** The file of sample `index`. */
  path(index: number): string {
    return this.frames[index].path;
  }

  labels(): Int32Array {
    return this.images.labels();
  }

  /** The index into {@link videos} of every sample. */
  videoIndices(): Int32Array {
    return this.videoOfSample.slice();
  }

  async getBatch(indices: number[]): Promise<HostBatch> {
    const batch = await this.images.getBatch(indices);
    return { ...batch, video: hostTensor('int32', [indices.length], Int32Array.from(indices, (i) => this.videoOfSample[i])) };
  }
}

/** Data for forgery detection: training and (when the folder has one) test frames. */
export interface ForgeryData {
  train: ForgeryDataset;
  test?: ForgeryDataset;
  /** The root, resolved. */
  source: string;
  /** The reader that opened it (`real-fake` or `faceforensics`). */
  format: string;
}

/** A reader of one on-disk layout of forgery data (listed in src/data/readers.ts). */
export interface ForgerySource {
  format: string;
  /** True when `path` holds data in this layout. */
  detect(path: string): boolean;
  open(path: string, options: ForgeryReaderOptions): Promise<ForgeryData>;
}

export function isImageName(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.includes(name.slice(name.lastIndexOf('.')).toLowerCase());
}

const naturalOrder = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Image files under `dir`, recursively, in natural order (hidden files and folders skipped). */
export function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => naturalOrder(a.name, b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...imagesUnder(path));
    else if (isImageName(e.name)) out.push(path);
  }
  return out;
}

/** The positions of `count` frames spread evenly over `total`: floor(linspace(0, total − 1, count)), all when total ≤ count. */
export function evenFramePositions(total: number, count: number): number[] {
  check(Number.isInteger(total) && total >= 0, 'total', total, 'a number of frames ≥ 0');
  check(Number.isInteger(count) && count >= 1, 'framesPerVideo', count, 'a positive integer');
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.floor((i * (total - 1)) / (count - 1)));
}

/**
 * The frames of `paths` (one class) grouped into videos by their folder
 * under `root` — a file directly in `classDir` is its own video — and
 * thinned to `framesPerVideo` evenly spread frames per video.
 */
export function framesOf(paths: string[], label: 0 | 1, root: string, classDir: string, framesPerVideo: number): ForgeryFrame[] {
  const videos = new Map<string, string[]>();
  for (const path of paths) {
    const folder = path.slice(0, path.lastIndexOf(sep));
    const video = relative(root, folder === classDir ? path : folder).split(sep).join('/');
    const list = videos.get(video) ?? [];
    list.push(path);
    videos.set(video, list);
  }
  const frames: ForgeryFrame[] = [];
  for (const [video, list] of videos) {
    list.sort(naturalOrder);
    for (const i of evenFramePositions(list.length, framesPerVideo)) frames.push({ path: list[i], label, video });
  }
  return frames;
}

/** Builds the dataset, sizing it from the first frame when `size` is not given. */
export async function forgeryDataset(frames: ForgeryFrame[], options: ForgeryReaderOptions, what: string): Promise<ForgeryDataset> {
  if (frames.length === 0) throw new WavecvError('data', what, 'at least one image');
  let size = options.size;
  if (size === undefined) {
    try {
      size = (await sharp(frames[0].path).metadata()).width;
    } catch (error) {
      throw new WavecvError('image', frames[0].path, `a readable image file (${(error as Error).message})`);
    }
    if (!size) throw new WavecvError('image', frames[0].path, 'an image with a width in its header');
  }
  return new ForgeryDataset(frames, size, options.cacheBytes);
}

/** Checks the shared reader options and returns framesPerVideo. */
export function framesPerVideoOption(options: ForgeryReaderOptions): number {
  const n = options.framesPerVideo ?? 32;
  check(Number.isInteger(n) && n >= 1, 'framesPerVideo', options.framesPerVideo, 'a positive integer');
  if (options.size !== undefined) check(Number.isInteger(options.size) && options.size >= 8, 'size', options.size, 'an integer ≥ 8');
  if (options.cacheBytes !== undefined) check(Number.isFinite(options.cacheBytes) && options.cacheBytes >= 0, 'cacheBytes', options.cacheBytes, 'a number of bytes ≥ 0');
  return n;
}
