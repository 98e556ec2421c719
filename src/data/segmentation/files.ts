/**
 * File-system helpers shared by the segmentation layout readers: folder
 * tests that never throw, sorted image listings, and the check that a file
 * a layout names is there.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { WavecvError } from '../../errors.js';
import { IMAGE_EXTENSIONS } from '../image-folder.js';

/** True when every path is a directory. */
export function areFolders(...paths: string[]): boolean {
  return paths.every((p) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  });
}

/** Image files directly in `dir` (hidden files and other extensions skipped), sorted by name. */
export function imageFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && IMAGE_EXTENSIONS.includes(extname(name).toLowerCase()))
    .sort()
    .map((name) => join(dir, name));
}

/** The file name without its extension. */
export function stem(path: string): string {
  return basename(path, extname(path));
}

/** `path`, after checking that it exists; `what` and `because` go into the error. */
export function requireFile(path: string, what: string, because: string): string {
  if (!existsSync(path)) throw new WavecvError(what, path, `an existing file (${because})`);
  return path;
}
