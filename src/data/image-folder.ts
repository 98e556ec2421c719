/**
 * Image folders for classification, the layout of torchvision's
 * `ImageFolder`: one sub-folder per class, named after the class, holding
 * PNG/JPEG (also WebP, TIFF) files, possibly in nested folders. Classes are
 * the sub-folder names in sorted order, so class index i is the i-th name.
 * A root holding `train/` and `test/` (or `val/`) class folders gives a
 * training and a test set; the test classes must be training classes.
 *
 * Decoding uses sharp (libvips), which runs in libuv's thread pool, so the
 * decoding of a batch overlaps with the training step (see the DataLoader's
 * prefetch). Every file's header is read when the folder is opened, so
 * unreadable files, empty classes and mixed sizes are reported before any
 * training starts, naming the file. Choices (ours):
 *  - files with other extensions and hidden files are ignored;
 *  - `channels` defaults to 1 when every image is grey (with or without
 *    alpha) and to 3 otherwise; alpha is dropped, grey is replicated to RGB;
 *  - images of different sizes are an error unless `size` is given, which
 *    resizes every image to cover `size` and crops the centre (sharp's
 *    `fit: 'cover'`, Lanczos-3);
 *  - decoded images are cached in memory (uint8, NHWC) while the whole set
 *    fits in `cacheBytes` (default 1 GiB), so later epochs decode nothing.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { check, WavecvError } from '../errors.js';
import { hostTensor, type ClassificationData, type ClassificationSource, type ClassificationDataset, type HostBatch } from './dataset.js';

/** File extensions read as images (lower case). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'];

export interface ImageFolderOptions {
  /** Resize every image to `size`×`size` or `[height, width]` (cover + centre crop). */
  size?: number | [number, number];
  /** Channels of the decoded images, 1 (grey) or 3 (RGB); default from the files. */
  channels?: 1 | 3;
  /** Keep decoded images in memory when the set needs at most this many bytes (default 1 GiB). */
  cacheBytes?: number;
}

interface ImageEntry {
  path: string;
  label: number;
}

function isImageFile(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Image files under `dir`, recursively, in sorted order. */
function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...imagesUnder(path));
    else if (isImageFile(e.name)) out.push(path);
  }
  return out;
}

/** True when some sub-folder of `dir` directly or further down holds an image file. */
function looksLikeClassFolders(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    return subfolders(dir).some((c) => {
      const files = readdirSync(join(dir, c));
      return files.some(isImageFile) || files.some((f) => !f.startsWith('.') && statSync(join(dir, c, f)).isDirectory() && imagesUnder(join(dir, c, f)).length > 0);
    });
  } catch {
    return false;
  }
}

interface SplitLayout {
  train: string;
  test?: string;
}

function layoutOf(root: string): SplitLayout | undefined {
  const train = join(root, 'train');
  const test = ['test', 'val'].map((n) => join(root, n)).find((p) => looksLikeClassFolders(p));
  if (looksLikeClassFolders(train) && test) return { train, test };
  if (looksLikeClassFolders(root)) return { train: root };
  return undefined;
}

/** True when `path` is an image-folder root (class folders, or train/ + test|val/). */
export function isImageFolder(path: string): boolean {
  return layoutOf(resolve(path)) !== undefined;
}

interface Header {
  width: number;
  height: number;
  grey: boolean;
}

async function readHeader(path: string): Promise<Header> {
  try {
    const meta = await sharp(path).metadata();
    if (!meta.width || !meta.height || !meta.channels) throw new Error('no size in the header');
    return { width: meta.width, height: meta.height, grey: meta.channels <= 2 && meta.space !== 'srgb' };
  } catch (error) {
    throw new WavecvError('image', path, `a readable image file (${(error as Error).message})`);
  }
}

/**
 * A folder of labelled images, decoded with sharp on demand (and cached when
 * small enough); batches hold `image` float32 [B, H, W, C] in [0, 1] and
 * `label` int32 [B].
 */
export class ImageFolderDataset implements ClassificationDataset {
  readonly length: number;
  private readonly cache?: Uint8Array;
  private readonly decoded?: Uint8Array;
  private readonly pixelsPerImage: number;

  constructor(
    private readonly entries: ImageEntry[],
    readonly classNames: string[],
    readonly imageShape: [number, number, number],
    private readonly resize: boolean,
    cacheBytes: number,
  ) {
    this.length = entries.length;
    this.pixelsPerImage = imageShape[0] * imageShape[1] * imageShape[2];
    if (this.length * this.pixelsPerImage <= cacheBytes) {
      this.cache = new Uint8Array(this.length * this.pixelsPerImage);
      this.decoded = new Uint8Array(this.length);
    }
  }

  /** The file of sample `index`. */
  path(index: number): string {
    return this.entries[index].path;
  }

  labels(): Int32Array {
    return Int32Array.from(this.entries, (e) => e.label);
  }

  /** Decodes sample `index` to uint8 HWC pixels of {@link imageShape}. */
  async decode(index: number): Promise<Uint8Array> {
    if (this.cache && this.decoded![index]) return this.cache.subarray(index * this.pixelsPerImage, (index + 1) * this.pixelsPerImage);
    const [height, width, channels] = this.imageShape;
    const { path } = this.entries[index];
    let pipeline = sharp(path);
    if (this.resize) pipeline = pipeline.resize({ width, height, fit: 'cover', position: 'centre' });
    pipeline = pipeline.removeAlpha().toColourspace(channels === 1 ? 'b-w' : 'srgb');
    let result: { data: Buffer; info: OutputInfo };
    try {
      result = await pipeline.raw().toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new WavecvError('image', path, `a decodable image file (${(error as Error).message})`);
    }
    const { data, info } = result;
    if (info.width !== width || info.height !== height || info.channels !== channels) {
      throw new WavecvError('image', path, `${width}×${height}×${channels} pixels like the rest of the folder (decoded ${info.width}×${info.height}×${info.channels})`);
    }
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!this.cache) return pixels;
    this.cache.set(pixels, index * this.pixelsPerImage);
    this.decoded![index] = 1;
    return pixels;
  }

  async getBatch(indices: number[]): Promise<HostBatch> {
    for (const index of indices) check(Number.isInteger(index) && index >= 0 && index < this.length, 'index', index, `an integer in [0, ${this.length})`);
    const size = this.pixelsPerImage;
    const images = await Promise.all(indices.map((i) => this.decode(i)));
    const image = new Float32Array(indices.length * size);
    const label = new Int32Array(indices.length);
    images.forEach((pixels, row) => {
      const offset = row * size;
      for (let k = 0; k < size; k++) image[offset + k] = pixels[k] / 255;
      label[row] = this.entries[indices[row]].label;
    });
    return {
      image: hostTensor('float32', [indices.length, ...this.imageShape], image),
      label: hostTensor('int32', [indices.length], label),
    };
  }
}

function normaliseSize(size: ImageFolderOptions['size']): [number, number] | undefined {
  if (size === undefined) return undefined;
  const pair = typeof size === 'number' ? [size, size] : size;
  check(Array.isArray(pair) && pair.length === 2 && pair.every((d) => Number.isInteger(d) && d > 0), 'size', size, 'a positive integer or [height, width]');
  return [pair[0], pair[1]];
}

/** Lists the images of a folder of class folders (`classNames` fixes the classes, as for a test split). */
function listClasses(dir: string, classNames?: string[]): { entries: ImageEntry[]; classNames: string[] } {
  const found = subfolders(dir);
  const names = classNames ?? found;
  const entries: ImageEntry[] = [];
  for (const name of found) {
    const label = names.indexOf(name);
    if (label < 0) throw new WavecvError('class folder', join(dir, name), `one of the training classes (${names.join(', ')})`);
    const files = imagesUnder(join(dir, name));
    if (files.length === 0) throw new WavecvError('class folder', join(dir, name), `at least one image (${IMAGE_EXTENSIONS.join(', ')})`);
    for (const path of files) entries.push({ path, label });
  }
  return { entries, classNames: names };
}

async function readHeaders(entries: ImageEntry[]): Promise<Header[]> {
  const headers: Header[] = new Array(entries.length);
  // A bounded number of header reads in flight keeps file handles in check.
  const parallel = 32;
  for (let start = 0; start < entries.length; start += parallel) {
    const chunk = entries.slice(start, start + parallel);
    const read = await Promise.all(chunk.map((e) => readHeader(e.path)));
    read.forEach((h, i) => (headers[start + i] = h));
  }
  return headers;
}

/** Checks the image sizes of one split and returns [height, width]. */
function commonSize(root: string, entries: ImageEntry[], headers: Header[], size: [number, number] | undefined): [number, number] {
  if (size) return size;
  const first = headers[0];
  headers.forEach((h, i) => {
    if (h.width !== first.width || h.height !== first.height) {
      throw new WavecvError('image', entries[i].path, `${first.width}×${first.height} pixels like ${relative(root, entries[0].path)} (got ${h.width}×${h.height}; pass size to resize every image)`);
    }
  });
  return [first.height, first.width];
}

/**
 * Opens an image-folder root (class folders, or `train/` + `test/`|`val/`
 * class folders) as training and optional test datasets. Class names are
 * always the folder names (`_hints` of the source interface are not used).
 */
export async function openImageFolder(path: string, _hints: { classNames?: string[] } = {}, options: ImageFolderOptions = {}): Promise<ClassificationData> {
  const root = resolve(path);
  const layout = layoutOf(root);
  if (!layout) throw new WavecvError('data', path, `a folder of class folders holding images (${IMAGE_EXTENSIONS.join(', ')}), or train/ and test/ (or val/) folders of them`);
  const size = normaliseSize(options.size);
  const cacheBytes = options.cacheBytes ?? 2 ** 30;
  check(Number.isFinite(cacheBytes) && cacheBytes >= 0, 'cacheBytes', cacheBytes, 'a number of bytes ≥ 0');
  if (options.channels !== undefined) check(options.channels === 1 || options.channels === 3, 'channels', options.channels, '1 or 3');
  const train = listClasses(layout.train);
  if (train.classNames.length === 0) throw new WavecvError('data', layout.train, 'at least one class folder');
  const classNames = train.classNames;
  const test = layout.test ? listClasses(layout.test, train.classNames) : undefined;
  const trainHeaders = await readHeaders(train.entries);
  const testHeaders = test ? await readHeaders(test.entries) : [];
  const [height, width] = commonSize(root, train.entries, trainHeaders, size);
  if (test) {
    const [h, w] = commonSize(root, test.entries, testHeaders, size);
    if (h !== height || w !== width) throw new WavecvError('image', test.entries[0].path, `${width}×${height} pixels like the training images (got ${w}×${h}; pass size to resize every image)`);
  }
  const channels = options.channels ?? ([...trainHeaders, ...testHeaders].every((h) => h.grey) ? 1 : 3);
  const shape: [number, number, number] = [height, width, channels];
  return {
    train: new ImageFolderDataset(train.entries, classNames, shape, size !== undefined, cacheBytes),
    test: test ? new ImageFolderDataset(test.entries, classNames, shape, size !== undefined, cacheBytes) : undefined,
    classNames,
    source: root,
    format: 'image-folder',
  };
}

/** The image-folder reader (src/data/readers.ts lists it). */
export const IMAGE_FOLDER_SOURCE: ClassificationSource = {
  format: 'image-folder',
  detect: isImageFolder,
  // Reader options arrive with the hints (`openClassificationData(spec, { size })`).
  open: (path, hints) =>
    openImageFolder(path, {}, { size: hints.size as ImageFolderOptions['size'], channels: hints.channels as ImageFolderOptions['channels'], cacheBytes: hints.cacheBytes as number | undefined }),
};
