import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  affineFromPoints,
  bilinearSample,
  borderIndex,
  boxResampleWeights,
  correlate2d,
  defocusKernel,
  gaussianFilter,
  warpAffine,
} from '../../src/data/corruptions/filters.js';
import { elasticTransformPlanes } from '../../src/data/corruptions/digital.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/corruptions.json', import.meta.url), 'utf8'));

function assertClose(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs scipy ${expected[i]}`);
  }
}

test('borderIndex follows scipy nearest / mirror / reflect, including far outside', () => {
  const n = 4;
  assert.deepEqual([-3, -2, -1, 4, 5, 6].map((i) => borderIndex(i, n, 'nearest')), [0, 0, 0, 3, 3, 3]);
  assert.deepEqual([-3, -2, -1, 4, 5, 6, 7].map((i) => borderIndex(i, n, 'mirror')), [3, 2, 1, 2, 1, 0, 1]);
  assert.deepEqual([-3, -2, -1, 4, 5, 6, 7, 8].map((i) => borderIndex(i, n, 'reflect')), [2, 1, 0, 3, 2, 1, 0, 0]);
  assert.equal(borderIndex(-5, 1, 'mirror'), 0);
});

test('gaussianFilter matches scipy.ndimage.gaussian_filter (nearest, truncate 4; reflect, truncate 3)', () => {
  for (const [key, border, truncate] of [['gaussian_nearest', 'nearest', 4], ['gaussian_reflect', 'reflect', 3]] as const) {
    const f = fixture[key];
    for (const c of f.cases) {
      const out = gaussianFilter(Float64Array.from(f.input), f.height, f.width, c.sigma, border, truncate);
      assertClose(out, c.output, 1e-12, `${key} σ=${c.sigma}`);
    }
  }
});

test('defocus kernel + reflect-101 correlation match the scipy rendering of cv2 disk/filter2D', () => {
  const f = fixture.defocus;
  for (const c of f.cases) {
    const kernel = defocusKernel(c.radius, c.aliasBlur);
    let sum = 0;
    for (const w of kernel.weights) sum += w;
    // the disk reaches the grid's edge for radius > 8, where the reflect-101 blur changes the sum (as in cv2)
    if (c.radius <= 8) assert.ok(Math.abs(sum - 1) < 1e-12, 'kernel sums to 1');
    const out = correlate2d(Float64Array.from(f.input), f.height, f.width, kernel, 'mirror');
    assertClose(out, c.output, 1e-12, `defocus r=${c.radius}`);
  }
  assert.equal(defocusKernel(0.3, 0.4).size, 3, 'a sub-pixel disk is a 3×3 kernel once zero borders are trimmed');
});

test('bilinearSample matches map_coordinates(order=1, mode="reflect") inside and outside the image', () => {
  const f = fixture.bilinear_reflect;
  const plane = Float64Array.from(f.input);
  const out = f.rows.map((r: number, i: number) => bilinearSample(plane, f.height, f.width, r, f.cols[i], 'reflect'));
  assertClose(out, f.output, 1e-12, 'bilinear');
});

test('affineFromPoints maps the three source points onto the targets', () => {
  const src: [number, number][] = [[14, 14], [14, 6], [6, 6]];
  const dst: [number, number][] = [[15.5, 13], [13, 6.5], [7, 5]];
  const m = affineFromPoints(src, dst);
  src.forEach(([x, y], i) => {
    assert.ok(Math.abs(m[0] * x + m[1] * y + m[2] - dst[i][0]) < 1e-12);
    assert.ok(Math.abs(m[3] * x + m[4] * y + m[5] - dst[i][1]) < 1e-12);
  });
});

test('elastic transform (affine warp + smoothed displacement) matches the scipy pipeline given the same random inputs', () => {
  const f = fixture.elastic;
  for (const c of f.cases) {
    const randomness = { pointOffsets: c.pointOffsets, noiseX: Float64Array.from(c.noiseX), noiseY: Float64Array.from(c.noiseY) };
    const [out] = elasticTransformPlanes([Float64Array.from(f.input)], f.height, f.width, c.alpha, c.sigma, randomness);
    assertClose(out, c.output, 1e-10, `elastic α=${c.alpha}`);
  }
  const identity = warpAffine(Float64Array.from(f.input), f.height, f.width, [1, 0, 0, 0, 1, 0], 'mirror');
  assertClose(identity, f.input, 0, 'identity warp');
});

test('boxResampleWeights reproduces Pillow BOX: block means when shrinking by 2, single pixels for 28→26', () => {
  assert.deepEqual(boxResampleWeights(4, 2), [{ start: 0, weights: [0.5, 0.5] }, { start: 2, weights: [0.5, 0.5] }]);
  const down = boxResampleWeights(28, 26);
  // scale 28/26: output 0 is centred at 0.538 with half-width 0.538 → only input 0 has its centre inside
  assert.deepEqual(down[0], { start: 0, weights: [1] });
  // output 12 is centred at 13.46 → inputs 13 (centre 13.5) only; output 13 at 14.54 → input 14
  assert.deepEqual(down[12].weights.length === 1 ? down[12].start : -1, 13);
  assert.deepEqual(down[13].start, 14);
  const up = boxResampleWeights(2, 4);
  assert.deepEqual(up.map((u) => u.start), [0, 0, 1, 1]);
});
