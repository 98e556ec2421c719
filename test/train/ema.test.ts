import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { WeightEma } from '../../src/train/ema.js';
import { isBiasOrNorm } from '../../src/train/parameter-groups.js';
import { Trainer, type Objective } from '../../src/train/trainer.js';
import { crossEntropy, tinyDataset, tinyModel, weightsOf } from './helpers.js';

test('the average follows θ̄ ← d_t·θ̄ + (1 − d_t)·θ over every weight, with the warm-up d_t = min(d, 1 − (1 + t/γ)^−p)', async () => {
  await initEngine();
  const model = tinyModel(1, 0);
  const average = tinyModel(2, 0);
  const ema = new WeightEma(model, { model: average, decay: 0.9, warmup: { gamma: 1, power: 1 } });
  assert.deepEqual(weightsOf(average), weightsOf(model), 'starts as a copy');
  assert.deepEqual([0, 1, 2, 3, 20].map((t) => ema.decayAt(t)), [0, 0.5, 1 - 1 / 3, 0.75, 0.9]);
  assert.equal(new WeightEma(model, { model: average, decay: 0.99, warmup: { gamma: 2, power: 0.5 } }).decayAt(6), 0.5);
  const expected = weightsOf(model).map((w) => Float64Array.from(w));
  const before = tf.memory().numTensors;
  for (let t = 0; t < 4; t++) {
    // Move the model somewhere else, then average.
    tf.tidy(() => model.weights.forEach((w, i) => w.write(tf.add(w.read(), tf.scalar(0.1 * (t + 1) * (i + 1))))));
    const d = ema.decayAt(t);
    const current = weightsOf(model);
    expected.forEach((e, i) => e.forEach((v, k) => (e[k] = d * v + (1 - d) * current[i][k])));
    ema.update();
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(ema.updates, 4);
  weightsOf(average).forEach((w, i) => w.forEach((v, k) => assert.ok(Math.abs(v - expected[i][k]) < 1e-5, `weight ${i}[${k}]: ${v} vs ${expected[i][k]}`)));
  assert.throws(() => new WeightEma(model, { model, decay: 0.9 }), /ema\.model: .* expected a second instance/);
  assert.throws(() => new WeightEma(model, { model: average, decay: 1 }), /ema\.decay: got 1/);
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  assert.throws(() => new WeightEma(model, { model: other }), /ema\.model: got "2 weights", expected 8 weights/);
  for (const m of [model, average, other]) m.dispose();
});

test('the objective gets the average model’s outputs for the batch as its teacher; at the end the average becomes the model', async () => {
  await initEngine();
  const model = tinyModel(3);
  const average = tinyModel(4);
  const ce = crossEntropy();
  let checked = 0;
  const evaluatedWith: tf.LayersModel[] = [];
  // Self-distillation: cross-entropy plus the KL divergence from the teacher's soft labels (Hinton et al. 2015).
  const distill: Objective = {
    compute(outputs, batch, context) {
      assert.ok(context.teacher instanceof tf.Tensor);
      if (context.step < 3) {
        // The teacher is the average as it stands before this step, in inference mode.
        const direct = average.predict(batch.image) as tf.Tensor;
        assert.deepEqual(context.teacher.dataSync(), direct.dataSync());
        direct.dispose();
        checked++;
      }
      const base = ce.compute(outputs, batch, context);
      const soft = tf.softmax(context.teacher as tf.Tensor);
      const kl = tf.mean(tf.sum(tf.mul(soft, tf.sub(tf.logSoftmax(context.teacher as tf.Tensor), tf.logSoftmax(outputs as tf.Tensor))), 1)) as tf.Scalar;
      return { loss: tf.add(base.loss, kl) as tf.Scalar, metrics: { ...base.metrics, kl } };
    },
  };
  const counts: number[] = [];
  const trainer = new Trainer({
    model,
    objective: distill,
    data: new DataLoader(tinyDataset(40, 5), { batchSize: 8, seed: 6 }),
    optimizer: { type: 'adam', lr: 0.01 },
    ema: { model: average, decay: 0.95, warmup: {}, teacher: true, final: true },
    evaluate: { everyEpochs: 1, run: (m) => (evaluatedWith.push(m), { n: 1 }) },
    epochs: 4,
    seed: 7,
    onStep: (r) => {
      if (r.step === 1 || r.step === 20) counts.push(tf.memory().numTensors);
    },
  });
  await trainer.fit();
  assert.equal(checked, 3);
  assert.equal(counts[1], counts[0], 'no tensor leaks per step');
  assert.ok(evaluatedWith.length === 4 && evaluatedWith.every((m) => m === average), 'evaluations run on the average when it is the final model');
  assert.deepEqual(weightsOf(model), weightsOf(average));
  assert.equal(trainer.averageModel, average);
  trainer.dispose();
  model.dispose();
  average.dispose();
});

test('groups, frozen variables and the weight average resume bit for bit in a new trainer and models', async () => {
  await initEngine();
  const steps = 14;
  const setup = (outDir: string, modelSeed: number, signal?: AbortSignal, onStep?: (r: { step: number }) => void, decay = 0.9) => {
    const model = tinyModel(modelSeed);
    const average = tinyModel(modelSeed + 1);
    const trainer = new Trainer({
      model,
      objective: crossEntropy(),
      data: new DataLoader(tinyDataset(60, 11), { batchSize: 8, seed: 12 }),
      optimizer: { type: 'adamw', lr: 0.02, weightDecay: 0.05 },
      schedule: { type: 'cosine', totalSteps: steps, warmupSteps: 3 },
      parameterGroups: [
        { name: 'head', select: (p) => p.rank === 2 && p.shape[1] === 3, lrMultiplier: 3 },
        { name: 'no-decay', select: isBiasOrNorm, weightDecay: 0 },
      ],
      freeze: { select: (p) => p.name.includes('batch_normalization') },
      ema: { model: average, decay, warmup: { power: 0.75 }, teacher: true },
      maxSteps: steps,
      seed: 13,
      outDir,
      checkpoint: { everySteps: 5 },
      signal,
      onStep,
    });
    return { model, average, trainer };
  };
  const whole = mkdtempSync(join(tmpdir(), 'wavecv-hooks-'));
  const split = mkdtempSync(join(tmpdir(), 'wavecv-hooks-'));
  try {
    const a = setup(whole, 21);
    await a.trainer.fit();
    const controller = new AbortController();
    const b = setup(split, 21, controller.signal, (r) => {
      if (r.step === 9) controller.abort();
    });
    assert.equal((await b.trainer.fit()).steps, 9);
    const c = setup(split, 99);
    assert.equal(await c.trainer.resume(), true);
    await c.trainer.fit();
    weightsOf(c.model).forEach((w, i) => assert.deepEqual(w, weightsOf(a.model)[i], `weight ${i}`));
    weightsOf(c.average).forEach((w, i) => assert.deepEqual(w, weightsOf(a.average)[i], `averaged weight ${i}`));
    const losses = (dir: string) =>
      readFileSync(join(dir, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === 'train')
        .map((r) => [r.step, r.loss, r.lr]);
    assert.deepEqual(losses(split), losses(whole));
    // Another grouping, or no average, is refused.
    const regrouped = new Trainer({ model: tinyModel(5), objective: crossEntropy(), data: new DataLoader(tinyDataset(60, 11), { batchSize: 8, seed: 12 }), optimizer: { type: 'adamw', lr: 0.02 }, maxSteps: steps, seed: 13, outDir: split });
    await assert.rejects(() => regrouped.resume(), /parameterGroups: got "\\"none\\"", expected the parameter groups and frozen variables of the checkpoint being resumed/);
    const fresh = mkdtempSync(join(tmpdir(), 'wavecv-hooks-'));
    const plain = new Trainer({ model: tinyModel(6), objective: crossEntropy(), data: new DataLoader(tinyDataset(16, 1), { batchSize: 8, seed: 12 }), optimizer: { type: 'sgd', lr: 0.1 }, maxSteps: 1, seed: 13, outDir: fresh });
    await plain.fit();
    const withAverage = new Trainer({ model: tinyModel(6), objective: crossEntropy(), data: new DataLoader(tinyDataset(16, 1), { batchSize: 8, seed: 12 }), optimizer: { type: 'sgd', lr: 0.1 }, ema: { model: tinyModel(7) }, maxSteps: 2, seed: 13, outDir: fresh });
    await assert.rejects(() => withAverage.resume(), /ema: got "a weight average", expected none, as in the checkpoint being resumed/);
    rmSync(fresh, { recursive: true, force: true });
    for (const t of [a, b, c]) {
      t.trainer.dispose();
      t.model.dispose();
      t.average.dispose();
    }
    for (const t of [regrouped, plain, withAverage]) t.dispose();
  } finally {
    rmSync(whole, { recursive: true, force: true });
    rmSync(split, { recursive: true, force: true });
  }
});
