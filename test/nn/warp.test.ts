// Warping, scaling-and-squaring integration and field composition
// (src/nn/warp.ts, kernel src/engine/kernels/warp.ts): values and gradients
// against PyTorch's grid_sample (align_corners=True) as VoxelMorph calls it
// (scripts/gen_registration_fixtures.py), on wasm and cpu (or the backend
// under test, test/helpers/backend.ts: webgpu runs the kernels composed of
// gathers, src/engine/kernels/warp-ops.ts), and that composition on cpu;
// float64 finite differences and the adjoint identity of the kernel itself;
// no leaks; errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { warpBackward, warpForward, warpGeometry } from '../../src/engine/kernels/warp.js';
import { warpByGather, warpGradByGather } from '../../src/engine/kernels/warp-ops.js';
import { backendSkip, SUITE_BACKENDS } from '../helpers/backend.js';
import { composeFields, integrateVelocity, warp, type Interpolation, type Padding } from '../../src/nn/warp.js';

interface WarpCase {
  imageShape: number[];
  fieldShape: number[];
  image: number[];
  field: number[];
  dy: number[];
  results: Array<{ interpolation: Interpolation; padding: Padding; out: number[]; dImage: number[]; dField?: number[] }>;
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/registration.json', import.meta.url), 'utf8')) as {
  warp: WarpCase[];
  integrate: Array<{ shape: number[]; steps: number; padding: Padding; velocity: number[]; displacement: number[] }>;
  compose: Array<{ shape: number[]; a: number[]; b: number[]; composed: number[] }>;
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

type WarpResult = WarpCase['results'][number];

/**
 * For every fixture case and mode: `run` computes the warped image and the image and field
 * gradients for the upstream gradient `dy`; each is checked against grid_sample's, and no
 * tensor may be left behind.
 */
async function checkWarpFixtures(run: (image: tf.Tensor, field: tf.Tensor, dy: tf.Tensor, r: WarpResult) => [tf.Tensor, tf.Tensor, tf.Tensor]): Promise<void> {
  for (const c of fixtures.warp) {
    for (const r of c.results) {
      const before = tf.memory().numTensors;
      const image = tf.tensor(c.image, c.imageShape);
      const field = tf.tensor(c.field, c.fieldShape);
      const dy = tf.tensor(c.dy, [...c.fieldShape.slice(0, -1), c.imageShape[c.imageShape.length - 1]]);
      const label = `${c.imageShape} ${r.interpolation} ${r.padding}`;
      const [out, dImage, dField] = run(image, field, dy, r);
      assert.ok(maxDiff(await out.data(), r.out) < 1e-5, `${label}: values ${maxDiff(await out.data(), r.out)}`);
      assert.ok(maxDiff(await dImage.data(), r.dImage) < 1e-5, `${label}: image gradient ${maxDiff(await dImage.data(), r.dImage)}`);
      const expectedField = r.dField ?? new Array(c.field.length).fill(0);
      assert.ok(maxDiff(await dField.data(), expectedField) < 2e-5, `${label}: field gradient ${maxDiff(await dField.data(), expectedField)}`);
      tf.dispose([image, field, dy, out, dImage, dField]);
      assert.equal(tf.memory().numTensors, before, `${label}: tensors left behind`);
    }
  }
}

for (const backend of SUITE_BACKENDS) {
  test(`warp matches grid_sample(align_corners=True): values, image and field gradients, 2-D and 3-D, every mode (${backend})`, { skip: backend === 'webgpu' && backendSkip }, async () => {
    await initEngine({ backend });
    await checkWarpFixtures((image, field, dy, r) => {
      const options = { interpolation: r.interpolation, padding: r.padding };
      const [dImage, dField] = tf.grads((i: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(warp(i, f, options), dy)))([image, field]);
      return [warp(image, field, options), dImage, dField];
    });
  });
}

test('warp composed of gathers and a segment sum (the webgpu kernels) matches grid_sample on cpu: values and both gradients, 2-D and 3-D, every mode', async () => {
  await initEngine({ backend: 'cpu' });
  await checkWarpFixtures((image, field, dy, r) => {
    const attrs = { linear: r.interpolation === 'linear', border: r.padding === 'border' };
    const [dImage, dField] = warpGradByGather(image, field, dy, attrs);
    return [warpByGather(image, field, attrs), dImage, dField];
  });
});

test('integrateVelocity (7 squarings) and composeFields match VoxelMorph-style PyTorch references, 2-D and 3-D', async () => {
  await initEngine();
  for (const c of fixtures.integrate) {
    const before = tf.memory().numTensors;
    const v = tf.tensor(c.velocity, c.shape);
    const u = integrateVelocity(v, { steps: c.steps, padding: c.padding });
    assert.ok(maxDiff(u.dataSync(), c.displacement) < 1e-4, `${c.shape} ${c.padding}: ${maxDiff(u.dataSync(), c.displacement)}`);
    tf.dispose([v, u]);
    assert.equal(tf.memory().numTensors, before);
  }
  for (const c of fixtures.compose) {
    const [a, b] = [tf.tensor(c.a, c.shape), tf.tensor(c.b, c.shape)];
    const composed = composeFields(a, b);
    assert.ok(maxDiff(composed.dataSync(), c.composed) < 1e-5);
    tf.dispose([a, b, composed]);
  }
});

test('the warp kernel in float64: field gradient equals central finite differences; image gradient is the exact adjoint', () => {
  const rng = new Rng(5);
  for (const [imageShape, fieldShape] of [
    [[1, 4, 5, 2], [1, 3, 4, 2]],
    [[2, 3, 4, 5, 1], [2, 3, 4, 5, 3]],
  ]) {
    for (const border of [false, true]) {
      const g = warpGeometry(imageShape, fieldShape, { linear: true, border });
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const image = Float64Array.from({ length: size(imageShape) }, () => rng.normal());
      const field = Float64Array.from({ length: size(fieldShape) }, () => 1.7 * rng.normal());
      const outSize = size(fieldShape.slice(0, -1)) * imageShape[imageShape.length - 1];
      const dy = Float64Array.from({ length: outSize }, () => rng.normal());
      const dImage = new Float64Array(image.length);
      const dField = new Float64Array(field.length);
      warpBackward(image, field, dy, g, dImage, dField);
      const loss = (f: Float64Array, im: Float64Array) => {
        const out = new Float64Array(outSize);
        warpForward(im, f, g, out);
        return out.reduce((s, v, i) => s + v * dy[i], 0);
      };
      const h = 1e-6;
      for (let i = 0; i < field.length; i++) {
        const plus = field.slice();
        const minus = field.slice();
        plus[i] += h;
        minus[i] -= h;
        const fd = (loss(plus, image) - loss(minus, image)) / (2 * h);
        assert.ok(Math.abs(fd - dField[i]) < 1e-6, `${imageShape} border=${border} field[${i}]: fd ${fd} vs ${dField[i]}`);
      }
      // the warp is linear in the image: <dy, W x> = <W* dy, x>
      const x = Float64Array.from({ length: image.length }, () => rng.normal());
      const lhs = loss(field, x);
      const rhs = x.reduce((s, v, i) => s + v * dImage[i], 0);
      assert.ok(Math.abs(lhs - rhs) < 1e-10 * (1 + Math.abs(lhs)));
    }
  }
});

test('warp semantics: a constant displacement shifts the image; nearest keeps label values; zero field is the identity', async () => {
  await initEngine();
  const image = tf.tensor(Array.from({ length: 20 }, (_, i) => i), [1, 4, 5, 1]);
  const shift = tf.tensor(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 1 : -2)), [1, 4, 5, 2]);
  const out = warp(image, shift, { padding: 'zeros' });
  const values = out.dataSync();
  // out(y, x) = image(y + 1, x − 2): row 0, column 2 reads image(1, 0) = 5
  assert.equal(values[2], 5);
  assert.equal(values[0], 0);
  assert.equal(values[19], 0);
  const labels = tf.tensor([3, 7, 7, 9], [1, 2, 2, 1], 'int32');
  const half = tf.fill([1, 2, 2, 2], 0.4);
  assert.deepEqual(Array.from(warp(labels, half, { interpolation: 'nearest', padding: 'border' }).dataSync()), [3, 7, 7, 9]);
  const zero = tf.zeros([1, 4, 5, 2]);
  assert.deepEqual(Array.from(warp(image, zero).dataSync()), Array.from(image.dataSync()));
  tf.dispose([image, shift, out, labels, half, zero]);
});

test('bad fields and images are refused naming the argument', async () => {
  await initEngine();
  const image = tf.zeros([1, 4, 5, 1]);
  assert.throws(() => warp(image, tf.zeros([1, 4, 5, 3])), /field: got tensor of shape \[1, 4, 5, 3\], expected 2 components \(one per spatial axis\) in the last axis, not 3/);
  assert.throws(() => warp(image, tf.zeros([4, 5, 2])), /field: got tensor of shape \[4, 5, 2\], expected a field \[B, H, W, 2\] or \[B, D, H, W, 3\]/);
  assert.throws(() => warp(image, tf.zeros([2, 4, 5, 2])), /image: got tensor of shape \[1, 4, 5, 1\], expected batch 2 like the field/);
  assert.throws(() => warp(image, tf.zeros([1, 4, 5, 2]), { interpolation: 'cubic' as Interpolation }), /interpolation: got "cubic", expected one of linear, nearest/);
  assert.throws(() => integrateVelocity(tf.zeros([1, 4, 5, 2]), { steps: -1 }), /steps: got -1, expected a non-negative integer/);
  assert.throws(() => composeFields(tf.zeros([1, 4, 5, 2]), tf.zeros([1, 2, 4, 5, 3])), /b: got tensor of shape \[1, 2, 4, 5, 3\], expected a field of rank 4 like a/);
});
