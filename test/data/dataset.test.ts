import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { compose, normalize, randomCrop, randomHorizontalFlip } from '../../src/data/augment.js';
import { batchToTensors, DataLoader, hostTensor, ImageArrayDataset, subsetDataset, type Dataset, type HostBatch } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { WavecvError } from '../../src/errors.js';

function counting(n: number): ImageArrayDataset {
  // image i is filled with the value i (uint8, so at most 255 samples), label i % 3
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i, i * 4, i * 4 + 4);
  return new ImageArrayDataset(images, [n, 2, 2, 1], Int32Array.from({ length: n }, (_, i) => i % 3), ['a', 'b', 'c'], 1);
}

test('ImageArrayDataset batches images (scaled) and labels; bad input is named', () => {
  const ds = new ImageArrayDataset(new Uint8Array([0, 255, 51, 102, 0, 0, 0, 0]), [2, 2, 2, 1], new Int32Array([1, 0]), ['x', 'y']);
  const batch = ds.getBatch([1, 0]);
  assert.deepEqual(batch.image.shape, [2, 2, 2, 1]);
  assert.deepEqual(batch.image.data, Float32Array.from([0, 0, 0, 0, 0, 1, 51 / 255, 102 / 255]));
  assert.deepEqual(Array.from(batch.label.data), [0, 1]);
  assert.throws(() => ds.getBatch([2]), (e: unknown) => e instanceof WavecvError && /index: got 2/.test(e.message));
  assert.throws(() => new ImageArrayDataset(new Uint8Array(8), [2, 2, 2, 1], new Int32Array([0, 5]), ['x', 'y']), /labels\[1\]: got 5/);
  assert.throws(() => new ImageArrayDataset(new Uint8Array(7), [2, 2, 2, 1], new Int32Array([0, 0]), ['x']), /images: got 7/);
});

test('the loader covers every sample once per epoch, reshuffles by seed and batches', async () => {
  const loader = new DataLoader(counting(50), { batchSize: 8, seed: 1 });
  assert.equal(loader.stepsPerEpoch, 6);
  const seen: number[] = [];
  for await (const b of loader.batches(0)) {
    assert.equal(b.data.image.shape[0], 8);
    seen.push(...Array.from(b.data.image.data.filter((_, k) => k % 4 === 0)));
  }
  assert.equal(new Set(seen).size, 48);
  assert.notDeepEqual(Array.from(loader.order(0)), Array.from(loader.order(1)));
  assert.deepEqual(Array.from(loader.order(3)), Array.from(new DataLoader(counting(50), { batchSize: 8, seed: 1 }).order(3)));
  assert.notDeepEqual(Array.from(loader.order(0)), Array.from(new DataLoader(counting(50), { batchSize: 8, seed: 2 }).order(0)));
  const sorted = Array.from(loader.order(0)).sort((a, b) => a - b);
  assert.deepEqual(sorted, Array.from({ length: 50 }, (_, i) => i));
  const ordered = new DataLoader(counting(10), { batchSize: 4, seed: 1, shuffle: false });
  assert.equal(ordered.stepsPerEpoch, 3);
  const sizes: number[] = [];
  for await (const b of ordered.batches(0)) sizes.push(b.indices.length);
  assert.deepEqual(sizes, [4, 4, 2]);
});

test('starting at a position gives the same batches and augmentation draws as running through', async () => {
  const make = () => new DataLoader(counting(40), { batchSize: 5, seed: 9, transform: randomHorizontalFlip() });
  const through: HostBatch[] = [];
  for await (const b of make().batches(2)) through.push(b.data);
  const resumed: HostBatch[] = [];
  for await (const b of make().batches(2, 3)) resumed.push(b.data);
  assert.deepEqual(resumed, through.slice(3));
});

test('prefetch keeps requests in flight ahead of the consumer, and order is preserved', async () => {
  const started: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const slow: Dataset = {
    length: 12,
    async getBatch(indices: number[]) {
      started.push(indices[0]);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { i: hostTensor('int32', [indices.length], Int32Array.from(indices)) };
    },
  };
  const loader = new DataLoader(slow, { batchSize: 2, seed: 1, shuffle: false, prefetch: 3 });
  const got: number[] = [];
  for await (const b of loader.batches(0)) {
    got.push(b.data.i.data[0]);
    if (got.length === 1) assert.ok(started.length >= 3, `requests started before the first batch was consumed: ${started.length}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.deepEqual(got, [0, 2, 4, 6, 8, 10]);
  assert.ok(maxInFlight >= 2, `overlapping requests: ${maxInFlight}`);
});

test('a failing reader surfaces its error to the consumer', async () => {
  const failing: Dataset = {
    length: 6,
    getBatch: async (indices) => {
      if (indices[0] >= 4) throw new WavecvError('file', 'x.png', 'a readable image');
      return { i: hostTensor('int32', [indices.length]) };
    },
  };
  const loader = new DataLoader(failing, { batchSize: 2, seed: 1, shuffle: false });
  await assert.rejects(async () => {
    for await (const b of loader.batches(0)) void b;
  }, /x\.png/);
});

test('randomCrop pads with zeros and crops at drawn offsets; flip mirrors; normalize standardises', () => {
  // One 3×3 single-channel image 1..9.
  const make = (): HostBatch => ({ image: hostTensor('float32', [1, 3, 3, 1], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])) });
  const rng = new Rng(5);
  const probe = new Rng(5);
  const dy = probe.int(3) - 1;
  const dx = probe.int(3) - 1;
  const cropped = randomCrop({ padding: 1 })(make(), rng) as HostBatch;
  const expected: number[] = [];
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) {
    const sy = y + dy;
    const sx = x + dx;
    expected.push(sy >= 0 && sy < 3 && sx >= 0 && sx < 3 ? sy * 3 + sx + 1 : 0);
  }
  assert.deepEqual(Array.from(cropped.image.data), expected);
  // Over many draws every offset in [-1, 1]² occurs.
  const offsets = new Set<string>();
  const r = new Rng(1);
  for (let k = 0; k < 200; k++) {
    const out = (randomCrop({ padding: 1 })(make(), r) as HostBatch).image.data;
    offsets.add(Array.from(out).join());
  }
  assert.equal(offsets.size, 9);
  const flipped = randomHorizontalFlip({ p: 1 })(make(), new Rng(1)) as HostBatch;
  assert.deepEqual(Array.from(flipped.image.data), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
  const kept = randomHorizontalFlip({ p: 0 })(make(), new Rng(1)) as HostBatch;
  assert.deepEqual(Array.from(kept.image.data), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const rgb: HostBatch = { image: hostTensor('float32', [1, 1, 2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])) };
  const normed = compose(normalize({ mean: [1, 2, 3], std: [1, 2, 4] }))(rgb, new Rng(1)) as HostBatch;
  assert.deepEqual(Array.from(normed.image.data), [0, 0, 0, 3, 1.5, 0.75]);
  assert.throws(() => normalize({ mean: [0, 0], std: [1, 1] })(make(), new Rng(1)), /mean/);
  assert.throws(() => randomCrop({ padding: 1, keys: ['x'] })(make(), new Rng(1)), /augment key: got "x"/);
});

test('flip of RGB images keeps channel order', () => {
  const batch: HostBatch = { image: hostTensor('float32', [1, 1, 2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])) };
  const out = randomHorizontalFlip({ p: 1 })(batch, new Rng(1)) as HostBatch;
  assert.deepEqual(Array.from(out.image.data), [4, 5, 6, 1, 2, 3]);
});

test('subsets keep labels and class names; batches become tensors', async () => {
  await initEngine();
  const sub = subsetDataset(counting(10), [9, 4]);
  assert.equal(sub.length, 2);
  assert.deepEqual(Array.from(sub.labels()), [0, 1]);
  assert.deepEqual(sub.classNames, ['a', 'b', 'c']);
  const batch = await sub.getBatch([1, 0]);
  const tensors = batchToTensors(batch);
  assert.deepEqual(tensors.image.shape, [2, 2, 2, 1]);
  assert.equal(tensors.label.dtype, 'int32');
  assert.deepEqual(Array.from(tensors.image.dataSync()), [4, 4, 4, 4, 9, 9, 9, 9]);
  tf.dispose(tensors);
  assert.throws(() => subsetDataset(counting(3), [3]), /indices: got 3/);
});
