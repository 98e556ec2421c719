/**
 * Brain anatomy slices for semantic segmentation from real data: the
 * skull-stripped Colin27 T1 brain `ch2bet.nii.gz` (Holmes et al., J. Comput.
 * Assist. Tomogr. 1998) and the AAL atlas `aal.nii.gz` (Tzourio-Mazoyer et
 * al., NeuroImage 2002) drawn on that same brain, both in Debian's
 * `mricron-data` (181×217×181 voxels of 1 mm, one affine). Nothing is
 * synthetic: the images are the brain's axial slices and the labels the
 * atlas's regions.
 *
 * Labels (our grouping of the 116 AAL regions by their names, so that a
 * small network trained on CPU has classes with enough pixels): 0 outside
 * the brain (ch2bet = 0), 1 brain tissue without an AAL region (mostly white
 * matter), then frontal, temporal, parietal, occipital, limbic and insula,
 * deep grey matter, cerebellum — 9 classes. Every region name of the atlas's
 * `.nii.txt` must fall into one group (a different atlas is refused).
 *
 * Slices: every axial slice, resampled in-plane to 2 mm (intensity: mean of
 * 2×2 voxels; label: the most frequent of the 2×2 labels, ties to the
 * smaller label), cropped to `size × size` (default 96) around the centre of
 * the brain's bounding box, rows from anterior (top) to posterior. Slices
 * with less than 5 % brain pixels are dropped.
 *
 * Split (neighbouring slices are nearly identical, so test slices must not
 * lie between training slices): the kept slices form blocks of 8
 * consecutive slices; every fourth block (the 4th, 8th, …) is test, and
 * training slices closer than `gap` slices (default 3 mm) to a test slice are
 * dropped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { WavecvError, check } from '../../errors.js';
import { readNifti } from '../../io/nifti.js';
import type { Volume } from '../../io/volume.js';
import { writeGeneratedFolder, type GeneratedSample } from './generated-folder.js';

export const MRICRON_TEMPLATES = '/usr/share/mricron/templates';

export const ANATOMY_CLASSES = ['background', 'other brain tissue', 'frontal', 'temporal', 'parietal', 'occipital', 'limbic and insula', 'deep grey matter', 'cerebellum'];

const GROUPS: Array<[number, RegExp]> = [
  [2, /^(Precentral|Frontal_|Supp_Motor_Area|Olfactory|Rectus|Paracentral_Lobule|Rolandic_Oper)/],
  [3, /^(Temporal_|Heschl|Fusiform)/],
  [4, /^(Postcentral|Parietal_|SupraMarginal|Angular|Precuneus)/],
  [5, /^(Calcarine|Cuneus|Lingual|Occipital_)/],
  [6, /^(Insula|Cingulum_|Hippocampus|ParaHippocampal|Amygdala)/],
  [7, /^(Caudate|Putamen|Pallidum|Thalamus)/],
  [8, /^(Cerebelum_|Vermis_)/],
];

export interface AnatomyOptions {
  brain?: string;
  atlas?: string;
  /** Region names of the atlas: lines "index name code" (default: the atlas path with `.nii.txt`). */
  atlasNames?: string;
  size?: number;
  /** Training slices closer than this many slices to a test slice are dropped (default 3). */
  gap?: number;
  /** Called after each slice written, with the slices done and their total. */
  onProgress?: (done: number, total: number) => void;
}

/** Atlas value → class of {@link ANATOMY_CLASSES}, from the atlas's region names. */
export function aalGroups(namesFile: string): Int32Array {
  if (!existsSync(namesFile)) throw new WavecvError('atlas names', namesFile, 'an existing file of lines "index name code" (AAL .nii.txt)');
  const table = new Int32Array(65536).fill(-1);
  table[0] = 1;
  for (const line of readFileSync(namesFile, 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2 || !/^\d+$/.test(parts[0])) continue;
    const group = GROUPS.find(([, pattern]) => pattern.test(parts[1]));
    if (!group) throw new WavecvError('atlas region', `${parts[0]} ${parts[1]} (${namesFile})`, 'an AAL region name (frontal, temporal, parietal, occipital, limbic, deep grey or cerebellar)');
    table[Number(parts[0])] = group[0];
  }
  return table;
}

interface Slices {
  images: Uint8Array[];
  masks: Uint8Array[];
  size: number;
}

function checkSameGrid(brain: Volume, atlas: Volume, brainPath: string, atlasPath: string): void {
  check(brain.shape.length >= 3 && brain.shape.slice(0, 3).join() === atlas.shape.slice(0, 3).join(), 'atlas', atlasPath, `a volume of the brain's size [${brain.shape.join(', ')}] (${brainPath}; got [${atlas.shape.join(', ')}])`);
  const same = brain.affine.every((row, i) => row.every((v, j) => Math.abs(v - atlas.affine[i][j]) < 1e-4));
  check(same, 'atlas', atlasPath, `the affine of ${brainPath} (both must be in the same space)`);
}

/** All axial slices at 2 mm, cropped around the brain; see the module comment. */
export function anatomySlices(brain: Volume, atlas: Volume, groups: Int32Array, size: number): Slices {
  const [nz, ny, nx] = brain.shape;
  const hy = ny >> 1;
  const hx = nx >> 1;
  const intensity = brain.data;
  const regions = atlas.data;
  // bounding box of the brain over all slices, in 2 mm pixels (row r = anterior first: y = ny − 2 − 2r)
  let r0 = hy;
  let r1 = -1;
  let c0 = hx;
  let c1 = -1;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < hy * 2; y++) {
      for (let x = 0; x < hx * 2; x++) {
        if (intensity[(z * ny + y) * nx + x] === 0) continue;
        const r = hy - 1 - (y >> 1);
        const c = x >> 1;
        r0 = Math.min(r0, r);
        r1 = Math.max(r1, r);
        c0 = Math.min(c0, c);
        c1 = Math.max(c1, c);
      }
    }
  }
  check(r1 >= 0, 'brain', 'a volume of zeros', 'a brain image with non-zero voxels');
  const top = Math.round((r0 + r1) / 2 - size / 2);
  const left = Math.round((c0 + c1) / 2 - size / 2);
  const images: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  const votes = new Int32Array(4);
  for (let z = 0; z < nz; z++) {
    const image = new Uint8Array(size * size);
    const mask = new Uint8Array(size * size);
    let brainPixels = 0;
    for (let r = 0; r < size; r++) {
      const rr = top + r;
      if (rr < 0 || rr >= hy) continue;
      const y = 2 * (hy - 1 - rr);
      for (let c = 0; c < size; c++) {
        const cc = left + c;
        if (cc < 0 || cc >= hx) continue;
        let sum = 0;
        let k = 0;
        for (const dy of [0, 1]) {
          for (const dx of [0, 1]) {
            const at = (z * ny + y + dy) * nx + 2 * cc + dx;
            sum += intensity[at];
            const label = intensity[at] === 0 ? 0 : groups[regions[at]];
            if (label < 0) throw new WavecvError('atlas', `value ${regions[at]} at voxel (x ${2 * cc + dx}, y ${y + dy}, z ${z})`, 'a region listed in the atlas names');
            votes[k++] = label;
          }
        }
        let best = votes[0];
        let bestCount = 0;
        for (const candidate of votes) {
          let n = 0;
          for (const v of votes) if (v === candidate) n++;
          if (n > bestCount || (n === bestCount && candidate < best)) {
            best = candidate;
            bestCount = n;
          }
        }
        image[r * size + c] = Math.round(sum / 4);
        mask[r * size + c] = best;
        if (best > 0) brainPixels++;
      }
    }
    if (brainPixels >= 0.05 * size * size) {
      images.push(image);
      masks.push(mask);
    }
  }
  return { images, masks, size };
}

/** Indices of the training and test slices among `count` consecutive slices; see the module comment. */
export function anatomySplit(count: number, gap: number): { train: number[]; test: number[] } {
  const test = Array.from({ length: count }, (_, i) => i).filter((i) => Math.floor(i / 8) % 4 === 3);
  const train = Array.from({ length: count }, (_, i) => i).filter((i) => Math.floor(i / 8) % 4 !== 3 && test.every((t) => Math.abs(t - i) > gap));
  return { train, test };
}

/** Writes the slices (train/ and test/, see the module comment) to `out`. */
export async function generateAnatomy(out: string, options: AnatomyOptions = {}): Promise<{ train: number; test: number }> {
  const brainPath = options.brain ?? `${MRICRON_TEMPLATES}/ch2bet.nii.gz`;
  const atlasPath = options.atlas ?? `${MRICRON_TEMPLATES}/aal.nii.gz`;
  const namesPath = options.atlasNames ?? atlasPath.replace(/\.nii(\.gz)?$/, '.nii.txt');
  const size = options.size ?? 96;
  const gap = options.gap ?? 3;
  check(Number.isInteger(size) && size >= 32, 'size', size, 'an integer ≥ 32');
  check(Number.isInteger(gap) && gap >= 0, 'gap', gap, 'an integer ≥ 0');
  for (const [what, path] of [['brain', brainPath], ['atlas', atlasPath]]) {
    if (!existsSync(path)) throw new WavecvError(what, path, "an existing NIfTI file (Debian's mricron-data installs them under /usr/share/mricron/templates)");
  }
  const brain = readNifti(brainPath);
  const atlas = readNifti(atlasPath);
  checkSameGrid(brain, atlas, brainPath, atlasPath);
  const slices = anatomySlices(brain, atlas, aalGroups(namesPath), size);
  const split = anatomySplit(slices.images.length, gap);
  const sample = (indices: number[], name: string) => async (i: number): Promise<GeneratedSample> => ({
    name: `${name}-slice${String(indices[i]).padStart(3, '0')}`,
    width: size,
    height: size,
    image: slices.images[indices[i]],
    mask: slices.masks[indices[i]],
  });
  await writeGeneratedFolder(out, {
    onProgress: options.onProgress,
    classNames: ANATOMY_CLASSES,
    splits: [
      { name: 'train', count: split.train.length, sample: sample(split.train, 'train') },
      { name: 'test', count: split.test.length, sample: sample(split.test, 'test') },
    ],
    settings: { generator: 'anatomy', brain: brainPath, atlas: atlasPath, atlasNames: namesPath, size, gap, spacingMm: 2, slices: slices.images.length, trainSlices: split.train, testSlices: split.test },
  });
  return { train: split.train.length, test: split.test.length };
}
