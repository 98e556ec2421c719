import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { randomFlip } from '../../src/data/augment.js';
import { ArrayRecordDataset, DataLoader, hostTensor } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { withSeededRandom } from '../../src/engine/seed.js';
import { Trainer } from '../../src/train/trainer.js';

/** Synthetic pairs of 4×4×4 volumes: `moving` is `fixed` plus 0.5, no label; plus an int32 mask target. */
function pairs(n: number): ArrayRecordDataset {
  const rng = new Rng(3);
  const fixed = Float32Array.from({ length: n * 64 }, () => rng.next());
  const moving = fixed.map((v) => v + 0.5);
  const mask = Int32Array.from(fixed, (v) => (v > 0.5 ? 1 : 0));
  return new ArrayRecordDataset({ fixed: hostTensor('float32', [n, 4, 4, 4, 1], fixed), moving: hostTensor('float32', [n, 4, 4, 4, 1], moving), mask: hostTensor('int32', [n, 4, 4, 4, 1], mask) });
}

test('a two-input model trains on fixed + moving volumes with no label; the objective reads any key of the batch', async () => {
  await initEngine();
  const model = withSeededRandom(1, () => {
    const fixed = tf.input({ shape: [4, 4, 4, 1], name: 'fixed' });
    const moving = tf.input({ shape: [4, 4, 4, 1], name: 'moving' });
    const joined = tf.layers.concatenate().apply([fixed, moving]) as tf.SymbolicTensor;
    const out = tf.layers.conv3d({ filters: 1, kernelSize: 1 }).apply(joined) as tf.SymbolicTensor;
    return tf.model({ inputs: [fixed, moving], outputs: out });
  });
  const seenKeys: string[][] = [];
  const losses: number[] = [];
  const trainer = new Trainer({
    model,
    objective: {
      // Learn to map the moving volume back onto the fixed one; the int32 mask is reported, not trained on.
      compute(outputs, batch) {
        seenKeys.push(Object.keys(batch).sort());
        const loss = tf.losses.meanSquaredError(batch.fixed, outputs as tf.Tensor) as tf.Scalar;
        const foreground = tf.mean(tf.cast(batch.mask, 'float32')) as tf.Scalar;
        return { loss, metrics: { foreground } };
      },
    },
    data: new DataLoader(pairs(16), { batchSize: 4, seed: 2, transform: randomFlip({ axes: ['depth', 'height', 'width'], keys: ['fixed', 'moving', 'mask'] }) }),
    optimizer: { type: 'adam', lr: 0.05 },
    inputKeys: ['fixed', 'moving'],
    epochs: 10,
    seed: 4,
    onStep: (r) => losses.push(r.loss),
  });
  const before = tf.memory().numTensors;
  await trainer.fit();
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(seenKeys[0], ['fixed', 'mask', 'moving']);
  assert.ok(losses.at(-1)! < losses[0] * 0.05, `loss fell from ${losses[0]} to ${losses.at(-1)}`);
  assert.throws(() => new Trainer({ model, objective: { compute: () => ({ loss: tf.scalar(0) }) }, data: new DataLoader(pairs(4), { batchSize: 2, seed: 1 }), optimizer: { type: 'sgd', lr: 1 }, inputKeys: 'fixed', epochs: 1, seed: 1 }), /inputKeys: got \["fixed"\], expected 2 batch key\(s\)/);
  trainer.dispose();
  model.dispose();
});
