// The layer library (src/nn/) against PyTorch (test/fixtures/nn-layers.json,
// scripts/gen_nn_fixtures.py): BatchNorm3d + ReLU fused, interpolation,
// 3-D convolution and max-pool with PyTorch's symmetric padding, transposed
// convolutions; and a small 3-D model of every 3-D building block that saves
// and reloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { WavecvError } from '../../src/errors.js';
import {
  BatchNorm,
  GroupedConv,
  HardShrink,
  InstanceNorm,
  Interpolate,
  ScatterEven,
  WeightInit,
  basicBlock,
  bottleneckBlock,
  conv,
  convBnAct,
  interpolate,
  pool,
  prelu,
  resolveDownsampler,
  transposedConv,
  waveletPoolWithDetails,
  waveletUnpool,
  zeroPadding,
} from '../../src/nn/index.js';

const F = JSON.parse(readFileSync(new URL('../fixtures/nn-layers.json', import.meta.url), 'utf8'));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`BatchNorm with ReLU fused matches torch BatchNorm3d + ReLU on NDHWC (train, running stats, gradients, eval) on ${backend}`, async () => {
    await initEngine({ backend });
    const B = F.batchNorm3d;
    const layer = new BatchNorm({ name: 'bn', activation: 'relu' });
    layer.build(B.shape);
    layer.setWeights([tf.tensor1d(B.gamma), tf.tensor1d(B.beta), tf.tensor1d(B.runningMean0), tf.tensor1d(B.runningVar0)]);
    const x = tf.tensor(B.x, B.shape);
    const dy = tf.tensor(B.dy, B.shape);
    const before = tf.memory().numTensors;
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    assert.equal(tf.memory().numTensors, before + 1, 'training call leaves only its output');
    close(y.dataSync(), B.y, 2e-5, 'y');
    const [mean1, var1] = layer.getWeights().slice(2);
    close(mean1.dataSync(), B.runningMean1, 1e-5, 'running mean');
    close(var1.dataSync(), B.runningVar1, 1e-5, 'running var');
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar, [gamma, beta]);
    close(grads[gamma.name].dataSync(), B.dgamma, 2e-5, 'dgamma');
    close(grads[beta.name].dataSync(), B.dbeta, 2e-5, 'dbeta');
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)))(x);
    close(dx.dataSync(), B.dx, 2e-5, 'dx');
    layer.setWeights([tf.tensor1d(B.gamma), tf.tensor1d(B.beta), tf.tensor1d(B.runningMean1), tf.tensor1d(B.runningVar1)]);
    const yEval = layer.apply(x) as tf.Tensor;
    close(yEval.dataSync(), B.yEval, 2e-5, 'eval y');
    tf.dispose([x, dy, y, dx, yEval, mean1, var1, ...Object.values(grads)]);
  });
}

test('BatchNorm refuses bad options and a frozen scale is not trainable', async () => {
  await initEngine({ backend: 'cpu' });
  assert.throws(() => new BatchNorm({ activation: 'tanh' as 'relu' }), (e: unknown) => e instanceof WavecvError && /^activation: got "tanh"/.test(e.message));
  assert.throws(() => new BatchNorm({ momentum: 1.5 }), (e: unknown) => e instanceof WavecvError && /^momentum/.test(e.message));
  const frozen = new BatchNorm({ frozenScale: true, gammaInit: 'zeros' });
  frozen.build([null, 4]);
  assert.deepEqual(frozen.trainableWeights.map((w) => w.originalName.split('/').pop()), ['beta']);
  assert.deepEqual(Array.from(frozen.getWeights()[0].dataSync()), [0, 0, 0, 0]);
});

test('Interpolate (nearest, bilinear, trilinear; integer scales) matches torch F.interpolate(align_corners=False), forward and gradient', async () => {
  await initEngine({ backend: 'wasm' });
  for (const c of F.interpolate) {
    const layer = new Interpolate({ scale: c.scale, mode: c.mode });
    const x = tf.tensor(c.x, c.shape);
    const w = tf.tensor(c.w, c.yShape);
    const y = layer.apply(x) as tf.Tensor;
    const what = `${c.mode} ×${c.scale} [${c.shape}]`;
    assert.deepEqual(y.shape, c.yShape, what);
    assert.deepEqual(layer.computeOutputShape([null, ...c.shape.slice(1)]), [null, ...c.yShape.slice(1)]);
    close(y.dataSync(), c.y, 1e-5, `${what} y`);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)))(x);
    close(dx.dataSync(), c.dx, 1e-5, `${what} dx`);
    tf.dispose([x, w, y, dx]);
  }
  assert.throws(() => new Interpolate({ scale: 1.5 }), (e: unknown) => e instanceof WavecvError && /^scale/.test(e.message));
});

test('Interpolate with alignCorners (bilinear, trilinear; ×2, ×3) matches torch F.interpolate(align_corners=True), forward and gradient', async () => {
  await initEngine({ backend: 'wasm' });
  for (const c of F.interpolateAligned) {
    const layer = new Interpolate({ scale: c.scale, mode: 'linear', alignCorners: true });
    const x = tf.tensor(c.x, c.shape);
    const w = tf.tensor(c.w, c.yShape);
    const what = `aligned ×${c.scale} [${c.shape}]`;
    const before = tf.memory().numTensors;
    const y = layer.apply(x) as tf.Tensor;
    assert.equal(tf.memory().numTensors, before + 1, `${what}: only the output is left`);
    assert.deepEqual(y.shape, c.yShape, what);
    close(y.dataSync(), c.y, 1e-5, `${what} y`);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)))(x);
    close(dx.dataSync(), c.dx, 1e-5, `${what} dx`);
    tf.dispose([x, w, y, dx]);
  }
  assert.throws(() => new Interpolate({ mode: 'nearest', alignCorners: true }), (e: unknown) => e instanceof WavecvError && /^alignCorners: got true/.test(e.message));
});

test('GroupedConv (groups, stride, PyTorch padding; 2-D and 3-D) matches torch Conv2d/Conv3d: output and the input, kernel and bias gradients', async () => {
  await initEngine({ backend: 'wasm' });
  for (const c of F.groupedConv) {
    const layer = new GroupedConv({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, groups: c.groups });
    layer.build([null, ...c.shape.slice(1)]);
    layer.setWeights([tf.tensor(c.kernel, c.kernelShape), tf.tensor1d(c.bias)]);
    const x = tf.tensor(c.x, c.shape);
    const w = tf.tensor(c.w, c.yShape);
    const what = `groups ${c.groups} [${c.shape}]`;
    const y = layer.apply(x) as tf.Tensor;
    assert.deepEqual(y.shape, c.yShape, what);
    assert.deepEqual(layer.computeOutputShape([null, ...c.shape.slice(1)]), [null, ...c.yShape.slice(1)], what);
    close(y.dataSync(), c.y, 1e-5, `${what} y`);
    const [kernel, bias] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const objective = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)) as tf.Scalar;
    const { grads } = tf.variableGrads(() => objective(x), [kernel, bias]);
    close(grads[kernel.name].dataSync(), c.dkernel, 1e-5, `${what} dkernel`);
    close(grads[bias.name].dataSync(), c.dbias, 1e-5, `${what} dbias`);
    const dx = tf.grad(objective)(x);
    close(dx.dataSync(), c.dx, 1e-5, `${what} dx`);
    tf.dispose([x, w, y, dx, ...Object.values(grads)]);
  }
  assert.throws(() => new GroupedConv({ filters: 6, kernelSize: 3, groups: 4 }), (e: unknown) => e instanceof WavecvError && /^filters: got 6, expected a positive multiple of groups \(4\)/.test(e.message));
  const odd = new GroupedConv({ filters: 4, kernelSize: 3, groups: 2 });
  assert.throws(() => odd.build([null, 5, 5, 3]), (e: unknown) => e instanceof WavecvError && /channels divisible by groups \(2\)/.test(e.message));
});

test('InstanceNorm (2-D and 3-D) matches torch InstanceNorm2d/3d, forward and input gradient', async () => {
  await initEngine({ backend: 'wasm' });
  const layer = new InstanceNorm();
  for (const c of F.instanceNorm) {
    const x = tf.tensor(c.x, c.shape);
    const w = tf.tensor(c.w, c.shape);
    const y = layer.apply(x) as tf.Tensor;
    close(y.dataSync(), c.y, 2e-5, `[${c.shape}] y`);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)))(x);
    close(dx.dataSync(), c.dx, 2e-5, `[${c.shape}] dx`);
    tf.dispose([x, w, y, dx]);
  }
  assert.throws(() => new InstanceNorm({ epsilon: 0 }), (e: unknown) => e instanceof WavecvError && /^epsilon: got 0/.test(e.message));
});

test('ScatterEven (2-D and 3-D, ×2 and ×3) equals torch ConvTranspose(kernel 1, stride s, output_padding s−1) with the identity; its gradient reads the scattered positions', async () => {
  await initEngine({ backend: 'wasm' });
  for (const c of F.scatterEven) {
    const layer = new ScatterEven({ scale: c.scale });
    const x = tf.tensor(c.x, c.shape);
    const y = layer.apply(x) as tf.Tensor;
    assert.deepEqual(y.shape, c.yShape);
    assert.deepEqual(layer.computeOutputShape([null, ...c.shape.slice(1)]), [null, ...c.yShape.slice(1)]);
    close(y.dataSync(), c.y, 1e-6, `×${c.scale} [${c.shape}]`);
    // The adjoint of zero insertion is the strided selection: <S x, w> = <x, Sᵀ w> for every w.
    const w = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(1.3 * i)), y.shape);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)))(x);
    const lhs = tf.sum(tf.mul(y, w)).dataSync()[0];
    const rhs = tf.sum(tf.mul(x, dx)).dataSync()[0];
    assert.ok(Math.abs(lhs - rhs) < 1e-4 * (1 + Math.abs(lhs)), `adjoint ${lhs} vs ${rhs}`);
    tf.dispose([x, y, w, dx]);
  }
});

test('HardShrink passes values beyond ±λ and their gradient, zeroes the rest', async () => {
  await initEngine({ backend: 'wasm' });
  const layer = new HardShrink({ lambda: 0.25 });
  const x = tf.tensor1d([-1, -0.25, -0.1, 0, 0.2, 0.3]);
  const [y, dx] = [layer.apply(x) as tf.Tensor, tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, tf.tensor1d([1, 2, 3, 4, 5, 6]))))(x)];
  assert.deepEqual(Array.from(y.dataSync(), (v) => v + 0), [-1, 0, 0, 0, 0, Math.fround(0.3)]);
  assert.deepEqual(Array.from(dx.dataSync()), [1, 0, 0, 0, 0, 6]);
  assert.throws(() => new HardShrink({ lambda: -1 }), (e: unknown) => e instanceof WavecvError && /^lambda: got -1/.test(e.message));
  tf.dispose([x, y, dx]);
});

test('prelu learns one slope per channel in 2-D, 3-D and on flat features, starting at 0.25 (torch nn.PReLU(C))', async () => {
  await initEngine({ backend: 'wasm' });
  for (const shape of [[3, 4, 5], [2, 3, 4, 5], [5]]) {
    const input = tf.input({ shape });
    const model = tf.model({ inputs: input, outputs: prelu(input, 'act') });
    const [alpha] = model.getLayer('act').getWeights();
    assert.deepEqual(alpha.shape, shape.length === 1 ? [5] : [...new Array(shape.length - 1).fill(1), 5], `alpha of [${shape}]`);
    assert.ok(alpha.dataSync().every((a) => a === 0.25));
    const x = tf.tensor([-2, 3, -1, 0.5, -4], [1, 5]).reshape([1, ...new Array(shape.length - 1).fill(1), 5]).tile([1, ...shape.slice(0, -1), 1]);
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync().slice(0, 5)), [-0.5, 3, -0.25, 0.5, -1]);
    tf.dispose([x, y]);
    model.dispose();
  }
});

/** A one-layer model of `build` on input `shape` (batch excluded), with `weights`. */
function layerModel(shape: number[], build: (x: tf.SymbolicTensor) => tf.SymbolicTensor, weights: tf.Tensor[]): tf.LayersModel {
  const input = tf.input({ shape });
  const model = tf.model({ inputs: input, outputs: build(input) });
  model.setWeights(weights);
  return model;
}

test("conv and pool with PyTorch's symmetric padding match torch Conv3d/MaxPool3d(k=3, stride=2, padding=1)", async () => {
  await initEngine({ backend: 'wasm' });
  const C = F.conv3d;
  const init = new WeightInit(1);
  const convModel = layerModel(C.shape.slice(1), (x) => conv(x, { filters: 4, kernelSize: 3, strides: 2, padding: 1, name: 'c', init }), [tf.tensor(C.kernel, C.kernelShape)]);
  assert.deepEqual(convModel.layers.map((l) => l.getClassName()), ['InputLayer', 'ZeroPadding3D', 'Conv3D']);
  const x = tf.tensor(C.x, C.shape);
  const y = convModel.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, C.yShape);
  close(y.dataSync(), C.y, 1e-5, 'conv3d');
  const poolModel = layerModel(C.shape.slice(1), (v) => pool(v, { type: 'max', poolSize: 3, strides: 2, padding: 1 }, 'p'), []);
  const p = poolModel.predict(x) as tf.Tensor;
  assert.deepEqual(p.shape, C.poolShape);
  close(p.dataSync(), C.pool, 1e-6, 'max-pool 3-D');
  tf.dispose([x, y, p]);
});

test('transposedConv (kernel 2, stride 2) matches torch ConvTranspose2d/3d', async () => {
  await initEngine({ backend: 'wasm' });
  for (const c of F.convTranspose) {
    const init = new WeightInit(1);
    const model = layerModel(c.shape.slice(1), (x) => transposedConv(x, { filters: 5, name: 'up', init }), [tf.tensor(c.kernel, c.kernelShape), tf.tensor1d(c.bias)]);
    const x = tf.tensor(c.x, c.shape);
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, c.yShape);
    close(y.dataSync(), c.y, 1e-5, `transposed conv rank ${c.shape.length}`);
    tf.dispose([x, y]);
  }
});

test('a 3-D model of every building block (padding, conv-BN-ReLU, residual blocks with DWT, pools, up-sampling, wavelet unpool) trains a step, saves and reloads', async () => {
  await initEngine({ backend: 'wasm' });
  const init = new WeightInit(7);
  const input = tf.input({ shape: [8, 8, 8, 2], name: 'volume' });
  let x = convBnAct(input, { filters: 4, kernelSize: 3, name: 'stem', init });
  const skip = x;
  const { low, details } = waveletPoolWithDetails(x, 'haar', 'wpool');
  x = basicBlock(low, { planes: 8, stride: 2, down: resolveDownsampler({ wavelet: 'db2' }), init, name: 'down' });
  x = bottleneckBlock(x, { planes: 2, init, name: 'bottleneck' });
  assert.throws(() => bottleneckBlock(x, { planes: 2, dilation: 2, init, name: 'dilated' }), (e: unknown) => e instanceof WavecvError && /^dilation: got 2/.test(e.message));
  assert.deepEqual(x.shape, [null, 2, 2, 2, 8]);
  x = transposedConv(x, { filters: 4, name: 'up1', init });
  x = interpolate(x, 1, 'linear', 'same_size');
  x = waveletUnpool(x, details, skip, 'haar', 'wunpool');
  x = tf.layers.concatenate({ name: 'cat' }).apply([x, interpolate(pool(skip, { type: 'avg', poolSize: 2, strides: 2 }, 'avg'), 2, 'linear', 'interp')]) as tf.SymbolicTensor;
  x = zeroPadding(x, [[1, 0], [0, 1], [1, 0]], 'pad');
  x = conv(x, { filters: 1, kernelSize: 2, padding: 'valid', useBias: true, name: 'head', init });
  const model = tf.model({ inputs: input, outputs: x });
  assert.deepEqual(model.outputs[0].shape, [null, 8, 8, 8, 1]);
  const v = tf.randomNormal([2, 8, 8, 8, 2], 0, 1, 'float32', 3);
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.apply(v, { training: true }) as tf.Tensor)) as tf.Scalar, params);
  assert.ok(Number.isFinite(value.dataSync()[0]));
  for (const p of params) assert.ok(tf.any(tf.notEqual(grads[p.name], 0)).dataSync()[0], `${p.name} gets a gradient`);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-nn-'));
  try {
    await saveModel(model, join(dir, 'm'));
    const back = await loadModel(join(dir, 'm'));
    const [a, b] = [model, back].map((m) => m.predict(v) as tf.Tensor);
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-6);
    tf.dispose([a, b]);
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  tf.dispose([v, value, ...Object.values(grads)]);
  model.dispose();
});
