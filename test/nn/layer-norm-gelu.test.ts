// wavecv's layer norm and GELU ops (src/nn/layer-norm.ts, src/nn/gelu.ts):
// values and gradients equal tfjs-layers' LayerNormalization and the erf
// composition of GELU differentiated by tfjs autograd on the cpu backend,
// on wasm (through the native oneDNN kernels when the addon is built, and
// without them) and on cpu (the op compositions); no tensors left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { hasNativeGelu } from '../../src/engine/kernels/native-gelu.js';
import { hasNativeLayerNorm } from '../../src/engine/kernels/native-layernorm.js';
import { nativeAddon } from '../../src/engine/native.js';
import { Rng } from '../../src/engine/random.js';
import { WavecvError } from '../../src/errors.js';
import { gelu, Gelu } from '../../src/nn/gelu.js';
import { LayerNorm, layerNorm } from '../../src/nn/layer-norm.js';
import { uniform } from '../engine/helpers.js';

type Values = Array<{ values: Float32Array; shape: number[] }>;

async function on(backend: 'wasm' | 'cpu', inputs: Values, fn: (...ts: tf.Tensor[]) => tf.Tensor[]): Promise<Float32Array[]> {
  await initEngine({ backend });
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => fn(...inputs.map((i) => tf.tensor(i.values, i.shape)))).map((t) => {
    const v = Float32Array.from(t.dataSync());
    t.dispose();
    return v;
  });
  assert.equal(tf.memory().numTensors, before, `${backend}: leaked tensors`);
  return out;
}

function worstRelative(got: Float32Array[], want: Float32Array[]): number {
  let worst = 0;
  want.forEach((w, k) => {
    const scale = Math.max(1, ...w.map(Math.abs));
    w.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[k][i] - v) / scale)));
  });
  return worst;
}

function sample(rng: Rng, shapes: number[][]): Values {
  const ts = shapes.map((s) => uniform(rng, s, -2, 2));
  const v = ts.map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
  tf.dispose(ts);
  return v;
}

test('layerNorm equals tfjs-layers LayerNormalization (values and gradients wrt x, γ, β) on wasm and cpu', async () => {
  await initEngine({ backend: 'wasm' });
  if (nativeAddon()?.layerNorm) assert.ok(hasNativeLayerNorm(), 'native layer norm registered on wasm');
  const rng = new Rng(4);
  for (const [shape, epsilon] of [[[3, 5, 16], 1e-6], [[7, 6], 1e-3], [[2, 197, 24], 1e-5]] as const) {
    const c = shape[shape.length - 1];
    const inputs = sample(rng, [[...shape], [c], [c], [...shape]]);
    const reference = await on('cpu', inputs, (x, g, b, w) => {
      const norm = tf.layers.layerNormalization({ epsilon, gammaInitializer: 'ones' });
      norm.build(x.shape);
      norm.setWeights([g, b]);
      const [gamma, beta] = norm.trainableWeights.map((v) => v.read());
      const f = (a: tf.Tensor): tf.Tensor => norm.apply(a) as tf.Tensor;
      const y = f(x);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), w)) as tf.Scalar, norm.trainableWeights.map((v) => v.read() as tf.Variable));
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), w)))(x);
      const out = [y, dx, grads[gamma.name], grads[beta.name]].map((t) => tf.clone(t));
      for (const v of norm.weights) v.dispose();
      return out;
    });
    for (const backend of ['wasm', 'cpu'] as const) {
      const got = await on(backend, inputs, (x, g, b, w) => {
        const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor): tf.Tensor => layerNorm(a, gg as tf.Tensor1D, bb as tf.Tensor1D, epsilon);
        return [f(x, g, b), ...tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(a, gg, bb), w)))([x, g, b])];
      });
      const err = worstRelative(got, reference);
      assert.ok(err < 5e-5, `${backend} [${shape}] ε ${epsilon}: relative error ${err}`);
    }
  }
});

test('gelu and its gradient equal x·Φ(x) (erf) differentiated by tfjs autograd, on wasm and cpu', async () => {
  await initEngine({ backend: 'wasm' });
  if (nativeAddon()?.gelu) assert.ok(hasNativeGelu(), 'native GELU registered on wasm');
  const rng = new Rng(9);
  const inputs = sample(rng, [[4, 33, 17], [4, 33, 17]]);
  inputs[0].values.set([0, -6, 6, 1e-4, -1e-4, 3.5], 0);
  const composition = (x: tf.Tensor): tf.Tensor => tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
  const reference = await on('cpu', inputs, (x, w) => [composition(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(composition(a), w)))(x)]);
  for (const backend of ['wasm', 'cpu'] as const) {
    const got = await on(backend, inputs, (x, w) => [gelu(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gelu(a), w)))(x)]);
    const err = worstRelative(got, reference);
    assert.ok(err < 1e-5, `${backend}: relative error ${err}`);
  }
});

test('LayerNorm and Gelu layers: weights gamma/beta, config round trip, leak-free training step, bad γ refused', async () => {
  await initEngine({ backend: 'wasm' });
  const rng = new Rng(2);
  const input = tf.input({ shape: [5, 12] });
  const out = new Gelu({ name: 'act' }).apply(new LayerNorm({ epsilon: 1e-6, name: 'ln' }).apply(input) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  assert.deepEqual(model.getLayer('ln').weights.map((w) => w.originalName), ['ln/gamma', 'ln/beta']);
  const copy = tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as unknown as tf.io.ModelJSON);
  const restored = await copy;
  assert.equal((restored.getLayer('ln') as LayerNorm).epsilon, 1e-6);
  const x = uniform(rng, [3, 5, 12]);
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => tf.tidy(() => tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar, params));
  tf.dispose(Object.values(step().grads));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const { value, grads } = step();
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  assert.throws(() => layerNorm(x, tf.ones([5]) as tf.Tensor1D, tf.zeros([12]) as tf.Tensor1D, 1e-6), (e: unknown) => e instanceof WavecvError && /gamma/.test((e as Error).message));
  tf.dispose([x]);
  model.dispose();
  restored.dispose();
});
