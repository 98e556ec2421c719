import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArrayRecordDataset, DataLoader, hostTensor } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { addAuxiliaryLoss, collectAuxiliaryLosses, type AuxiliaryLossLayer } from '../../src/train/auxiliary-losses.js';
import { Trainer, type Objective } from '../../src/train/trainer.js';

/**
 * y = x ⊙ w (one weight per feature), adding λ·Σ w² as the auxiliary term
 * `name` when called in training mode: a weight regulariser with a gradient
 * we know in closed form (2λw).
 */
class PenalisedScale extends tf.layers.Layer implements AuxiliaryLossLayer {
  static className = 'PenalisedScaleTest';
  private kernel!: tf.LayerVariable;
  readonly auxiliaryLossNames: string[];

  constructor(
    private readonly lambda: number,
    private readonly term: string,
    private readonly initial: number[],
  ) {
    super({});
    this.auxiliaryLossNames = [term];
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const features = (inputShape as number[])[1];
    this.kernel = this.addWeight('kernel', [features], 'float32', tf.initializers.constant({ value: 0 }));
    this.kernel.write(tf.tensor1d(this.initial));
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const w = this.kernel.read();
    if (kwargs.training) addAuxiliaryLoss(this.term, tf.sum(tf.square(w)) as tf.Scalar, this.lambda);
    return tf.mul(x, w);
  }
}

const X = [0.5, -1, 2, 1.5, 0.25, -0.5, -2, 1, 0.75, 1, -1.5, 0.5];
const Y = [1, 0, -1, 2, 1, 0.5, -1, 0, 1, 0.5, 1, -2];
const W0 = [0.3, -0.7, 1.1];
const B = 4;
const D = 3;

/** Objective part in float64: mean((x w − y)²). */
function objectiveLoss(w: number[]): number {
  let sum = 0;
  for (let b = 0; b < B; b++) for (let j = 0; j < D; j++) sum += (X[b * D + j] * w[j] - Y[b * D + j]) ** 2;
  return sum / (B * D);
}

const mse: Objective = { compute: (outputs, batch) => ({ loss: tf.losses.meanSquaredError(batch.y, outputs as tf.Tensor) as tf.Scalar }) };

function setup(lambda: number, outDir?: string) {
  const input = tf.input({ shape: [D] });
  const layer = new PenalisedScale(lambda, 'l2', W0);
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  const data = new ArrayRecordDataset({ x: hostTensor('float32', [B, D], Float32Array.from(X)), y: hostTensor('float32', [B, D], Float32Array.from(Y)) });
  const trainer = new Trainer({ model, objective: mse, data: new DataLoader(data, { batchSize: B, seed: 1, shuffle: false }), optimizer: { type: 'sgd', lr: 0.1 }, inputKeys: 'x', maxSteps: 1, seed: 2, outDir });
  return { model, trainer };
}

test('a layer’s auxiliary term joins the loss: the update follows the gradient of objective + λ·Σw², checked by finite differences', async () => {
  await initEngine();
  const lambda = 0.25;
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-aux-'));
  try {
    const { model, trainer } = setup(lambda, dir);
    const total = (w: number[]) => objectiveLoss(w) + lambda * w.reduce((s, v) => s + v * v, 0);
    const eps = 1e-6;
    const gradient = W0.map((_, j) => {
      const up = W0.slice();
      const down = W0.slice();
      up[j] += eps;
      down[j] -= eps;
      return (total(up) - total(down)) / (2 * eps);
    });
    const before = tf.memory().numTensors;
    await trainer.fit();
    assert.equal(tf.memory().numTensors, before);
    const w1 = Array.from(model.weights[0].read().dataSync());
    w1.forEach((v, j) => assert.ok(Math.abs(v - (W0[j] - 0.1 * gradient[j])) < 1e-6, `w[${j}] = ${v}, expected ${W0[j] - 0.1 * gradient[j]}`));
    // Logged by name: the total, the objective's part and the term's value.
    const record = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.type === 'train');
    const l2 = W0.reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(record.metrics['aux/l2'] - l2) < 1e-6);
    assert.ok(Math.abs(record.metrics.objective - objectiveLoss(W0)) < 1e-6);
    assert.ok(Math.abs(record.loss - total(W0)) < 1e-5);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(config.trainer.auxiliaryLosses, [{ layer: model.layers[1].name, terms: ['l2'] }]);
    // Inference adds nothing and needs no collector.
    const out = model.predict(tf.ones([1, D])) as tf.Tensor;
    out.dispose();
    trainer.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a term the step is unchanged: λ = 0 gives the plain gradient step', async () => {
  await initEngine();
  const { model, trainer } = setup(0);
  await trainer.fit();
  const grad = W0.map((w, j) => {
    let s = 0;
    for (let b = 0; b < B; b++) s += 2 * (X[b * D + j] * w - Y[b * D + j]) * X[b * D + j];
    return s / (B * D);
  });
  Array.from(model.weights[0].read().dataSync()).forEach((v, j) => assert.ok(Math.abs(v - (W0[j] - 0.1 * grad[j])) < 1e-6));
  trainer.dispose();
  model.dispose();
});

test('terms of one name are summed; a different weight, a non-scalar or a nested collector is refused', () => {
  const { result, terms, kept } = collectAuxiliaryLosses(() => {
    addAuxiliaryLoss('balance', tf.scalar(2), 0.5);
    addAuxiliaryLoss('balance', tf.scalar(3), 0.5);
    addAuxiliaryLoss('sparsity', tf.scalar(1));
    assert.throws(() => addAuxiliaryLoss('balance', tf.scalar(1), 0.1), /auxiliary loss balance weight: got 0.1, expected the weight 0.5/);
    assert.throws(() => addAuxiliaryLoss('x', tf.ones([2]) as tf.Scalar), /auxiliary loss x: got tensor of shape \[2\], expected a scalar tensor/);
    assert.throws(() => collectAuxiliaryLosses(() => 0), /one collector at a time/);
    return 7;
  });
  assert.equal(result, 7);
  assert.deepEqual(terms.map((t) => [t.name, t.value.dataSync()[0], t.weight]), [['balance', 5, 0.5], ['sparsity', 1, 1]]);
  tf.dispose(kept);
  // Outside a collector nothing is recorded.
  addAuxiliaryLoss('ignored', tf.scalar(1));
  assert.deepEqual(collectAuxiliaryLosses(() => 0).terms, []);
});
