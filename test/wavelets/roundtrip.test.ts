// Perfect reconstruction in float32: idwt(dwt(x)), waverec(wavedec(x)),
// waverec2(wavedec2(x)) and waverecn(wavedecn(x)) return x for every mode,
// odd and even lengths from 1 up, and sizes below the filter length.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { MODES } from '../../src/wavelets/extend.js';
import { dwt, idwt, dwt2, idwt2 } from '../../src/wavelets/multidim.js';
import { wavedec, waverec, wavedec2, waverec2, wavedecn, waverecn } from '../../src/wavelets/multilevel.js';
import { captureWarnings, maxAbs, pseudoRandom } from './helpers.js';

captureWarnings();

before(async () => {
  await initEngine();
});

/** Max and RMS error of the first x.size samples of `rec` (cropped to x's shape) against x, relative to max|x|. */
function reconstructionError(x: tf.Tensor, rec: tf.Tensor): { max: number; rms: number } {
  return tf.tidy(() => {
    for (let i = 0; i < x.rank; i++) assert.ok(rec.shape[i] === x.shape[i] || rec.shape[i] === x.shape[i] + 1, `shape [${rec.shape}] for input [${x.shape}]`);
    const crop = tf.slice(rec, x.shape.map(() => 0), x.shape);
    const diff = tf.sub(crop, x);
    const scale = maxAbs(x.dataSync());
    return { max: tf.max(tf.abs(diff)).dataSync()[0] / scale, rms: Math.sqrt(tf.mean(tf.square(diff)).dataSync()[0]) / scale };
  });
}

// pywt's own float32 target (test_perfect_reconstruction.py, single level) is RMS < 6e-7.
const RMS = 6e-7;
const MAX = 3e-6;
// Several levels accumulate rounding, and smooth/antireflect extrapolation grows the
// coefficients beyond the input's range; the bound is 1e-5 of the input's scale.
const RMS_MULTI = 1.5e-6;
const MAX_MULTI = 1e-5;

test('idwt(dwt(x)) = x for 6 wavelets × 9 modes × lengths 1–24, 39, 64, 100', () => {
  let worst = { max: 0, rms: 0 };
  const lengths = [...Array.from({ length: 24 }, (_, i) => i + 1), 39, 64, 100];
  for (const wave of ['haar', 'db2', 'sym5', 'coif3', 'bior2.6', 'rbio3.3']) {
    for (const mode of MODES) {
      for (const n of lengths) {
        tf.tidy(() => {
          const x = tf.tensor1d(pseudoRandom(n, n + 17));
          const [cA, cD] = dwt(x, wave, { mode });
          const err = reconstructionError(x, idwt(cA, cD, wave, { mode }));
          assert.ok(err.max <= MAX && err.rms <= RMS, `${wave} ${mode} n=${n}: max ${err.max.toExponential(2)}, rms ${err.rms.toExponential(2)}`);
          worst = { max: Math.max(worst.max, err.max), rms: Math.max(worst.rms, err.rms) };
        });
      }
    }
  }
  assert.ok(worst.rms > 0, 'the check sees float32 rounding at all');
});

test('waverec(wavedec(x)) = x at the maximum level and beyond, any axis', () => {
  for (const mode of MODES) {
    for (const [wave, n] of [
      ['db4', 255],
      ['sym3', 64],
      ['bior3.7', 17],
      ['haar', 33],
    ] as [string, number][]) {
      tf.tidy(() => {
        const x = tf.tensor1d(pseudoRandom(n, n));
        const err = reconstructionError(x, waverec(wavedec(x, wave, { mode }), wave, { mode }));
        assert.ok(err.max <= MAX_MULTI && err.rms <= RMS_MULTI, `${wave} ${mode} n=${n}: ${JSON.stringify(err)}`);
        const deep = reconstructionError(x, waverec(wavedec(x, wave, { mode, level: 6 }), wave, { mode }));
        assert.ok(deep.max <= MAX_MULTI && deep.rms <= RMS_MULTI, `${wave} ${mode} n=${n} level 6: ${JSON.stringify(deep)}`);
      });
    }
    tf.tidy(() => {
      const x = tf.tensor(pseudoRandom(3 * 21 * 2, 4), [3, 21, 2]);
      const err = reconstructionError(x, waverec(wavedec(x, 'db2', { mode, axis: 1 }), 'db2', { mode, axis: 1 }));
      assert.ok(err.max <= MAX_MULTI, `db2 ${mode} axis 1: ${JSON.stringify(err)}`);
    });
  }
});

test('2-D and 3-D round trips: idwt2(dwt2), waverec2(wavedec2) on odd image sizes, waverecn(wavedecn) on a volume', () => {
  for (const mode of MODES) {
    tf.tidy(() => {
      const img = tf.tensor(pseudoRandom(2 * 33 * 20 * 3, 9), [2, 33, 20, 3]);
      const opts = { mode, axes: [1, 2] };
      const single = reconstructionError(img, idwt2(dwt2(img, 'db3', opts), 'db3', opts));
      assert.ok(single.max <= MAX && single.rms <= RMS, `idwt2 ${mode}: ${JSON.stringify(single)}`);
      const multi = reconstructionError(img, waverec2(wavedec2(img, 'bior2.2', opts), 'bior2.2', opts));
      assert.ok(multi.max <= MAX_MULTI && multi.rms <= RMS_MULTI, `waverec2 ${mode}: ${JSON.stringify(multi)}`);
      const vol = tf.tensor(pseudoRandom(9 * 10 * 11, 10), [9, 10, 11]);
      const nd = reconstructionError(vol, waverecn(wavedecn(vol, 'haar', { mode, level: 2 }), 'haar', { mode }));
      assert.ok(nd.max <= MAX_MULTI && nd.rms <= RMS_MULTI, `waverecn ${mode}: ${JSON.stringify(nd)}`);
    });
  }
});

test('an image that varies only along its width puts its detail energy in cV (pywt naming: cH = detail along axis 0)', () => {
  tf.tidy(() => {
    const row = pseudoRandom(16, 3);
    const img = Array.from({ length: 12 }, () => row);
    const [, [cH, cV, cD]] = dwt2(img, 'db2', { mode: 'periodization' });
    const energy = (t: tf.Tensor) => tf.sum(tf.square(t)).dataSync()[0];
    assert.ok(energy(cV) > 1, 'cV holds the detail');
    assert.ok(energy(cH) < 1e-10 && energy(cD) < 1e-10, `cH ${energy(cH)}, cD ${energy(cD)}`);
  });
});
