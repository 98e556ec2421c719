/**
 * Pascal VOC segmentation layout (the VOC2012 devkit): `JPEGImages/<id>.jpg`,
 * `SegmentationClass/<id>.png` (palette PNGs, 21 classes, void outline in
 * (224, 224, 192) read as the ignore index) and the split lists
 * `ImageSets/Segmentation/train.txt` and `val.txt` (one id per line).
 * Training uses `train`, evaluation `val` (the reference code's split).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IGNORE_INDEX } from '../../metrics/segmentation.js';
import { SegmentationFolderDataset, paletteColours, type SegmentationData, type SegmentationFolderOptions, type SegmentationSource } from './dataset.js';
import { areFolders, requireFile } from './files.js';
import { VOC_CLASSES, vocColourMap } from './palettes.js';

const LISTS = join('ImageSets', 'Segmentation');

export function isVocFolder(root: string): boolean {
  return areFolders(join(root, 'JPEGImages'), join(root, 'SegmentationClass'), join(root, LISTS));
}

function splitIds(root: string, split: string): string[] {
  const list = requireFile(join(root, LISTS, `${split}.txt`), 'VOC split list', `the ${split} ids of a VOC layout`);
  return readFileSync(list, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export async function openVoc(root: string, options: SegmentationFolderOptions): Promise<SegmentationData> {
  const colourMap = vocColourMap();
  const palette = colourMap.slice(0, VOC_CLASSES.length);
  const description = {
    classNames: VOC_CLASSES,
    palette,
    encoding: { kind: 'palette' as const, colours: paletteColours(palette, [[colourMap[IGNORE_INDEX], IGNORE_INDEX]]), description: 'a VOC palette mask (21 class colours and the void colour (224, 224, 192))' },
  };
  const pairsOf = (split: string) =>
    splitIds(root, split).map((id) => ({
      image: requireFile(join(root, 'JPEGImages', `${id}.jpg`), 'VOC image', `listed in ${split}.txt`),
      mask: requireFile(join(root, 'SegmentationClass', `${id}.png`), 'VOC mask', `listed in ${split}.txt`),
    }));
  const train = await SegmentationFolderDataset.open(pairsOf('train'), description, { ...options, split: 'train' });
  const test = await SegmentationFolderDataset.open(pairsOf('val'), description, { ...options, channels: train.imageShape[2] as 1 | 3, split: 'val' });
  return { train, test, testSplit: 'val', classNames: VOC_CLASSES, palette, source: root, format: 'voc' };
}

/** The reader of the Pascal VOC layout (one entry of `SEGMENTATION_SOURCES` in src/data/readers.ts). */
export const VOC_SOURCE: SegmentationSource = { format: 'voc', layout: 'JPEGImages/, SegmentationClass/, ImageSets/Segmentation/{train,val}.txt', detect: isVocFolder, open: openVoc };
