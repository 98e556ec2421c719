// The LEVT block (locally-enhanced feed-forward, src/nn/leff.ts) and MAS
// (multi-attention scaling of src/nn/attention.ts): one LEVT block with MAS
// against a PyTorch rendering (scripts/gen_vit_fixtures.py), MAS is the
// identity at initialisation, their parameter cost, gradients of the head
// mixing and of the depthwise kernel by finite differences, save/reload,
// errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { MultiHeadSelfAttention } from '../../src/nn/attention.js';
import { LocallyEnhancedFeedForward } from '../../src/nn/leff.js';
import { buildVit, transformerBlock, vitAttentionMaps } from '../../src/nn/vit.js';
import { WavecvError } from '../../src/errors.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/vit.json', import.meta.url), 'utf8')) as {
  levt: { numHeads: number; weights: Record<string, number[][]>; input: number[]; output: number[]; attention: number[] };
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('an LEVT block with MAS equals its PyTorch rendering (output and re-weighted maps, 1e-4) and survives save/reload', async () => {
  await initEngine({ backend: 'wasm' });
  const { levt } = fixture;
  const input = tf.input({ shape: [17, 12] });
  const model = tf.model({ inputs: input, outputs: transformerBlock(input, 'levt', { numHeads: levt.numHeads, mas: true, localEnhancement: true }) });
  for (const [name, arrays] of Object.entries(levt.weights)) {
    const layer = model.getLayer(name);
    const shapes = layer.getWeights().map((w) => w.shape);
    assert.equal(shapes.length, arrays.length, name);
    layer.setWeights(arrays.map((a, i) => tf.tensor(a, shapes[i])));
  }
  const x = tf.tensor3d(levt.input, [2, 17, 12]);
  const before = tf.memory().numTensors;
  const y = model.predict(x) as tf.Tensor;
  assert.ok(maxDiff(y.dataSync(), levt.output) < 1e-4, `output differs by ${maxDiff(y.dataSync(), levt.output)}`);
  const [maps] = vitAttentionMaps(model, x);
  assert.ok(maxDiff(maps.maps.dataSync(), levt.attention) < 1e-4, 'MAS maps');
  tf.dispose([y, maps.maps]);
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  const y2 = reloaded.predict(x) as tf.Tensor;
  assert.ok(maxDiff(y2.dataSync(), levt.output) < 1e-4, 'reloaded output');
  tf.dispose([x, y2]);
  model.dispose();
  reloaded.dispose();
});

test('MAS starts as the identity; its cost is H² parameters per block, LEVT adds the depthwise 3×3 kernel and bias', async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1) as tf.Tensor3D;
  const plain = new MultiHeadSelfAttention({ numHeads: 4, seed: 2 });
  const mas = new MultiHeadSelfAttention({ numHeads: 4, seed: 2, mas: true });
  const yPlain = plain.apply(x) as tf.Tensor;
  const yMas = mas.apply(x) as tf.Tensor;
  assert.equal(maxDiff(yPlain.dataSync(), yMas.dataSync()), 0, 'same seed, identity mixing: same output');
  assert.deepEqual(mas.getWeights()[4].arraySync(), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  tf.dispose([x, yPlain, yMas]);
  const config = { inputSize: 16, patchSize: 4, inChannels: 3, numClasses: 2, embedDim: 12, depth: 3, numHeads: 3, seed: 1 };
  const base = buildVit(config).countParams();
  assert.equal(buildVit({ ...config, mas: true }).countParams() - base, 3 * 3 * 3);
  assert.equal(buildVit({ ...config, localEnhancement: true }).countParams() - base, 3 * (9 * 48 + 48));
});

test('gradients of the MAS head mixing and of the LEVT depthwise kernel equal central finite differences', async () => {
  await initEngine({ backend: 'cpu' });
  const input = tf.input({ shape: [10, 6] });
  const model = tf.model({ inputs: input, outputs: transformerBlock(input, 'g', { numHeads: 2, mas: true, localEnhancement: true, mlpRatio: 2 }) });
  model.setWeights(model.getWeights().map((w, i) => tf.add(tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i), w.rank === 2 && w.shape[0] === w.shape[1] && w.shape[0] === 2 ? tf.eye(2) : 0)));
  const x = tf.randomNormal([2, 10, 6], 0, 1, 'float32', 7);
  const r = tf.randomNormal([2, 10, 6], 0, 1, 'float32', 8);
  const loss = () => tf.sum(tf.mul(model.apply(x) as tf.Tensor, r)) as tf.Scalar;
  const { grads } = tf.variableGrads(loss);
  const theta = model.getLayer('g_attn').trainableWeights.find((w) => w.name.includes('mas_head_mixing'))!;
  const depthwise = model.getLayer('g_leff').trainableWeights.find((w) => w.name.includes('depthwise_kernel'))!;
  const eps = 1e-2;
  for (const v of [theta, depthwise]) {
    const g = grads[v.originalName].dataSync();
    const w0 = v.read().clone();
    for (let i = 0; i < w0.size; i += v === theta ? 1 : 7) {
      const at = (d: number) => {
        const values = w0.dataSync().slice();
        values[i] += d;
        v.write(tf.tensor(values, w0.shape));
        return tf.tidy(() => loss().dataSync()[0]);
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      assert.ok(Math.abs(fd - g[i]) < 2e-3 * Math.max(1, Math.abs(fd)), `${v.name}[${i}]: ${g[i]} vs ${fd}`);
    }
    v.write(w0);
  }
  tf.dispose([x, r, ...Object.values(grads)]);
  model.dispose();
});

test('LEVT needs a class token and a square patch grid; mas must be a boolean', () => {
  assert.throws(() => new LocallyEnhancedFeedForward({ hiddenDim: 8 }).apply(tf.input({ shape: [16, 4] })), (e: unknown) => e instanceof WavecvError && /square patch grid/.test(e.message));
  assert.throws(() => new MultiHeadSelfAttention({ numHeads: 2, mas: 'yes' as unknown as boolean }), (e: unknown) => e instanceof WavecvError && /^mas: /.test(e.message));
});
