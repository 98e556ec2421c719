// Transformer building blocks (src/nn/attention.ts, src/nn/vit.ts) and the
// registry's vit-tiny / vit-small: parameter counts and a tiny ViT's logits
// and attention maps against a PyTorch rendering of timm's VisionTransformer
// (scripts/gen_vit_fixtures.py), save/reload, attention gradients by finite
// differences, seeded drop-path, option errors, no leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { createModel } from '../../src/models/index.js';
import { MultiHeadSelfAttention } from '../../src/nn/attention.js';
import { buildVit, DropPath, vitAttentionMaps, type VitConfig } from '../../src/nn/vit.js';
import { WavecvError } from '../../src/errors.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/vit.json', import.meta.url), 'utf8')) as {
  paramCounts: Record<string, number>;
  tiny: { config: VitConfig; weights: Record<string, number[][]>; input: number[]; logits: number[]; attention0: number[] };
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function tinyVit(): tf.LayersModel {
  const model = buildVit(fixture.tiny.config);
  for (const [name, arrays] of Object.entries(fixture.tiny.weights)) {
    const layer = model.getLayer(name);
    const shapes = layer.getWeights().map((w) => w.shape);
    assert.equal(shapes.length, arrays.length, name);
    layer.setWeights(arrays.map((a, i) => tf.tensor(a, shapes[i])));
  }
  return model;
}

test('vit-tiny and vit-small have the parameter counts of timm vit_tiny/small_patch16_224 (1000 classes)', async () => {
  await initEngine({ backend: 'wasm' });
  assert.deepEqual(fixture.paramCounts, { 'vit-tiny': 5717416, 'vit-small': 22050664 });
  for (const name of ['vit-tiny', 'vit-small']) {
    const model = createModel(name, { seed: 1 });
    assert.equal(model.countParams(), fixture.paramCounts[name], name);
    model.dispose();
  }
});

test('a tiny ViT with PyTorch weights gives its logits and attention maps (1e-4), and survives save/reload', async () => {
  await initEngine({ backend: 'wasm' });
  const { config, input, logits, attention0 } = fixture.tiny;
  const model = tinyVit();
  const x = tf.tensor4d(input, [2, config.inputSize, config.inputSize, config.inChannels]);
  const before = tf.memory().numTensors;
  const y = model.predict(x) as tf.Tensor;
  assert.ok(maxDiff(y.dataSync(), logits) < 1e-4, `logits differ by ${maxDiff(y.dataSync(), logits)}`);
  const maps = vitAttentionMaps(model, x);
  assert.deepEqual(maps.map((m) => m.layer), ['block0_attn', 'block1_attn']);
  assert.deepEqual(maps[0].maps.shape, [2, 3, 17, 17]);
  assert.ok(maxDiff(maps[0].maps.dataSync(), attention0) < 1e-4, 'attention maps of block 0');
  tf.dispose([y, ...maps.map((m) => m.maps)]);
  assert.equal(tf.memory().numTensors, before, 'forward pass and attention maps leak no tensors');

  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  const y2 = reloaded.predict(x) as tf.Tensor;
  assert.ok(maxDiff(y2.dataSync(), logits) < 1e-4, 'reloaded logits');
  tf.dispose([x, y2]);
  model.dispose();
  reloaded.dispose();
});

test('multi-head self-attention: input and qkv-kernel gradients equal central finite differences', async () => {
  await initEngine({ backend: 'cpu' });
  const layer = new MultiHeadSelfAttention({ numHeads: 2, seed: 3, name: 'fd_attn' });
  const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 5) as tf.Tensor3D;
  const r = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 6);
  layer.apply(x);
  // larger weights than the 0.02 initialisation, so softmax is far from uniform
  layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.7, 'float32', 10 + i)));
  const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, r)) as tf.Scalar;
  const dx = tf.grad(loss)(x);
  const { grads } = tf.variableGrads(() => loss(x));
  const kernel = layer.trainableWeights[0];
  const dk = grads[kernel.originalName];
  const eps = 1e-2;
  const xv = x.arraySync();
  const gx = dx.dataSync();
  for (let i = 0; i < 24; i++) {
    const at = (d: number) => {
      const copy = xv.map((a) => a.map((b) => b.slice()));
      copy[Math.floor(i / 12)][Math.floor(i / 4) % 3][i % 4] += d;
      return tf.tidy(() => loss(tf.tensor3d(copy)).dataSync()[0]);
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    assert.ok(Math.abs(fd - gx[i]) < 2e-3 * Math.max(1, Math.abs(fd)), `dx[${i}]: ${gx[i]} vs ${fd}`);
  }
  const k0 = kernel.read().clone();
  const gk = dk.dataSync();
  for (let i = 0; i < k0.size; i += 5) {
    const at = (d: number) => {
      const v = k0.dataSync().slice();
      v[i] += d;
      kernel.write(tf.tensor(v, k0.shape));
      return tf.tidy(() => loss(x).dataSync()[0]);
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    assert.ok(Math.abs(fd - gk[i]) < 2e-3 * Math.max(1, Math.abs(fd)), `dW_qkv[${i}]: ${gk[i]} vs ${fd}`);
  }
  tf.dispose([x, r, dx, k0, ...Object.values(grads)]);
});

test('drop-path: identity at inference; in training whole samples dropped or scaled by 1/(1−p), seeded', async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.ones([64, 3, 2]);
  const a = new DropPath({ rate: 0.25, seed: 9 });
  const b = new DropPath({ rate: 0.25, seed: 9 });
  const inference = a.apply(x) as tf.Tensor;
  assert.equal(maxDiff(inference.dataSync(), x.dataSync()), 0);
  const ya = a.apply(x, { training: true }) as tf.Tensor;
  const yb = b.apply(x, { training: true }) as tf.Tensor;
  assert.deepEqual(Array.from(ya.dataSync()), Array.from(yb.dataSync()), 'same seed, same masks');
  const rows = ya.reshape([64, 6]).arraySync() as number[][];
  const kept = rows.filter((row) => row.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).length;
  const dropped = rows.filter((row) => row.every((v) => v === 0)).length;
  assert.equal(kept + dropped, 64, 'each sample is kept whole or dropped whole');
  assert.ok(dropped > 4 && dropped < 32, `${dropped} of 64 dropped at p = 0.25`);
  const again = a.apply(x, { training: true }) as tf.Tensor;
  assert.notDeepEqual(Array.from(again.dataSync()), Array.from(ya.dataSync()), 'the next call draws a new mask');
  tf.dispose([x, inference, ya, yb, again]);
});

test('vit options are checked by name', () => {
  assert.throws(() => createModel('vit-tiny', { wavelet: 'haar' }), (e: unknown) => e instanceof WavecvError && /vit-tiny option/.test(e.message));
  assert.throws(() => createModel('vit-small', { inputSize: 100 }), (e: unknown) => e instanceof WavecvError && /multiple of patchSize 16/.test(e.message));
  assert.throws(() => createModel('vit-tiny', { dropPath: 1 }), (e: unknown) => e instanceof WavecvError && /dropPath/.test(e.message));
  assert.throws(() => new MultiHeadSelfAttention({ numHeads: 5 }).apply(tf.input({ shape: [4, 12] })), (e: unknown) => e instanceof WavecvError && /numHeads/.test(e.message));
});
