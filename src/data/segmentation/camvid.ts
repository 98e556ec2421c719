/**
 * CamVid as the SegNet tutorial distributes it (Badrinarayanan et al.,
 * "SegNet", TPAMI 2017, §5.1): `train/`, `val/`, `test/` folders of PNG
 * frames and `trainannot/`, `valannot/`, `testannot/` of grey masks with the
 * same file names, values 0–10 for the 11 classes and 11 for "Unlabelled"
 * (read as the ignore index). The tutorial's `train.txt` lists hold absolute
 * paths of its own machine, so the folders are read instead. Training uses
 * `train`, evaluation `test` (the split SegNet reports), or `val` when
 * there is no `test`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WavecvError } from '../../errors.js';
import { indexTable, SegmentationFolderDataset, type SegmentationData, type SegmentationFolderOptions, type SegmentationSource } from './dataset.js';
import { areFolders, imageFiles, stem } from './files.js';
import { CAMVID_CLASSES, CAMVID_PALETTE, CAMVID_VOID } from './palettes.js';

export function isCamVidFolder(root: string): boolean {
  return areFolders(join(root, 'train'), join(root, 'trainannot')) && (areFolders(join(root, 'test'), join(root, 'testannot')) || areFolders(join(root, 'val'), join(root, 'valannot')));
}

function pairsOf(root: string, split: string) {
  return imageFiles(join(root, split)).map((image) => {
    const mask = join(root, `${split}annot`, `${stem(image)}.png`);
    if (!existsSync(mask)) throw new WavecvError('CamVid mask', mask, `an existing file (the annotation of ${image})`);
    return { image, mask };
  });
}

export async function openCamVid(root: string, options: SegmentationFolderOptions): Promise<SegmentationData> {
  const description = {
    classNames: CAMVID_CLASSES,
    palette: CAMVID_PALETTE,
    encoding: { kind: 'grey' as const, table: indexTable(CAMVID_CLASSES.length, [CAMVID_VOID]), description: `a CamVid annotation (values 0–${CAMVID_CLASSES.length - 1}, ${CAMVID_VOID} for Unlabelled)` },
  };
  const testSplit = areFolders(join(root, 'test'), join(root, 'testannot')) ? 'test' : 'val';
  const train = await SegmentationFolderDataset.open(pairsOf(root, 'train'), description, { ...options, split: 'train' });
  const test = await SegmentationFolderDataset.open(pairsOf(root, testSplit), description, { ...options, channels: train.imageShape[2] as 1 | 3, split: testSplit });
  return { train, test, testSplit, classNames: CAMVID_CLASSES, palette: CAMVID_PALETTE, source: root, format: 'camvid' };
}

/** The reader of the CamVid layout (one entry of `SEGMENTATION_SOURCES` in src/data/readers.ts). */
export const CAMVID_SOURCE: SegmentationSource = { format: 'camvid', layout: 'train/ + trainannot/, test/ + testannot/ (or val/ + valannot/)', detect: isCamVidFolder, open: openCamVid };
