/**
 * The plain layout: `images/` and `masks/` side by side, a mask
 * `masks/<stem>.png` for every image `images/<stem>.*`, masks holding class
 * indices as grey values and 255 for pixels to ignore. A root with `train/`
 * and `test/` (or `val/`) folders of that kind gives both splits; a root
 * that is itself such a pair is a training set only.
 *
 * Class names come from `classes.txt` at the root (one per line; this is
 * what wavecv's data generators write); without it they are `class 0` …
 * `class K−1` with K one more than the largest label in the training masks
 * (every mask is decoded once to find it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { check, WavecvError } from '../../errors.js';
import { IGNORE_INDEX } from '../../metrics/segmentation.js';
import { indexTable, SegmentationFolderDataset, type SegmentationData, type SegmentationFolderOptions, type SegmentationSource, type SegmentationPair } from './dataset.js';
import { areFolders, imageFiles, stem } from './files.js';
import { defaultPalette } from './palettes.js';

const isPair = (dir: string) => areFolders(join(dir, 'images'), join(dir, 'masks'));

function splitsOf(root: string): { train: string; test?: string; testSplit?: string } | undefined {
  const testSplit = ['test', 'val'].find((s) => isPair(join(root, s)));
  if (isPair(join(root, 'train')) && testSplit) return { train: join(root, 'train'), test: join(root, testSplit), testSplit };
  if (isPair(root)) return { train: root };
  return undefined;
}

export function isMaskFolder(root: string): boolean {
  return splitsOf(root) !== undefined;
}

function pairsOf(dir: string): SegmentationPair[] {
  return imageFiles(join(dir, 'images')).map((image) => {
    const mask = join(dir, 'masks', `${stem(image)}.png`);
    if (!existsSync(mask)) throw new WavecvError('mask', mask, `an existing file (the mask of ${image})`);
    return { image, mask };
  });
}

async function largestLabel(pairs: SegmentationPair[]): Promise<number> {
  let largest = 0;
  for (const { mask } of pairs) {
    const { data } = await sharp(mask).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    for (const v of data) if (v !== IGNORE_INDEX && v > largest) largest = v;
  }
  return largest;
}

export async function openMaskFolders(root: string, options: SegmentationFolderOptions): Promise<SegmentationData> {
  const splits = splitsOf(root);
  if (!splits) throw new WavecvError('data', root, 'images/ and masks/ folders, or train/ and test/ (or val/) folders of them');
  const trainPairs = pairsOf(splits.train);
  const classFile = join(root, 'classes.txt');
  let classNames: string[];
  if (existsSync(classFile)) {
    classNames = readFileSync(classFile, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    check(classNames.length >= 1 && classNames.length < IGNORE_INDEX, 'classes.txt', classFile, `1 to ${IGNORE_INDEX - 1} class names, one per line`);
  } else {
    const count = (await largestLabel(trainPairs)) + 1;
    classNames = Array.from({ length: count }, (_, i) => `class ${i}`);
  }
  const palette = defaultPalette(classNames.length);
  const description = {
    classNames,
    palette,
    encoding: { kind: 'grey' as const, table: indexTable(classNames.length), description: `a mask of class indices 0–${classNames.length - 1} (and ${IGNORE_INDEX} to ignore)` },
  };
  const train = await SegmentationFolderDataset.open(trainPairs, description, { ...options, split: 'train' });
  const test = splits.test ? await SegmentationFolderDataset.open(pairsOf(splits.test), description, { ...options, channels: train.imageShape[2] as 1 | 3, split: splits.testSplit! }) : undefined;
  return { train, test, testSplit: splits.testSplit, classNames, palette, source: root, format: 'mask-folders' };
}

/** The reader of the images/ + masks/ layout (one entry of `SEGMENTATION_SOURCES` in src/data/readers.ts). */
export const MASK_FOLDERS_SOURCE: SegmentationSource = { format: 'mask-folders', layout: 'images/ + masks/, or train/ and test/ (or val/) of them, optional classes.txt', detect: isMaskFolder, open: openMaskFolders };
