// Agreement of the wavelet API with PyWavelets 1.1.1 (fixtures from
// scripts/gen_wavelet_fixtures.py): every family and mode, odd/even lengths,
// lengths below the filter, every level, 2-D and 3-D with non-default axes.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { wavelist } from '../../src/wavelets/filters.js';
import type { Mode } from '../../src/wavelets/extend.js';
import { dwtCoeffLen, dwtMaxLevel } from '../../src/wavelets/transform.js';
import { dwt, dwt2, dwtn, idwt, idwt2, idwtn } from '../../src/wavelets/multidim.js';
import { wavedec, wavedec2, wavedecn, waverec } from '../../src/wavelets/multilevel.js';
import { type Nested, assertClose, captureWarnings, fixture, flat, maxAbs } from './helpers.js';

const warnings = captureWarnings();

before(async () => {
  await initEngine();
});

const d1 = fixture('dwt1d.json');
const coefA: number[] = d1.coefA;
const coefD: number[] = d1.coefD;

test('dwt and idwt match pywt for 15 wavelets of all 7 families × 9 modes × 7 lengths (1 to 19)', () => {
  assert.ok(d1.cases.length > 900);
  const families = new Set(d1.cases.map((c: { wave: string }) => c.wave.replace(/[\d.]+$/, '')));
  assert.deepEqual([...families].sort(), ['bior', 'coif', 'db', 'dmey', 'haar', 'rbio', 'sym']);
  for (const c of d1.cases) {
    const x: number[] = d1.signals[String(c.n)];
    const label = `${c.wave} ${c.mode} n=${c.n}`;
    tf.tidy(() => {
      const [cA, cD] = dwt(x, c.wave, { mode: c.mode });
      assertClose(cA, c.cA, maxAbs(x), `${label} cA`);
      assertClose(cD, c.cD, maxAbs(x), `${label} cD`);
      const m = c.cA.length;
      const rec = idwt(coefA.slice(0, m), coefD.slice(0, m), c.wave, { mode: c.mode });
      assertClose(rec, c.rec, maxAbs([...coefA.slice(0, m), ...coefD.slice(0, m)]), `${label} idwt`);
    });
  }
});

test('idwt treats a missing band as zeros', () => {
  for (const c of d1.missing) {
    tf.tidy(() => {
      const a = coefA.slice(0, c.m);
      const d = coefD.slice(0, c.m);
      assertClose(idwt(null, d, c.wave, { mode: c.mode }), c.noA, 3, `${c.wave} ${c.mode} cA=null`);
      assertClose(idwt(a, null, c.wave, { mode: c.mode }), c.noD, 3, `${c.wave} ${c.mode} cD=null`);
    });
  }
});

test('dwtMaxLevel and dwtCoeffLen equal pywt for lengths up to 1024 and filters up to 102 taps', () => {
  for (const s of d1.sizes) {
    assert.equal(dwtMaxLevel(s.n, s.L), s.maxLevel, `dwtMaxLevel(${s.n}, ${s.L})`);
    if (s.n === 0) continue;
    assert.equal(dwtCoeffLen(s.n, s.L, 'symmetric'), s.coeffLen, `dwtCoeffLen(${s.n}, ${s.L})`);
    assert.equal(dwtCoeffLen(s.n, s.L, 'periodization'), s.coeffLenPer, `dwtCoeffLen(${s.n}, ${s.L}, periodization)`);
  }
  assert.equal(dwtMaxLevel(1000, 'db2'), dwtMaxLevel(1000, 4));
  assert.equal(dwtCoeffLen(64, 'db3', 'smooth'), 34);
});

const ml = fixture('multilevel.json');

test('wavedec matches pywt at every level 0 … max+1 (warning past the max, as pywt), every mode, and waverec reconstructs', () => {
  const first = warnings.length;
  for (const c of ml.cases) {
    const before = warnings.length;
    checkWavedecCase(c);
    assert.equal(warnings.length - before, c.level > c.maxLevel ? 1 : 0, `${c.wave} ${c.mode} n=${c.n} level=${c.level}: warnings`);
  }
  assert.match(warnings[first], /level \d+ is deeper than dwtMaxLevel = \d+ for axis length\(s\) \[\d+\]/);
  // default level is dwtMaxLevel
  tf.tidy(() => {
    const c = (ml.cases as WavedecCase[]).find((k) => k.wave === 'db3' && k.mode === 'symmetric' && k.n === 64 && k.level === k.maxLevel);
    const coeffs = wavedec(ml.signals['64'], 'db3');
    assert.equal(coeffs.length, (c as WavedecCase).coeffs.length);
  });
});

interface WavedecCase {
  wave: string;
  mode: Mode;
  n: number;
  level: number;
  maxLevel: number;
  coeffs: Nested[];
  rec?: Nested;
  recTail?: number[];
}

function checkWavedecCase(c: WavedecCase): void {
  const x: number[] = ml.signals[String(c.n)];
  const label = `${c.wave} ${c.mode} n=${c.n} level=${c.level}`;
  tf.tidy(() => {
    const coeffs = wavedec(x, c.wave, { mode: c.mode, level: c.level });
    assert.equal(coeffs.length, c.coeffs.length, `${label}: number of arrays`);
    coeffs.forEach((t, i) => assertClose(t, c.coeffs[i], maxAbs(x), `${label} coeffs[${i}]`));
    const rec = waverec(coeffs, c.wave, { mode: c.mode });
    // pywt returns x (plus one extra sample for odd lengths); dmey is only near-perfect, so its output is stored
    assertClose(rec, c.rec ?? [...x, ...(c.recTail ?? [])], maxAbs(x), `${label} waverec`);
  });
}

test('waverec of arbitrary coefficients trims odd approximations as pywt does; wavedec along axis 0', () => {
  tf.tidy(() => {
    const r = ml.recOther;
    assertClose(waverec(r.coeffs, r.wave, { mode: r.mode }), r.rec, 3, 'waverec other');
    const a = ml.axis0;
    const coeffs = wavedec(a.x, a.wave, { mode: a.mode, level: a.level, axis: 0 });
    coeffs.forEach((t, i) => assertClose(t, a.coeffs[i], maxAbs(flat(a.x)), `axis0 coeffs[${i}]`));
  });
});

const nd = fixture('nd.json');

test('wavedec2 matches pywt for 4 wavelets × 9 modes on a 13×10 image', () => {
  const scale = maxAbs(flat(nd.img));
  for (const c of nd.wavedec2) {
    tf.tidy(() => {
      const [a, ...details] = wavedec2(nd.img, c.wave, { mode: c.mode, level: c.level });
      assertClose(a, c.coeffs[0], scale, `${c.wave} ${c.mode} cA`);
      details.forEach((triple, lv) => triple.forEach((band, b) => assertClose(band, c.coeffs[lv + 1][b], scale, `${c.wave} ${c.mode} level ${lv} band ${'HVD'[b]}`)));
    });
  }
});

test('idwt2 of arbitrary bands (one null) and dwt2 on axes [2, 0] with per-axis wavelets and modes', () => {
  tf.tidy(() => {
    const c = nd.idwt2;
    const [a, h, v, d] = c.bands;
    assertClose(idwt2([a, [h, v, d]], c.wave, { mode: c.mode }), c.rec, 3, 'idwt2');
    assertClose(idwt2([a, [null, v, d]], c.wave, { mode: c.mode }), c.recNoH, 3, 'idwt2 cH=null');
    const e = nd.dwt2Axes;
    const [cA, [cH, cV, cD]] = dwt2(e.x, e.wave, { mode: e.mode as Mode[], axes: e.axes });
    const scale = maxAbs(flat(e.x));
    assertClose(cA, e.cA, scale, 'dwt2 axes cA');
    assertClose(cH, e.cH, scale, 'dwt2 axes cH');
    assertClose(cV, e.cV, scale, 'dwt2 axes cV');
    assertClose(cD, e.cD, scale, 'dwt2 axes cD');
  });
});

test('wavedecn on a 9×8×7 volume matches pywt, all axes and subsets; dwtn with a repeated axis; idwtn with a missing band', () => {
  const scale = maxAbs(flat(nd.cube));
  for (const c of nd.wavedecn) {
    tf.tidy(() => {
      const label = `${c.wave} ${c.mode} axes=${c.axes}`;
      const coeffs = wavedecn(nd.cube, c.wave, { mode: c.mode, level: c.level, axes: c.axes ?? undefined });
      assert.equal(coeffs.length, c.coeffs.length);
      assertClose(coeffs[0], c.coeffs[0], scale, `${label} approx`);
      coeffs.slice(1).forEach((bands, lv) => {
        const expected = c.coeffs[lv + 1] as Record<string, Nested>;
        assert.deepEqual(Object.keys(bands).sort(), Object.keys(expected).sort(), `${label} keys`);
        for (const key of Object.keys(expected)) assertClose((bands as Record<string, tf.Tensor>)[key], expected[key], scale, `${label} level ${lv} ${key}`);
      });
    });
  }
  tf.tidy(() => {
    const r = nd.dwtnRepeated;
    const bands = dwtn(nd.cube, r.wave, { mode: r.mode, axes: r.axes });
    assert.deepEqual(Object.keys(bands), Object.keys(r.bands));
    for (const key of Object.keys(r.bands)) assertClose(bands[key], r.bands[key], scale, `dwtn repeated ${key}`);
    const i = nd.idwtn;
    assertClose(idwtn(i.bands, i.wave, { mode: i.mode }), i.rec, 3, 'idwtn');
  });
});

test('all 106 pywt wavelets: one dwt and idwt each agree with pywt', () => {
  const all = fixture('all-wavelets.json');
  assert.equal(all.cases.length, 106);
  assert.deepEqual(all.cases.map((c: { wave: string }) => c.wave), wavelist());
  for (const c of all.cases) {
    tf.tidy(() => {
      const [cA, cD] = dwt(all.x, c.wave, { mode: c.mode });
      assertClose(cA, c.cA, maxAbs(all.x), `${c.wave} ${c.mode} cA`);
      assertClose(cD, c.cD, maxAbs(all.x), `${c.wave} ${c.mode} cD`);
      const m = c.cA.length;
      assertClose(idwt(all.coefA.slice(0, m), all.coefD.slice(0, m), c.wave, { mode: c.mode }), c.rec, 3, `${c.wave} ${c.mode} idwt`);
    });
  }
});
