// coeffsToArray / arrayToCoeffs against PyWavelets 1.1.1's coeffs_to_array /
// array_to_coeffs (fixtures from scripts/gen_coeff_array_fixtures.py): wavedec,
// wavedec2 and wavedecn lists, tight and padded packing (0, −1, NaN, none),
// subsets of axes in any order, negative axes, level 0; the slices equal
// pywt's; the packing is differentiable; bad input is refused by name.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import type { Mode } from '../../src/wavelets/extend.js';
import { type CoeffFormat, type CoeffSlices, type PackableCoeffs, arrayToCoeffs, coeffsToArray } from '../../src/wavelets/coeff-array.js';
import { wavedec, wavedec2, wavedecn, waverec2 } from '../../src/wavelets/multilevel.js';
import { type Nested, assertClose, fixture, flat, maxAbs } from './helpers.js';

before(async () => {
  await initEngine();
});

interface Case {
  name: string;
  x: Nested;
  transform: 'wavedec' | 'wavedec2' | 'wavedecn';
  wave: string;
  mode: Mode;
  level: number;
  axes: number[] | null;
  padding: number | 'nan' | null;
  array: Nested;
  slices: CoeffSlices;
  format: CoeffFormat;
  coeffs: unknown[];
}

const cases: Case[] = fixture('coeff-array.json').cases;

function decompose(c: Case): PackableCoeffs {
  const x = c.x as number[];
  if (c.transform === 'wavedec') return wavedec(x, c.wave, c.mode, { level: c.level }) as PackableCoeffs;
  const options = { level: c.level, ...(c.axes ? { axes: c.axes } : {}) };
  return (c.transform === 'wavedec2' ? wavedec2(x as never, c.wave, c.mode, options) : wavedecn(x as never, c.wave, c.mode, options)) as PackableCoeffs;
}

/** Compares a tensor with a pywt array whose NaN cells (padding) are null. */
function closeWithNaN(actual: tf.Tensor, expected: Nested, scale: number, label: string): void {
  const a = actual.dataSync();
  const e = flat(expected as Nested) as (number | null)[];
  assert.equal(a.length, e.length, `${label}: size`);
  e.forEach((v, i) => {
    if (v === null) assert.ok(Number.isNaN(a[i]), `${label}[${i}]: NaN padding, got ${a[i]}`);
    else assert.ok(Math.abs(a[i] - v) <= 1e-5 * scale, `${label}[${i}]: ${a[i]} vs ${v}`);
  });
}

test('coeffsToArray packs like pywt coeffs_to_array: same array and slices for wavedec, wavedec2 and wavedecn lists', () => {
  assert.equal(cases.length, 8);
  for (const c of cases) {
    tf.tidy(() => {
      const coeffs = decompose(c);
      const padding = c.padding === 'nan' ? NaN : c.padding;
      const [array, slices] = coeffsToArray(coeffs, { padding, ...(c.axes && c.transform !== 'wavedec' ? { axes: c.axes } : {}) });
      assert.deepEqual(slices, c.slices, `${c.name}: slices`);
      const scale = maxAbs(flat(c.x).filter((v) => v !== null));
      if (c.padding === 'nan') {
        assert.deepEqual(array.shape, tf.tensor(flat(c.array).map((v) => v ?? 0)).reshape(shapeOf(c.array)).shape, `${c.name}: shape`);
        closeWithNaN(array, c.array, Math.max(scale, 1), c.name);
      } else assertClose(array, c.array, scale, `${c.name}: array`);
    });
  }
});

function shapeOf(v: Nested): number[] {
  const shape: number[] = [];
  for (let x: Nested = v; Array.isArray(x); x = x[0]) shape.push(x.length);
  return shape;
}

function pywtArray(c: Case): tf.Tensor {
  return tf.tensor(flat(c.array).map((v) => (v === null ? NaN : v)), shapeOf(c.array));
}

test('arrayToCoeffs unpacks pywt arrays with pywt slices like array_to_coeffs, in each output format', () => {
  for (const c of cases) {
    tf.tidy(() => {
      const out = arrayToCoeffs(pywtArray(c), c.slices, c.format as 'wavedecn') as unknown[];
      assert.equal(out.length, c.coeffs.length, `${c.name}: levels`);
      const scale = Math.max(1, maxAbs(flat(c.x)));
      assertClose(out[0] as tf.Tensor, c.coeffs[0] as Nested, scale, `${c.name}: approximation`);
      out.slice(1).forEach((level, i) => {
        const expected = c.coeffs[i + 1];
        if (c.format === 'wavedec') assertClose(level as tf.Tensor, expected as Nested, scale, `${c.name}: level ${i + 1}`);
        else if (c.format === 'wavedec2') (level as tf.Tensor[]).forEach((b, k) => assertClose(b, (expected as Nested[])[k], scale, `${c.name}: level ${i + 1} band ${k}`));
        else {
          const record = level as Record<string, tf.Tensor>;
          assert.deepEqual(Object.keys(record).sort(), Object.keys(expected as object).sort(), `${c.name}: keys`);
          for (const key of Object.keys(record)) assertClose(record[key], (expected as Record<string, Nested>)[key], scale, `${c.name}: level ${i + 1} ${key}`);
        }
      });
    });
  }
});

test('round trip: waverec2(arrayToCoeffs(coeffsToArray(wavedec2(x)))) = x; the packing is differentiable and leaves no tensors', () => {
  const x = tf.randomNormal([3, 20, 16], 0, 1, 'float32', 5);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const coeffs = wavedec2(x, 'db2', 'symmetric', { level: 2 });
    const [array, slices] = coeffsToArray(coeffs, { axes: [-2, -1] });
    const back = waverec2(arrayToCoeffs(array, slices, 'wavedec2'), 'db2', 'symmetric');
    assert.ok(tf.max(tf.abs(tf.sub(back, x))).dataSync()[0] < 1e-5);
    // d/dx of <coeffsToArray(wavedec2(x)), w> equals the adjoint path through the coefficient list
    const w = tf.randomNormal(array.shape, 0, 1, 'float32', 6);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(coeffsToArray(wavedec2(v, 'db2', 'symmetric', { level: 2 }), { axes: [-2, -1] })[0], w)))(x);
    const parts = arrayToCoeffs(w, slices, 'wavedec2');
    const g2 = tf.grad((v: tf.Tensor) => {
      const [a, ...ds] = wavedec2(v, 'db2', 'symmetric', { level: 2 });
      const [pa, ...pds] = parts;
      return tf.addN([tf.sum(tf.mul(a, pa)), ...ds.flatMap((d, i) => d.map((b, k) => tf.sum(tf.mul(b, pds[i][k]))))]);
    })(x);
    assert.ok(tf.max(tf.abs(tf.sub(g, g2))).dataSync()[0] < 1e-5, 'gradient through the packing');
  });
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});

test('bad input names the argument: tight packing impossible, missing axes, missing bands, bad slices and formats', () => {
  const refuses = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof WavecvError, String(e));
      assert.match((e as Error).message, pattern);
      return true;
    });
  const img = Array.from({ length: 14 }, (_, r) => Array.from({ length: 13 }, (_, k) => r * k));
  tf.tidy(() => {
    const coeffs = wavedec2(img, 'db2', 'symmetric', { level: 2 }) as PackableCoeffs;
    refuses(() => coeffsToArray(coeffs, { padding: null }), /^padding: got null, expected a number: these coefficients do not pack tightly \(292 values in a \[18, 18\] array\)/);
    const batch = wavedec2([img, img], 'haar', 'zero', { level: 1 }) as PackableCoeffs;
    refuses(() => coeffsToArray(batch), /^axes: got undefined, expected the 2 axes the decomposition transformed/);
    refuses(() => coeffsToArray([coeffs[0], [null, coeffs[1][1], coeffs[1][2]]] as never), /^coeffs\[1\]\[0\]: got null, expected an array \(coeffsToArray does not take missing coefficients\)/);
    refuses(() => coeffsToArray([coeffs[0], { ad: (coeffs[1] as tf.Tensor[])[1] }] as never), /^coeffs\[1\]: got \["ad"\], expected a "dd" band/);
    const [array, slices] = coeffsToArray(coeffs);
    refuses(() => arrayToCoeffs(array, slices, 'wavedec'), /^slices\[1\]\.d: got undefined, expected the slices of band "d" \(wavedec format\)/);
    refuses(() => arrayToCoeffs(array, slices, 'pywt' as never), /^format: got "pywt", expected one of wavedec, wavedec2, wavedecn/);
    refuses(() => arrayToCoeffs(array, [[[0, 5], [0, 99]]] as never), /^slices\[0\]\[1\]: got \[0, 99\], expected null or \[start, stop\] with 0 ≤ start < stop ≤ 18/);
  });
});
