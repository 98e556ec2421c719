// The corruptions added to complete ImageNet-C and its extras: glass and zoom blur,
// snow, frost (procedural texture), spatter and saturate. Deterministic parts are
// checked against numpy/scipy renderings (scripts/gen_corruption_fixtures.py) given
// the same random draws; the rest by properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../../src/engine/random.js';
import { glassBlurDrawCount, glassBlurPlanes, zoomBlurPlane } from '../../src/data/corruptions/blur.js';
import { clippedZoom, numpyArange } from '../../src/data/corruptions/filters.js';
import { saturate } from '../../src/data/corruptions/digital.js';
import { frostPlanes, frostTexture, snowLayer, snowPlanes } from '../../src/data/corruptions/weather.js';
import { chamferDistance5, cannyEdges, equalizeHistogram, spatterPlanes, type SpatterParameters } from '../../src/data/corruptions/spatter.js';
import { CORRUPTION_FAMILIES, CORRUPTIONS, corrupt, parseCorruptionList, type ImageBatch } from '../../src/data/corruptions/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/corruptions.json', import.meta.url), 'utf8'));

function assertClose(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs numpy ${expected[i]}`);
}

/** Channel planes of a CHW-ordered flat array. */
const planesOf = (flat: number[], c: number, n: number) => Array.from({ length: c }, (_, ch) => Float64Array.from(flat.slice(ch * n, (ch + 1) * n)));
const flatten = (planes: Float64Array[]) => planes.flatMap((p) => Array.from(p));

test('glass blur matches the reference loop given its draws (the tuple "swap" of numpy views copies)', () => {
  const f = fixture.glass_blur;
  const n = f.height * f.width;
  for (const c of f.cases) {
    assert.equal(glassBlurDrawCount(f.height, f.width, c.maxDelta, c.iterations), c.draws.length);
    const out = glassBlurPlanes(planesOf(f.input, 3, n), f.height, f.width, c.sigma, c.maxDelta, c.iterations, c.draws);
    assertClose(flatten(out), c.output, 1e-12, `glass σ=${c.sigma} d=${c.maxDelta}`);
  }
});

test('zoom blur: numpy.arange factors, clipped_zoom with scipy.ndimage.zoom(order=1), the mean with the image', () => {
  const f = fixture.zoom_blur;
  const plane = Float64Array.from(f.input);
  for (const c of f.cases) {
    assert.deepEqual(numpyArange(c.start, c.stop, c.step), c.factors, `arange(${c.start}, ${c.stop}, ${c.step})`);
    assertClose(zoomBlurPlane(plane, f.height, f.width, c.start, c.stop, c.step), c.output, 1e-12, `zoom blur ${c.stop}`);
  }
  for (const z of f.clippedZoom) assertClose(clippedZoom(plane, f.height, f.width, z.factor), z.output, 1e-12, `clipped_zoom ${z.factor}`);
});

test("saturate matches skimage's HSV round trip (gray and black pixels included); gray images get the luma", () => {
  const f = fixture.saturate;
  for (const c of f.cases) {
    const out = saturate({ data: Float32Array.from(f.input), shape: [1, f.height, f.width, 3] }, c.scale, c.shift);
    assertClose(out.data, c.output, 1e-6, `saturate ×${c.scale} +${c.shift}`);
  }
  const gray = saturate({ data: Float32Array.of(0.5), shape: [1, 1, 1, 1] }, 2, 0.1);
  // (0.5, 0.5, 0.5) with S = 0.1 and hue 0 is (0.5, 0.45, 0.45): luma 0.5·0.299 + 0.45·0.701
  assert.ok(Math.abs(gray.data[0] - (0.5 * 0.299 + 0.45 * 0.701)) < 1e-6);
});

test('spatter (mud) matches the reference given its normals; the water branch finds droplet outlines', () => {
  const f = fixture.spatter_mud;
  const n = f.height * f.width;
  for (const c of f.cases) {
    const out = spatterPlanes(planesOf(f.input, 3, n), f.height, f.width, c.parameters as SpatterParameters, f.normals);
    assertClose(flatten(out), c.output, 1e-12, `mud ${c.parameters}`);
  }
  // chamfer 5×5 distances: 1 along an axis, 1.4 diagonally, 2.1969 a knight's move away
  const mask = new Array(25).fill(255);
  mask[12] = 0;
  const d = chamferDistance5(mask, 5, 5);
  assert.deepEqual([d[12], d[13], d[18], d[19], d[14]], [0, 1, 1.4, 2.1969, 2]);
  // equalisation spreads 3 levels over 0…255 as cv2 does
  assert.deepEqual(Array.from(equalizeHistogram([10, 10, 20, 30])), [0, 0, 128, 255]);
  // Canny outlines a bright square: edges on its border only
  const square = new Float64Array(12 * 12);
  for (let y = 4; y < 8; y++) for (let x = 4; x < 8; x++) square[y * 12 + x] = 200;
  const edges = cannyEdges(square, 12, 12, 50, 150);
  assert.ok(edges.some((e) => e === 1));
  assert.equal(edges[0], 0);
  for (let k = 0; k < edges.length; k++) if (edges[k]) assert.ok(Math.abs(Math.floor(k / 12) - 5.5) <= 3 && Math.abs((k % 12) - 5.5) <= 3, `edge ${k} near the square`);
  // water on a colour image brightens it towards turquoise, more in G and B than R
  const rgb = planesOf(new Array(3 * 32 * 32).fill(0.2), 3, 32 * 32);
  const normals = Array.from({ length: 32 * 32 }, (_, k) => Math.sin(k * 12.9898) * 2);
  const water = spatterPlanes(rgb, 32, 32, [0.62, 0.1, 0.7, 0.7, 0.5, 0], normals);
  const gain = water.map((p) => p.reduce((a, v) => a + v, 0) / p.length - 0.2);
  assert.ok(gain[0] >= 0 && gain[1] >= gain[0] && gain[2] >= gain[0], `gains ${gain}`);
});

test('snow: layer and blend as the reference; frost: x·a + b·T with a bright procedural texture', () => {
  const h = 16;
  const w = 16;
  const x = Float64Array.from({ length: h * w }, (_, k) => (k % 7) / 7);
  // no snow above the threshold: only the brightening blend remains
  const empty = snowLayer(h, w, [0.1, 0, 1, 0.5, 8, 3, 0.9], new Array(h * w).fill(0), -90);
  assert.ok(empty.every((v) => v === 0));
  const [blended] = snowPlanes([x], h, w, 0.9, empty);
  blended.forEach((v, k) => assert.ok(Math.abs(v - Math.min(1, 0.9 * x[k] + 0.1 * Math.max(x[k], 1.5 * x[k] + 0.5))) < 1e-12));
  // a layer of flakes is 8-bit, and the flakes and their 180° rotation are both added
  const flakes = snowLayer(h, w, [0.3, 0.3, 1.25, 0.65, 6, 2, 0.8], Array.from({ length: h * w }, (_, k) => Math.cos(k * 1.7) * 2), -100);
  flakes.forEach((v) => assert.ok(Math.abs(v * 255 - Math.round(v * 255)) < 1e-9));
  assert.ok(flakes.some((v) => v > 0));
  const [snowy] = snowPlanes([new Float64Array(h * w)], h, w, 1, flakes);
  snowy.forEach((v, k) => assert.ok(Math.abs(v - Math.min(1, flakes[k] + flakes[h * w - 1 - k])) < 1e-12));

  const texture = frostTexture(20, 20, new Rng(3));
  assert.equal(texture.length, 3);
  const mean = texture[2].reduce((a, v) => a + v, 0) / texture[2].length;
  assert.ok(texture.every((p) => p.every((v) => v >= 0 && v <= 1)) && mean > 0.4 && mean < 0.8, `frost mean ${mean}`);
  assert.ok(texture[0].every((r, k) => r <= texture[2][k]), 'blue-white tint');
  const [frosted] = frostPlanes([x.subarray(0, 400)], 0.7, 0.7, texture);
  frosted.forEach((v, k) => {
    const luma = 0.299 * texture[0][k] + 0.587 * texture[1][k] + 0.114 * texture[2][k];
    assert.ok(Math.abs(v - Math.min(1, 0.7 * x[k] + 0.7 * luma)) < 1e-12);
  });
});

test('the six corruptions run through corrupt(): families, fixed seeds of the first 13, 5 severities, seeded, in [0, 1]', async () => {
  assert.deepEqual(CORRUPTIONS.slice(13), ['glass_blur', 'zoom_blur', 'snow', 'frost', 'spatter', 'saturate']);
  assert.deepEqual(parseCorruptionList('blur'), ['gaussian_blur', 'defocus_blur', 'motion_blur', 'glass_blur', 'zoom_blur']);
  assert.deepEqual(CORRUPTION_FAMILIES.weather.slice(3), ['snow', 'frost', 'spatter']);
  assert.ok((CORRUPTION_FAMILIES.digital as readonly string[]).includes('saturate'));
  const rng = new Rng(5);
  const make = (c: number): ImageBatch => ({ data: Float32Array.from({ length: 2 * 28 * 28 * c }, () => rng.next()), shape: [2, 28, 28, c] });
  for (const images of [make(1), make(3)]) {
    for (const name of CORRUPTIONS.slice(13)) {
      for (const severity of [1, 5]) {
        const a = await corrupt(images, name, severity, { seed: 7 });
        const b = await corrupt(images, name, severity, { seed: 7 });
        assert.deepEqual(a.shape, images.shape);
        assert.deepEqual(a.data, b.data, `${name} ${severity}: seeded`);
        assert.ok(a.data.every((v) => v >= 0 && v <= 1), `${name} ${severity}: range`);
        if (!(name === 'saturate' && images.shape[3] === 1 && severity === 1)) assert.ok(a.data.some((v, k) => Math.abs(v - images.data[k]) > 1e-3), `${name} ${severity} changes the images`);
      }
    }
  }
  // ImageNet-size images use the ImageNet-C table (glass blur d up to 4)
  const big = { data: new Float32Array(1 * 72 * 72 * 3).fill(0.5), shape: [1, 72, 72, 3] as [number, number, number, number] };
  assert.equal((await corrupt(big, 'glass_blur', 5, { seed: 1 })).data.length, big.data.length);
});
