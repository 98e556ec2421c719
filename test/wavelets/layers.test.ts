// The wavelet layers against pywt fixtures (scripts/gen_layer_fixtures.py),
// their band conventions, pooling variants, odd sizes and error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { readScalars } from '../../src/engine/read.js';
import { backendSkip, initTestBackend, SUITE_BACKENDS } from '../helpers/backend.js';
import { WavecvError } from '../../src/errors.js';
import { DWT1D, DWT2D, DWT3D, IDWT1D, IDWT2D, IDWT3D, WaveletPool2D, WaveletPool3D, WaveletUnpool2D, WaveletUnpool3D } from '../../src/wavelets/layers.js';

interface Case {
  wavelet: string;
  mode: string;
  dims: 1 | 2 | 3;
  shape: number[];
  x: number[];
  bandShape: number[];
  keys: string[];
  bands: number[][];
  coeffs: number[][];
  idwtShape: number[];
  idwt: number[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/layers.json', import.meta.url), 'utf8')) as { cases: Case[] };

const DWT = { 1: DWT1D, 2: DWT2D, 3: DWT3D } as const;
const IDWT = { 1: IDWT1D, 2: IDWT2D, 3: IDWT3D } as const;

/** The layers' band order as pywt dwtn keys. */
function layerKeys(dims: number): string[] {
  return dims === 1 ? ['a', 'd'] : dims === 2 ? ['aa', 'da', 'ad', 'dd'] : ['aaa', 'aad', 'ada', 'add', 'daa', 'dad', 'dda', 'ddd'];
}

function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  return err;
}

for (const backend of SUITE_BACKENDS) {
  test(`layers equal pywt DWT/IDWT (periodization: haar, db2, db4, bior3.3, sym4, dmey; symmetric, zero, reflect, antireflect) in 1-D/2-D/3-D, odd and short sizes (${backend})`, { skip: backendSkip }, async () => {
    await initEngine({ backend });
    const before = tf.memory().numTensors;
    let worst = 0;
    for (const c of fixture.cases) {
      const label = `${c.wavelet} ${c.mode} ${c.dims}-D [${c.shape}]`;
      const x = tf.tensor(c.x, c.shape);
      const bands = new DWT[c.dims]({ wavelet: c.wavelet, mode: c.mode }).apply(x) as tf.Tensor[];
      const keys = layerKeys(c.dims);
      assert.equal(bands.length, keys.length, label);
      for (const [i, band] of bands.entries()) {
        assert.deepEqual(band.shape, c.bandShape, `${label} band ${keys[i]} shape`);
        const err = maxAbsDiff(await band.data(), c.bands[c.keys.indexOf(keys[i])]);
        worst = Math.max(worst, err);
        assert.ok(err < 2e-5, `${label} band ${keys[i]}: ${err}`);
      }
      const coeffs = keys.map((k) => tf.tensor(c.coeffs[c.keys.indexOf(k)], c.bandShape));
      const y = new IDWT[c.dims]({ wavelet: c.wavelet, mode: c.mode }).apply(coeffs) as tf.Tensor;
      assert.deepEqual(y.shape, c.idwtShape, `${label} idwt shape`);
      const err = maxAbsDiff(await y.data(), c.idwt);
      worst = Math.max(worst, err);
      assert.ok(err < 2e-5, `${label} idwt: ${err}`);
      tf.dispose([x, ...bands, ...coeffs, y]);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    assert.ok(worst < 2e-5);
  });
}

test('IDWT(DWT(x)) = x for members of every family (dmey is not a perfect-reconstruction bank, in pywt neither); odd sizes through the unpooling crop', { skip: backendSkip }, async () => {
  await initTestBackend();
  for (const wavelet of ['haar', 'db3', 'sym5', 'coif2', 'bior2.4', 'rbio3.1']) {
    const x = tf.randomNormal([2, 10, 12, 3], 0, 1, 'float32', 7);
    const y = new IDWT2D({ wavelet }).apply(new DWT2D({ wavelet }).apply(x)) as tf.Tensor;
    assert.ok(maxAbsDiff(await y.data(), await x.data()) < 2e-5, wavelet);
    const odd = tf.randomNormal([1, 7, 5, 2], 0, 1, 'float32', 8);
    const bands = new WaveletPool2D({ wavelet, returnDetails: true }).apply(odd) as tf.Tensor[];
    const back = new WaveletUnpool2D({ wavelet }).apply([...bands, odd]) as tf.Tensor;
    assert.deepEqual(back.shape, odd.shape);
    assert.ok(maxAbsDiff(await back.data(), await odd.data()) < 2e-5, `${wavelet} odd`);
    const vol = tf.randomNormal([1, 5, 4, 3, 2], 0, 1, 'float32', 9);
    const vbands = new WaveletPool3D({ wavelet, returnDetails: true }).apply(vol) as tf.Tensor[];
    assert.equal(vbands.length, 8);
    const vback = new WaveletUnpool3D({ wavelet }).apply([...vbands, vol]) as tf.Tensor;
    assert.ok(maxAbsDiff(await vback.data(), await vol.data()) < 2e-5, `${wavelet} 3-D odd`);
    const line = tf.randomNormal([2, 9, 3], 0, 1, 'float32', 10);
    const lback = new IDWT1D({ wavelet }).apply(new DWT1D({ wavelet }).apply(line)) as tf.Tensor;
    assert.deepEqual(lback.shape, [2, 10, 3]);
    tf.dispose([x, y, odd, ...bands, back, vol, ...vbands, vback, line, lback]);
  }
});

test('band naming: an image varying along W only puts its detail energy in cV (pywt), i.e. WaveCNet LH', { skip: backendSkip }, async () => {
  await initTestBackend();
  const row = Array.from({ length: 8 }, (_, j) => Math.sin(j * 1.3) + (j % 2));
  const x = tf.tensor4d(Array.from({ length: 8 }, () => row).flat(), [1, 8, 8, 1]);
  const [ll, cH, cV, cD] = new DWT2D({ wavelet: 'db2' }).apply(x) as tf.Tensor[];
  const sums = [ll, cH, cV, cD].map((t) => tf.tidy(() => tf.sum(tf.square(t))));
  const [eLL, eH, eV, eD] = await readScalars(sums);
  tf.dispose(sums);
  assert.ok(eLL > 1);
  assert.ok(eV > 0.1);
  assert.ok(eH < 1e-10 && eD < 1e-10, `cH ${eH} cD ${eD}`);
  tf.dispose([x, ll, cH, cV, cD]);
});

test('WaveletPool2D bands: low = LL, average = (LL + cH + cV + cD)/4, concat = bands on channels; DWT concat layout', { skip: backendSkip }, async () => {
  await initTestBackend();
  const x = tf.randomNormal([2, 9, 6, 3], 0, 1, 'float32', 3);
  const bands = new DWT2D({ wavelet: 'bior3.3' }).apply(x) as tf.Tensor[];
  const low = new WaveletPool2D({ wavelet: 'bior3.3' }).apply(x) as tf.Tensor;
  const average = new WaveletPool2D({ wavelet: 'bior3.3', bands: 'average' }).apply(x) as tf.Tensor;
  const concat = new WaveletPool2D({ wavelet: 'bior3.3', bands: 'concat' }).apply(x) as tf.Tensor;
  const stacked = new DWT2D({ wavelet: 'bior3.3', concat: true }).apply(x) as tf.Tensor;
  assert.deepEqual(low.shape, [2, 5, 3, 3]);
  assert.deepEqual(concat.shape, [2, 5, 3, 12]);
  assert.ok(maxAbsDiff(await low.data(), await bands[0].data()) < 1e-5);
  const mean = tf.div(tf.addN(bands), 4);
  assert.ok(maxAbsDiff(await average.data(), await mean.data()) < 1e-5);
  const cat = tf.concat(bands, 3);
  assert.ok(maxAbsDiff(await concat.data(), await cat.data()) < 1e-6);
  assert.ok(maxAbsDiff(await stacked.data(), await cat.data()) < 1e-6);
  const back = new IDWT2D({ wavelet: 'bior3.3' }).apply(stacked) as tf.Tensor;
  const back2 = new IDWT2D({ wavelet: 'bior3.3' }).apply(bands) as tf.Tensor;
  assert.deepEqual(back.shape, [2, 10, 6, 3]);
  assert.ok(maxAbsDiff(await back.data(), await back2.data()) < 1e-6);
  const vol = tf.randomNormal([1, 4, 6, 5, 2], 0, 1, 'float32', 4);
  const vbands = new DWT3D({ wavelet: 'haar' }).apply(vol) as tf.Tensor[];
  const vavg = new WaveletPool3D({ wavelet: 'haar', bands: 'average' }).apply(vol) as tf.Tensor;
  const vmean = tf.div(tf.addN(vbands), 8);
  assert.ok(maxAbsDiff(await vavg.data(), await vmean.data()) < 1e-5);
  tf.dispose([x, ...bands, low, average, concat, stacked, mean, cat, back, back2, vol, ...vbands, vavg, vmean]);
});

test('other modes: pool/unpool round trip with cropping, average pooling and symbolic shapes (symmetric, zero)', { skip: backendSkip }, async () => {
  await initTestBackend();
  for (const mode of ['symmetric', 'zero']) {
    const x = tf.randomNormal([1, 7, 6, 2], 0, 1, 'float32', 12);
    const bands = new WaveletPool2D({ wavelet: 'db2', mode, returnDetails: true }).apply(x) as tf.Tensor[];
    assert.deepEqual(bands[0].shape, [1, 5, 4, 2]);
    const back = new WaveletUnpool2D({ wavelet: 'db2', mode }).apply([...bands, x]) as tf.Tensor;
    assert.ok(maxAbsDiff(await back.data(), await x.data()) < 2e-5, mode);
    const average = new WaveletPool2D({ wavelet: 'db2', mode, bands: 'average' }).apply(x) as tf.Tensor;
    const mean = tf.div(tf.addN(bands), 4);
    assert.ok(maxAbsDiff(await average.data(), await mean.data()) < 1e-5, mode);
    const input = tf.input({ shape: [7, 6, 2] });
    const symbolic = new WaveletPool2D({ wavelet: 'db2', mode, returnDetails: true }).apply(input) as tf.SymbolicTensor[];
    assert.deepEqual(symbolic[0].shape, [null, 5, 4, 2]);
    assert.deepEqual((new IDWT2D({ wavelet: 'db2', mode }).apply(symbolic) as tf.SymbolicTensor).shape, [null, 8, 6, 2]);
    tf.dispose([x, ...bands, back, average, mean]);
  }
});

test('symbolic shapes: computeOutputShape matches the outputs, including unknown sizes', { skip: backendSkip }, async () => {
  await initTestBackend();
  const input = tf.input({ shape: [null, 7, 3] as unknown as number[] });
  const bands = new DWT2D({ wavelet: 'db2' }).apply(input) as tf.SymbolicTensor[];
  assert.deepEqual(bands[0].shape, [null, null, 4, 3]);
  const pooled = new WaveletPool2D({ bands: 'concat' }).apply(input) as tf.SymbolicTensor;
  assert.deepEqual(pooled.shape, [null, null, 4, 12]);
  const up = new IDWT2D({ wavelet: 'db2' }).apply(bands) as tf.SymbolicTensor;
  assert.deepEqual(up.shape, [null, null, 8, 3]);
  const details = new WaveletPool2D({ returnDetails: true }).apply(input) as tf.SymbolicTensor[];
  const cropped = new WaveletUnpool2D().apply([...details, input]) as tf.SymbolicTensor;
  assert.deepEqual(cropped.shape, [null, null, 7, 3]);
});

test('clear errors: unknown wavelet, unknown mode, wrong rank, bad pooling options, wrong unpool inputs', { skip: backendSkip }, async () => {
  await initTestBackend();
  const is = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);
  assert.throws(() => new DWT2D({ wavelet: 'db99' }), is(/wave: got "db99".*db members/));
  assert.throws(() => new WaveletPool2D({ mode: 'circular' }), is(/mode: got "circular", expected one of zero, constant, symmetric/));
  assert.throws(() => new WaveletPool2D({ bands: 'max' as never }), is(/bands: got "max", expected one of low, average, concat/));
  assert.throws(() => new WaveletPool2D({ bands: 'average', returnDetails: true }), is(/returnDetails/));
  const x = tf.zeros([2, 8, 3]);
  assert.throws(() => new DWT2D({ name: 'dwt' }).apply(x), is(/dwt input: got "shape \[2, 8, 3\]", expected rank 4/));
  const band = tf.zeros([1, 4, 4, 2]);
  assert.throws(() => new WaveletUnpool2D().apply([band, band]), is(/inputs: got 2, expected 4 tensors/));
  assert.throws(() => new WaveletUnpool2D().apply([band, band, band, band, tf.zeros([1, 5, 8, 2])]), is(/sizes\[0\]: got 5, expected 8 or 7/));
  tf.dispose([x, band]);
});
