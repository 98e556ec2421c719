// wavecv's native filter-bank kernels (native/wavecv_native.cc `filterBank`,
// src/engine/kernels/native-filter-bank.ts, src/wavelets/filter-bank-native.ts),
// which the periodization engine runs on wasm whenever the addon is built:
// equal to the engine's convolution path (run here on the cpu backend), forward
// and gradient, over 1-, 2- and 3-D shapes, odd and even sizes, axes shorter
// than the filter, one or two filters, orthogonal and biorthogonal wavelets and
// every odd-size rule; exact adjoints of each other; no tensors left behind.
// The wavelet tests elsewhere (pywt fixtures) run on them too when the addon
// is built; here the layers' pywt fixtures run once more without it (WAVECV_NATIVE=0),
// so the wasm-only convolution path stays tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { hasNativeFilterBank } from '../../src/engine/kernels/native-filter-bank.js';
import { Rng } from '../../src/engine/random.js';
import { periodizedAnalysis, periodizedSynthesis } from '../../src/wavelets/filter-bank-conv.js';
import type { FilterList, OddInput, OddOutput } from '../../src/wavelets/filter-bank-types.js';
import { wavelet } from '../../src/wavelets/filters.js';
import { NATIVE, requireSystem } from '../helpers/requirements.js';
import { assertPassesWithoutNative } from '../helpers/without-native.js';

const skip = requireSystem('native', NATIVE);

function values(rng: Rng, shape: number[]): Float32Array {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

interface Case {
  label: string;
  shape: number[];
  dims: number;
  filters: FilterList;
  odd: OddInput;
}

const bank = (name: string, single = false): FilterList => {
  const w = wavelet(name);
  return single ? [w.decLo] : [w.decLo, w.decHi];
};

const CASES: Case[] = [
  { label: '1-D haar, odd length', shape: [2, 7, 3], dims: 1, filters: bank('haar'), odd: 'extend' },
  { label: '1-D db4 (8 taps) on 3 samples (wraps twice)', shape: [2, 3, 5], dims: 1, filters: bank('db4'), odd: 'extend' },
  { label: '2-D haar NHWC', shape: [2, 8, 6, 4], dims: 2, filters: bank('haar'), odd: 'extend' },
  { label: '2-D db4, odd height, zero rule', shape: [1, 9, 10, 3], dims: 2, filters: bank('db4'), odd: 'zero' },
  { label: '2-D sym5 (10 taps), one channel', shape: [2, 11, 12, 1], dims: 2, filters: bank('sym5'), odd: 'extend' },
  { label: '2-D bior2.2 (biorthogonal)', shape: [1, 6, 7, 2], dims: 2, filters: bank('bior2.2'), odd: 'extend' },
  { label: '2-D db2, low filter only', shape: [1, 7, 8, 3], dims: 2, filters: bank('db2', true), odd: 'extend' },
  { label: '3-D coif1 NDHWC', shape: [1, 5, 4, 6, 2], dims: 3, filters: bank('coif1'), odd: 'extend' },
];

/** Analysis bands and the gradient of Σ_b ⟨w_b, band_b⟩, then synthesis of those bands (odd sizes by the adjoint rule) and its gradient. */
function transforms(c: Case, x: Float32Array, weights: Float32Array[]): Float32Array[] {
  return tf.tidy(() => {
    const input = tf.tensor(x, c.shape);
    const bands = periodizedAnalysis(input, c.filters, c.dims, c.odd);
    const w = bands.map((b, i) => tf.tensor(weights[i], b.shape));
    const analysisGrad = tf.grad((a: tf.Tensor) => tf.addN(periodizedAnalysis(a, c.filters, c.dims, c.odd).map((b, i) => tf.sum(tf.mul(b, w[i])))))(input);
    const sizes = c.shape.slice(1, c.dims + 1);
    const rule: OddOutput = c.odd === 'extend' ? 'fold' : 'crop';
    const reversed = c.filters.map((f) => [...f].reverse());
    const synthesis = (bs: tf.Tensor[]) => periodizedSynthesis(bs, reversed, c.dims, sizes, rule);
    const y = synthesis(w);
    const synthesisGrads = tf.grads((...bs: tf.Tensor[]) => tf.sum(tf.mul(synthesis(bs), input)))(w);
    return [...bands, analysisGrad, y, ...synthesisGrads].map((t) => t.dataSync() as Float32Array);
  });
}

test('native filter banks equal the convolution path (cpu backend), forward and gradients, 1-D to 3-D, odd sizes, short axes', { skip }, async () => {
  const rng = new Rng(17);
  for (const c of CASES) {
    const x = values(rng, c.shape);
    await initEngine({ backend: 'cpu' });
    assert.equal(hasNativeFilterBank(), false);
    const bandShape = [c.shape[0], ...c.shape.slice(1, c.dims + 1).map((n) => Math.ceil(n / 2)), c.shape[c.dims + 1]];
    const weights = Array.from({ length: c.filters.length ** c.dims }, () => values(rng, bandShape));
    const want = transforms(c, x, weights);
    await initEngine({ backend: 'wasm' });
    assert.equal(hasNativeFilterBank(), true, 'the native kernels are registered on wasm (an addon built before filterBank existed has none: npm run build:native)');
    const before = tf.memory().numTensors;
    const got = transforms(c, x, weights);
    assert.equal(tf.memory().numTensors, before, `${c.label}: leaked tensors`);
    want.forEach((w, k) => {
      assert.equal(got[k].length, w.length, `${c.label}: output ${k} size`);
      w.forEach((v, i) => assert.ok(Math.abs(got[k][i] - v) <= 2e-5, `${c.label}: output ${k}[${i}] native ${got[k][i]} vs convolution ${v}`));
    });
  }
});

test('native analysis and synthesis with reversed filters are adjoints (⟨A x, y⟩ = ⟨x, A* y⟩), every odd-size rule', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  const rng = new Rng(5);
  for (const c of CASES) {
    const rule: OddOutput = c.odd === 'extend' ? 'fold' : 'crop';
    const sizes = c.shape.slice(1, c.dims + 1);
    const [lhs, rhs] = tf.tidy(() => {
      const x = tf.tensor(values(rng, c.shape), c.shape);
      const bands = periodizedAnalysis(x, c.filters, c.dims, c.odd);
      const y = bands.map((b) => tf.tensor(values(rng, b.shape), b.shape));
      const back = periodizedSynthesis(y, c.filters.map((f) => [...f].reverse()), c.dims, sizes, rule);
      const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b)).dataSync()[0];
      return [bands.reduce((s, b, i) => s + dot(b, y[i]), 0), dot(x, back)];
    });
    assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), `${c.label}: ⟨Ax, y⟩ ${lhs} vs ⟨x, A*y⟩ ${rhs}`);
  }
});

test('the native kernels refuse inconsistent calls with a message', { skip }, async () => {
  await initEngine({ backend: 'wasm' });
  const x = tf.zeros([1, 4, 2]);
  assert.throws(() => tf.engine().runKernel('WavecvNativeAnalysis', { x }, { taps: [1, 2, 3], filterCount: 1, axis: 1, odd: 'extend' }), /filterBank: one or two bands, and taps holding one filter of even length per band/);
  assert.throws(() => tf.engine().runKernel('WavecvNativeSynthesis', { 0: x }, { taps: [1, 1], filterCount: 1, axis: 1, size: 5, odd: 'crop' }), /filterBank: dims must be positive sizes/);
  x.dispose();
});

test('the layers\' pywt fixtures pass without the addon too (WAVECV_NATIVE=0: the convolution path on wasm)', { skip }, () => {
  assertPassesWithoutNative(new URL('./layers.test.ts', import.meta.url));
});
