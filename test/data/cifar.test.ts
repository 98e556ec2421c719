import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavecvError } from '../../src/errors.js';
import { openCifarFolder, parseCifarRecords, CIFAR10_CLASSES } from '../../src/data/cifar.js';
import { openClassificationData } from '../../src/data/readers.js';

/** One CIFAR record whose pixel (channel c, row y, column x) is (label·7 + c·50 + y + x) mod 256. */
function record(labels: number[]): Uint8Array {
  const bytes = new Uint8Array(labels.length + 3072);
  bytes.set(labels, 0);
  const seed = labels[labels.length - 1] * 7;
  for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) bytes[labels.length + c * 1024 + y * 32 + x] = (seed + c * 50 + y + x) % 256;
  return bytes;
}

function batch(labelSets: number[][]): Buffer {
  return Buffer.concat(labelSets.map((l) => record(l)));
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wavecv-cifar-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('parseCifarRecords turns CHW planes into NHWC pixels', () => {
  const parsed = parseCifarRecords(record([3]), 'cifar10');
  assert.equal(parsed.count, 1);
  assert.deepEqual(Array.from(parsed.labels), [3]);
  // pixel (y=2, x=5): channels 21+7, 21+57, 21+107
  const at = (2 * 32 + 5) * 3;
  assert.deepEqual(Array.from(parsed.images.subarray(at, at + 3)), [28, 78, 128]);
});

test(
  'CIFAR-10 folder: batches in numeric order, test batch, names from batches.meta.txt, [0,1] pixels',
  withDir(async (root) => {
    const dir = join(root, 'cifar-10-batches-bin');
    mkdirSync(dir);
    writeFileSync(join(dir, 'data_batch_2.bin'), batch([[9], [8]]));
    writeFileSync(join(dir, 'data_batch_1.bin'), batch([[0], [1], [2]]));
    writeFileSync(join(dir, 'data_batch_10.bin'), batch([[4]]));
    writeFileSync(join(dir, 'test_batch.bin'), batch([[5], [6]]));
    writeFileSync(join(dir, 'batches.meta.txt'), `${CIFAR10_CLASSES.join('\n')}\n\n`);
    const data = await openClassificationData(root);
    assert.equal(data.format, 'cifar');
    assert.equal(data.source, dir);
    assert.deepEqual(data.classNames, CIFAR10_CLASSES);
    assert.deepEqual(Array.from(data.train.labels()), [0, 1, 2, 9, 8, 4]);
    assert.deepEqual(Array.from(data.test!.labels()), [5, 6]);
    assert.deepEqual(data.train.imageShape, [32, 32, 3]);
    const b = await data.train.getBatch([3]);
    assert.deepEqual(b.image.shape, [1, 32, 32, 3]);
    assert.deepEqual(Array.from(b.label.data), [9]);
    // label 9: seed 63; pixel (0,0) channel 1 = 113
    assert.ok(Math.abs(b.image.data[1] - 113 / 255) < 1e-7);
  }),
);

test(
  'CIFAR-100 folder: fine labels by default, coarse on request, names files',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'train.bin'), batch([[1, 42], [19, 99]]));
    writeFileSync(join(dir, 'test.bin'), batch([[0, 7]]));
    writeFileSync(join(dir, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n'));
    writeFileSync(join(dir, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `coarse${i}`).join('\n'));
    const fine = await openCifarFolder(dir);
    assert.equal(fine.classNames.length, 100);
    assert.deepEqual(Array.from(fine.train.labels()), [42, 99]);
    const coarse = await openClassificationData(dir, { labels: 'coarse' });
    assert.equal(coarse.classNames[19], 'coarse19');
    assert.deepEqual(Array.from(coarse.train.labels()), [1, 19]);
    assert.deepEqual(Array.from(coarse.test!.labels()), [0]);
    // pixel bytes start after both label bytes: label 99 → seed 693 % 256 = 181 at (0,0) red
    const b = await fine.train.getBatch([1]);
    assert.ok(Math.abs(b.image.data[0] - ((99 * 7) % 256) / 255) < 1e-7);
  }),
);

test(
  'clear errors: truncated batch, label beyond the names, not a CIFAR folder',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'data_batch_1.bin'), batch([[1]]).subarray(0, 3000));
    await assert.rejects(openCifarFolder(dir), (e: unknown) => e instanceof WavecvError && /data_batch_1\.bin: got "3000 bytes", expected a whole number of 3073-byte CIFAR-10 records/.test(e.message));
    writeFileSync(join(dir, 'data_batch_1.bin'), batch([[12]]));
    writeFileSync(join(dir, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n'));
    await assert.rejects(openCifarFolder(dir), (e: unknown) => e instanceof WavecvError && /label of record 0: got 12, expected a class index below 10/.test(e.message));
    await assert.rejects(openCifarFolder(join(dir, 'nothing')), (e: unknown) => e instanceof WavecvError && /a CIFAR binary folder/.test(e.message));
  }),
);
