import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { WavecvError } from '../../src/errors.js';
import { openClassificationData } from '../../src/data/readers.js';
import { isImageFolder, openImageFolder } from '../../src/data/image-folder.js';

/** Writes a width×height image filled with `rgb` (grey when one value) as PNG or JPEG by extension. */
async function writeImage(path: string, width: number, height: number, rgb: number[]): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const channels = rgb.length as 1 | 3;
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < channels; c++) raw[i * channels + c] = (rgb[c] + i) % 256;
  const image = sharp(raw, { raw: { width, height, channels } }).toColourspace(channels === 1 ? 'b-w' : 'srgb');
  await (path.endsWith('.png') ? image.png() : image.jpeg({ quality: 95 })).toFile(path);
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wavecv-imgfolder-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'class folders: sorted classes, nested files, other files ignored, exact PNG pixels in [0,1]',
  withDir(async (root) => {
    await writeImage(join(root, 'dog', 'd1.png'), 4, 3, [10, 20, 30]);
    await writeImage(join(root, 'cat', 'nested', 'c2.png'), 4, 3, [200]);
    await writeImage(join(root, 'cat', 'c1.PNG'), 4, 3, [50, 60, 70]);
    writeFileSync(join(root, 'cat', 'README.txt'), 'not an image');
    writeFileSync(join(root, 'dog', '.hidden.png'), 'ignored');
    assert.ok(isImageFolder(root));
    const data = await openClassificationData(root);
    assert.equal(data.format, 'image-folder');
    assert.deepEqual(data.classNames, ['cat', 'dog']);
    assert.equal(data.test, undefined);
    assert.deepEqual(data.train.imageShape, [3, 4, 3]);
    assert.deepEqual(Array.from(data.train.labels()), [0, 0, 1]);
    const batch = await data.train.getBatch([2, 1]);
    assert.deepEqual(batch.image.shape, [2, 3, 4, 3]);
    assert.deepEqual(Array.from(batch.label.data), [1, 0]);
    // d1 pixel 1 = (11, 21, 31); grey c2 pixel 0 = 200 replicated to RGB
    assert.deepEqual(Array.from(batch.image.data.subarray(3, 6)).map((v) => Math.round(v * 255)), [11, 21, 31]);
    assert.deepEqual(Array.from(batch.image.data.subarray(36, 39)).map((v) => Math.round(v * 255)), [200, 200, 200]);
    // cached decode gives the same batch
    const again = await data.train.getBatch([2, 1]);
    assert.deepEqual(again.image.data, batch.image.data);
  }),
);

test(
  'grey folders decode to one channel; train/ + val/ give a test set with the training classes',
  withDir(async (root) => {
    await writeImage(join(root, 'train', 'a', '1.png'), 5, 5, [1]);
    await writeImage(join(root, 'train', 'b', '2.png'), 5, 5, [2]);
    await writeImage(join(root, 'val', 'b', '3.png'), 5, 5, [3]);
    const data = await openImageFolder(root);
    assert.deepEqual(data.train.imageShape, [5, 5, 1]);
    assert.deepEqual(Array.from(data.test!.labels()), [1]);
    const b = await data.test!.getBatch([0]);
    assert.equal(Math.round(b.image.data[4] * 255), 7);
    const rgb = await openImageFolder(root, {}, { channels: 3, cacheBytes: 0 });
    assert.deepEqual(rgb.train.imageShape, [5, 5, 3]);
    assert.deepEqual((await rgb.train.getBatch([0])).image.shape, [1, 5, 5, 3]);
  }),
);

test(
  'mixed sizes are an error naming the file, and size= resizes (cover, centre crop)',
  withDir(async (root) => {
    await writeImage(join(root, 'a', 'x.png'), 8, 8, [9, 9, 9]);
    await writeImage(join(root, 'b', 'y.jpg'), 6, 4, [90, 90, 90]);
    await assert.rejects(openImageFolder(root), (e: unknown) => e instanceof WavecvError && /y\.jpg", expected 8×8 pixels like a\/x\.png \(got 6×4; pass size to resize/.test(e.message));
    const data = await openImageFolder(root, {}, { size: [4, 2] });
    assert.deepEqual(data.train.imageShape, [4, 2, 3]);
    const b = await data.train.getBatch([0, 1]);
    assert.deepEqual(b.image.shape, [2, 4, 2, 3]);
  }),
);

test(
  'clear errors: empty class, unreadable image, unknown test class, not an image folder, bad options',
  withDir(async (root) => {
    await writeImage(join(root, 'a', 'x.png'), 2, 2, [1, 2, 3]);
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'empty', 'notes.txt'), '');
    await assert.rejects(openImageFolder(root), (e: unknown) => e instanceof WavecvError && /class folder: got ".*empty", expected at least one image/.test(e.message));
    rmSync(join(root, 'empty'), { recursive: true });
    writeFileSync(join(root, 'a', 'broken.png'), 'garbage bytes');
    await assert.rejects(openImageFolder(root), (e: unknown) => e instanceof WavecvError && /image: got ".*broken\.png", expected a readable image file/.test(e.message));
    rmSync(join(root, 'a', 'broken.png'));
    await assert.rejects(openImageFolder(root, {}, { size: 0 }), (e: unknown) => e instanceof WavecvError && /^size:/.test(e.message));
    await assert.rejects(openImageFolder(root, {}, { channels: 2 as never }), (e: unknown) => e instanceof WavecvError && /^channels:/.test(e.message));

    const split = join(root, 'split');
    await writeImage(join(split, 'train', 'a', '1.png'), 2, 2, [1]);
    await writeImage(join(split, 'test', 'zebra', '2.png'), 2, 2, [1]);
    await assert.rejects(openImageFolder(split), (e: unknown) => e instanceof WavecvError && /zebra", expected one of the training classes \(a\)/.test(e.message));
    await assert.rejects(openImageFolder(join(root, 'a')), (e: unknown) => e instanceof WavecvError && /a folder of class folders/.test(e.message));
  }),
);

test(
  'openClassificationData passes reader options (size, channels) to the image-folder reader',
  withDir(async (root) => {
    await writeImage(join(root, 'a', 'x.png'), 8, 6, [9, 9, 9]);
    await writeImage(join(root, 'b', 'y.png'), 5, 7, [90, 90, 90]);
    const data = await openClassificationData(root, { size: 4, channels: 1 });
    assert.deepEqual(data.train.imageShape, [4, 4, 1]);
  }),
);
