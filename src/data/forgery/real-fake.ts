/**
 * Forgery data as real/fake folders: `DIR/real/…` and `DIR/fake/…`, images
 * at any depth below them (`fake/deepfakes/000_003/0001.png`), or
 * `DIR/train/{real,fake}` with `DIR/test/{real,fake}` (or `val/`) for a
 * held-out split. Labels: real 0, fake 1; videos and frame sampling as in
 * {@link ForgeryDataset} (a folder of frames is a video, a loose image its
 * own video). The class folder names are exactly `real` and `fake`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WavecvError } from '../../errors.js';
import {
  FORGERY_CLASSES,
  forgeryDataset,
  framesOf,
  framesPerVideoOption,
  imagesUnder,
  type ForgeryData,
  type ForgeryDataset,
  type ForgeryFrame,
  type ForgeryReaderOptions,
  type ForgerySource,
} from './dataset.js';

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** True when `dir` holds both a `real/` and a `fake/` folder. */
function hasClassFolders(dir: string): boolean {
  return FORGERY_CLASSES.every((c) => isDir(join(dir, c)));
}

function splitsOf(root: string): { train: string; test?: string } | undefined {
  const test = ['test', 'val'].map((n) => join(root, n)).find(hasClassFolders);
  if (hasClassFolders(join(root, 'train')) && test) return { train: join(root, 'train'), test };
  if (hasClassFolders(root)) return { train: root };
  return undefined;
}

/** True when `path` is a real/fake folder (or train/ + test|val/ of them). */
export function isRealFakeFolder(path: string): boolean {
  try {
    return splitsOf(resolve(path)) !== undefined;
  } catch {
    return false;
  }
}

async function openSplit(root: string, dir: string, options: ForgeryReaderOptions, framesPerVideo: number): Promise<ForgeryDataset> {
  const frames: ForgeryFrame[] = [];
  FORGERY_CLASSES.forEach((name, label) => {
    const classDir = join(dir, name);
    const files = imagesUnder(classDir);
    if (files.length === 0) throw new WavecvError('class folder', classDir, 'at least one image');
    frames.push(...framesOf(files, label as 0 | 1, root, classDir, framesPerVideo));
  });
  return forgeryDataset(frames, options, dir);
}

/** Opens a real/fake folder; the test split, when present, is sized like the training split. */
export async function openRealFakeFolder(path: string, options: ForgeryReaderOptions = {}): Promise<ForgeryData> {
  const root = resolve(path);
  const framesPerVideo = framesPerVideoOption(options);
  const layout = isDir(root) ? splitsOf(root) : undefined;
  if (!layout) throw new WavecvError('data', path, 'a folder holding real/ and fake/ image folders (or train/ and test/ or val/ folders of them)');
  const train = await openSplit(root, layout.train, options, framesPerVideo);
  const test = layout.test ? await openSplit(root, layout.test, { ...options, size: train.imageShape[0] }, framesPerVideo) : undefined;
  return { train, test, source: root, format: 'real-fake' };
}

/** The real/fake folder reader (src/data/readers.ts lists it). */
export const REAL_FAKE_SOURCE: ForgerySource = {
  format: 'real-fake',
  detect: isRealFakeFolder,
  open: openRealFakeFolder,
};
