// Image reading and PNG writing with sharp (src/io/image.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { readImage, readImageData, writePng } from '../../src/io/image.js';

test('writePng then readImage round-trips 8-bit values; float tensors are read as [0, 1] and clipped', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-image-'));
  try {
    const values = Int32Array.from({ length: 5 * 7 * 3 }, (_, i) => (i * 37) % 256);
    const image = tf.tensor3d(values, [5, 7, 3], 'int32');
    await writePng(join(dir, 'a.png'), image);
    assert.deepEqual(readdirSync(dir), ['a.png']);
    const back = await readImage(join(dir, 'a.png'), { dtype: 'int32' });
    assert.deepEqual(back.shape, [5, 7, 3]);
    assert.deepEqual(Array.from(back.dataSync()), Array.from(values));
    const float = await readImage(join(dir, 'a.png'));
    assert.equal(float.dtype, 'float32');
    assert.ok(Math.abs(float.dataSync()[1] - values[1] / 255) < 1e-7);
    const grey = await readImageData(join(dir, 'a.png'), { channels: 1 });
    assert.equal(grey.channels, 1);
    assert.equal(grey.data.length, 35);
    const rgba = await readImageData(join(dir, 'a.png'), { channels: 4 });
    assert.equal(rgba.channels, 4);
    assert.equal(rgba.data[3], 255);
    await writePng(join(dir, 'b.png'), tf.tensor3d([-0.5, 0.5, 2], [1, 3, 1]));
    assert.deepEqual(Array.from((await readImageData(join(dir, 'b.png'))).data), [0, 128, 255]);
    tf.dispose([image, back, float]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unreadable or missing files and bad options throw WavecvErrors naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-image-'));
  try {
    writeFileSync(join(dir, 'broken.png'), 'not a png');
    await assert.rejects(() => readImage(join(dir, 'broken.png')), (e: unknown) => e instanceof WavecvError && /image: got ".*broken\.png", expected a readable image file/.test(e.message));
    await assert.rejects(() => readImage(join(dir, 'missing.png')), (e: unknown) => e instanceof WavecvError && /missing\.png/.test(e.message));
    await assert.rejects(() => readImage(join(dir, 'broken.png'), { channels: 2 as never }), (e: unknown) => e instanceof WavecvError && /channels: got 2, expected 1, 3 or 4/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
