/**
 * IDX files (LeCun et al., "THE MNIST DATABASE of handwritten digits", file
 * format section): a 4-byte magic `0 0 <type> <rank>`, `rank` big-endian
 * uint32 dimensions, then the values big-endian in row-major order. Types:
 * 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 * Files may be gzipped (detected by the gzip magic, not the name); they are
 * inflated with zlib in libuv's thread pool, off the main thread.
 *
 * An IDX folder for classification holds the MNIST file names
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (each optionally `.gz`;
 * the test pair is optional). `fashion-mnist` is an alias of the Debian
 * package's folder `/usr/share/datasets/fashion-mnist` (Xiao, Rasul &
 * Vollgraf 2017). Class names (our choice): the alias and any folder whose
 * name contains "fashion" get Fashion-MNIST's ten names, other folders get
 * their label values as names ('0' … '9' for MNIST).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { WavecvError } from '../errors.js';
import { ImageArrayDataset, type ClassificationData, type ClassificationSource, type DataAlias } from './dataset.js';

const gunzipAsync = promisify(gunzip);

export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxFile {
  shape: number[];
  data: IdxArray;
}

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const TYPES: Record<number, { name: string; bytes: number; read: (view: DataView, offset: number) => number; make: (n: number) => IdxArray }> = {
  0x08: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  0x09: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  0x0b: { name: 'int16', bytes: 2, read: (v, o) => v.getInt16(o, false), make: (n) => new Int16Array(n) },
  0x0c: { name: 'int32', bytes: 4, read: (v, o) => v.getInt32(o, false), make: (n) => new Int32Array(n) },
  0x0d: { name: 'float32', bytes: 4, read: (v, o) => v.getFloat32(o, false), make: (n) => new Float32Array(n) },
  0x0e: { name: 'float64', bytes: 8, read: (v, o) => v.getFloat64(o, false), make: (n) => new Float64Array(n) },
};

/** Decodes the bytes of an IDX file (already inflated). `name` appears in errors. */
export function parseIdx(bytes: Uint8Array, name = 'idx'): IdxFile {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new WavecvError(name, `${bytes.length} bytes starting ${Array.from(bytes.subarray(0, 4)).join(' ')}`, 'an IDX file (magic 0 0 <type> <rank>)');
  const type = TYPES[bytes[2]];
  if (!type) throw new WavecvError(name, `type byte 0x${bytes[2].toString(16)}`, 'an IDX type 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e');
  const rank = bytes[3];
  if (rank < 1) throw new WavecvError(name, `rank ${rank}`, 'an IDX file of rank ≥ 1');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new WavecvError(name, `${bytes.length} bytes`, `at least the ${headerBytes}-byte header of a rank-${rank} IDX file`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) throw new WavecvError(name, `${bytes.length} bytes`, `${expected} bytes for ${type.name} values of shape [${shape.join(', ')}] (truncated or corrupt file?)`);
  let data: IdxArray;
  if (type.bytes === 1) {
    const copy = new Uint8Array(bytes.subarray(headerBytes));
    data = bytes[2] === 0x09 ? new Int8Array(copy.buffer) : copy;
  } else {
    data = type.make(count);
    for (let i = 0; i < count; i++) data[i] = type.read(view, headerBytes + i * type.bytes);
  }
  return { shape, data };
}

/** Reads an IDX file, gzipped or raw. */
export async function readIdx(path: string): Promise<IdxFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new WavecvError('idx file', path, `a readable file (${(error as Error).message})`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (error) {
      throw new WavecvError('idx file', path, `valid gzip data (${(error as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}

function findFile(dir: string, stem: string): string | undefined {
  for (const name of [stem, `${stem}.gz`, stem.replace('-idx', '.idx'), `${stem.replace('-idx', '.idx')}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function isIdxFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory() && findFile(path, 'train-images-idx3-ubyte') !== undefined && findFile(path, 'train-labels-idx1-ubyte') !== undefined;
  } catch {
    return false;
  }
}

async function readSplit(dir: string, prefix: 'train' | 't10k', classNames: string[] | undefined): Promise<{ images: IdxFile; labels: IdxFile } | undefined> {
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (!imagesPath && !labelsPath) return undefined;
  if (!imagesPath || !labelsPath) throw new WavecvError('data', dir, `both ${prefix}-images-idx3-ubyte and ${prefix}-labels-idx1-ubyte (found only ${basename((imagesPath ?? labelsPath)!)})`);
  const [images, labels] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  if (!(images.data instanceof Uint8Array) || (images.shape.length !== 3 && images.shape.length !== 4)) {
    throw new WavecvError(imagesPath, `${images.data.constructor.name} of shape [${images.shape.join(', ')}]`, 'uint8 images of shape [N, H, W] or [N, H, W, C]');
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) throw new WavecvError(labelsPath, `shape [${labels.shape.join(', ')}]`, `one label per image ([${images.shape[0]}])`);
  let maxLabel = 0;
  for (const v of labels.data) maxLabel = Math.max(maxLabel, v);
  if (classNames && maxLabel >= classNames.length) throw new WavecvError(labelsPath, `label ${maxLabel}`, `labels below ${classNames.length}`);
  return { images, labels };
}

/**
 * Opens an IDX folder as training and (when present) test datasets. Images
 * are kept as uint8 and scaled to [0, 1] when batched.
 */
export async function openIdxFolder(path: string, hints: { classNames?: string[] } = {}): Promise<ClassificationData> {
  const dir = resolve(path);
  if (!isIdxFolder(dir)) throw new WavecvError('data', path, 'a folder holding train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]');
  const named = hints.classNames ?? (/fashion/i.test(basename(dir)) ? FASHION_MNIST_CLASSES : undefined);
  const train = (await readSplit(dir, 'train', named))!;
  const test = await readSplit(dir, 't10k', named);
  let classNames = named;
  if (!classNames) {
    let max = 0;
    for (const split of [train, test]) if (split) for (const v of split.labels.data) max = Math.max(max, v);
    classNames = Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  const toDataset = (split: { images: IdxFile; labels: IdxFile }): ImageArrayDataset => {
    // [N, H, W] grey images are NHWC with one channel.
    const [n, h, w, c = 1] = split.images.shape;
    return new ImageArrayDataset(split.images.data as Uint8Array, [n, h, w, c], Int32Array.from(split.labels.data), classNames!);
  };
  const trainSet = toDataset(train);
  const testSet = test ? toDataset(test) : undefined;
  if (testSet && testSet.imageShape.join() !== trainSet.imageShape.join()) {
    throw new WavecvError('data', dir, `test images of the training size [${trainSet.imageShape.join(', ')}] (got [${testSet.imageShape.join(', ')}])`);
  }
  return { train: trainSet, test: testSet, classNames, source: dir, format: 'idx' };
}

/** The IDX reader (src/data/readers.ts lists it). */
export const IDX_SOURCE: ClassificationSource = { format: 'idx', detect: isIdxFolder, open: openIdxFolder };

/** `--data fashion-mnist`: Debian's dataset-fashion-mnist. */
export const FASHION_MNIST_ALIAS: DataAlias = {
  alias: 'fashion-mnist',
  path: FASHION_MNIST_DIR,
  description: 'Fashion-MNIST (Debian dataset-fashion-mnist): 60,000 + 10,000 28×28 grey images, 10 classes',
  classNames: FASHION_MNIST_CLASSES,
};
