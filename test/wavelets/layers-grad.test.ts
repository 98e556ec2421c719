// Gradients of the wavelet layers: dot-product (adjoint) tests and finite
// differences of an independent float64 reference of pywt's periodization
// transform (written here from its formula), on the wasm and cpu backends;
// and no tensors left behind by a forward + backward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { backendSkip, SUITE_BACKENDS } from '../helpers/backend.js';
import { Rng } from '../../src/engine/random.js';
import { wavelet } from '../../src/wavelets/filters.js';
import { DWT1D, DWT2D, DWT3D, IDWT2D, WaveletPool2D, WaveletPool3D, WaveletUnpool2D } from '../../src/wavelets/layers.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function random(rng: Rng, shape: number[]): Float64Array {
  const v = new Float64Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

/** Applies `f` (one line in, one line out) along axis `axis` of a row-major array. */
function alongAxis(x: Float64Array, shape: number[], axis: number, outLength: number, f: (line: Float64Array) => Float64Array): { data: Float64Array; shape: number[] } {
  const outer = size(shape.slice(0, axis));
  const inner = size(shape.slice(axis + 1));
  const n = shape[axis];
  const outShape = [...shape];
  outShape[axis] = outLength;
  const out = new Float64Array(size(outShape));
  const line = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let k = 0; k < n; k++) line[k] = x[(o * n + k) * inner + i];
      const y = f(line);
      for (let k = 0; k < outLength; k++) out[(o * outLength + k) * inner + i] = y[k];
    }
  }
  return { data: out, shape: outShape };
}

/** pywt periodization analysis of one line: y[k] = Σ h[j]·x̃[(2k + L/2 − j) mod M]. */
function analysisLine(h: readonly number[]) {
  return (x: Float64Array) => {
    const N = x.length;
    const M = N + (N % 2);
    const L = h.length;
    const y = new Float64Array(M / 2);
    for (let k = 0; k < M / 2; k++) {
      let s = 0;
      for (let j = 0; j < L; j++) s += h[j] * x[Math.min((((2 * k + L / 2 - j) % M) + M) % M, N - 1)];
      y[k] = s;
    }
    return y;
  };
}

/** pywt periodization synthesis of two lines, cropped to `target`: x[(2k + 1 − L/2 + j) mod 2n] += g_b[j]·c_b[k]. */
function synthesisLines(g: readonly (readonly number[])[], bands: Float64Array[], target: number): Float64Array {
  const n = bands[0].length;
  const L = g[0].length;
  const y = new Float64Array(2 * n);
  bands.forEach((c, b) => {
    for (let k = 0; k < n; k++) for (let j = 0; j < L; j++) y[(((2 * k + 1 - L / 2 + j) % (2 * n)) + 2 * n) % (2 * n)] += g[b][j] * c[k];
  });
  return y.subarray(0, target);
}

/** Separable periodized analysis over axes 1..dims with each filter: bands in product order. */
function refAnalysis(x: Float64Array, shape: number[], dims: number, filters: readonly (readonly number[])[]): { data: Float64Array; shape: number[] }[] {
  let bands = [{ data: x, shape }];
  for (let axis = 1; axis <= dims; axis++) {
    bands = bands.flatMap((b) => filters.map((h) => alongAxis(b.data, b.shape, axis, Math.ceil(b.shape[axis] / 2), analysisLine(h))));
  }
  return bands;
}

/** 2-D periodized synthesis of [LL, cH, cV, cD] (pywt order) cropped to `target`. */
function refSynthesis2(bands: Float64Array[], shape: number[], g: readonly (readonly number[])[], target: [number, number]): Float64Array {
  const [B, h, w, C] = shape;
  const product = [bands[0], bands[2], bands[1], bands[3]]; // aa, ad, da, dd
  const alongW = (pair: Float64Array[]) => {
    const out = new Float64Array(B * h * target[1] * C);
    for (let p = 0; p < B * h; p++) {
      for (let c = 0; c < C; c++) {
        const lines = pair.map((band) => Float64Array.from({ length: w }, (_, k) => band[(p * w + k) * C + c]));
        const y = synthesisLines(g, lines, target[1]);
        for (let k = 0; k < target[1]; k++) out[(p * target[1] + k) * C + c] = y[k];
      }
    }
    return out;
  };
  const rows = [alongW([product[0], product[1]]), alongW([product[2], product[3]])];
  const inner = target[1] * C;
  const out = new Float64Array(B * target[0] * inner);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < inner; i++) {
      const lines = rows.map((r) => Float64Array.from({ length: h }, (_, k) => r[(b * h + k) * inner + i]));
      const y = synthesisLines(g, lines, target[0]);
      for (let k = 0; k < target[0]; k++) out[(b * target[0] + k) * inner + i] = y[k];
    }
  }
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Central finite differences of a float64 function at `x` (exact up to rounding for these linear maps). */
function finiteDifferences(f: (x: Float64Array) => number, x: Float64Array, eps = 1e-3): Float64Array {
  const g = new Float64Array(x.length);
  const probe = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    probe[i] = x[i] + eps;
    const up = f(probe);
    probe[i] = x[i] - eps;
    const down = f(probe);
    probe[i] = x[i];
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string, tolerance = 2e-5): void {
  assert.equal(got.length, want.length, label);
  let scale = 1;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  assert.ok(err <= tolerance * scale, `${label}: max error ${err} (scale ${scale})`);
}

/** `reference`: the last input only sets the output size (the unpooling's cropping), so it gets no gradient. */
type LayerCase = { label: string; make: () => tf.layers.Layer; shapes: number[][]; reference?: boolean };

const cases: LayerCase[] = [
  { label: 'DWT2D db2 odd', make: () => new DWT2D({ wavelet: 'db2' }), shapes: [[2, 5, 6, 2]] },
  { label: 'DWT2D haar odd', make: () => new DWT2D({ wavelet: 'haar' }), shapes: [[1, 3, 5, 2]] },
  { label: 'DWT2D bior3.3 (short)', make: () => new DWT2D({ wavelet: 'bior3.3' }), shapes: [[1, 4, 3, 1]] },
  { label: 'IDWT2D sym4', make: () => new IDWT2D({ wavelet: 'sym4' }), shapes: [[1, 3, 4, 2], [1, 3, 4, 2], [1, 3, 4, 2], [1, 3, 4, 2]] },
  { label: 'WaveletPool2D low db4', make: () => new WaveletPool2D({ wavelet: 'db4' }), shapes: [[1, 7, 6, 2]] },
  { label: 'WaveletPool2D average haar', make: () => new WaveletPool2D({ wavelet: 'haar', bands: 'average' }), shapes: [[2, 5, 4, 1]] },
  { label: 'WaveletPool2D concat coif1', make: () => new WaveletPool2D({ wavelet: 'coif1', bands: 'concat' }), shapes: [[1, 6, 5, 1]] },
  { label: 'WaveletUnpool2D bior3.3 cropped', make: () => new WaveletUnpool2D({ wavelet: 'bior3.3' }), shapes: [[1, 3, 4, 2], [1, 3, 4, 2], [1, 3, 4, 2], [1, 3, 4, 2], [1, 5, 7, 2]], reference: true },
  { label: 'DWT1D db3 odd', make: () => new DWT1D({ wavelet: 'db3' }), shapes: [[2, 9, 2]] },
  { label: 'DWT3D haar odd', make: () => new DWT3D({ wavelet: 'haar' }), shapes: [[1, 3, 4, 5, 1]] },
  { label: 'WaveletPool3D low db2', make: () => new WaveletPool3D({ wavelet: 'db2' }), shapes: [[1, 4, 3, 5, 1]] },
  { label: 'DWT2D db2 symmetric (delegated to dwtn)', make: () => new DWT2D({ wavelet: 'db2', mode: 'symmetric' }), shapes: [[1, 5, 4, 2]] },
  { label: 'WaveletUnpool2D sym4 reflect cropped', make: () => new WaveletUnpool2D({ wavelet: 'sym4', mode: 'reflect' }), shapes: [[1, 6, 5, 1], [1, 6, 5, 1], [1, 6, 5, 1], [1, 6, 5, 1], [1, 5, 4, 1]], reference: true },
];

for (const backend of SUITE_BACKENDS) {
  test(`adjoint: <layer(x), y> = <x, grad> for every layer kind, odd and short sizes (${backend})`, { skip: backendSkip }, async () => {
    await initEngine({ backend });
    const rng = new Rng(11);
    for (const c of cases) {
      const layer = c.make();
      const all = c.shapes.map((s) => tf.tensor(Float32Array.from(random(rng, s)), s));
      const xs = c.reference ? all.slice(0, -1) : all;
      const extra = c.reference ? all.slice(-1) : [];
      const apply = (...inputs: tf.Tensor[]) => {
        const list = [...inputs, ...extra];
        const out = layer.apply(list.length === 1 ? list[0] : list) as tf.Tensor | tf.Tensor[];
        return Array.isArray(out) ? out : [out];
      };
      const outs = apply(...xs);
      const ys = outs.map((o) => tf.tensor(Float32Array.from(random(rng, o.shape)), o.shape));
      let lhs = 0;
      for (const [i, o] of outs.entries()) lhs += dot(await o.data(), await ys[i].data());
      const grads = tf.grads((...inputs: tf.Tensor[]) => tf.addN(apply(...inputs).map((o, i) => tf.sum(tf.mul(o, ys[i])))))(xs);
      let rhs = 0;
      for (const [i, g] of grads.entries()) rhs += dot(await g.data(), await xs[i].data());
      assert.ok(Math.abs(lhs - rhs) <= 1e-5 * Math.max(1, Math.abs(lhs)), `${c.label}: ${lhs} vs ${rhs}`);
      tf.dispose([...all, ...outs, ...ys, ...grads]);
    }
  });

  test(`finite differences of a float64 pywt reference equal the layers' gradients (${backend})`, { skip: backendSkip }, async () => {
    await initEngine({ backend });
    const rng = new Rng(5);
    // DWT2D and the pools: loss = Σ_b <w_b, band_b(x)>
    for (const [name, shape, kind] of [
      ['db2', [1, 5, 6, 2], 'dwt'],
      ['bior3.3', [2, 3, 4, 1], 'dwt'],
      ['db4', [1, 7, 4, 1], 'low'],
      ['sym4', [1, 6, 5, 1], 'average'],
    ] as [string, number[], 'dwt' | 'low' | 'average'][]) {
      const w = wavelet(name);
      const filters = kind === 'dwt' ? [w.decLo, w.decHi] : kind === 'low' ? [w.decLo] : [w.decLo.map((v, i) => (v + w.decHi[i]) / 2)];
      const x = random(rng, shape);
      const bandShapes = refAnalysis(x, shape, 2, filters).map((b) => b.shape);
      const weights = bandShapes.map((s) => random(rng, s));
      const loss = (v: Float64Array) => refAnalysis(v, shape, 2, filters).reduce((s, b, i) => s + dot(b.data, weights[i]), 0);
      const want = finiteDifferences(loss, x);
      const layer = kind === 'dwt' ? new DWT2D({ wavelet: name }) : new WaveletPool2D({ wavelet: name, bands: kind });
      const order = kind === 'dwt' ? [0, 2, 1, 3] : [0];
      const wts = order.map((i) => tf.tensor(Float32Array.from(weights[i]), bandShapes[i]));
      const xt = tf.tensor(Float32Array.from(x), shape);
      const g = tf.grad((v: tf.Tensor) => {
        const out = layer.apply(v) as tf.Tensor | tf.Tensor[];
        return tf.addN((Array.isArray(out) ? out : [out]).map((o, i) => tf.sum(tf.mul(o, wts[i]))));
      })(xt);
      assertClose(await g.data(), want, `${name} ${kind}`);
      tf.dispose([xt, g, ...wts]);
    }
    // WaveletUnpool2D with an odd target: loss = <w, IDWT(bands) cropped>
    const w = wavelet('db3');
    const bandShape = [1, 3, 4, 2];
    const target: [number, number] = [5, 8];
    const bands = [0, 1, 2, 3].map(() => random(rng, bandShape));
    const weight = random(rng, [1, ...target, 2]);
    const flat = Float64Array.from(bands.flatMap((b) => [...b]));
    const n = size(bandShape);
    const loss = (v: Float64Array) => dot(refSynthesis2([0, 1, 2, 3].map((i) => v.subarray(i * n, (i + 1) * n)), bandShape, [w.recLo, w.recHi], target), weight);
    const want = finiteDifferences(loss, flat);
    const layer = new WaveletUnpool2D({ wavelet: 'db3' });
    const like = tf.zeros([1, ...target, 2]);
    const wt = tf.tensor(Float32Array.from(weight), [1, ...target, 2]);
    const ts = bands.map((b) => tf.tensor(Float32Array.from(b), bandShape));
    const grads = tf.grads((...inputs: tf.Tensor[]) => tf.sum(tf.mul(layer.apply([...inputs, like]) as tf.Tensor, wt)))(ts);
    const read = await Promise.all(grads.map((g) => g.data()));
    assertClose(Float64Array.from(read.flatMap((v) => [...v])), want, 'unpool db3 crop');
    tf.dispose([like, wt, ...ts, ...grads]);
  });

  test(`a forward and backward pass leaves tf.memory().numTensors unchanged (${backend})`, { skip: backendSkip }, async () => {
    await initEngine({ backend });
    const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 1);
    const pool = new WaveletPool2D({ wavelet: 'db4', returnDetails: true });
    const unpool = new WaveletUnpool2D({ wavelet: 'db4' });
    const lows = [new WaveletPool2D({ wavelet: 'sym4' }), new WaveletPool2D({ wavelet: 'haar', bands: 'average' }), new WaveletPool2D({ wavelet: 'db2', bands: 'concat' })];
    const run = () => {
      const g = tf.grad((v: tf.Tensor) => {
        const bands = pool.apply(v) as tf.Tensor[];
        const up = unpool.apply([tf.relu(bands[0]), ...bands.slice(1), v]) as tf.Tensor;
        return tf.addN([tf.sum(tf.square(up)), ...lows.map((l) => tf.sum(l.apply(v) as tf.Tensor))]);
      })(x);
      g.dispose();
    };
    const before = tf.memory().numTensors;
    run();
    assert.equal(tf.memory().numTensors, before);
    run();
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
}
