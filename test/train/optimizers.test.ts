import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createOptimizer, type OptimizerSpec } from '../../src/train/optimizers.js';
import { createSchedule, type ScheduleSpec, type WarmupSpec } from '../../src/train/schedules.js';
import { clipGradients } from '../../src/train/clip.js';

// Reference values from PyTorch 1.13: scripts/gen_train_fixtures.py.
const reference = JSON.parse(readFileSync(new URL('./fixtures/train_reference.json', import.meta.url), 'utf8'));

function close(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const specs: Record<string, OptimizerSpec> = {
  sgd: { type: 'sgd', lr: 0.1 },
  sgd_momentum_wd: { type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
  sgd_nesterov: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  adam: { type: 'adam', lr: 0.1 },
  adam_l2: { type: 'adam', lr: 0.1, weightDecay: 0.1 },
  adamw: { type: 'adamw', lr: 0.1, weightDecay: 0.1 },
};

test('optimisers follow PyTorch over five steps with changing learning rates', async () => {
  await initEngine();
  const o = reference.optimizers;
  for (const [name, spec] of Object.entries(specs)) {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor(o.initial.w, [3, 4])));
    const b = tf.tidy(() => tf.variable(tf.tensor(o.initial.b, [4])));
    const optimizer = createOptimizer(spec, [w, b]);
    o.grads.forEach((g: { w: number[]; b: number[] }, k: number) => {
      optimizer.learningRate = o.lrs[k];
      const grads = [tf.tensor(g.w, [3, 4]), tf.tensor(g.b, [4])];
      optimizer.applyGradients(grads);
      tf.dispose(grads);
      const expected = o.cases[name].trace[k];
      close(w.dataSync(), expected.w, 2e-5, `${name} step ${k + 1} w`);
      close(b.dataSync(), expected.b, 2e-5, `${name} step ${k + 1} b`);
    });
    assert.equal(optimizer.iterations, 5);
    optimizer.dispose();
    w.dispose();
    b.dispose();
    assert.equal(tf.memory().numTensors, before, `${name} leaks no tensors`);
  }
});

test('optimiser state round-trips into a fresh optimiser and continues identically', async () => {
  await initEngine();
  const o = reference.optimizers;
  const run = (split: boolean): Float32Array => {
    const w = tf.variable(tf.tensor(o.initial.w, [3, 4]));
    const b = tf.variable(tf.tensor(o.initial.b, [4]));
    let optimizer = createOptimizer(specs.adamw, [w, b]);
    o.grads.forEach((g: { w: number[]; b: number[] }, k: number) => {
      if (split && k === 2) {
        const state = optimizer.getState();
        const copies = { json: { ...state.json }, tensors: Object.fromEntries(Object.entries(state.tensors).map(([n, t]) => [n, t.clone()])) };
        optimizer.dispose();
        optimizer = createOptimizer(specs.adamw, [w, b]);
        optimizer.setState(copies);
        tf.dispose(copies.tensors);
      }
      optimizer.learningRate = o.lrs[k];
      const grads = [tf.tensor(g.w, [3, 4]), tf.tensor(g.b, [4])];
      optimizer.applyGradients(grads);
      tf.dispose(grads);
    });
    const result = w.dataSync() as Float32Array;
    optimizer.dispose();
    tf.dispose([w, b]);
    return result;
  };
  assert.deepEqual(run(true), run(false));
});

test('decayRank1: false exempts biases from weight decay', async () => {
  await initEngine();
  const w = tf.variable(tf.ones([2, 2]));
  const b = tf.variable(tf.ones([2]));
  const optimizer = createOptimizer({ type: 'sgd', lr: 0.5, weightDecay: 0.1, decayRank1: false }, [w, b]);
  optimizer.applyGradients([tf.zeros([2, 2]), tf.zeros([2])]);
  close(w.dataSync(), [0.95, 0.95, 0.95, 0.95], 1e-7, 'w');
  close(b.dataSync(), [1, 1], 0, 'b');
  optimizer.dispose();
  tf.dispose([w, b]);
});

test('optimiser specs are validated with named errors', async () => {
  await initEngine();
  const w = tf.variable(tf.ones([2]));
  assert.throws(() => createOptimizer({ type: 'rmsprop' as 'sgd', lr: 0.1 }, [w]), (e: unknown) => e instanceof WavecvError && /optimizer: got "rmsprop"/.test(e.message));
  assert.throws(() => createOptimizer({ type: 'sgd', lr: -1 }, [w]), /lr: got -1/);
  assert.throws(() => createOptimizer({ type: 'sgd', lr: 0.1, nesterov: true }, [w]), /nesterov/);
  assert.throws(() => createOptimizer({ type: 'adam', lr: 0.1, beta1: 1 }, [w]), /beta1: got 1/);
  w.dispose();
});

test('schedules match PyTorch schedulers step by step', () => {
  for (const [name, { spec, lrs }] of Object.entries(reference.schedules as Record<string, { spec: ScheduleSpec & WarmupSpec; lrs: number[] }>)) {
    const schedule = createSchedule(0.1, spec);
    close(
      lrs.map((_, t) => schedule(t)),
      lrs,
      1e-9,
      name,
    );
  }
  assert.throws(() => createSchedule(0.1, { type: 'exp' } as never), /schedule: got "exp"/);
  assert.throws(() => createSchedule(0.1, { type: 'multistep', milestones: [5, 3] }), /milestones/);
});

test('gradient clipping by global norm and by value matches PyTorch', async () => {
  await initEngine();
  const c = reference.clip;
  const before = tf.memory().numTensors;
  const grads = [tf.tensor(c.grads[0], [3, 4]), tf.tensor(c.grads[1], [5])];
  const byNorm = clipGradients([grads[0], null, grads[1]], { globalNorm: c.maxNorm });
  assert.equal(byNorm.grads[1], null);
  close(byNorm.norm!.dataSync(), [c.norm], 1e-6, 'norm');
  close(byNorm.grads[0]!.dataSync(), c.byNorm[0], 1e-6, 'byNorm 0');
  close(byNorm.grads[2]!.dataSync(), c.byNorm[1], 1e-6, 'byNorm 1');
  const byValue = clipGradients(grads, { value: c.maxValue });
  close(byValue.grads[0]!.dataSync(), c.byValue[0], 1e-7, 'byValue 0');
  close(byValue.grads[1]!.dataSync(), c.byValue[1], 1e-7, 'byValue 1');
  tf.dispose([...grads, ...(byNorm.grads as tf.Tensor[]), byNorm.norm!, ...(byValue.grads as tf.Tensor[])].filter(Boolean));
  assert.equal(tf.memory().numTensors, before);
});
