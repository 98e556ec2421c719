/**
 * Scenes for semantic segmentation built from real photographs of objects:
 * each canvas (96×96 by default, black) holds a few real Fashion-MNIST or
 * MNIST images pasted at random places and scales, and each pixel is
 * labelled with the class of the object it belongs to (class index + 1;
 * background 0). The images are real; their arrangement is synthetic.
 *
 * How a scene is drawn (our choices, all from one seeded stream):
 *  - the number of objects is uniform in [minObjects, maxObjects];
 *  - each object is a uniformly drawn image of the source split, resized
 *    (bilinear, sharp) by a factor uniform in `scale` (28 px → 21–49 px by
 *    default) and placed at a uniform position that keeps it inside the canvas;
 *  - an object's pixels are those whose intensity is at least `threshold`
 *    (0.25 of full scale, so the label follows the object's own silhouette and
 *    not its 28×28 box); later objects cover earlier ones, intensity and label
 *    together, so an occluded object loses the covered pixels.
 *
 * Training scenes draw only from the source's training split and test scenes
 * only from its test split, so no test object was ever seen in training.
 * Written in the `images/` + `masks/` layout with `classes.txt` (read back by
 * the mask-folders reader) plus `generator.json` with every setting.
 */
import sharp from 'sharp';
import { join } from 'node:path';
import { Rng } from '../../engine/random.js';
import { check } from '../../errors.js';
import type { ClassificationData, ClassificationDataset } from '../dataset.js';
import { writeGeneratedFolder, type GeneratedSplit } from './generated-folder.js';

export interface SceneOptions {
  /** Canvas side in pixels (default 96). */
  size?: number;
  trainCount?: number;
  testCount?: number;
  minObjects?: number;
  maxObjects?: number;
  /** `[min, max]` resize factor of the objects (default [0.75, 1.75]). */
  scale?: [number, number];
  /** Intensity (0–1) from which a pixel belongs to its object (default 0.25). */
  threshold?: number;
  seed?: number;
  /** Called after each scene written, with the scenes done and their total. */
  onProgress?: (done: number, total: number) => void;
}

/** One scene: grey pixels and labels, `size × size`. */
export interface Scene {
  image: Uint8Array;
  mask: Uint8Array;
}

interface ResolvedSceneOptions {
  size: number;
  minObjects: number;
  maxObjects: number;
  scale: [number, number];
  threshold: number;
}

function resolve(options: SceneOptions): ResolvedSceneOptions & { trainCount: number; testCount: number; seed: number } {
  const size = options.size ?? 96;
  const trainCount = options.trainCount ?? 2000;
  const testCount = options.testCount ?? 500;
  const minObjects = options.minObjects ?? 2;
  const maxObjects = options.maxObjects ?? 4;
  const scale = options.scale ?? [0.75, 1.75];
  const threshold = options.threshold ?? 0.25;
  const seed = options.seed ?? 1;
  check(Number.isInteger(size) && size >= 32, 'size', size, 'an integer ≥ 32');
  check(Number.isInteger(trainCount) && trainCount > 0, 'trainCount', trainCount, 'a positive integer');
  check(Number.isInteger(testCount) && testCount > 0, 'testCount', testCount, 'a positive integer');
  check(Number.isInteger(minObjects) && minObjects >= 1, 'minObjects', minObjects, 'a positive integer');
  check(Number.isInteger(maxObjects) && maxObjects >= minObjects, 'maxObjects', maxObjects, `an integer ≥ minObjects (${minObjects})`);
  check(Array.isArray(scale) && scale.length === 2 && scale[0] > 0 && scale[0] <= scale[1] && Math.round(28 * scale[1]) <= size, 'scale', scale, `[min, max] with 0 < min ≤ max and 28·max ≤ size (${size})`);
  check(threshold > 0 && threshold < 1, 'threshold', threshold, 'a number in (0, 1)');
  check(Number.isInteger(seed) && seed >= 0, 'seed', seed, 'an integer ≥ 0');
  return { size, trainCount, testCount, minObjects, maxObjects, scale, threshold, seed };
}

/** Draws one scene from `source` (see the module comment). */
export async function drawScene(source: ClassificationDataset, rng: Rng, options: ResolvedSceneOptions): Promise<Scene> {
  const { size, minObjects, maxObjects, scale, threshold } = options;
  const [h, w, c] = source.imageShape;
  check(c === 1, 'source', `${h}×${w}×${c} images`, 'grey images (Fashion-MNIST, MNIST)');
  const labels = source.labels();
  const image = new Uint8Array(size * size);
  const mask = new Uint8Array(size * size);
  const count = minObjects + rng.int(maxObjects - minObjects + 1);
  for (let k = 0; k < count; k++) {
    const index = rng.int(source.length);
    const factor = scale[0] + (scale[1] - scale[0]) * rng.next();
    const oh = Math.max(1, Math.round(h * factor));
    const ow = Math.max(1, Math.round(w * factor));
    const top = rng.int(size - oh + 1);
    const left = rng.int(size - ow + 1);
    const batch = await source.getBatch([index]);
    const pixels = Uint8Array.from(batch.image.data, (v) => Math.round(v * 255));
    // sharp hands back sRGB unless told to stay grey
    const resized = await sharp(pixels, { raw: { width: w, height: h, channels: 1 } })
      .resize({ width: ow, height: oh, kernel: 'linear', fit: 'fill' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    check(resized.length === ow * oh, 'resized object', `${resized.length} bytes`, `${ow}×${oh} grey pixels`);
    const minimum = Math.round(threshold * 255);
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const v = resized[y * ow + x];
        if (v < minimum) continue;
        const at = (top + y) * size + left + x;
        image[at] = v;
        mask[at] = labels[index] + 1;
      }
    }
  }
  return { image, mask };
}

/**
 * Writes `trainCount` training and `testCount` test scenes drawn from
 * `source` into `out` (which must not exist; written whole or not at all).
 * `sourceName` is recorded in generator.json.
 */
export async function generateScenes(source: ClassificationData, sourceName: string, out: string, options: SceneOptions = {}): Promise<{ out: string; classNames: string[] }> {
  const o = resolve(options);
  check(source.test !== undefined, 'source', sourceName, 'a data set with a test split (test scenes draw only from it)');
  const classNames = ['background', ...source.classNames];
  const splits: GeneratedSplit[] = [
    { name: 'train', count: o.trainCount, rng: new Rng(o.seed), dataset: source.train },
    { name: 'test', count: o.testCount, rng: new Rng(o.seed + 0x9e3779b9), dataset: source.test! },
  ].map(({ name, count, rng, dataset }) => ({
    name,
    count,
    sample: async (i: number) => {
      const scene = await drawScene(dataset, rng, o);
      return { name: `${name}-${String(i).padStart(5, '0')}`, width: o.size, height: o.size, ...scene };
    },
  }));
  await writeGeneratedFolder(out, {
    onProgress: options.onProgress,
    classNames,
    splits,
    settings: { generator: 'scenes', source: sourceName, ...o, note: 'synthetic arrangements of real images; see src/data/segmentation/scenes.ts' },
  });
  return { out: join(out), classNames };
}
