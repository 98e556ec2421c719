// Gradients of the wavelet API are exact adjoints: dot-product tests
// ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ with Aᵀy from tf.grad on the wasm and cpu backends,
// finite differences of a plain-JS float64 pywt reference, second-order
// gradients, and no leaked tensors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { MODES, type Mode } from '../../src/wavelets/extend.js';
import { dwt, dwt2, idwt, idwtn, dwtn } from '../../src/wavelets/multidim.js';
import { wavedec, waverec, wavedec2, waverec2, wavedecn, waverecn } from '../../src/wavelets/multilevel.js';
import { captureWarnings, pseudoRandom, refDwt, refIdwt } from './helpers.js';

captureWarnings();

before(async () => {
  await initEngine({ backend: 'wasm' });
});
after(async () => {
  await initEngine({ backend: 'wasm' });
});

const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b)).dataSync()[0];
const norm = (a: tf.Tensor) => Math.sqrt(dot(a, a));

/** Asserts ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ for the linear map `apply` (list of outputs), Aᵀy by tf.grad. */
function adjointCheck(label: string, x: tf.Tensor, apply: (x: tf.Tensor) => tf.Tensor[], seed: number): void {
  tf.tidy(() => {
    const outputs = apply(x);
    const ys = outputs.map((o, i) => tf.tensor(pseudoRandom(o.size, seed + i), o.shape));
    const loss = (t: tf.Tensor) => tf.addN(apply(t).map((o, i) => tf.sum(tf.mul(o, ys[i])))) as tf.Scalar;
    const lhs = outputs.reduce((s, o, i) => s + dot(o, ys[i]), 0);
    const atY = tf.grad(loss)(x);
    assert.deepEqual(atY.shape, x.shape, `${label}: gradient shape`);
    const rhs = dot(x, atY);
    const scale = Math.sqrt(outputs.reduce((s, o) => s + norm(o) ** 2, 0)) * Math.sqrt(ys.reduce((s, y) => s + norm(y) ** 2, 0));
    assert.ok(Math.abs(lhs - rhs) <= 2e-6 * scale, `${label}: ⟨Ax,y⟩ = ${lhs}, ⟨x,Aᵀy⟩ = ${rhs} (scale ${scale.toPrecision(3)})`);
  });
}

const SHAPES: [number[], number][] = [
  [[1], 0],
  [[5], 0],
  [[3, 8, 2], 1],
  [[4, 6], 0],
];

function adjointSuite(backend: string, waves: string[], shapes: [number[], number][]): void {
  let seed = 1;
  for (const mode of MODES) {
    for (const wave of waves) {
      for (const [shape, axis] of shapes) {
        const label = `${backend} ${wave} ${mode} shape [${shape}] axis ${axis}`;
        const x = tf.tensor(pseudoRandom(shape.reduce((a, b) => a * b, 1), seed++), shape);
        adjointCheck(`dwt ${label}`, x, (t) => dwt(t, wave, { mode, axis }), seed++);
        const [cA] = dwt(x, wave, { mode, axis });
        const c = tf.tensor(pseudoRandom(cA.size * 2, seed++), [2, ...cA.shape]);
        const [a0, d0] = tf.unstack(c);
        // one band at a time (the other null, i.e. zeros) keeps the map linear
        adjointCheck(`idwt(cA) ${label}`, a0, (t) => [idwt(t, null, wave, { mode, axis })], seed++);
        adjointCheck(`idwt(cA, cD) ${label}`, c, (t) => [idwt(tf.gather(t, 0), tf.gather(t, 1), wave, { mode, axis })], seed++);
        tf.dispose([x, cA, c, a0, d0]);
      }
    }
  }
}

test('dwt and idwt gradients are exact adjoints on wasm: 9 modes × 4 wavelets × 4 shapes/axes', () => {
  adjointSuite('wasm', ['haar', 'db3', 'bior2.4', 'coif2'], SHAPES);
});

test('dwt and idwt gradients are exact adjoints on the cpu backend too', async () => {
  await initEngine({ backend: 'cpu' });
  try {
    adjointSuite('cpu', ['db3', 'bior2.4'], SHAPES.slice(1, 3));
  } finally {
    await initEngine({ backend: 'wasm' });
  }
});

test('multilevel and n-D transforms have adjoint gradients (wavedec, wavedec2, wavedecn and their inverses)', () => {
  const img = tf.tensor(pseudoRandom(11 * 9, 7), [11, 9]);
  const vol = tf.tensor(pseudoRandom(2 * 7 * 6 * 5, 8), [2, 7, 6, 5]);
  for (const mode of ['symmetric', 'periodization', 'smooth', 'antireflect'] as Mode[]) {
    adjointCheck(`wavedec ${mode}`, tf.tensor(pseudoRandom(37, 9), [37]), (t) => wavedec(t, 'db2', { mode, level: 3 }), 10);
    adjointCheck(`wavedec2 ${mode}`, img, (t) => wavedec2(t, 'sym3', { mode, level: 2 }).flat(), 11);
    adjointCheck(`wavedecn ${mode}`, vol, (t) => wavedecn(t, 'bior1.3', { mode, level: 1, axes: [1, 3] }).flatMap((c) => (c instanceof tf.Tensor ? [c] : Object.values(c))), 12);
    // inverses: one input varies, the others are zeros, so each map is linear
    tf.tidy(() => {
      const zero = (c: tf.Tensor) => tf.zerosLike(c);
      const coeffs = wavedec(tf.tensor(pseudoRandom(37, 13), [37]), 'db2', { mode, level: 3 });
      const z = coeffs.map(zero);
      adjointCheck(`waverec(cA) ${mode}`, coeffs[0], (t) => [waverec([t, ...z.slice(1)], 'db2', { mode })], 14);
      adjointCheck(`waverec(cD2) ${mode}`, coeffs[2], (t) => [waverec([z[0], z[1], t, z[3]], 'db2', { mode })], 15);
      const c2 = wavedec2(img, 'sym3', { mode, level: 2 });
      adjointCheck(`waverec2(cH1) ${mode}`, c2[2][0], (t) => [waverec2([zero(c2[0]), c2[1].map(zero) as [tf.Tensor, tf.Tensor, tf.Tensor], [t, zero(c2[2][1]), null]], 'sym3', { mode })], 16);
      const bands = dwtn(vol, 'db2', { mode, axes: [0, 2] });
      adjointCheck(`idwtn(da) ${mode}`, bands.da, (t) => [idwtn({ da: t }, 'db2', { mode, axes: [0, 2] })], 17);
      const cn = wavedecn(vol, 'haar', { mode, level: 1, axes: [1, 2, 3] });
      adjointCheck(`waverecn(dad) ${mode}`, (cn[1] as Record<string, tf.Tensor>).dad, (t) => [waverecn([null, { dad: t }], 'haar', { mode, axes: [1, 2, 3] })], 18);
    });
  }
  tf.dispose([img, vol]);
});

/** Central finite differences of a float64 function of x, contracted with the output weights `w`. */
function finiteDifferenceGradient(f: (x: number[]) => number[], x: number[], w: number[]): number[] {
  const h = 1e-6;
  return x.map((_, i) => {
    const up = x.slice();
    const down = x.slice();
    up[i] += h;
    down[i] -= h;
    const fu = f(up);
    const fd = f(down);
    return fu.reduce((s, v, k) => s + w[k] * (v - fd[k]), 0) / (2 * h);
  });
}

function assertGradClose(actual: tf.Tensor, expected: number[], label: string): void {
  const a = actual.dataSync();
  const scale = Math.max(1, ...expected.map(Math.abs));
  expected.forEach((e, i) => assert.ok(Math.abs(a[i] - e) <= 1e-5 * scale, `${label}: grad[${i}] ${a[i]} vs finite difference ${e}`));
}

test('gradients equal float64 finite differences of the pywt formulas in every mode (odd, even, shorter than the filter)', () => {
  for (const mode of MODES) {
    for (const [wave, n] of [
      ['db2', 5],
      ['db2', 6],
      ['sym4', 3],
      ['bior3.5', 4],
      ['coif1', 7],
    ] as [string, number][]) {
      const label = `${wave} ${mode} n=${n}`;
      const x = pseudoRandom(n, n * 31 + wave.length);
      const [a64, d64] = refDwt(x, wave, mode);
      const m = a64.length;
      const w = pseudoRandom(2 * m, 99 + n);
      const fdX = finiteDifferenceGradient((v) => refDwt(v, wave, mode).flat(), x, w);
      tf.tidy(() => {
        const wA = tf.tensor1d(w.slice(0, m));
        const wD = tf.tensor1d(w.slice(m));
        const [cA, cD] = dwt(x, wave, { mode });
        assert.deepEqual(cA.shape, [m], `${label}: reference length`);
        const ref = [...a64, ...d64];
        [...cA.dataSync(), ...cD.dataSync()].forEach((v, i) => assert.ok(Math.abs(v - ref[i]) <= 1e-5 * Math.max(1, Math.abs(ref[i])), `${label}: reference forward`));
        const g = tf.grad((t: tf.Tensor) => {
          const [a, d] = dwt(t, wave, { mode });
          return tf.add(tf.sum(tf.mul(a, wA)), tf.sum(tf.mul(d, wD)));
        })(tf.tensor1d(x));
        assertGradClose(g, fdX, `dwt ${label}`);
        // synthesis: gradient with respect to both bands
        const cAin = pseudoRandom(m, 7 + n);
        const cDin = pseudoRandom(m, 8 + n);
        const out = refIdwt(cAin, cDin, wave, mode);
        const wOut = pseudoRandom(out.length, 5 + n);
        const fdA = finiteDifferenceGradient((v) => refIdwt(v, cDin, wave, mode), cAin, wOut);
        const fdD = finiteDifferenceGradient((v) => refIdwt(cAin, v, wave, mode), cDin, wOut);
        const wOutT = tf.tensor1d(wOut);
        const [gA, gD] = tf.grads((a: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(idwt(a, d, wave, { mode }), wOutT)))([tf.tensor1d(cAin), tf.tensor1d(cDin)]);
        assertGradClose(gA, fdA, `idwt cA ${label}`);
        assertGradClose(gD, fdD, `idwt cD ${label}`);
      });
    }
  }
});

test('second-order gradients flow through the transforms (Hessian-vector product of ‖DWT x‖²)', () => {
  tf.tidy(() => {
    const x = tf.tensor1d(pseudoRandom(9, 3));
    const v = tf.tensor1d(pseudoRandom(9, 4));
    const energy = (t: tf.Tensor) => tf.addN(dwt(t, 'db2', { mode: 'smooth' }).map((c) => tf.sum(tf.square(c)))) as tf.Scalar;
    // ∇E(x) = 2AᵀAx is linear, so the Hessian-vector product Hv equals ∇E(v).
    const hv = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad(energy)(t), v)))(x);
    const expected = tf.grad(energy)(v);
    const diff = tf.max(tf.abs(tf.sub(hv, expected))).dataSync()[0];
    assert.ok(diff <= 1e-5 * tf.max(tf.abs(expected)).dataSync()[0], `Hv differs by ${diff}`);
  });
});

test('wavedec2/waverec2 and their gradients leave no tensors behind', () => {
  const x = tf.tensor(pseudoRandom(2 * 24 * 20 * 3, 5), [2, 24, 20, 3]);
  const run = () => {
    const coeffs = wavedec2(x, 'db2', { mode: 'symmetric', level: 2, axes: [1, 2] });
    const rec = waverec2(coeffs, 'db2', { mode: 'symmetric', axes: [1, 2] });
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.square(waverec2(wavedec2(t, 'db2', { mode: 'periodization', level: 2, axes: [1, 2] }), 'db2', { mode: 'periodization', axes: [1, 2] }))))(x);
    tf.dispose([...coeffs.flat(), rec, grad]);
  };
  run();
  const before = tf.memory().numTensors;
  run();
  const rec = tf.tidy(() => waverec2(wavedec2(x, 'haar'), 'haar'));
  rec.dispose();
  const [a, d] = dwt([1, 2, 3, 4, 5], 'db3');
  tf.dispose([a, d]);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
