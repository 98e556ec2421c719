/**
 * Cityscapes fine annotations (Cordts et al., CVPR 2016):
 * `leftImg8bit/<split>/<city>/<name>_leftImg8bit.png` with
 * `gtFine/<split>/<city>/<name>_gtFine_labelIds.png`, whose 34 label ids are
 * mapped to the 19 evaluated train ids (every other id to the ignore index;
 * a value above 33 is an error). Training uses `train`, evaluation `val`
 * (the test split's annotations are not public).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WavecvError } from '../../errors.js';
import { SegmentationFolderDataset, type SegmentationData, type SegmentationFolderOptions, type SegmentationSource } from './dataset.js';
import { areFolders, imageFiles, requireFile } from './files.js';
import { CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, CITYSCAPES_TRAIN_IDS } from './palettes.js';

const SUFFIX = '_leftImg8bit.png';

export function isCityscapesFolder(root: string): boolean {
  return areFolders(join(root, 'leftImg8bit', 'train'), join(root, 'gtFine', 'train'));
}

function pairsOf(root: string, split: string) {
  const imageRoot = join(root, 'leftImg8bit', split);
  if (!areFolders(imageRoot)) throw new WavecvError('Cityscapes split', imageRoot, `a folder of city folders (the ${split} split)`);
  const cities = readdirSync(imageRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  return cities.flatMap((city) =>
    imageFiles(join(imageRoot, city))
      .filter((image) => image.endsWith(SUFFIX))
      .map((image) => {
        const name = image.slice(join(imageRoot, city).length + 1, -SUFFIX.length);
        const mask = requireFile(join(root, 'gtFine', split, city, `${name}_gtFine_labelIds.png`), 'Cityscapes mask', `the labelIds of ${image}`);
        return { image, mask };
      }),
  );
}

export async function openCityscapes(root: string, options: SegmentationFolderOptions): Promise<SegmentationData> {
  const table = new Int32Array(256).fill(-1);
  CITYSCAPES_TRAIN_IDS.forEach((trainId, labelId) => (table[labelId] = trainId));
  const description = {
    classNames: CITYSCAPES_CLASSES,
    palette: CITYSCAPES_PALETTE,
    encoding: { kind: 'grey' as const, table, description: 'Cityscapes labelIds (values 0–33)' },
  };
  const train = await SegmentationFolderDataset.open(pairsOf(root, 'train'), description, { ...options, split: 'train' });
  const test = await SegmentationFolderDataset.open(pairsOf(root, 'val'), description, { ...options, channels: train.imageShape[2] as 1 | 3, split: 'val' });
  return { train, test, testSplit: 'val', classNames: CITYSCAPES_CLASSES, palette: CITYSCAPES_PALETTE, source: root, format: 'cityscapes' };
}

/** The reader of the Cityscapes layout (one entry of `SEGMENTATION_SOURCES` in src/data/readers.ts). */
export const CITYSCAPES_SOURCE: SegmentationSource = { format: 'cityscapes', layout: 'leftImg8bit/{train,val}/<city>/ + gtFine/{train,val}/<city>/*_gtFine_labelIds.png', detect: isCityscapesFolder, open: openCityscapes };
