/**
 * Registration data sets made from real anatomy by documented, seeded
 * generators, written as pair folders (`listPairs` reads them):
 *
 * - 2-D (`dims: 2`): the brain MRI slices of ITK's examples (Debian's
 *   insighttoolkit4-examples): proton-density and T1 slices with a 20-pixel
 *   border (257×221), reduced `factor` times (block mean; default 1, the
 *   slices as they are; 3 gives 85×73, which trains on 2 cores). Training
 *   pairs: moving = a slice, fixed = the same slice under a random smooth
 *   diffeomorphic deformation (synthetic, seeds `seed·100000 + k`). Test
 *   pairs: the classic ITK registration examples — fixed = the PD slice,
 *   moving = its shifted (13, 17 px), rotated (10°), rotated-and-shifted and
 *   B-spline-deformed versions — plus synthetic deformations with seeds from
 *   a disjoint range (`seed·100000 + 50000 + k`). No atlas exists for these
 *   slices, so every image is labelled by the per-image rule of
 *   `slice-labels.ts` (tissue classes by 2-means inside the head: the first
 *   label set; the head mask: `_labels_head`), computed on the reduced
 *   slice. In a synthetic pair only the moving image is labelled by the
 *   rule; the fixed labels are those labels warped by the pair's own
 *   deformation (nearest), as in 3-D — exact ground truth. The ITK moved
 *   versions carry no transform to warp labels with (the B-spline one is
 *   unknown), so both images of an ITK pair are labelled by the rule on
 *   their own: after a perfect registration their labels agree exactly only
 *   where the moved image is an exact copy (the shift by whole pixels);
 *   ITK's interpolation in the rotated and B-spline versions, and the
 *   rotation's constant corner fill, leave a residual below Dice 1 there.
 * - 3-D (`dims: 3`): the Colin27 brain (`ch2bet.nii.gz`) and its AAL atlas
 *   (`aal.nii.gz`) of Debian's mricron-data, reduced `factor` times (block
 *   mean for the brain, centre voxel for the labels) so it trains on 2 cores.
 *   Each pair: moving = the atlas brain with its labels, fixed = the brain and
 *   labels under a random smooth diffeomorphic deformation (the atlas is the
 *   moving image, as in the IXI protocol WiNet follows); training and test
 *   seeds from disjoint ranges as in 2-D. A second label set rides along:
 *   the HarvardOxford cortical atlas (`HarvardOxford-cort-maxprob-thr0-1mm`,
 *   48 labels, stored on a flipped 182×218×182 grid) brought onto Colin27's
 *   grid through the two headers' world coordinates (nearest neighbour,
 *   `world-resample.ts`), then reduced and deformed as AAL — written as
 *   `fixed_labels_harvard-oxford` / `moving_labels_harvard-oxford`.
 *   `inter-subject/itk-t1/` holds one real inter-subject pair at the same
 *   reduction (`inter-subject.ts`): ITK's k-means T1 brain (moving) → Colin27
 *   (fixed), labelled by tissue (grey / white matter) with the brain mask as
 *   a second label set (`_labels_brain`).
 * Deformations: `data/deformations.ts`. Everything is written atomically per
 * file; a `generator.json` records the settings.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { readImageData } from '../io/image.js';
import { readNifti, writeNifti } from '../io/nifti.js';
import { spacingAffine, volumeValues, type Volume } from '../io/volume.js';
import { warp } from '../nn/warp.js';
import { randomDeformation } from './deformations.js';
import { interSubjectPair } from './inter-subject.js';
import { sliceLabels } from './slice-labels.js';
import { resampleWorld } from './world-resample.js';

export const ITK_DATA = '/usr/share/doc/insighttoolkit4-examples/examples/Data';
/** The ITK examples' moved versions of the proton-density slice: the 2-D test pairs besides the synthetic ones. */
const ITK_TEST_PAIRS = ['Shifted13x17y', 'Rotated10', 'R10X13Y17', 'BSplined10'];
/** How the 2-D pairs are labelled (recorded in generator.json). */
const SLICE_LABELS = 'per-image rule of slice-labels.ts (tissue: 2-means classes inside the head; head mask); synthetic pairs: fixed labels = moving labels warped by the same deformation (nearest)';
export const MRICRON_TEMPLATES = '/usr/share/mricron/templates';
/** The HarvardOxford cortical max-probability atlas of mricron-data (the second 3-D label set). */
export const HARVARD_OXFORD = 'HarvardOxford-cort-maxprob-thr0-1mm.nii.gz';

export interface RegistrationSetOptions {
  dims: 2 | 3;
  out: string;
  train: number;
  test: number;
  seed: number;
  /** Velocity standard deviation at the control nodes (voxels). */
  magnitude: number;
  /** Control-node spacing (voxels). */
  spacing: number;
  /** Reduction factor (block mean of `factor`² pixels or `factor`³ voxels): default 4 in 3-D (of the 1 mm atlas), 1 in 2-D. */
  factor?: number;
  /** Called after each pair is written with the pairs written so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

function scanVolume(values: ArrayLike<number>, shape: number[], spacing: number[], dataType: 'float32' | 'int16'): Volume {
  const data = dataType === 'int16' ? Int16Array.from(values) : Float32Array.from(values);
  return { data, shape, spacing, affine: spacingAffine(spacing), dataType, slope: 1, intercept: 0 };
}

async function deform(values: Float32Array, shape: number[], displacement: Float32Array, interpolation: 'linear' | 'nearest'): Promise<Float32Array> {
  const warped = tf.tidy(() => warp(tf.tensor(values, [1, ...shape, 1]), tf.tensor(displacement, [1, ...shape, shape.length]), { interpolation, padding: 'zeros' }));
  try {
    return (await warped.data()) as Float32Array;
  } finally {
    warped.dispose();
  }
}

/** A label set beyond the first: written as `fixed_labels_<name>` / `moving_labels_<name>` (`listPairs` reads them). */
interface ExtraLabels {
  name: string;
  fixed: Volume;
  moving: Volume;
}

function writePair(dir: string, fixed: Volume, moving: Volume, fixedLabels?: Volume, movingLabels?: Volume, extra: ExtraLabels[] = []): void {
  writeNifti(join(dir, 'fixed.nii.gz'), fixed);
  writeNifti(join(dir, 'moving.nii.gz'), moving);
  if (fixedLabels) writeNifti(join(dir, 'fixed_labels.nii.gz'), fixedLabels);
  if (movingLabels) writeNifti(join(dir, 'moving_labels.nii.gz'), movingLabels);
  for (const set of extra) {
    writeNifti(join(dir, `fixed_labels_${set.name}.nii.gz`), set.fixed);
    writeNifti(join(dir, `moving_labels_${set.name}.nii.gz`), set.moving);
  }
}

/**
 * A synthetic pair: moving = `scan` with its label sets, fixed = the same
 * under `displacement` (linear for the scan, nearest for the labels, so the
 * fixed labels are exact ground truth). `labels` is the first set, `extra`
 * the further ones by name.
 */
async function writeDeformedPair(dir: string, grid: { shape: number[]; spacing: number[] }, displacement: Float32Array, scan: Float32Array, labels: Float32Array, extra: Record<string, Float32Array>): Promise<void> {
  const { shape, spacing } = grid;
  const image = (values: Float32Array) => scanVolume(values, shape, spacing, 'float32');
  const labelMap = (values: Float32Array) => scanVolume(values, shape, spacing, 'int16');
  const warped = async (values: Float32Array) => labelMap(await deform(values, shape, displacement, 'nearest'));
  const sets: ExtraLabels[] = [];
  for (const [name, moving] of Object.entries(extra)) sets.push({ name, fixed: await warped(moving), moving: labelMap(moving) });
  writePair(dir, image(await deform(scan, shape, displacement, 'linear')), image(scan), await warped(labels), labelMap(labels), sets);
}

async function slice(name: string): Promise<{ values: Float32Array; shape: number[] }> {
  const image = await readImageData(join(ITK_DATA, name), { channels: 1 });
  return { values: Float32Array.from(image.data), shape: [image.height, image.width] };
}

/**
 * Block mean (intensities) or centre voxel (labels) of `factor`² (2-D) or
 * `factor`³ (3-D) blocks; trailing voxels that fill no whole block are
 * dropped. A slice [H, W] is reduced as a volume [1, H, W] whose depth is not
 * reduced, so 2-D and 3-D share one loop (and 3-D sums in the same order).
 */
export function reduceVolume(values: ArrayLike<number>, shape: number[], factor: number, labels: boolean): { values: Float32Array; shape: number[] } {
  check(shape.length === 2 || shape.length === 3, 'shape', shape, '2 or 3 axes');
  check(Number.isInteger(factor) && factor >= 1, 'factor', factor, 'an integer ≥ 1');
  const out = shape.map((n) => Math.floor(n / factor));
  const result = new Float32Array(out.reduce((a, b) => a * b, 1));
  const depthFactor = shape.length === 3 ? factor : 1;
  const [D, H, W] = shape.length === 3 ? out : [1, ...out];
  const [, h, w] = shape.length === 3 ? shape : [1, ...shape];
  const depthCentre = Math.floor(depthFactor / 2);
  const centre = Math.floor(factor / 2);
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = (z * H + y) * W + x;
        if (labels) {
          result[o] = values[((z * depthFactor + depthCentre) * h + y * factor + centre) * w + x * factor + centre];
          continue;
        }
        let sum = 0;
        for (let a = 0; a < depthFactor; a++) for (let b = 0; b < factor; b++) for (let c = 0; c < factor; c++) sum += values[((z * depthFactor + a) * h + y * factor + b) * w + x * factor + c];
        result[o] = sum / (depthFactor * factor * factor);
      }
  return { values: result, shape: out };
}

/** Writes the data set of the module comment under `out` (train/, test/, generator.json); returns the pair counts. */
export async function generateRegistrationSet(options: RegistrationSetOptions): Promise<{ train: number; test: number }> {
  check(options.dims === 2 || options.dims === 3, 'dims', options.dims, '2 or 3');
  const trainSeed = (k: number) => options.seed * 100000 + k;
  const testSeed = (k: number) => options.seed * 100000 + 50000 + k;
  const deformation = (shape: number[], seed: number) => randomDeformation(shape, { seed, magnitude: options.magnitude, spacing: options.spacing });
  const total = options.train + options.test + (options.dims === 2 ? ITK_TEST_PAIRS.length : 1);
  let written = 0;
  const pairWritten = () => options.onProgress?.(++written, total);
  let tests = 0;
  if (options.dims === 2) {
    const factor = options.factor ?? 1;
    const spacing = [factor, factor];
    const labelled = async (name: string) => {
      const image = await slice(name);
      const reduced = reduceVolume(image.values, image.shape, factor, false);
      return { ...reduced, labels: sliceLabels(reduced.values, reduced.shape) };
    };
    const sources = [await labelled('BrainProtonDensitySliceBorder20.png'), await labelled('BrainT1SliceBorder20.png')];
    const shape = sources[0].shape;
    const image = (values: Float32Array) => scanVolume(values, shape, spacing, 'float32');
    const labels = (values: Float32Array) => scanVolume(values, shape, spacing, 'int16');
    const make = async (dir: string, source: (typeof sources)[number], seed: number) => {
      await writeDeformedPair(dir, { shape, spacing }, await deformation(shape, seed), source.values, source.labels.tissue, { head: source.labels.head });
      pairWritten();
    };
    for (let k = 0; k < options.train; k++) await make(join(options.out, 'train', `pair${String(k).padStart(4, '0')}`), sources[k % 2], trainSeed(k));
    for (const name of ITK_TEST_PAIRS) {
      const moving = await labelled(`BrainProtonDensitySlice${name}.png`);
      check(tf.util.arraysEqual(moving.shape, shape), 'slice', name, `a ${shape.join('×')} slice`);
      const fixed = sources[0];
      writePair(join(options.out, 'test', `itk-${name}`), image(fixed.values), image(moving.values), labels(fixed.labels.tissue), labels(moving.labels.tissue), [
        { name: 'head', fixed: labels(fixed.labels.head), moving: labels(moving.labels.head) },
      ]);
      pairWritten();
    }
    tests = ITK_TEST_PAIRS.length;
    for (let k = 0; k < options.test; k++, tests++) await make(join(options.out, 'test', `synthetic${String(k).padStart(4, '0')}`), sources[k % 2], testSeed(k));
  } else {
    const factor = options.factor ?? 4;
    const brainFile = readNifti(join(MRICRON_TEMPLATES, 'ch2bet.nii.gz'));
    const atlasFile = readNifti(join(MRICRON_TEMPLATES, 'aal.nii.gz'));
    const brain = reduceVolume(volumeValues(brainFile), brainFile.shape, factor, false);
    const atlas = reduceVolume(atlasFile.data, atlasFile.shape, factor, true);
    const harvardOxfordFile = readNifti(join(MRICRON_TEMPLATES, HARVARD_OXFORD));
    const brainGrid = { shape: brainFile.shape, affine: brainFile.affine };
    const harvardOxford = reduceVolume(resampleWorld(volumeValues(harvardOxfordFile), { shape: harvardOxfordFile.shape, affine: harvardOxfordFile.affine }, brainGrid, { interpolation: 'nearest' }), brainFile.shape, factor, true);
    const shape = brain.shape;
    const spacing = brainFile.spacing.map((s) => s * factor);
    const make = async (dir: string, seed: number) => {
      await writeDeformedPair(dir, { shape, spacing }, await deformation(shape, seed), brain.values, atlas.values, { 'harvard-oxford': harvardOxford.values });
      pairWritten();
    };
    for (let k = 0; k < options.train; k++) await make(join(options.out, 'train', `pair${String(k).padStart(4, '0')}`), trainSeed(k));
    for (let k = 0; k < options.test; k++, tests++) await make(join(options.out, 'test', `pair${String(k).padStart(4, '0')}`), testSeed(k));
    const pair = interSubjectPair(ITK_DATA, brainFile);
    const reduce = (values: Float32Array, labels: boolean) => reduceVolume(values, pair.shape, factor, labels).values;
    const tissue = (values: Float32Array) => scanVolume(reduce(values, true), shape, spacing, 'int16');
    const brainMask = (values: Float32Array) => scanVolume(reduce(Float32Array.from(values, (v) => (v > 0 ? 1 : 0)), true), shape, spacing, 'int16');
    writePair(
      join(options.out, 'inter-subject', 'itk-t1'),
      scanVolume(reduce(pair.fixed, false), shape, spacing, 'float32'),
      scanVolume(reduce(pair.moving, false), shape, spacing, 'float32'),
      tissue(pair.fixedTissue),
      tissue(pair.movingTissue),
      [{ name: 'brain', fixed: brainMask(pair.fixedTissue), moving: brainMask(pair.movingTissue) }],
    );
    pairWritten();
  }
  writeJsonAtomic(join(options.out, 'generator.json'), {
    kind: 'registration',
    ...options,
    synthetic: 'random smooth diffeomorphic deformations of real anatomy',
    trainSeeds: [trainSeed(0), trainSeed(options.train - 1)],
    testSeeds: [testSeed(0), testSeed(Math.max(0, options.test - 1))],
    ...(options.dims === 2 ? { labels: SLICE_LABELS } : {}),
  });
  return { train: options.train, test: tests };
}
