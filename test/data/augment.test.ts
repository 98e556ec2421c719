import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compose, normalize, randomCrop, randomFlip, randomGaussianNoise, randomHorizontalFlip, randomIntensity, randomScale } from '../../src/data/augment.js';
import { hostTensor, type HostBatch } from '../../src/data/dataset.js';
import { cropAt, zoomAboutCentre } from '../../src/data/spatial.js';
import { Rng } from '../../src/engine/random.js';

interface ZoomCase {
  shape: number[];
  scales: number[];
  interpolation: 'linear' | 'nearest';
  input: number[];
  output: number[];
}
const zoomCases = (JSON.parse(readFileSync(new URL('./fixtures/zoom.json', import.meta.url), 'utf8')) as { cases: ZoomCase[] }).cases;

test('zoomAboutCentre matches PyTorch grid_sample (bilinear, trilinear, nearest; zoom in and out)', () => {
  assert.equal(zoomCases.length, 6);
  for (const c of zoomCases) {
    const out = zoomAboutCentre(hostTensor('float32', c.shape, Float32Array.from(c.input)), c.scales, c.interpolation, 0);
    assert.deepEqual(out.shape, c.shape);
    let worst = 0;
    out.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.output[i]))));
    assert.ok(worst < 1e-6, `${c.interpolation} [${c.shape}] × ${c.scales}: max error ${worst}`);
  }
});

test('zoomAboutCentre by 1 is the identity; outside taps read the fill', () => {
  const values = Float32Array.from({ length: 2 * 5 * 4 * 3 }, (_, i) => i);
  const image = hostTensor('float32', [2, 5, 4, 3], values);
  for (const mode of ['linear', 'nearest'] as const) assert.deepEqual(zoomAboutCentre(image, [1, 1], mode, 7).data, values);
  // Shrinking a 1×4 row by 2: outputs 1 and 2 sample 0.5 and 2.5 (ties go to even, as PyTorch's nearbyint), the rest is fill.
  const row = hostTensor('float32', [1, 1, 4, 1], Float32Array.from([1, 2, 3, 4]));
  assert.deepEqual(Array.from(zoomAboutCentre(row, [0.5], 'nearest', -1).data), [-1, 1, 3, -1]);
});

/** Random record of `image` (2 channels) and `mask` (int32, 1 if image channel 0 > 0.5), spatial size `spatial`. */
function record(spatial: number[], n: number, seed: number): HostBatch {
  const rng = new Rng(seed);
  const voxels = spatial.reduce((a, b) => a * b, 1);
  const image = Float32Array.from({ length: n * voxels * 2 }, () => rng.next());
  const mask = Int32Array.from({ length: n * voxels }, (_, i) => (image[2 * i] > 0.5 ? 1 : 0));
  return { image: hostTensor('float32', [n, ...spatial, 2], image), mask: hostTensor('int32', [n, ...spatial, 1], mask) };
}

function copy(batch: HostBatch): HostBatch {
  return Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, { ...v, shape: v.shape.slice(), data: v.data.slice() }]));
}

for (const spatial of [
  [9, 8],
  [6, 7, 5],
]) {
  test(`one draw moves image and mask together (${spatial.length}-D): a mask made from the image still matches it`, () => {
    const axes = spatial.length === 3 ? (['depth', 'height', 'width'] as const) : (['height', 'width'] as const);
    const keys = ['image', 'mask'];
    const fill = { image: -1, mask: 255 };
    const size = spatial.map((s) => s - 2);
    const augment = compose(
      randomFlip({ axes: [...axes], keys }),
      randomScale({ range: [0.6, 1.5], keys, interpolation: 'nearest', fill }),
      randomCrop({ size, padding: 2, keys, fill }),
      randomIntensity({ scale: [1, 1], shift: [0, 0] }),
    );
    const input = record(spatial, 6, 3);
    const out = augment(copy(input), new Rng(11)) as HostBatch;
    assert.deepEqual(out.image.shape, [6, ...size, 2]);
    assert.deepEqual(out.mask.shape, [6, ...size, 1]);
    assert.equal(out.mask.dtype, 'int32');
    let filled = 0;
    for (let i = 0; i < out.mask.data.length; i++) {
      const v = out.image.data[2 * i];
      if (v === -1) filled++;
      assert.equal(out.mask.data[i], v === -1 ? 255 : v > 0.5 ? 1 : 0, `voxel ${i}`);
    }
    assert.ok(filled > 0, 'some positions came from the fill');
    // Reproducible for a seed, different for another.
    assert.deepEqual(augment(copy(input), new Rng(11)), out);
    assert.notDeepEqual((augment(copy(input), new Rng(12)) as HostBatch).image.data, out.image.data);
  });
}

test('randomScale draws one factor per sample for all keys: linear for float32 keys, nearest for int32 keys by default', () => {
  const input = record([7, 6], 3, 5);
  const probe = new Rng(8);
  const scales = [0, 1, 2].map(() => 0.5 + 1.5 * probe.next());
  const out = randomScale({ range: [0.5, 2], keys: ['image', 'mask'], fill: { mask: 255 } })(copy(input), new Rng(8)) as HostBatch;
  assert.deepEqual(out.image, zoomAboutCentre(input.image, scales, 'linear', 0));
  assert.deepEqual(out.mask, zoomAboutCentre(input.mask, scales, 'nearest', 255));
  assert.throws(() => randomScale({ range: [0.5, 2], keys: ['mask'], interpolation: 'linear' })(copy(input), new Rng(1)), /interpolation of mask: got "linear", expected 'nearest' for the int32 key mask/);
});

test('randomCrop to a size draws one offset per spatial axis (depth, height, width) and copies values', () => {
  const input = record([5, 6, 7], 2, 9);
  const probe = new Rng(4);
  const starts: number[] = [];
  for (let i = 0; i < 2; i++) for (const s of [5, 6, 7]) starts.push(probe.int(s + 2 - 3 + 1) - 1);
  const out = randomCrop({ size: [3, 3, 3], padding: 1, keys: ['mask', 'image'], fill: { mask: 255 } })(copy(input), new Rng(4)) as HostBatch;
  assert.deepEqual(out.image, cropAt(input.image, starts, [3, 3, 3], 0));
  assert.deepEqual(out.mask, cropAt(input.mask, starts, [3, 3, 3], 255));
  // cropAt against a direct reading of the source.
  const [sz, sy, sx] = starts;
  const at = (z: number, y: number, x: number) => (z < 0 || z >= 5 || y < 0 || y >= 6 || x < 0 || x >= 7 ? 255 : input.mask.data[(z * 6 + y) * 7 + x]);
  for (let z = 0; z < 3; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) assert.equal(out.mask.data[(z * 3 + y) * 3 + x], at(z + sz, y + sy, x + sx));
  assert.throws(() => randomCrop({ size: [9, 9, 9], keys: ['image'] })(copy(input), new Rng(1)), /size: got \[9, 9, 9\], expected at most the padded input size/);
  assert.throws(() => randomCrop({}), /padding > 0 or an output size/);
});

test('randomFlip flips each listed axis with its own draw; randomHorizontalFlip is the width flip', () => {
  const input = record([3, 4, 5], 4, 2);
  const a = randomFlip({ axes: ['width'], keys: ['image', 'mask'] })(copy(input), new Rng(6)) as HostBatch;
  const b = randomHorizontalFlip({ keys: ['image', 'mask'] })(copy(input), new Rng(6)) as HostBatch;
  assert.deepEqual(a, b);
  // Depth flip of a volume [1, 2, 1, 1, 1] with p = 1 swaps the two slices.
  const volume = { v: hostTensor('float32', [1, 2, 1, 2, 1], Float32Array.from([1, 2, 3, 4])) };
  assert.deepEqual(Array.from((randomFlip({ axes: ['depth'], p: 1, keys: ['v'] })(volume, new Rng(1)) as HostBatch).v.data), [3, 4, 1, 2]);
  assert.throws(() => randomFlip({ axes: ['depth'] })(record([3, 3], 1, 1), new Rng(1)), /axes: got "depth", expected a spatial axis of 2-D data/);
  const misaligned = { image: record([4, 4], 1, 1).image, mask: record([4, 5], 1, 1).mask };
  assert.throws(() => randomFlip({ keys: ['image', 'mask'] })(misaligned, new Rng(1)), /batch\.mask: got "shape \[1, 4, 5, 1\]", expected the batch size and spatial size of batch.image/);
});

test('intensity transforms change image keys only, reproducibly, and refuse masks', () => {
  const input = record([4, 4], 2, 7);
  const probe = new Rng(3);
  const a0 = 0.5 + probe.next();
  const b0 = -0.1 + 0.2 * probe.next();
  const out = randomIntensity({ scale: [0.5, 1.5], shift: [-0.1, 0.1] })(copy(input), new Rng(3)) as HostBatch;
  for (let e = 0; e < 32; e++) assert.ok(Math.abs(out.image.data[e] - (a0 * input.image.data[e] + b0)) < 1e-6);
  assert.deepEqual(out.mask, input.mask);
  assert.throws(() => randomIntensity({ scale: [0.5, 1.5], keys: ['mask'] })(copy(input), new Rng(3)), /batch\.mask: got "int32 of shape \[2, 4, 4, 1\]", expected float32 intensities/);
  const noisy = randomGaussianNoise({ std: 0.1, p: 1 })(copy(input), new Rng(2)) as HostBatch;
  const diff = noisy.image.data.map((v, i) => v - input.image.data[i]);
  const std = Math.sqrt(diff.reduce((s, d) => s + d * d, 0) / diff.length);
  assert.ok(std > 0.06 && std < 0.14, `noise std ${std}`);
  assert.deepEqual(randomGaussianNoise({ std: 0.1, p: 0 })(copy(input), new Rng(2)), input);
  // normalize works on volumes (channels last) and on several keys.
  const volumes: HostBatch = { fixed: hostTensor('float32', [1, 1, 1, 2, 1], Float32Array.from([2, 4])), moving: hostTensor('float32', [1, 1, 1, 2, 1], Float32Array.from([0, 6])) };
  const normed = normalize({ mean: [2], std: [2], keys: ['fixed', 'moving'] })(volumes, new Rng(1)) as HostBatch;
  assert.deepEqual([...normed.fixed.data, ...normed.moving.data], [0, 1, -1, 2]);
});
