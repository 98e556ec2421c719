// wavecv's native oneDNN convolutions and batch norm (native/wavecv_native.cc,
// src/engine/kernels/native-conv.ts, native-batchnorm.ts): loaded whenever
// built, equal to the cpu backend (FusedConv2D's bias and activations
// included; batch norm against its op composition), falling back where oneDNN does not apply, leaving no
// backend data behind, and refusing bad calls with a clear message. The wasm
// kernel tests (kernels.test.ts) run with the addon when it is built; here
// they run once more without it, so the wasm-only fallbacks stay tested too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { nativeAddon } from '../../src/engine/native.js';
import { hasNativeBatchNorm } from '../../src/engine/kernels/native-batchnorm.js';
import { batchNormTraining } from '../../src/nn/norm.js';
import { Rng } from '../../src/engine/random.js';
import { uniform } from './helpers.js';
import { NATIVE, requireSystem } from '../helpers/requirements.js';
import { assertPassesWithoutNative } from '../helpers/without-native.js';

const skip = requireSystem('native', NATIVE);

/** `fn` on wasm and on cpu from the same inputs; returns the largest difference relative to the cpu values' scale. */
async function wasmVsCpu(inputs: Array<{ values: Float32Array; shape: number[] }>, fn: (...ts: tf.Tensor[]) => tf.Tensor[]): Promise<number> {
  const run = async (backend: 'wasm' | 'cpu'): Promise<Float32Array[]> => {
    await initEngine({ backend });
    return tf.tidy(() => fn(...inputs.map((i) => tf.tensor(i.values, i.shape)))).map((t) => {
      const v = Float32Array.from(t.dataSync());
      t.dispose();
      return v;
    });
  };
  const got = await run('wasm');
  const want = await run('cpu');
  let worst = 0;
  want.forEach((w, k) => {
    const scale = Math.max(1, ...w.map(Math.abs));
    w.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[k][i] - v) / scale)));
  });
  await initEngine({ backend: 'wasm' });
  return worst;
}

/** Runs `step` once to warm up, then five times: tensors and backend data ids must not grow. */
function assertNoLeaks(step: () => void): void {
  step();
  const tensors = tf.memory().numTensors;
  const dataIds = tf.engine().backend.numDataIds();
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, tensors, 'tensors');
  assert.equal(tf.engine().backend.numDataIds(), dataIds, 'backend data ids');
}

test('the native addon loads on wasm whenever it is built', { skip }, async () => {
  const engine = await initEngine({ backend: 'wasm' });
  assert.ok(engine.native, 'engineInfo().native is set');
  assert.match(engine.native.oneDnnVersion, /^\d+\.\d+\.\d+$/);
  assert.ok(engine.native.threads >= 1);
});

test('native FusedConv2D (bias, relu/relu6/elu/sigmoid/leakyrelu/prelu) and its gradients match cpu', { skip }, async () => {
  const rng = new Rng(11);
  const x = uniform(rng, [2, 9, 7, 5]);
  const w = uniform(rng, [3, 3, 5, 6]);
  const b = uniform(rng, [6]);
  const alpha = uniform(rng, [6]);
  const inputs = [x, w, b, alpha].map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
  tf.dispose([x, w, b, alpha]);
  for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
    for (const stride of [1, 2]) {
      const err = await wasmVsCpu(inputs, (xt, wt, bt, at) => {
        const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Tensor =>
          tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: stride, pad: 'same', bias: bb, activation, preluActivationWeights: at, leakyreluAlpha: 0.3 });
        const y = f(xt, wt, bt);
        // gradients only where tfjs fuses under a tape (linear); the others are checked forward
        const grads = activation === 'linear' ? tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => f(a, c, d).square().sum())([xt, wt, bt]) : [];
        return [y, ...grads];
      });
      assert.ok(err < 2e-5, `${activation}, stride ${stride}: relative error ${err}`);
    }
  }
});

test('native kernels fall back where oneDNN does not apply (a 1x1 stride-2 conv of an even size crops) and leave no backend data', { skip }, async () => {
  const rng = new Rng(5);
  const x = uniform(rng, [2, 8, 6, 3]);
  const w = uniform(rng, [1, 1, 3, 4]);
  const inputs = [x, w].map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
  tf.dispose([x, w]);
  const err = await wasmVsCpu(inputs, (xt, wt) => {
    const f = (a: tf.Tensor, c: tf.Tensor): tf.Scalar => tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 'valid').square().sum();
    return [f(xt, wt), ...tf.grads(f)([xt, wt])];
  });
  assert.ok(err < 2e-5, `relative error ${err}`);

  await initEngine({ backend: 'wasm' });
  const xs = uniform(rng, [2, 9, 9, 4]);
  const ws = uniform(rng, [3, 3, 4, 4]);
  const bs = uniform(rng, [4]);
  const step = (): void => {
    tf.tidy(() => {
      const f = (a: tf.Tensor, c: tf.Tensor): tf.Scalar =>
        tf.fused.conv2d({ x: a as tf.Tensor4D, filter: c as tf.Tensor4D, strides: 2, pad: 'same', bias: bs, activation: 'relu' }).sum();
      tf.grads(f)([xs, ws]);
      tf.conv3d(tf.reshape(xs, [1, 2, 9, 9, 4]), tf.reshape(ws, [1, 3, 3, 4, 4]), 1, 'same');
    });
  };
  assertNoLeaks(step);
  tf.dispose([xs, ws, bs]);
});

test('native training-mode batch norm (alone and with ReLU fused) and its gradient match the op composition on cpu (ranks 2, 4, 5), leaving nothing behind', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  assert.ok(hasNativeBatchNorm(), 'native batch norm registered on wasm');
  const rng = new Rng(3);
  for (const [shape, activation] of [[[3, 5, 7, 6], 'linear'], [[37, 4], 'linear'], [[3, 5, 7, 6], 'relu'], [[2, 3, 4, 5, 3], 'relu'], [[37, 4], 'relu']] as const) {
    const c = shape[shape.length - 1];
    const parts = [uniform(rng, shape), uniform(rng, [c]), uniform(rng, [c]), uniform(rng, shape)];
    const inputs = parts.map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
    tf.dispose(parts);
    const err = await wasmVsCpu(inputs, (x, gamma, beta, w) => {
      const { y, mean, variance } = batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5, activation);
      const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
        const r = batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, activation);
        tf.dispose([r.mean, r.variance]);
        return tf.sum(tf.mul(r.y, w));
      };
      return [y, mean, variance, ...tf.grads(loss)([x, gamma, beta])];
    });
    assert.ok(err < 2e-5, `shape [${shape}], ${activation}: relative error ${err}`);
  }
  const x = uniform(rng, [4, 3, 3, 8]);
  const g = uniform(rng, [8]);
  const b = uniform(rng, [8]);
  const step = (): void => {
    tf.tidy(() => {
      for (const activation of ['linear', 'relu'] as const) {
        tf.grads((a: tf.Tensor) => {
          const r = batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, activation);
          tf.dispose([r.mean, r.variance]);
          return tf.sum(tf.mul(r.y, a));
        })([x]);
      }
    });
  };
  assertNoLeaks(step);
  tf.dispose([x, g, b]);
});

test('the addon refuses bad calls with a message naming the argument', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  const addon = nativeAddon();
  assert.ok(addon);
  const dims = Int32Array.from([2, 1, 1, 1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0]); // 1×3×3×1 ⊛ 1×1 → 1×3×3×1
  const nine = new Float32Array(9);
  assert.throws(() => addon.conv(0, nine, new Float32Array(1), new Float32Array(8), dims), /out has 8 floats, expected 9/);
  assert.throws(() => addon.conv(0, nine, new Float32Array(1), nine, Int32Array.from([4, ...dims.slice(1)])), /rank\) must be 2 or 3/);
  assert.throws(() => addon.conv(3 as 0, nine, new Float32Array(1), nine, dims), /kind must be 0/);
  assert.throws(() => addon.conv(0, [] as unknown as Float32Array, new Float32Array(1), nine, dims), /a must be a Float32Array/);
  assert.throws(() => addon.batchNorm(0, [nine], 9, 1, 1e-5, false), /arrays must be an array of 6 typed arrays/);
  assert.throws(() => addon.batchNorm(0, [nine, nine, nine, nine, nine, nine], 9, 1, 1e-5, false), /arrays\[1\] has 9 floats, expected 1/);
  assert.throws(() => addon.batchNorm(1, [], 9, 0, 1e-5, false), /rows and channels must be integers >= 1/);
  const one = () => new Float32Array(1);
  const forward = [nine, one(), one(), new Float32Array(9), one(), one()];
  assert.throws(() => addon.batchNorm(0, forward, 9, 1, 1e-5, true), /arrays must be an array of 7 typed arrays/);
  assert.throws(() => addon.batchNorm(0, [...forward, new Float32Array(9)], 9, 1, 1e-5, true), /workspace \(last array\) must be a Uint8Array/);
  const bytes = addon.batchNormWorkspaceBytes(9, 1, 1e-5);
  assert.throws(() => addon.batchNorm(0, [...forward, new Uint8Array(bytes + 1)], 9, 1, 1e-5, true), new RegExp(`workspace has ${bytes + 1} bytes, expected ${bytes}`));
  const x = Float32Array.from({ length: 9 }, (_, i) => i);
  const y = new Float32Array(9);
  addon.conv(0, x, Float32Array.of(2), y, dims);
  assert.deepEqual([...y], [...x].map((v) => 2 * v));
});

test('the wasm kernel tests pass without the addon too (WAVECV_NATIVE=0: the XNNPACK-based fallbacks)', { skip }, () => {
  assertPassesWithoutNative(new URL('./kernels.test.ts', import.meta.url));
});

test('native BatchMatMul / _FusedMatMul (transposes, shared and broadcast batches, bias, ReLU) and their gradients match cpu, fall back elsewhere, leave nothing behind', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  assert.ok(tf.getKernel(tf.BatchMatMul, 'wasm'), 'BatchMatMul registered');
  const rng = new Rng(21);
  // [a shape, b shape, transposeA, transposeB]: plain, transposed either side, batched, a shared b, a shared a, 4-D heads, and a broadcast the native path leaves to wasm.
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [4, 7, 3], false, false],
    [[4, 5, 7], [7, 3], false, false],
    [[1, 5, 7], [4, 3, 7], false, true],
    [[2, 3, 6, 4], [2, 3, 6, 4], false, true],
    [[2, 1, 5, 7], [1, 3, 7, 2], false, false],
  ];
  for (const [aShape, bShape, ta, tb] of cases) {
    const parts = [uniform(rng, aShape), uniform(rng, bShape)];
    const inputs = parts.map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
    tf.dispose(parts);
    const err = await wasmVsCpu(inputs, (a, b) => {
      const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.matMul(x, y, ta, tb);
      const out = f(a, b);
      const w = tf.sin(tf.range(0, out.size).reshape(out.shape));
      // tfjs-core's BatchMatMul gradient does not sum over broadcast batches (on any backend): gradients where the batches are equal
      const sameBatch = tf.util.arraysEqual(aShape.slice(0, -2), bShape.slice(0, -2));
      return [out, ...(sameBatch ? tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), w)))([a, b]) : [])];
    });
    assert.ok(err < 2e-5, `matMul [${aShape}] × [${bShape}] ${ta}/${tb}: relative error ${err}`);
  }
  // both transposed: the wasm backend's own _FusedMatMul is wrong there (see native-matmul.ts), the native path is not
  for (const activation of ['linear', 'relu', 'elu', 'leakyrelu', 'sigmoid'] as const) {
    for (const [ta, tb] of [[false, false], [true, true]]) {
      const parts = [uniform(rng, ta ? [7, 6] : [6, 7]), uniform(rng, tb ? [5, 7] : [7, 5]), uniform(rng, [5])];
      const inputs = parts.map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
      tf.dispose(parts);
      const err = await wasmVsCpu(inputs, (a, b, bias) => {
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor): tf.Tensor => tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: z, activation, leakyreluAlpha: 0.3 });
        return [f(a, b, bias), ...tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.square(f(x, y, z))))([a, b, bias])];
      });
      assert.ok(err < 2e-5, `fused matMul ${activation} ${ta}/${tb}: relative error ${err}`);
    }
  }
  await initEngine({ backend: 'wasm' });
  const a = uniform(rng, [3, 4, 6]);
  const b = uniform(rng, [6, 5]);
  const bias = uniform(rng, [5]);
  assertNoLeaks(() => {
    tf.tidy(() => {
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.fused.matMul({ a: tf.reshape(x, [12, 6]) as tf.Tensor2D, b: y as tf.Tensor2D, bias, activation: 'relu' })))([a, b]);
      tf.grads((x: tf.Tensor) => tf.sum(tf.matMul(x, x, false, true)))([a]);
    });
  });
  tf.dispose([a, b, bias]);
});

test('the addon refuses bad matrix products with a message naming the argument', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  const addon = nativeAddon();
  assert.ok(addon?.matMul);
  const dims = (batchA: number, batchB: number, m: number, k: number, n: number) => Int32Array.from([batchA, batchB, m, k, n, 0, 0, 0]);
  const f = (n: number) => new Float32Array(n);
  assert.throws(() => addon.matMul!(f(6), f(6), f(3), dims(1, 1, 2, 3, 2), null), /out has 3 floats, expected 4/);
  assert.throws(() => addon.matMul!(f(6), f(6), f(4), dims(1, 1, 2, 3, 2), f(3)), /bias has 3 floats, expected N = 2/);
  assert.throws(() => addon.matMul!(f(12), f(18), f(12), dims(2, 3, 2, 3, 2), null), /batchA 2 and batchB 3 must be equal or one of them 1/);
  assert.throws(() => addon.matMul!(f(6), f(6), f(4), Int32Array.from([1, 1, 2, 3]), null), /dims must be an Int32Array/);
  assert.throws(() => addon.matMul!(f(6), f(6), f(4), dims(1, 1, 0, 3, 2), null), /dims\[2\] = 0, expected >= 1/);
  assert.throws(() => addon.matMul!(f(6), [] as unknown as Float32Array, f(4), dims(1, 1, 2, 3, 2), null), /b must be a Float32Array/);
  const out = f(4);
  addon.matMul!(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 0, 1, 1, 1), out, dims(1, 1, 2, 3, 2), Float32Array.of(10, 20));
  assert.deepEqual([...out], [1 + 3 + 10, 2 + 3 + 20, 4 + 6 + 10, 5 + 6 + 20]);
});

/** Seeded uniform values of `shapes`, as wasmVsCpu takes them. */
function sample(rng: Rng, shapes: number[][]): Array<{ values: Float32Array; shape: number[] }> {
  const parts = shapes.map((s) => uniform(rng, s));
  const values = parts.map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
  tf.dispose(parts);
  return values;
}

test('native softmax and its gradient (from the output) match cpu (core formula there), leaving nothing behind', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  const rng = new Rng(31);
  for (const shape of [[4, 7], [2, 3, 5, 9], [1, 1]]) {
    const inputs = sample(rng, [shape, shape]);
    inputs[0].values.forEach((v, i) => (inputs[0].values[i] = 8 * v));
    const err = await wasmVsCpu(inputs, (x, w) => [tf.softmax(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), w)))(x)]);
    assert.ok(err < 2e-6, `softmax [${shape}]: relative error ${err}`);
  }
  await initEngine({ backend: 'wasm' });
  const x = uniform(rng, [3, 6, 6]);
  assertNoLeaks(() => tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.softmax(a))))(x)));
  const addon = nativeAddon();
  assert.throws(() => addon!.softmax!(0, new Float32Array(6), new Float32Array(6), new Float32Array(5), 2, 3), /out has 5 floats, expected rows \* cols = 6/);
  assert.throws(() => addon!.softmax!(0, new Float32Array(6), new Float32Array(6), new Float32Array(6), 0, 3), /rows and cols must be integers >= 1/);
  x.dispose();
});
