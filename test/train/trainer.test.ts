import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { Trainer, TrainingDivergedError, type Objective } from '../../src/train/trainer.js';
import { crossEntropy, tinyDataset, tinyModel, weightsOf } from './helpers.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wavecv-trainer-'));
}

test('training with training=true updates BatchNorm moving statistics and lowers the loss', async () => {
  await initEngine();
  const model = tinyModel(1, 0);
  const loader = new DataLoader(tinyDataset(96, 2), { batchSize: 16, seed: 3 });
  const losses: number[] = [];
  const trainer = new Trainer({ model, objective: crossEntropy(), data: loader, optimizer: { type: 'adam', lr: 0.05 }, epochs: 5, seed: 4, onStep: (r) => losses.push(r.loss) });
  const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  const movingMean = () => Array.from(bn.getWeights()[2].dataSync());
  assert.ok(movingMean().every((v) => v === 0));
  const result = await trainer.fit();
  assert.equal(result.steps, 30);
  assert.equal(result.history.length, 5);
  assert.ok(movingMean().some((v) => Math.abs(v) > 1e-3), 'moving mean moved');
  const early = losses.slice(0, 6).reduce((a, b) => a + b) / 6;
  const late = losses.slice(-6).reduce((a, b) => a + b) / 6;
  assert.ok(late < early * 0.5, `loss fell from ${early} to ${late}`);
  assert.ok(result.history[4].train.accuracy > 0.9, `final train accuracy ${result.history[4].train.accuracy}`);
  trainer.dispose();
  model.dispose();
});

/**
 * An objective with a trainable variable (a temperature) and state (a
 * running mean of the logits, updated after each step), standing in for
 * margin losses with class centres and memory banks.
 */
function objectiveWithState(): Objective & { bank: tf.Variable } {
  const temperature = tf.tidy(() => tf.variable(tf.scalar(1), true));
  const bank = tf.tidy(() => tf.variable(tf.zeros([3]), false));
  let updates = 0;
  const ce = crossEntropy();
  return {
    bank,
    variables: [temperature],
    compute(outputs, batch, context) {
      const scaled = tf.mul(outputs as tf.Tensor, temperature);
      const base = ce.compute(scaled, batch, context);
      const pull = tf.mul(tf.sum(tf.square(tf.sub(tf.mean(outputs as tf.Tensor, 0), bank))), 0.01);
      return { loss: tf.add(base.loss, pull) as tf.Scalar, metrics: { ...base.metrics, pull: pull as tf.Scalar } };
    },
    onStepEnd(outputs) {
      updates += 1;
      tf.tidy(() => bank.assign(tf.add(tf.mul(bank, 0.9), tf.mul(tf.mean(outputs as tf.Tensor, 0), 0.1))));
    },
    getState: () => ({ tensors: { bank }, json: { updates } }),
    setState(state) {
      bank.assign(state.tensors!.bank);
      updates = (state.json as { updates: number }).updates;
    },
  };
}

function flipTransform(batch: Parameters<NonNullable<ConstructorParameters<typeof DataLoader>[1]['transform']>>[0], rng: { next(): number }) {
  const image = batch.image.data as Float32Array;
  for (let i = 0; i < batch.image.shape[0]; i++) {
    if (rng.next() < 0.5) continue;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 2; c++) {
      const a = i * 16 + r * 4 + c;
      const b = i * 16 + r * 4 + 3 - c;
      [image[a], image[b]] = [image[b], image[a]];
    }
  }
  return batch;
}

test('a run stopped half-way and resumed in a new trainer and model ends with the same weights, bit for bit', async () => {
  await initEngine();
  const steps = 14; // 7 steps per epoch: the stop falls mid-epoch
  const setup = (outDir: string, modelSeed: number, signal?: AbortSignal, onStep?: (r: { step: number }) => void) => {
    const model = tinyModel(modelSeed);
    const objective = objectiveWithState();
    const loader = new DataLoader(tinyDataset(60, 11), { batchSize: 8, seed: 12, transform: flipTransform });
    const trainer = new Trainer({
      model,
      objective,
      data: loader,
      optimizer: { type: 'adamw', lr: 0.02, weightDecay: 0.05 },
      schedule: { type: 'cosine', totalSteps: steps, warmupSteps: 3 },
      clip: { globalNorm: 1 },
      maxSteps: steps,
      seed: 13,
      outDir,
      checkpoint: { everySteps: 5 },
      signal,
      onStep,
    });
    return { model, objective, trainer };
  };
  const whole = tempDir();
  const split = tempDir();
  try {
    const a = setup(whole, 21);
    await a.trainer.fit();
    const expected = weightsOf(a.model);
    const expectedBank = a.objective.bank.dataSync();
    const expectedTemperature = a.objective.variables![0].dataSync();

    const controller = new AbortController();
    const b = setup(split, 21, controller.signal, (r) => {
      if (r.step === 9) controller.abort();
    });
    const stopped = await b.trainer.fit();
    assert.equal(stopped.stopped, 'aborted');
    assert.equal(stopped.steps, 9);
    assert.notDeepEqual(weightsOf(b.model), expected);

    // A fresh model with other initial weights, a fresh objective and loader.
    const c = setup(split, 99);
    assert.equal(await c.trainer.resume(), true);
    assert.equal(c.trainer.step, 9);
    const resumed = await c.trainer.fit();
    assert.equal(resumed.stopped, 'completed');
    assert.equal(resumed.steps, steps);
    const actual = weightsOf(c.model);
    actual.forEach((w, i) => assert.deepEqual(w, expected[i], `weight ${i} (${c.model.weights[i].name})`));
    assert.deepEqual(c.objective.bank.dataSync(), expectedBank);
    assert.deepEqual(c.objective.variables![0].dataSync(), expectedTemperature);
    // Logs agree step for step, and the resumed log has no duplicate steps.
    const trainLines = (dir: string) =>
      readFileSync(join(dir, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === 'train')
        .map((r) => [r.step, r.loss, r.lr, r.metrics.accuracy]);
    assert.deepEqual(trainLines(split), trainLines(whole));
    assert.deepEqual(resumed.history.map((h) => h.train), (await readHistory(whole)).map((h) => h.train));
    for (const s of [a, b, c]) {
      s.trainer.dispose();
      s.model.dispose();
    }
  } finally {
    rmSync(whole, { recursive: true, force: true });
    rmSync(split, { recursive: true, force: true });
  }
});

async function readHistory(dir: string): Promise<Array<{ train: Record<string, number> }>> {
  return readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'epoch');
}

test('200 training steps leave tf.memory().numTensors where it started', async () => {
  await initEngine();
  const model = tinyModel(5);
  const objective = objectiveWithState();
  const loader = new DataLoader(tinyDataset(40, 6), { batchSize: 4, seed: 7 });
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  const trainer = new Trainer({
    model,
    objective,
    data: loader,
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
    clip: { globalNorm: 5, value: 1 },
    maxSteps: 200,
    seed: 8,
    evaluate: { everySteps: 50, run: () => ({ dummy: 1 }) },
    onStep: (r) => {
      if (r.step === 1 || r.step === 200) counts.push(tf.memory().numTensors);
    },
  });
  const result = await trainer.fit();
  assert.equal(result.steps, 200);
  assert.equal(counts[1], counts[0], `tensors after step 1: ${counts[0]}, after step 200: ${counts[1]}`);
  trainer.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
  objective.bank.dispose();
  objective.variables![0].dispose();
});

test('a NaN loss stops the run naming the step and the last good checkpoint', async () => {
  await initEngine();
  const dir = tempDir();
  try {
    const model = tinyModel(1, 0);
    const ce = crossEntropy();
    const objective: Objective = {
      compute(outputs, batch, context) {
        const r = ce.compute(outputs, batch, context);
        return context.step === 6 ? { loss: tf.div(r.loss, 0).mul(0) as tf.Scalar } : r;
      },
    };
    const before = tf.memory().numTensors;
    const trainer = new Trainer({ model, objective, data: new DataLoader(tinyDataset(32, 2), { batchSize: 8, seed: 1 }), optimizer: { type: 'sgd', lr: 0.1 }, epochs: 3, seed: 1, outDir: dir });
    const good = weightsOf(model);
    await assert.rejects(
      () => trainer.fit(),
      (e: unknown) => e instanceof TrainingDivergedError && e.step === 7 && /loss became NaN at step 7/.test(e.message) && e.message.includes(join(dir, 'checkpoints', 'step-00000004')),
    );
    assert.notDeepEqual(weightsOf(model), good);
    trainer.dispose();
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('outputs: config.json, one JSONL record per step with lr and metrics, evaluation every N steps', async () => {
  await initEngine();
  const dir = tempDir();
  try {
    const model = tinyModel(1, 0);
    const evaluations: number[] = [];
    const trainer = new Trainer({
      model,
      objective: crossEntropy(),
      data: new DataLoader(tinyDataset(40, 2), { batchSize: 8, seed: 1 }),
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
      schedule: { type: 'step', stepSize: 4, gamma: 0.5 },
      epochs: 2,
      seed: 1,
      outDir: dir,
      config: { task: 'test' },
      evaluate: {
        everySteps: 3,
        run: (_m, ctx) => {
          evaluations.push(ctx.step);
          return { score: ctx.step };
        },
      },
    });
    await trainer.fit();
    assert.deepEqual(evaluations, [3, 6, 9, 10]);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.task, 'test');
    assert.equal(config.trainer.totalSteps, 10);
    assert.equal(config.trainer.optimizer.momentum, 0.9);
    assert.equal(config.engine.backend, 'wasm');
    const records = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const train = records.filter((r) => r.type === 'train');
    assert.deepEqual(train.map((r) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(train.map((r) => r.lr), [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025]);
    assert.ok(train.every((r) => Number.isFinite(r.loss) && r.metrics.accuracy >= 0));
    assert.equal(records.filter((r) => r.type === 'eval').length, 4);
    assert.ok(existsSync(join(dir, 'checkpoints', 'latest.json')));
    trainer.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume refuses a checkpoint of another model or another seed, and detects corruption', async () => {
  await initEngine();
  const dir = tempDir();
  try {
    const make = (model: tf.LayersModel, seed = 1) =>
      new Trainer({ model, objective: crossEntropy(), data: new DataLoader(tinyDataset(16, 2), { batchSize: 8, seed: 1 }), optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1, seed, outDir: dir });
    const first = make(tinyModel(1, 0));
    await first.fit();
    const other = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 3 })] });
    await assert.rejects(() => make(other).resume(), /checkpoint of another model/);
    await assert.rejects(() => make(tinyModel(1, 0), 2).resume(), /seed: got 2/);
    const bin = join(dir, 'checkpoints', 'step-00000002', 'tensors.bin');
    const bytes = readFileSync(bin);
    bytes[10] ^= 0xff;
    writeFileSync(bin, bytes);
    await assert.rejects(() => make(tinyModel(1, 0)).resume(), /corrupt/);
    first.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
