import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ImageArrayDataset } from '../../src/data/dataset.js';
import { listDataAliases, openClassificationData } from '../../src/data/readers.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, openIdxFolder, parseIdx, readIdx } from '../../src/data/idx.js';
import { WavecvError } from '../../src/errors.js';
import { FASHION_MNIST, requireSystem } from '../helpers/requirements.js';

/** An IDX file written byte by byte from the format description (big-endian). */
function idxBytes(type: number, shape: number[], values: number[]): Buffer {
  const size: Record<number, number> = { 8: 1, 9: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const body = Buffer.alloc(values.length * size[type]);
  values.forEach((v, i) => {
    const o = i * size[type];
    if (type === 8) body.writeUInt8(v, o);
    else if (type === 9) body.writeInt8(v, o);
    else if (type === 0x0b) body.writeInt16BE(v, o);
    else if (type === 0x0c) body.writeInt32BE(v, o);
    else if (type === 0x0d) body.writeFloatBE(v, o);
    else body.writeDoubleBE(v, o);
  });
  return Buffer.concat([header, body]);
}

test('parseIdx decodes every IDX type big-endian with its shape', () => {
  assert.deepEqual(parseIdx(idxBytes(8, [2, 3], [0, 1, 2, 253, 254, 255])), { shape: [2, 3], data: Uint8Array.from([0, 1, 2, 253, 254, 255]) });
  assert.deepEqual(parseIdx(idxBytes(9, [3], [-128, 0, 127])).data, Int8Array.from([-128, 0, 127]));
  assert.deepEqual(parseIdx(idxBytes(0x0b, [2], [-300, 12345])).data, Int16Array.from([-300, 12345]));
  assert.deepEqual(parseIdx(idxBytes(0x0c, [1, 2], [-70000, 2 ** 30])).data, Int32Array.from([-70000, 2 ** 30]));
  assert.deepEqual(parseIdx(idxBytes(0x0d, [2], [1.5, -0.25])).data, Float32Array.from([1.5, -0.25]));
  assert.deepEqual(parseIdx(idxBytes(0x0e, [1], [Math.PI])).data, Float64Array.from([Math.PI]));
});

test('parseIdx names the file and what was wrong', () => {
  assert.throws(() => parseIdx(Buffer.from([1, 0, 8, 1]), 'a.idx'), (e: unknown) => e instanceof WavecvError && /a\.idx: got "4 bytes starting 1 0 8 1", expected an IDX file/.test(e.message));
  assert.throws(() => parseIdx(Buffer.from([0, 0, 7, 1, 0, 0, 0, 0]), 'b'), /"type byte 0x7"/);
  assert.throws(() => parseIdx(idxBytes(8, [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 12), 'c'), /c: got "12 bytes", expected 18 bytes .* \(truncated or corrupt file\?\)/);
});

test('an IDX folder (gz or raw) opens as train and test datasets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-idx-'));
  try {
    const pixels = Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes(8, [3, 2, 2], pixels)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes(8, [3], [2, 0, 1]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxBytes(8, [1, 2, 2], [255, 0, 0, 255]));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxBytes(8, [1], [1])));
    assert.deepEqual((await readIdx(join(dir, 'train-images-idx3-ubyte.gz'))).shape, [3, 2, 2]);
    const data = await openClassificationData(dir);
    assert.equal(data.format, 'idx');
    assert.deepEqual(data.classNames, ['0', '1', '2']);
    assert.deepEqual(data.train.imageShape, [2, 2, 1]);
    assert.equal(data.train.length, 3);
    assert.equal(data.test!.length, 1);
    const batch = await data.train.getBatch([2]);
    assert.deepEqual(batch.image.shape, [1, 2, 2, 1]);
    assert.deepEqual(batch.image.data, Float32Array.from([160, 180, 200, 220], (v) => v * (1 / 255)));
    assert.deepEqual(Array.from(batch.label.data), [1]);
    assert.deepEqual(Array.from(data.train.labels()), [2, 0, 1]);
    // A missing partner file is named.
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    await assert.rejects(() => openIdxFolder(dir), /t10k-labels-idx1-ubyte/);
    // Mismatched label count.
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes(8, [2], [1, 1]));
    await assert.rejects(() => openIdxFolder(dir), /one label per image \(\[1\]\)/);
    // Corrupt gzip.
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await assert.rejects(() => readIdx(join(dir, 'train-images-idx3-ubyte.gz')), /valid gzip data/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await assert.rejects(() => openClassificationData(empty), /data: got ".*empty", expected a data alias \(fashion-mnist.*\) or a folder in a known format \(idx/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the fashion-mnist alias names the Debian dataset: 60,000 + 10,000 28×28 images in 10 balanced classes', { skip: requireSystem('fashion-mnist', FASHION_MNIST) }, async () => {
  // The full training images (26 MB gzipped) are read by the README's training
  // command; here the labels and the test split keep the test fast.
  const alias = listDataAliases().find((a) => a.alias === 'fashion-mnist');
  assert.equal(alias?.path, FASHION_MNIST_DIR);
  const trainLabels = await readIdx(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'));
  assert.deepEqual(trainLabels.shape, [60000]);
  // First training image of Fashion-MNIST is an ankle boot (label 9).
  assert.equal(trainLabels.data[0], 9);
  const testImages = await readIdx(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  assert.deepEqual(testImages.shape, [10000, 28, 28]);
  const testLabels = await readIdx(join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
  const counts = new Array(10).fill(0);
  for (const label of testLabels.data) counts[label]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  const ds = new ImageArrayDataset(testImages.data as Uint8Array, [10000, 28, 28, 1], Int32Array.from(testLabels.data), FASHION_MNIST_CLASSES);
  const values = (await ds.getBatch([0])).image.data;
  assert.ok(values.every((v) => v >= 0 && v <= 1) && values.some((v) => v > 0.5));
});
