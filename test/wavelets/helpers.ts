/**
 * Shared helpers of the wavelet API tests: fixture loading, tolerance checks
 * against pywt values, and a plain-JS float64 reference DWT/IDWT (pywt's
 * formulas written out directly) for finite-difference gradient checks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { wavelet } from '../../src/wavelets/filters.js';
import { type Mode, extensionTaps } from '../../src/wavelets/extend.js';

export type Nested = number | Nested[];

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/wavelets/${name}`, import.meta.url), 'utf8')) as T;
}

function shapeOf(v: Nested): number[] {
  const shape: number[] = [];
  let x: Nested = v;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0];
  }
  return shape;
}

export function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/**
 * Asserts `actual` has the shape of `expected` and agrees with it to `tol`
 * relative to `scale` (the input's scale, or the reference's own if larger:
 * extrapolating modes such as smooth grow values beyond the input's range).
 */
export function assertClose(actual: tf.Tensor, expected: Nested, scale: number, label: string, tol = 1e-5): void {
  assert.deepEqual(actual.shape, shapeOf(expected), `${label}: shape`);
  const a = actual.dataSync();
  const e = flat(expected);
  const s = Math.max(scale, maxAbs(e), 1e-30);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(a[i] - e[i]);
    if (d > worst) [worst, at] = [d, i];
  }
  assert.ok(worst <= tol * s, `${label}: max |diff| ${worst.toExponential(2)} at ${at} (${a[at]} vs ${e[at]}) exceeds ${tol} × ${s.toPrecision(3)}`);
}

/** pywt's single-level DWT in float64: cA[k] = Σ_j decLo[j] · x̃[2k + 1 − j] (periodization: x̃[2k + L/2 − j]). */
export function refDwt(x: number[], wave: string, mode: Mode): [number[], number[]] {
  const w = wavelet(wave);
  const L = w.decLen;
  const n = x.length;
  const m = mode === 'periodization' ? Math.ceil(n / 2) : Math.floor((n + L - 1) / 2);
  const phase = mode === 'periodization' ? L / 2 : 1;
  const sample = (i: number) => extensionTaps(n, mode, i).reduce((s, [src, wt]) => s + wt * x[src], 0);
  const band = (f: readonly number[]) => Array.from({ length: m }, (_, k) => f.reduce((s, fj, j) => s + fj * sample(2 * k + phase - j), 0));
  return [band(w.decLo), band(w.decHi)];
}

/** pywt's single-level IDWT in float64: x[t] = Σ_k cA[k] recLo[t + L − 2 − 2k] + cD[k] recHi[…] (periodization: circular). */
export function refIdwt(cA: number[], cD: number[], wave: string, mode: Mode): number[] {
  const w = wavelet(wave);
  const L = w.decLen;
  const m = cA.length;
  if (mode === 'periodization') {
    const out = new Array<number>(2 * m).fill(0);
    for (let k = 0; k < m; k++) {
      for (let j = 0; j < L; j++) {
        // x[t] += c[k]·rec[t − 2k + L/2 − 1]  ⇔  t = 2k + 1 − L/2 + j (mod 2m)
        const t = (((2 * k + 1 - L / 2 + j) % (2 * m)) + 2 * m) % (2 * m);
        out[t] += cA[k] * w.recLo[j] + cD[k] * w.recHi[j];
      }
    }
    return out;
  }
  return Array.from({ length: 2 * m - L + 2 }, (_, t) => {
    let s = 0;
    for (let k = 0; k < m; k++) {
      const j = t + L - 2 - 2 * k;
      if (j >= 0 && j < L) s += cA[k] * w.recLo[j] + cD[k] * w.recHi[j];
    }
    return s;
  });
}

/** A deterministic pseudo-random vector (xorshift), for tests that need no fixture. */
export function pseudoRandom(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  });
}

/**
 * Collects WavecvWarnings (levels deeper than dwtMaxLevel) instead of printing
 * them, for the rest of the test file; returns the live list of messages.
 */
export function captureWarnings(): string[] {
  const messages: string[] = [];
  process.emitWarning = ((message: string | Error) => void messages.push(String(message))) as typeof process.emitWarning;
  return messages;
}
