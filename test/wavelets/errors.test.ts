// Bad input to the wavelet API throws a WavecvError whose message names the
// argument, the value received and what was expected.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import type { Mode } from '../../src/wavelets/extend.js';
import { dwtCoeffLen, dwtMaxLevel } from '../../src/wavelets/transform.js';
import { dwt, dwt2, idwt, idwtn, dwtn } from '../../src/wavelets/multidim.js';
import { wavedec, waverec, wavedec2, waverec2, wavedecn, waverecn } from '../../src/wavelets/multilevel.js';

before(async () => {
  await initEngine();
});

function throwsWavecv(fn: () => unknown, pattern: RegExp): void {
  const before = tf.memory().numTensors;
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WavecvError, `expected a WavecvError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
  assert.equal(tf.memory().numTensors, before, `no tensors left behind by the failed call (${pattern})`);
}

const x = [1, 2, 3, 4, 5, 6, 7, 8];

test('unknown wavelets and modes are named with the valid choices', () => {
  throwsWavecv(() => dwt(x, 'db99'), /^wave: got "db99", expected a discrete wavelet name .*db38/);
  throwsWavecv(() => wavedec(x, 'morl'), /^wave: got "morl", expected a discrete wavelet name/);
  throwsWavecv(() => dwt(x, 42 as never), /^wave: got 42, expected a wavelet name/);
  throwsWavecv(() => dwt(x, 'haar', { mode: 'mirror' as Mode }), /^mode: got "mirror", expected one of zero, constant, symmetric, periodic, smooth, periodization, reflect, antisymmetric, antireflect/);
  throwsWavecv(() => dwt2([x, x], 'haar', { mode: ['zero', 'zero', 'zero'] }), /^mode: got \["zero", "zero", "zero"\], expected one value, or one per transformed axis \(2\)/);
  throwsWavecv(() => dwtn([x, x], ['haar', 'db2', 'db3']), /^wave: .*expected one value, or one per transformed axis \(2\)/);
});

test('bad data: NaN, infinity, non-numbers, ragged arrays, scalars, string tensors, empty axes', () => {
  throwsWavecv(() => dwt([1, NaN, 3], 'haar'), /^data\[1\]: got NaN, expected a finite number/);
  throwsWavecv(() => wavedec2([[1, 2], [3, Infinity]], 'haar'), /^data\[1\]\[1\]: got Infinity, expected a finite number/);
  throwsWavecv(() => dwt([1, '2', 3] as never, 'haar'), /^data\[1\]: got "2", expected a finite number/);
  throwsWavecv(() => dwt([[1, 2], [3]], 'haar'), /^data\[1\]: got \[3\], expected an array of length 2 \(the data must be rectangular, shape \[2, 2\]\)/);
  throwsWavecv(() => dwt(5 as never, 'haar'), /^data: got 5, expected a tf.Tensor or a nested array of numbers/);
  const scalar = tf.scalar(3);
  throwsWavecv(() => dwt(scalar, 'haar'), /^data: got tensor of shape \[\], expected a tensor of rank ≥ 1/);
  const strings = tf.tensor(['a', 'b']);
  throwsWavecv(() => dwt(strings, 'haar'), /^data: got tensor of shape \[2\], expected a real-valued tensor/);
  tf.dispose([scalar, strings]);
  const empty = tf.zeros([3, 0]);
  throwsWavecv(() => dwt(empty, 'haar'), /^data: got tensor of shape \[3, 0\], expected at least one sample along axis 1/);
  throwsWavecv(() => wavedec(empty, 'haar'), /^data: got 0, expected at least one sample along every transformed axis/);
  empty.dispose();
  throwsWavecv(() => dwt(new Float64Array([1, NaN]), 'haar'), /^data\[1\]: got NaN, expected a finite number/);
});

test('bad axes and ranks', () => {
  throwsWavecv(() => dwt(x, 'haar', { axis: 1 }), /^axis: got 1, expected an integer in \[-1, 0\] for 1-D data/);
  throwsWavecv(() => dwt(x, 'haar', { axis: 0.5 }), /^axis: got 0.5, expected an integer/);
  throwsWavecv(() => wavedec2(x, 'haar'), /^data: got tensor of shape \[8\], expected at least 2 dimensions/);
  throwsWavecv(() => dwt2([x, x], 'haar', { axes: [0, 1, 1] }), /^axes: got \[0, 1, 1\], expected exactly two axes/);
  throwsWavecv(() => wavedec2([x, x], 'haar', { axes: [1, -1] }), /^axes: got \[1, -1\], expected distinct axes/);
  throwsWavecv(() => wavedecn([x, x], 'haar', { axes: [0, 3] }), /^axes\[1\]: got 3, expected an integer in \[-2, 1\] for 2-D data/);
});

test('bad levels and sizes', () => {
  throwsWavecv(() => wavedec(x, 'haar', { level: -1 }), /^level: got -1, expected an integer ≥ 0 \(or undefined for the maximum level, 3 here\)/);
  throwsWavecv(() => wavedecn([x, x], 'haar', { level: 1.5 }), /^level: got 1.5, expected an integer ≥ 0/);
  throwsWavecv(() => dwtMaxLevel(10, 1), /^wave: got 1, expected a filter length \(integer ≥ 2\)/);
  throwsWavecv(() => dwtMaxLevel(-1, 'haar'), /^dataLen: got -1, expected an integer ≥ 0/);
  throwsWavecv(() => dwtCoeffLen(0, 'haar'), /^dataLen: got 0, expected an integer ≥ 1/);
});

test('bad coefficients for the inverses', () => {
  throwsWavecv(() => idwt(null, null, 'haar'), /^cA, cD: got null, expected at least one coefficient array/);
  throwsWavecv(() => idwt([1, 2], [1, 2, 3], 'haar'), /^cD: got tensor of shape \[3\], expected the shape of cA, \[2\]/);
  throwsWavecv(() => idwt([1], [1], 'db2'), /^cA, cD: got tensor of shape \[1\], expected at least 2 coefficients along axis 0 for db2/);
  throwsWavecv(() => waverec([] as never, 'haar'), /^coeffs: got \[\], expected a non-empty list of coefficients as returned by wavedec/);
  throwsWavecv(() => waverec([[1, 2, 3], [1]], 'haar'), /^coeffs\[1\]: got tensor of shape \[1\], expected 3 or 2 samples along axis 0 \(coefficient shape mismatch\)/);
  throwsWavecv(() => waverec2([[[1]], [[1]] as never], 'haar'), /^coeffs\[1\]: got \[\[1\]\], expected a detail triple \[cH, cV, cD\] as returned by wavedec2/);
  throwsWavecv(() => waverecn([[[1]], { ad: null }], 'haar'), /^coeffs\[1\]\.ad: got null, expected an array \(use zeros instead of null/);
  throwsWavecv(() => waverecn([[[1]], { ax: [[1]] }], 'haar'), /^coeffs\[1\] key: got "ax", expected a detail key of "a"\/"d" letters/);
  throwsWavecv(() => idwtn({ aa: [[1]], d: [[1]] }, 'haar'), /^coeffs keys: got \["aa", "d"\], expected keys of one length/);
  throwsWavecv(() => idwtn({ aa: null }, 'haar'), /^coeffs: got \["aa"\], expected at least one non-null band/);
  throwsWavecv(() => idwtn({ aa: [[1, 2]], dd: [[1]] }, 'haar'), /^coeffs\.dd: got tensor of shape \[1, 1\], expected the shape of coeffs\.aa, \[1, 2\]/);
  throwsWavecv(() => idwtn({ aaa: [[1]] }, 'haar'), /^axes: got \[0, 1, 2\], expected axes below the coefficients' rank 2/);
});
