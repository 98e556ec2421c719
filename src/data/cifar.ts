/**
 * CIFAR-10 and CIFAR-100 binary batches (Krizhevsky, "Learning Multiple
 * Layers of Features from Tiny Images", 2009; format of the "binary version"
 * on the CIFAR page). Every record is
 *  - CIFAR-10: 1 label byte, then 3072 pixel bytes;
 *  - CIFAR-100: 1 coarse-label byte, 1 fine-label byte, then 3072 pixel bytes;
 * the pixels being the 1024 red, then 1024 green, then 1024 blue values of a
 * 32×32 image, each plane row-major. Records are converted to NHWC uint8.
 *
 * A CIFAR-10 folder (`cifar-10-batches-bin`) holds `data_batch_1.bin` …
 * `data_batch_5.bin`, `test_batch.bin` and `batches.meta.txt` (class names,
 * one a line). A CIFAR-100 folder (`cifar-100-binary`) holds `train.bin`,
 * `test.bin`, `fine_label_names.txt` and `coarse_label_names.txt`. The folder
 * given may also be the parent of one of these. CIFAR-100 uses the fine
 * labels unless `labels: 'coarse'` is asked for. Without a names file, class
 * names are CIFAR-10's documented ten or the label numbers (our choice).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { check, WavecvError } from '../errors.js';
import { ImageArrayDataset, type ClassificationData, type ClassificationSource } from './dataset.js';

export type CifarVariant = 'cifar10' | 'cifar100';

export const CIFAR_SIZE = 32;
const PIXELS = CIFAR_SIZE * CIFAR_SIZE;
const IMAGE_BYTES = 3 * PIXELS;
/** Bytes of one record. */
export const CIFAR_RECORD_BYTES: Record<CifarVariant, number> = { cifar10: 1 + IMAGE_BYTES, cifar100: 2 + IMAGE_BYTES };

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Records of one binary batch: NHWC uint8 images and their labels. */
export interface CifarRecords {
  count: number;
  /** `count·32·32·3` bytes, NHWC. */
  images: Uint8Array;
  /** CIFAR-10 label, or CIFAR-100 fine label. */
  labels: Int32Array;
  /** CIFAR-100 only. */
  coarseLabels?: Int32Array;
}

/** Decodes the bytes of a CIFAR binary batch; `name` appears in errors. */
export function parseCifarRecords(bytes: Uint8Array, variant: CifarVariant, name = 'cifar batch'): CifarRecords {
  const recordBytes = CIFAR_RECORD_BYTES[variant];
  if (bytes.length === 0 || bytes.length % recordBytes !== 0) {
    throw new WavecvError(name, `${bytes.length} bytes`, `a whole number of ${recordBytes}-byte ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} records`);
  }
  const count = bytes.length / recordBytes;
  const labelBytes = recordBytes - IMAGE_BYTES;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  const coarseLabels = variant === 'cifar100' ? new Int32Array(count) : undefined;
  for (let r = 0; r < count; r++) {
    const record = r * recordBytes;
    if (coarseLabels) {
      coarseLabels[r] = bytes[record];
      labels[r] = bytes[record + 1];
    } else {
      labels[r] = bytes[record];
    }
    const planes = record + labelBytes;
    const out = r * IMAGE_BYTES;
    // CHW planes → HWC pixels.
    for (let p = 0; p < PIXELS; p++) {
      images[out + 3 * p] = bytes[planes + p];
      images[out + 3 * p + 1] = bytes[planes + PIXELS + p];
      images[out + 3 * p + 2] = bytes[planes + 2 * PIXELS + p];
    }
  }
  return { count, images, labels, coarseLabels };
}

/** Reads one binary batch file. */
export async function readCifarBatch(path: string, variant: CifarVariant): Promise<CifarRecords> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new WavecvError('data', path, `a readable CIFAR batch file (${(error as Error).message})`);
  }
  return parseCifarRecords(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), variant, path);
}

interface CifarLayout {
  dir: string;
  variant: CifarVariant;
  train: string[];
  test?: string;
}

function listFiles(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}

function layoutOf(dir: string): CifarLayout | undefined {
  const files = listFiles(dir);
  const batches = files
    .map((f) => /^data_batch_(\d+)\.bin$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(dir, m[0]));
  if (batches.length > 0) return { dir, variant: 'cifar10', train: batches, test: files.includes('test_batch.bin') ? join(dir, 'test_batch.bin') : undefined };
  if (files.includes('train.bin') && (files.includes('test.bin') || files.includes('fine_label_names.txt'))) {
    return { dir, variant: 'cifar100', train: [join(dir, 'train.bin')], test: files.includes('test.bin') ? join(dir, 'test.bin') : undefined };
  }
  return undefined;
}

/** The CIFAR layout at `path` or in its `cifar-10-batches-bin` / `cifar-100-binary` sub-folder. */
function findLayout(path: string): CifarLayout | undefined {
  const dir = resolve(path);
  return layoutOf(dir) ?? layoutOf(join(dir, 'cifar-10-batches-bin')) ?? layoutOf(join(dir, 'cifar-100-binary'));
}

export function isCifarFolder(path: string): boolean {
  return findLayout(path) !== undefined;
}

async function readNames(path: string): Promise<string[] | undefined> {
  if (!existsSync(path)) return undefined;
  const names = (await readFile(path, 'utf8'))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return names.length > 0 ? names : undefined;
}

export interface CifarOpenOptions {
  /** CIFAR-100 only: train on the 100 fine (default) or the 20 coarse labels. */
  labels?: 'fine' | 'coarse';
}

/**
 * Opens a CIFAR-10 or CIFAR-100 binary folder as training and (when
 * `test_batch.bin` / `test.bin` is present) test datasets of 32×32×3 uint8
 * images, scaled to [0, 1] when batched.
 */
export async function openCifarFolder(path: string, hints: { classNames?: string[] } = {}, options: CifarOpenOptions = {}): Promise<ClassificationData> {
  const layout = findLayout(path);
  if (!layout) throw new WavecvError('data', path, 'a CIFAR binary folder (data_batch_N.bin [+ test_batch.bin], or train.bin + test.bin)');
  const which = options.labels ?? 'fine';
  check(which === 'fine' || which === 'coarse', 'labels', which, "'fine' or 'coarse'");
  const coarse = layout.variant === 'cifar100' && which === 'coarse';
  const read = async (files: string[]): Promise<{ images: Uint8Array; labels: Int32Array }> => {
    const parts = await Promise.all(files.map((f) => readCifarBatch(f, layout.variant)));
    const count = parts.reduce((n, p) => n + p.count, 0);
    const images = new Uint8Array(count * IMAGE_BYTES);
    const labels = new Int32Array(count);
    let at = 0;
    for (const part of parts) {
      images.set(part.images, at * IMAGE_BYTES);
      labels.set(coarse ? part.coarseLabels! : part.labels, at);
      at += part.count;
    }
    return { images, labels };
  };
  const train = await read(layout.train);
  const test = layout.test ? await read([layout.test]) : undefined;
  const namesFile = layout.variant === 'cifar10' ? 'batches.meta.txt' : coarse ? 'coarse_label_names.txt' : 'fine_label_names.txt';
  let classNames = hints.classNames ?? (await readNames(join(layout.dir, namesFile)));
  if (!classNames) {
    let max = 0;
    for (const split of [train, test]) if (split) for (const v of split.labels) max = Math.max(max, v);
    classNames = layout.variant === 'cifar10' && max < 10 ? CIFAR10_CLASSES : Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  const toDataset = (split: { images: Uint8Array; labels: Int32Array }, name: string): ImageArrayDataset => {
    for (let i = 0; i < split.labels.length; i++) {
      if (split.labels[i] >= classNames.length) throw new WavecvError(`${name} label of record ${i}`, split.labels[i], `a class index below ${classNames.length} (${namesFile} lists ${classNames.length} names)`);
    }
    return new ImageArrayDataset(split.images, [split.labels.length, CIFAR_SIZE, CIFAR_SIZE, 3], split.labels, classNames);
  };
  return {
    train: toDataset(train, layout.train.join(', ')),
    test: test ? toDataset(test, layout.test!) : undefined,
    classNames,
    source: layout.dir,
    format: 'cifar',
  };
}

/** The CIFAR binary reader (src/data/readers.ts lists it). */
export const CIFAR_SOURCE: ClassificationSource = {
  format: 'cifar',
  detect: isCifarFolder,
  // `labels` ('fine' | 'coarse') arrives with the hints (`openClassificationData(spec, { labels })`).
  open: (path, hints) => openCifarFolder(path, { classNames: hints.classNames }, { labels: hints.labels as CifarOpenOptions['labels'] }),
};
