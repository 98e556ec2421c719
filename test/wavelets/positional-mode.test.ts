// pywt's positional mode: dwt(x, 'db2', 'periodization') — the third argument
// of every functional transform may be a mode (or, for the multi-axis
// functions, a list of modes per axis), optionally followed by the other
// options; it is never ignored. Each call is compared with the same call
// given an options object, and with pywt's periodization lengths (which
// differ from the default symmetric mode's, so an ignored mode would show).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import type { Mode } from '../../src/wavelets/extend.js';
import { dwt, dwt2, dwtn, idwt, idwt2, idwtn } from '../../src/wavelets/multidim.js';
import { wavedec, wavedec2, wavedecn, waverec, waverec2, waverecn } from '../../src/wavelets/multilevel.js';

before(async () => {
  await initEngine();
});

function same(a: tf.Tensor, b: tf.Tensor, label: string): void {
  assert.deepEqual(a.shape, b.shape, `${label}: shape`);
  assert.deepEqual([...a.dataSync()], [...b.dataSync()], `${label}: values`);
}

const signal = Array.from({ length: 13 }, (_, i) => Math.sin(i * 0.7) + i / 5);
const image = Array.from({ length: 15 }, (_, r) => Array.from({ length: 12 }, (_, c) => Math.cos(r * 0.3 + c * 0.9) * (r - c)));

test('one-axis functions take the mode as third argument: dwt, idwt, wavedec, waverec', () => {
  tf.tidy(() => {
    const [a, d] = dwt(signal, 'db2', 'periodization');
    assert.deepEqual(a.shape, [7], 'periodization gives ⌈13/2⌉ = 7 coefficients (symmetric would give 8)');
    const [a2, d2] = dwt(signal, 'db2', { mode: 'periodization' });
    same(a, a2, 'dwt cA');
    same(d, d2, 'dwt cD');
    same(idwt(a, d, 'db2', 'periodization'), idwt(a, d, 'db2', { mode: 'periodization' }), 'idwt');
    const rows = tf.tensor2d([signal, signal.map((v) => -v)]);
    same(dwt(rows, 'db2', 'smooth', { axis: 1 })[1], dwt(rows, 'db2', { mode: 'smooth', axis: 1 })[1], 'dwt with further options');
    const coeffs = wavedec(signal, 'db2', 'periodization', { level: 2 });
    assert.deepEqual(coeffs.map((c) => c.shape[0]), [4, 4, 7]);
    coeffs.forEach((c, i) => same(c, wavedec(signal, 'db2', { mode: 'periodization', level: 2 })[i], `wavedec[${i}]`));
    same(waverec(coeffs, 'db2', 'periodization'), waverec(coeffs, 'db2', { mode: 'periodization' }), 'waverec');
  });
});

test('multi-axis functions take a mode or a list of modes as third argument: dwt2, idwt2, wavedec2, waverec2, dwtn, idwtn, wavedecn, waverecn', () => {
  tf.tidy(() => {
    const [cA, details] = dwt2(image, 'db2', 'periodization');
    assert.deepEqual(cA.shape, [8, 6], 'periodization lengths (symmetric: [9, 7])');
    const [cA2, details2] = dwt2(image, 'db2', { mode: 'periodization' });
    same(cA, cA2, 'dwt2 cA');
    details.forEach((d, i) => same(d, details2[i], `dwt2 detail ${i}`));
    same(idwt2([cA, details], 'db2', 'periodization'), idwt2([cA, details], 'db2', { mode: 'periodization' }), 'idwt2');
    const perAxis: Mode[] = ['periodization', 'zero'];
    same(dwt2(image, 'db2', perAxis)[0], dwt2(image, 'db2', { mode: perAxis })[0], 'dwt2 with one mode per axis');
    same(dwt2(image, 'db2', 'periodization', { axes: [1, 0] })[0], dwt2(image, 'db2', { mode: 'periodization', axes: [1, 0] })[0], 'dwt2 with axes');

    const w2 = wavedec2(image, 'db2', 'periodization');
    const w2o = wavedec2(image, 'db2', { mode: 'periodization' });
    assert.deepEqual(w2[0].shape, [4, 3], 'default level 2 with periodization lengths (symmetric: [6, 5])');
    same(w2[0], w2o[0], 'wavedec2 cA');
    const w2l = wavedec2(image, 'db2', 'periodization', { level: 1 });
    assert.equal(w2l.length, 2, 'level from the options after the mode');
    same(waverec2(w2, 'db2', 'periodization'), waverec2(w2, 'db2', { mode: 'periodization' }), 'waverec2');

    const n = dwtn(image, 'db2', 'periodization');
    const no = dwtn(image, 'db2', { mode: 'periodization' });
    for (const key of Object.keys(no)) same(n[key], no[key], `dwtn ${key}`);
    same(idwtn(n, 'db2', 'periodization'), idwtn(n, 'db2', { mode: 'periodization' }), 'idwtn');
    const wn = wavedecn(image, 'db2', 'periodization', { level: 1 });
    same(wn[0], wavedecn(image, 'db2', { mode: 'periodization', level: 1 })[0], 'wavedecn cA');
    same(waverecn(wn, 'db2', 'periodization'), waverecn(wn, 'db2', { mode: 'periodization' }), 'waverecn');
  });
});

test('a mode in the third position is checked and never dropped: bad names, a second mode, options after options, other kinds', () => {
  const refuses = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof WavecvError, String(e));
      assert.match((e as Error).message, pattern);
      return true;
    });
  refuses(() => dwt(signal, 'db2', 'periodisation' as Mode), /^mode: got "periodisation", expected one of zero, constant, symmetric/);
  refuses(() => wavedec2(image, 'db2', 'periodization', { mode: 'zero' } as never), /^options\.mode: got "zero", expected no second mode \(the mode "periodization" was given as the third argument\)/);
  refuses(() => dwt(signal, 'db2', { mode: 'zero' }, { axis: 0 } as never), /^options: got .*, expected nothing after an options object \(put every option in it\)/);
  refuses(() => dwt(signal, 'db2', 3 as never), /^mode: got 3, expected a mode name \(one of zero, .*\) or an options object/);
  refuses(() => dwt(signal, 'db2', ['zero'] as never), /^mode: got \["zero"\], expected a mode name \(one of/);
  refuses(() => dwt2(image, 'db2', 'zero', 2 as never), /^options: got 2, expected an options object after the mode/);
});
