/**
 * The data readers of wavecv, registered in this one place: the
 * classification sources `openClassificationData` tries in order (IDX, CIFAR
 * binaries, image folders — the most specific layout first, since an image
 * folder is any folder of class sub-folders), the data aliases
 * (`--data fashion-mnist`), and the segmentation layouts
 * `openSegmentationData` tries in order (VOC and Cityscapes before CamVid and
 * plain `images/` + `masks/` folders, since their roots may also hold
 * unrelated image folders). A new reader exports its source from its own
 * module and is added to a list here; tasks import the `open…Data` functions
 * from here and need no imports of the readers for their side effects.
 */
import { resolve } from 'node:path';
import { WavecvError } from '../errors.js';
import { CIFAR_SOURCE } from './cifar.js';
import type { ClassificationData, ClassificationSource, DataAlias } from './dataset.js';
import type { ForgeryData, ForgeryReaderOptions, ForgerySource } from './forgery/dataset.js';
import { FACEFORENSICS_SOURCE } from './forgery/faceforensics.js';
import { REAL_FAKE_SOURCE } from './forgery/real-fake.js';
import { FASHION_MNIST_ALIAS, IDX_SOURCE } from './idx.js';
import { IMAGE_FOLDER_SOURCE } from './image-folder.js';
import { CAMVID_SOURCE } from './segmentation/camvid.js';
import { CITYSCAPES_SOURCE } from './segmentation/cityscapes.js';
import type { SegmentationData, SegmentationFolderOptions, SegmentationSource } from './segmentation/dataset.js';
import { MASK_FOLDERS_SOURCE } from './segmentation/mask-folders.js';
import { VOC_SOURCE } from './segmentation/voc.js';

export const CLASSIFICATION_SOURCES: readonly ClassificationSource[] = [IDX_SOURCE, CIFAR_SOURCE, IMAGE_FOLDER_SOURCE];

export const SEGMENTATION_SOURCES: readonly SegmentationSource[] = [VOC_SOURCE, CITYSCAPES_SOURCE, CAMVID_SOURCE, MASK_FOLDERS_SOURCE];

export const DATA_ALIASES: readonly DataAlias[] = [FASHION_MNIST_ALIAS];

export function listDataAliases(): Array<{ alias: string; path: string; description: string }> {
  return DATA_ALIASES.map(({ alias, path, description }) => ({ alias, path, description }));
}

/**
 * Opens `spec` (an alias or a path) with the first reader that recognises
 * it; `options` are passed on to the reader (e.g. `size` for image folders).
 */
export async function openClassificationData(spec: string, options: Record<string, unknown> = {}): Promise<ClassificationData> {
  const alias = DATA_ALIASES.find((a) => a.alias === spec);
  const path = alias?.path ?? spec;
  const source = CLASSIFICATION_SOURCES.find((s) => s.detect(path));
  if (!source) {
    const known = DATA_ALIASES.map((a) => a.alias).join(', ');
    throw new WavecvError('data', spec, `a data alias (${known}) or a folder in a known format (${CLASSIFICATION_SOURCES.map((s) => s.format).join(', ')})`);
  }
  return source.open(path, alias?.classNames ? { ...options, classNames: alias.classNames } : options);
}

/**
 * The face-forgery readers, most specific first: FaceForensics++ frame trees
 * (`original_sequences/`, `manipulated_sequences/`), then real/fake folders.
 * Kept apart from the classification sources because a real/fake folder is
 * also an image folder, whose sorted classes would make `fake` class 0;
 * here `real` is 0 and `fake` is 1 (see src/data/forgery/dataset.ts).
 */
export const FORGERY_SOURCES: readonly ForgerySource[] = [FACEFORENSICS_SOURCE, REAL_FAKE_SOURCE];

/**
 * Opens forgery data at `path` with the first forgery reader that
 * recognises it. Batches hold `image` (float32 [B, size, size, 3] in
 * [0, 1]), `label` (int32, 1 = fake) and `video` (int32, an index into
 * `dataset.videos`); `options` sets the size, the frames kept per video and
 * the FaceForensics++ compression and methods.
 */
export async function openForgeryData(path: string, options: ForgeryReaderOptions = {}): Promise<ForgeryData> {
  const source = FORGERY_SOURCES.find((s) => s.detect(path));
  if (!source) throw new WavecvError('data', path, `a forgery data folder (${FORGERY_SOURCES.map((s) => s.format).join(', ')}): real/ and fake/ image folders, or FaceForensics++ original_sequences/ and manipulated_sequences/`);
  return source.open(path, options);
}

/** Opens the segmentation folder `path` with the first reader that recognises its layout. */
export async function openSegmentationData(path: string, options: SegmentationFolderOptions = {}): Promise<SegmentationData> {
  const root = resolve(path);
  const source = SEGMENTATION_SOURCES.find((s) => s.detect(root));
  if (!source) throw new WavecvError('data', path, `a folder in a known segmentation layout: ${SEGMENTATION_SOURCES.map((s) => `${s.format} (${s.layout})`).join('; ')}`);
  return source.open(root, options);
}
