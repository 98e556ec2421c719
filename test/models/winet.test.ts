// WiNet (src/models/winet/): parameter counts equal to a PyTorch rendering of
// the paper (scripts/gen_winet_fixtures.py), and the same forward pass as that
// reference with the same deterministic weights, in 2-D and 3-D; saved and
// reloaded models give the same field. The pyramid baseline likewise against
// its PyTorch rendering (scripts/gen_pyramid_fixtures.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { buildWiNet } from '../../src/models/winet/winet.js';
import { createModel } from '../../src/models/index.js';
import { WavecvError } from '../../src/errors.js';

interface Reference {
  paramCount8: number;
  voxelmorphParamCount: number;
  startChannels: number;
  size: number[];
  moving: number[];
  fixed: number[];
  field: number[];
  params: Array<{ name: string; shape: number[] }>;
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/winet.json', import.meta.url), 'utf8')) as Record<'2d' | '3d', Reference>;
type PyramidReference = Pick<Reference, 'size' | 'moving' | 'fixed' | 'field' | 'params'> & { paramCount: number };
const pyramidFixtures = JSON.parse(readFileSync(new URL('../fixtures/pyramid.json', import.meta.url), 'utf8')) as Record<'2d' | '3d', PyramidReference>;

/** The generator's formula_weights: element j of parameter t is scale·sin(0.7 j + 1.1 t) in PyTorch layout. */
function formulaValues(t: number, shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const scale = shape.length === 1 ? 0.1 : 1 / Math.sqrt(size / shape[0]);
  return Float32Array.from({ length: size }, (_, j) => scale * Math.sin(0.7 * j + 1.1 * t));
}

/** Sets the model's weights from the reference's parameters (PyTorch layouts permuted to TF.js's). */
function loadReferenceWeights(model: tf.LayersModel, params: Reference['params']): void {
  const perLayer = new Map<string, tf.Tensor[]>();
  params.forEach(({ name, shape }, t) => {
    const layerName = name.replace(/\.(weight|bias)$/, '').replace(/\.conv$/, '').replaceAll('.', '_');
    let value = tf.tensor(formulaValues(t, shape), shape);
    if (shape.length > 1) {
      const spatial = shape.slice(2).map((_, i) => i + 2);
      // conv [out, in/g, k…] → [k…, in/g, out]; transposed conv [in, out, k…] → [k…, out, in]: the same permutation
      value = tf.transpose(value, [...spatial, 1, 0]);
    }
    perLayer.set(layerName, [...(perLayer.get(layerName) ?? []), value]);
  });
  for (const [layerName, values] of perLayer) model.getLayer(layerName).setWeights(values);
  const assigned = [...perLayer.values()].reduce((s, v) => s + v.reduce((a, t) => a + t.size, 0), 0);
  assert.equal(assigned, model.countParams(), 'every parameter comes from the reference');
}

test('WiNet parameter counts equal the reference (C = 8): 1,418,573 in 3-D, 459,818 in 2-D; the VoxelMorph U-Net baseline too', async () => {
  await initEngine();
  for (const [dims, key, size] of [
    [3, '3d', [16, 16, 16]],
    [2, '2d', [16, 16]],
  ] as const) {
    const model = buildWiNet({ dims, size: [...size] });
    assert.equal(model.countParams(), fixtures[key].paramCount8);
    model.dispose();
    const baseline = createModel('vxm-unet', { dims, size: [...size] });
    assert.equal(baseline.countParams(), fixtures[key].voxelmorphParamCount);
    baseline.dispose();
  }
});

/**
 * Runs `model` on the reference's moving/fixed pair and checks its field against the reference
 * (`expectedAt(i)` gives element i in voxels), that the reference field is not trivially small
 * (`peakCheck`), and that a saved and reloaded model gives exactly the same field.
 */
async function checkForwardAndReload(model: tf.LayersModel, ref: Pick<Reference, 'size' | 'moving' | 'fixed'>, expectedAt: (i: number) => number, peakCheck: (peak: number) => void, tmpPrefix: string): Promise<void> {
  const dims = ref.size.length;
  const moving = tf.tensor(ref.moving, [1, ...ref.size, 1]);
  const fixed = tf.tensor(ref.fixed, [1, ...ref.size, 1]);
  const field = model.predict([moving, fixed]) as tf.Tensor;
  assert.deepEqual(field.shape, [1, ...ref.size, dims]);
  const got = field.dataSync();
  let worst = 0;
  let peak = 0;
  for (let i = 0; i < got.length; i++) {
    const expected = expectedAt(i);
    worst = Math.max(worst, Math.abs(got[i] - expected));
    peak = Math.max(peak, Math.abs(expected));
  }
  peakCheck(peak);
  assert.ok(worst < 1e-4 * peak, `max |difference| ${worst} against a peak of ${peak}`);
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  try {
    await saveModel(model, dir);
    const back = await loadModel(dir);
    const again = back.predict([moving, fixed]) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(again, field))).dataSync()[0] === 0);
    tf.dispose([again]);
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  tf.dispose([moving, fixed, field]);
}

for (const key of ['2d', '3d'] as const) {
  test(`WiNet ${key} forward equals the PyTorch reference with the same weights; save and reload keep it`, async () => {
    await initEngine();
    const ref = fixtures[key];
    const dims = ref.size.length as 2 | 3;
    const model = buildWiNet({ dims, size: ref.size, startChannels: ref.startChannels });
    loadReferenceWeights(model, ref.params);
    // the reference field is in normalised coordinates: voxels = normalised · (size − 1)/2
    const scale = ref.size.map((n) => (n - 1) / 2);
    await checkForwardAndReload(model, ref, (i) => ref.field[i] * scale[i % dims], (peak) => assert.ok(peak > 0.1, 'the reference field is not trivially small'), 'wavecv-winet-');
    model.dispose();
  });
}

for (const key of ['2d', '3d'] as const) {
  test(`pyramid-unet ${key}: parameter count and forward equal the PyTorch reference with the same weights (down-sampling, field up-sampling, in-graph warp and composition); save and reload keep it`, async () => {
    await initEngine();
    const ref = pyramidFixtures[key];
    const dims = ref.size.length as 2 | 3;
    const model = createModel('pyramid-unet', { dims, size: ref.size });
    assert.equal(model.countParams(), ref.paramCount);
    loadReferenceWeights(model, ref.params);
    await checkForwardAndReload(model, ref, (i) => ref.field[i], (peak) => assert.ok(peak > 0.5, `the reference field moves voxels (peak ${peak})`), 'wavecv-pyramid-');
    model.dispose();
  });
}

test('registration model options are checked by the registry specs alone, naming the option', async () => {
  await initEngine();
  const refused = (name: string, options: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => createModel(name, options), (e: unknown) => e instanceof WavecvError && pattern.test(e.message), `${name} ${JSON.stringify(options)}`);
  refused('winet', { dims: 2, size: [24, 32] }, /^size: got \[24, 32\], expected a non-empty array of integers ≥ 16, multiples of 16 \(winet: /);
  refused('winet', { dims: 2, size: [32, 32], wavelet: 'nope' }, /^wavelet: got "nope", expected a discrete wavelet name \(wavecv wavelets\)/);
  refused('winet-diff', { dims: 3, size: [32, 32, 32], startChannels: 0 }, /^startChannels: got 0, expected an integer ≥ 1/);
  refused('vxm-unet', { dims: 4 }, /^dims: got 4, expected one of 2, 3/);
  refused('pyramid-unet', { dims: 2, size: [40, 32] }, /^size: got \[40, 32\], expected a non-empty array of integers ≥ 16, multiples of 16 \(pyramid-unet: /);
  refused('vxm-unet', { dims: 2, size: [32, 32, 32] }, /^size: got \[32, 32, 32\], expected 2 spatial sizes \(dims 2\)$/);
  refused('waveunet3d', { cube: [16, 32] }, /^cube: got \[16, 32\], expected 3 integers ≥ 16, multiples of 16/);
  refused('waveunet3d', { variant: 'unet-v1', wavelet: 'nope' }, /^wavelet: got "nope", expected a discrete wavelet name/);
});
