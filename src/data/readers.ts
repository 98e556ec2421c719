/**
 * The data readers of wavecv, registered in this one place: the
 * classification sources `openClassificationData` tries in order (IDX, CIFAR
 * binaries, image folders — the most specific layout first, since an image
 * folder is any folder of class sub-folders) and the data aliases
 * (`--data fashion-mnist`). A new reader exports its source from its own
 * module and is added to the list here; tasks import `openClassificationData`
 * from here and need no imports of the readers for their side effects.
 */
import { WavecvError } from '../errors.js';
import { CIFAR_SOURCE } from './cifar.js';
import type { ClassificationData, ClassificationSource, DataAlias } from './dataset.js';
import { FASHION_MNIST_ALIAS, IDX_SOURCE } from './idx.js';
import { IMAGE_FOLDER_SOURCE } from './image-folder.js';

export const CLASSIFICATION_SOURCES: readonly ClassificationSource[] = [IDX_SOURCE, CIFAR_SOURCE, IMAGE_FOLDER_SOURCE];

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
