// The mixture of experts of src/nn/moe.ts (Switch routing over a feature
// map): output, router probabilities, top-k selection, load fractions and
// balancing loss against PyTorch (scripts/gen_dtn_fixtures.py), gradients
// of the task loss plus the balancing term against PyTorch's autograd and
// central finite differences, the term and the routing statistics reaching
// the trainer's loss and log, and the option errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArrayRecordDataset, DataLoader, hostTensor } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { MixtureOfExperts, MOE_BALANCE_TERM } from '../../src/nn/moe.js';
import { collectAuxiliaryLosses, withAuxiliaryLosses } from '../../src/train/auxiliary-losses.js';
import { Trainer } from '../../src/train/trainer.js';

interface MoeCase {
  shape: [number, number, number, number];
  numExperts: number;
  embedDim: number;
  topK: number;
  balanceWeight: number;
  input: number[];
  router: number[];
  kernel: number[];
  bias: number[];
  r: number[];
  probabilities: number[];
  selected: number[];
  output: number[];
  load: number[];
  balance: number;
  gradRouter: number[];
  gradKernel: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/dtn.json', import.meta.url), 'utf8')) as { moe: MoeCase[] };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function layerFor(c: MoeCase): { layer: MixtureOfExperts; x: tf.Tensor4D } {
  const [b, h, w, ch] = c.shape;
  const layer = new MixtureOfExperts({ numExperts: c.numExperts, topK: c.topK, embedDim: c.embedDim, balanceWeight: c.balanceWeight, name: 'moe' });
  const x = tf.tensor4d(c.input, [b, h, w, ch]);
  tf.dispose(layer.apply(x) as tf.Tensor);
  const n = c.numExperts * c.embedDim;
  layer.setWeights([tf.tensor2d(c.router, [ch, c.numExperts]), tf.tensor4d(c.kernel, [3, 3, ch, n]), tf.tensor1d(c.bias)]);
  return { layer, x };
}

test('MoE output, routing, load fractions and balancing loss equal PyTorch’s (top-1 and top-2)', async () => {
  await initEngine({ backend: 'wasm' });
  for (const c of fixture.moe) {
    const { layer, x } = layerFor(c);
    const before = tf.memory().numTensors;
    const y = layer.apply(x) as tf.Tensor;
    assert.ok(maxDiff(y.dataSync(), c.output) < 1e-4, `k=${c.topK}: output differs by ${maxDiff(y.dataSync(), c.output)}`);
    const { probabilities, selected } = layer.routing(x);
    assert.ok(maxDiff(probabilities.dataSync(), c.probabilities) < 1e-5);
    assert.deepEqual(Array.from(selected.dataSync()), c.selected);
    const { terms, kept, result } = collectAuxiliaryLosses(() => layer.apply(x, { training: true }) as tf.Tensor);
    const byName = new Map(terms.map((t) => [t.name, t]));
    assert.ok(Math.abs(byName.get(MOE_BALANCE_TERM)!.value.dataSync()[0] - c.balance) < 1e-5, 'balancing loss');
    assert.equal(byName.get(MOE_BALANCE_TERM)!.weight, c.balanceWeight);
    c.load.forEach((f, i) => {
      assert.ok(Math.abs(byName.get(`moe/load${i}`)!.value.dataSync()[0] - f) < 1e-6, `load ${i}`);
      assert.equal(byName.get(`moe/load${i}`)!.weight, 0, 'routing statistics are logged, not minimised');
    });
    assert.deepEqual(layer.auxiliaryLossNames, [MOE_BALANCE_TERM, ...c.load.map((_, i) => `moe/load${i}`)]);
    tf.dispose([y, probabilities, selected, result, ...kept]);
    assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
    tf.dispose(x);
    layer.dispose();
  }
});

test('gradients of Σ y·r + α·L_bal with respect to the router and expert kernels equal PyTorch’s autograd and finite differences', async () => {
  await initEngine({ backend: 'cpu' });
  for (const c of fixture.moe) {
    const { layer, x } = layerFor(c);
    const [b, h, w] = c.shape;
    const r = tf.tensor4d(c.r, [b, h, w, c.embedDim]);
    const loss = () => {
      const { result, terms } = collectAuxiliaryLosses(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar);
      return withAuxiliaryLosses(result, terms);
    };
    const [router, kernel] = layer.trainableWeights;
    const { value, grads } = tf.variableGrads(loss, [router.read() as tf.Variable, kernel.read() as tf.Variable]);
    const gRouter = grads[router.read().name].dataSync();
    const gKernel = grads[kernel.read().name].dataSync();
    assert.ok(maxDiff(gRouter, c.gradRouter) < 1e-3, `router gradient differs by ${maxDiff(gRouter, c.gradRouter)}`);
    assert.ok(maxDiff(gKernel, c.gradKernel) < 1e-3, `kernel gradient differs by ${maxDiff(gKernel, c.gradKernel)}`);
    // Central differences on the router (where the top-k selection does not change within ±ε).
    const eps = 1e-3;
    const w0 = router.read().clone();
    const selection = () => tf.tidy(() => Array.from(layer.routing(x).selected.dataSync()).join());
    const base = selection();
    let compared = 0;
    for (let i = 0; i < w0.size; i++) {
      const at = (d: number) => {
        const values = w0.dataSync().slice();
        values[i] += d;
        router.write(tf.tensor(values, w0.shape));
        return { value: tf.tidy(() => loss().dataSync()[0]), same: selection() === base };
      };
      const up = at(eps);
      const down = at(-eps);
      if (!up.same || !down.same) continue;
      const fd = (up.value - down.value) / (2 * eps);
      assert.ok(Math.abs(fd - gRouter[i]) < 2e-2 * Math.max(1, Math.abs(fd)), `router[${i}]: ${gRouter[i]} vs ${fd}`);
      compared++;
    }
    assert.ok(compared >= w0.size / 2, `${compared} of ${w0.size} router entries compared`);
    router.write(w0);
    tf.dispose([value, x, r, ...Object.values(grads)]);
    layer.dispose();
  }
});

test('in training the balancing term joins the loss and the expert loads are logged every step; inference adds nothing', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-moe-'));
  try {
    const input = tf.input({ shape: [4, 4, 3] });
    const moe = new MixtureOfExperts({ numExperts: 4, topK: 2, embedDim: 5, seed: 3, name: 'experts' });
    const pooled = tf.layers.globalAveragePooling2d({}).apply(moe.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor });
    const n = 16;
    const images = Float32Array.from({ length: n * 48 }, (_, i) => Math.sin(0.7 * i) + 0.1 * (i % 5));
    const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
    const data = new ArrayRecordDataset({ image: hostTensor('float32', [n, 4, 4, 3], images), label: hostTensor('int32', [n], labels) });
    const objective = {
      compute: (outputs: tf.Tensor | tf.Tensor[], batch: Record<string, tf.Tensor>) => ({
        loss: tf.losses.softmaxCrossEntropy(tf.oneHot(batch.label as tf.Tensor1D, 2), outputs as tf.Tensor) as tf.Scalar,
      }),
    };
    const trainer = new Trainer({ model, objective, data: new DataLoader(data, { batchSize: 8, seed: 1 }), optimizer: { type: 'adam', lr: 0.01 }, maxSteps: 4, seed: 2, outDir: dir });
    await trainer.fit();
    const records = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'train');
    assert.equal(records.length, 4);
    for (const record of records) {
      const loads = [0, 1, 2, 3].map((i) => record.metrics[`aux/experts/load${i}`]);
      assert.ok(loads.every((f) => f >= 0 && f <= 1) && Math.abs(loads.reduce((a, b) => a + b, 0) - 1) < 1e-6, `loads ${loads}`);
      const balance = record.metrics[`aux/${MOE_BALANCE_TERM}`];
      assert.ok(balance >= 1 - 1e-6 && balance <= 4, `balance ${balance} in [1, N]`);
      assert.ok(Math.abs(record.loss - (record.metrics.objective + 0.01 * balance)) < 1e-5, 'loss = objective + α·L_bal');
    }
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(config.trainer.auxiliaryLosses, [{ layer: 'experts', terms: [MOE_BALANCE_TERM, 'experts/load0', 'experts/load1', 'experts/load2', 'experts/load3'] }]);
    const probe = tf.zeros([1, 4, 4, 3]);
    const before = tf.memory().numTensors;
    tf.dispose(model.predict(probe) as tf.Tensor);
    assert.equal(tf.memory().numTensors, before, 'inference keeps nothing (no collector open)');
    probe.dispose();
    trainer.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MoE options are checked: k in [1, N], an odd kernel, α ≥ 0', () => {
  const refused = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof WavecvError && pattern.test(e.message));
  refused(() => new MixtureOfExperts({ numExperts: 2, topK: 3, embedDim: 4 }), /^topK: got 3, expected an integer in \[1, 2\]/);
  refused(() => new MixtureOfExperts({ numExperts: 0, embedDim: 4 }), /^experts: got 0/);
  refused(() => new MixtureOfExperts({ numExperts: 2, embedDim: 4, kernelSize: 2 }), /^kernelSize: got 2, expected an odd positive integer/);
  refused(() => new MixtureOfExperts({ numExperts: 2, embedDim: 4, balanceWeight: -1 }), /^balanceWeight: got -1/);
});
