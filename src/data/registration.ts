/**
 * Registration inputs: scans from files, pairs from a folder or a CSV list,
 * intensity normalisation, and fitting a scan to the size a network accepts
 * (and back).
 *
 * Decisions:
 *  - A scan is float32 voxels with its spatial shape ([H, W] or [D, H, W],
 *    slowest axis first, as `io/volume.ts` lays volumes out), read from
 *    NIfTI (`.nii`, `.nii.gz`, scaling applied), MetaImage (`.mha`, `.mhd`)
 *    or an image (`.png`, `.jpg`…, grey). The NIfTI header is kept so that
 *    outputs on the fixed grid are written with the fixed scan's geometry.
 *  - Pairs: a CSV with a header naming the columns `fixed`, `moving` and
 *    optionally `fixed_labels`, `moving_labels` (paths relative to the CSV's
 *    folder), or a folder of pair folders each holding `fixed.*`, `moving.*`
 *    and optionally `fixed_labels.*`, `moving_labels.*`. Further label sets
 *    (a second atlas, a brain mask) are named by a suffix: columns or files
 *    `fixed_labels_<set>` and `moving_labels_<set>`, both required.
 *  - Normalisation: min–max to [0, 1] per scan (WiNet's and TransMorph's IXI
 *    volumes are in [0, 1]); a constant scan becomes zeros.
 *  - Fitting: centred zero padding or cropping to the target size, margin
 *    before = ⌊|target − size| / 2⌋ on each axis; the same rule undoes it, and
 *    displacements in voxels are unchanged by it (a translation of the grid).
 *  - Resampling (fixed and moving of different shapes, on request only):
 *    linear, corner-aligned scaling of the moving scan onto the fixed grid.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { check, WavecvError } from '../errors.js';
import { readImageData } from '../io/image.js';
import { readMetaImage } from '../io/metaimage.js';
import { readNifti, type NiftiHeader } from '../io/nifti.js';
import { volumeValues, type Volume } from '../io/volume.js';
import { warp } from '../nn/warp.js';

export interface Scan {
  values: Float32Array;
  /** Spatial shape, slowest axis first. */
  shape: number[];
  /** The file's geometry when it came from NIfTI or MetaImage. */
  volume?: Volume;
  header?: NiftiHeader;
  path: string;
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.webp'];

/** Drops leading axes of size 1 beyond the last two or three (a 2-D slice stored as [1, H, W]). */
function squeezeShape(shape: number[]): number[] {
  const out = [...shape];
  while (out.length > 2 && out[0] === 1) out.shift();
  return out;
}

/** Reads a scan (NIfTI, MetaImage or image file; module comment). */
export async function readScan(path: string, argument = 'scan'): Promise<Scan> {
  const lower = path.toLowerCase();
  check(existsSync(path), argument, path, 'an existing file');
  if (lower.endsWith('.nii') || lower.endsWith('.nii.gz')) {
    const volume = readNifti(path);
    return { values: volumeValues(volume), shape: squeezeShape(volume.shape), volume, header: volume.header, path };
  }
  if (lower.endsWith('.mha') || lower.endsWith('.mhd')) {
    const volume = readMetaImage(path);
    return { values: volumeValues(volume), shape: squeezeShape(volume.shape), volume, path };
  }
  check(IMAGE_EXTENSIONS.includes(extname(lower)), argument, path, 'a .nii, .nii.gz, .mha, .mhd or image (.png, .jpg, …) file');
  const image = await readImageData(path, { channels: 1 });
  return { values: Float32Array.from(image.data), shape: [image.height, image.width], path };
}

/** A label set beyond the first (module comment). */
export interface LabelSetPaths {
  name: string;
  fixed: string;
  moving: string;
}

export interface PairPaths {
  fixed: string;
  moving: string;
  fixedLabels?: string;
  movingLabels?: string;
  /** Further label sets, by name (sorted). */
  labelSets: LabelSetPaths[];
  name: string;
}

const LABEL_SET = /^fixed_labels_(.+)$/;

/** The further label sets among `names` (stems or column names), with their fixed and moving entries through `at`; a set with neither entry is left out, one with only one is an error. */
function labelSetsOf(names: string[], at: (name: string) => string | undefined, where: string): LabelSetPaths[] {
  const sets: LabelSetPaths[] = [];
  for (const set of names.map((n) => LABEL_SET.exec(n)?.[1]).filter((name): name is string => name !== undefined).sort()) {
    const fixed = at(`fixed_labels_${set}`);
    const moving = at(`moving_labels_${set}`);
    if (fixed === undefined && moving === undefined) continue;
    if (fixed === undefined || moving === undefined) throw new WavecvError('pairs', where, `both fixed_labels_${set} and moving_labels_${set}`);
    sets.push({ name: set, fixed, moving });
  }
  return sets;
}

/** Pairs listed in a CSV (header with fixed, moving[, fixed_labels, moving_labels]) or held in pair folders. */
export function listPairs(source: string): PairPaths[] {
  check(existsSync(source), 'pairs', source, 'a CSV file or a folder of pair folders');
  if (statSync(source).isDirectory()) {
    const pairs = readdirSync(source)
      .filter((name) => statSync(join(source, name)).isDirectory())
      .sort()
      .map((name) => {
        const files = readdirSync(join(source, name));
        const find = (stem: string) => files.find((f) => f.replace(/\.(nii\.gz|[a-z]+)$/i, '') === stem);
        const fixed = find('fixed');
        const moving = find('moving');
        if (!fixed || !moving) throw new WavecvError('pairs', join(source, name), 'a pair folder holding fixed.* and moving.*');
        const fixedLabels = find('fixed_labels');
        const movingLabels = find('moving_labels');
        const at = (stem: string) => {
          const file = find(stem);
          return file && join(source, name, file);
        };
        const labelSets = labelSetsOf(files.map((f) => f.replace(/\.(nii\.gz|[a-z]+)$/i, '')), at, join(source, name));
        return { name, fixed: join(source, name, fixed), moving: join(source, name, moving), fixedLabels: fixedLabels && join(source, name, fixedLabels), movingLabels: movingLabels && join(source, name, movingLabels), labelSets };
      });
    check(pairs.length > 0, 'pairs', source, 'a folder with at least one pair folder');
    return pairs;
  }
  const lines = readFileSync(source, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  check(lines.length >= 2, 'pairs', source, 'a CSV with a header line and at least one pair');
  const header = lines[0].split(',').map((c) => c.trim());
  const column = (name: string) => header.indexOf(name);
  check(column('fixed') >= 0 && column('moving') >= 0, `${source}: header`, lines[0], 'columns fixed and moving (and optionally fixed_labels, moving_labels)');
  const base = dirname(resolve(source));
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    check(cells.length === header.length, `${source}: line ${i + 2}`, line, `${header.length} comma-separated cells`);
    const at = (name: string) => (column(name) >= 0 && cells[column(name)] ? resolve(base, cells[column(name)]) : undefined);
    const labelSets = labelSetsOf(header, at, `${source}: line ${i + 2}`);
    return { name: cells[column('name')] ?? `pair${i + 1}`, fixed: at('fixed')!, moving: at('moving')!, fixedLabels: at('fixed_labels'), movingLabels: at('moving_labels'), labelSets };
  });
}

/** Min–max normalisation to [0, 1] (a new array; a constant scan gives zeros). */
export function normalizeMinMax(values: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  return Float32Array.from(values, (v) => (range > 0 ? (v - lo) / range : 0));
}

/** Centred zero padding / cropping of `values` (spatial `shape`, `channels` last) to `target` (module comment). */
export function centerFit<T extends Float32Array | Int32Array>(values: T, shape: number[], target: number[], channels = 1): T {
  check(shape.length === target.length, 'target', target, `${shape.length} sizes like the scan`);
  const out = new (values.constructor as { new (n: number): T })(target.reduce((a, b) => a * b, 1) * channels);
  const offset = shape.map((n, k) => Math.floor(Math.abs(target[k] - n) / 2) * (target[k] >= n ? 1 : -1));
  const inStrides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const total = shape.reduce((a, b) => a * b, 1);
  for (let p = 0; p < total; p++) {
    let q = 0;
    let inside = true;
    let outStride = 1;
    for (let k = shape.length - 1; k >= 0; k--) {
      const j = (Math.floor(p / inStrides[k]) % shape[k]) + offset[k];
      if (j < 0 || j >= target[k]) {
        inside = false;
        break;
      }
      q += j * outStride;
      outStride *= target[k];
    }
    if (!inside) continue;
    for (let c = 0; c < channels; c++) out[q * channels + c] = values[p * channels + c];
  }
  return out;
}

/** Linear, corner-aligned resampling of `values` (spatial `shape`, one channel) onto `target` (module comment), read back asynchronously. */
export async function resampleTo(values: Float32Array, shape: number[], target: number[], interpolation: 'linear' | 'nearest' = 'linear'): Promise<Float32Array> {
  check(shape.length === target.length, 'target', target, `${shape.length} sizes like the scan`);
  const resampled = tf.tidy(() => {
    const axes = shape.length;
    const total = target.reduce((a, b) => a * b, 1);
    const field = new Float32Array(total * axes);
    const strides = target.map((_, k) => target.slice(k + 1).reduce((a, b) => a * b, 1));
    for (let p = 0; p < total; p++) {
      for (let k = 0; k < axes; k++) {
        const j = Math.floor(p / strides[k]) % target[k];
        field[p * axes + k] = (target[k] > 1 ? (j * (shape[k] - 1)) / (target[k] - 1) : 0) - j;
      }
    }
    const image = tf.tensor(values, [1, ...shape, 1]);
    return warp(image, tf.tensor(field, [1, ...target, axes]), { interpolation, padding: 'border' });
  });
  try {
    return (await resampled.data()) as Float32Array;
  } finally {
    resampled.dispose();
  }
}
