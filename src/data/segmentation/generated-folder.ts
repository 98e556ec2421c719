/**
 * Writes generated segmentation data in the `images/` + `masks/` layout
 * (train/ and test/ splits, `classes.txt`, `generator.json` with the
 * settings) that the mask-folders reader opens. Everything is written into a
 * temporary folder beside `out` and renamed to `out` at the end, so an
 * interrupted run leaves no half-written data set; an existing `out` is
 * refused rather than mixed with.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { WavecvError } from '../../errors.js';

/** One generated sample: grey pixels and labels, `height × width`, row-major. */
export interface GeneratedSample {
  name: string;
  width: number;
  height: number;
  image: Uint8Array;
  mask: Uint8Array;
}

export interface GeneratedSplit {
  name: string;
  count: number;
  /** The i-th sample (called in order 0, 1, …, count − 1). */
  sample(i: number): Promise<GeneratedSample>;
}

export async function writeGeneratedFolder(out: string, content: { classNames: string[]; splits: GeneratedSplit[]; settings: Record<string, unknown>; onProgress?: (done: number, total: number) => void }): Promise<void> {
  const target = resolve(out);
  if (existsSync(target)) throw new WavecvError('out', out, 'a folder that does not exist yet (generated data are never mixed with existing files)');
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const temporary = join(parent, `.${basename(target)}.${process.pid}.partial`);
  rmSync(temporary, { recursive: true, force: true });
  const total = content.splits.reduce((n, s) => n + s.count, 0);
  let done = 0;
  try {
    for (const split of content.splits) {
      mkdirSync(join(temporary, split.name, 'images'), { recursive: true });
      mkdirSync(join(temporary, split.name, 'masks'), { recursive: true });
      for (let i = 0; i < split.count; i++) {
        const s = await split.sample(i);
        const raw = { raw: { width: s.width, height: s.height, channels: 1 as const } };
        await sharp(Buffer.from(s.image.buffer, s.image.byteOffset, s.image.byteLength), raw).toColourspace('b-w').png().toFile(join(temporary, split.name, 'images', `${s.name}.png`));
        await sharp(Buffer.from(s.mask.buffer, s.mask.byteOffset, s.mask.byteLength), raw).toColourspace('b-w').png().toFile(join(temporary, split.name, 'masks', `${s.name}.png`));
        content.onProgress?.(++done, total);
      }
    }
    writeFileSync(join(temporary, 'classes.txt'), content.classNames.join('\n') + '\n');
    writeFileSync(join(temporary, 'generator.json'), JSON.stringify({ ...content.settings, classNames: content.classNames, counts: Object.fromEntries(content.splits.map((s) => [s.name, s.count])) }, null, 2) + '\n');
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
}
