import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { compose, randomCrop, randomFlip } from '../../src/data/augment.js';
import { ArrayRecordDataset, batchToTensors, DataLoader, ExampleDataset, hostTensor, stackExamples, subsetDataset, type HostBatch, type HostExample } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';

/** Synthetic volume i: every voxel holds i + its position / 1000; its label volume holds i % 4. */
function volumes(n: number): ArrayRecordDataset {
  const voxels = 3 * 4 * 5;
  const volume = Float32Array.from({ length: n * voxels }, (_, k) => Math.floor(k / voxels) + (k % voxels) / 1000);
  const labels = Int32Array.from({ length: n * voxels }, (_, k) => Math.floor(k / voxels) % 4);
  return new ArrayRecordDataset({ volume: hostTensor('float32', [n, 3, 4, 5, 1], volume), labels: hostTensor('int32', [n, 3, 4, 5, 1], labels), id: hostTensor('int32', [n], Int32Array.from({ length: n }, (_, i) => i)) });
}

test('an in-memory record dataset batches named arrays of any rank with their own dtypes', async () => {
  await initEngine();
  const ds = volumes(10);
  assert.equal(ds.length, 10);
  assert.deepEqual(ds.spec, { volume: { dtype: 'float32', shape: [3, 4, 5, 1] }, labels: { dtype: 'int32', shape: [3, 4, 5, 1] }, id: { dtype: 'int32', shape: [] } });
  const batch = ds.getBatch([7, 2]);
  assert.deepEqual(batch.volume.shape, [2, 3, 4, 5, 1]);
  assert.deepEqual(Array.from(batch.id.data), [7, 2]);
  assert.equal(batch.volume.data[60], 2);
  assert.equal(batch.labels.data[0], 3);
  const tensors = batchToTensors(batch);
  assert.equal(tensors.labels.dtype, 'int32');
  assert.equal(tensors.volume.rank, 5);
  assert.deepEqual(tensors.id.shape, [2]);
  tf.dispose(tensors);
  assert.throws(() => new ArrayRecordDataset({ a: hostTensor('float32', [2, 3]), b: hostTensor('int32', [3]) }), /arrays\.b: got "shape \[3\]", expected a first dimension of 2 samples, as a/);
  assert.throws(() => new ArrayRecordDataset({ a: { dtype: 'int32', shape: [2], data: new Float32Array(2) } }), /arrays\.a: got "Float32Array of 2 values", expected an Int32Array/);
  assert.throws(() => ds.getBatch([10]), /index: got 10/);
  assert.equal(subsetDataset(ds, [3, 1]).getBatch([1]).id.data[0], 1);
});

test('the loader shuffles, batches and augments volume + label volume with one draw per sample', async () => {
  const make = () =>
    new DataLoader(volumes(12), {
      batchSize: 4,
      seed: 5,
      transform: compose(randomFlip({ axes: ['depth', 'height', 'width'], keys: ['volume', 'labels'] }), randomCrop({ size: [2, 3, 3], keys: ['volume', 'labels'], fill: { labels: 255 } })),
    });
  const seen: number[] = [];
  const batches: HostBatch[] = [];
  for await (const { data } of make().batches(1)) {
    batches.push(data);
    assert.deepEqual(data.volume.shape, [4, 2, 3, 3, 1]);
    for (let i = 0; i < 4; i++) {
      const id = data.id.data[i];
      seen.push(id);
      // Every voxel of sample i still comes from volume `id`, and its label says so.
      for (let v = 0; v < 18; v++) {
        assert.equal(Math.floor(data.volume.data[i * 18 + v]), id);
        assert.equal(data.labels.data[i * 18 + v], id % 4);
      }
    }
  }
  assert.deepEqual(seen.slice().sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i));
  const again: HostBatch[] = [];
  for await (const { data } of make().batches(1, 1)) again.push(data);
  assert.deepEqual(again, batches.slice(1));
});

test('an example dataset stacks examples (sync or async) and names mismatched ones', async () => {
  const pair = (i: number): HostExample => ({
    fixed: hostTensor('float32', [2, 2, 2, 1], new Float32Array(8).fill(i)),
    moving: hostTensor('float32', [2, 2, 2, 1], new Float32Array(8).fill(-i)),
  });
  const sync = new ExampleDataset(5, pair);
  const batch = sync.getBatch([4, 1]) as HostBatch;
  assert.deepEqual(batch.fixed.shape, [2, 2, 2, 2, 1]);
  assert.deepEqual(Array.from(batch.moving.data.subarray(6, 10)), [-4, -4, -1, -1]);
  const requested: number[] = [];
  const async = new ExampleDataset(5, async (i) => {
    requested.push(i);
    await new Promise((r) => setTimeout(r, 1));
    return pair(i);
  });
  const result = async.getBatch([0, 3, 2]);
  assert.deepEqual(requested, [0, 3, 2], 'all examples of the batch requested before any resolves');
  assert.deepEqual((await result).fixed.data.filter((_, k) => k % 8 === 0), Float32Array.from([0, 3, 2]));
  assert.throws(() => stackExamples([pair(1), { fixed: hostTensor('float32', [2, 2, 3, 1]), moving: pair(1).moving }]), /examples\[1\]\.fixed: got "float32 \[2, 2, 3, 1\]", expected float32 \[2, 2, 2, 1\]/);
  assert.throws(() => stackExamples([pair(1), { fixed: pair(1).fixed }]), /examples\[1\]: got \["fixed"\], expected the keys of examples\[0\] \(fixed, moving\)/);
  assert.throws(() => stackExamples([pair(1), { ...pair(1), label: hostTensor('int32', []) }]), /examples\[1\]: got \["fixed", "moving", "label"\]/);
  assert.throws(() => new ExampleDataset(0, pair), /length: got 0/);
});
