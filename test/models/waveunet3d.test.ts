// 3D WaveUNet variants: parameter counts equal the PyTorch reference's for
// widths 4 and 8, and with the reference's weights (eval mode) the logits of
// wavesnet-v4 (Haar DWT, stored bands hard-shrunk, IDWT), unet-v2 (strided
// 1×1 conv, trilinear align_corners), unet-v1 (max-pool, transposed conv k1
// s2) and segnet (max-pool, max-unpool, no skip concatenation) equal
// PyTorch's (scripts/gen_waveunet3d_fixtures.py); one training step runs with
// no leak.
// (HardShrink itself: test/nn/layers.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { countTrainableParams } from '../../src/nn/core.js';
import { createModel } from '../../src/models/index.js';
import { buildWaveUNet3D, WAVEUNET3D_VARIANTS } from '../../src/models/waveunet3d/index.js';

interface Stored { shape: number[]; data: string }
interface Forward { input: Stored; forward: Record<string, { state: Record<string, Stored>; output: string; outputShape: number[] }> }
const readFixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const fixture = readFixture('waveunet3d.json') as Forward & { paramCounts: Record<string, Record<string, number>> };
const segnetFixture = readFixture('waveunet3d-segnet.json') as Forward;
const floats = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
};

test('parameter counts equal the PyTorch reference for every variant at widths 4 and 8', async () => {
  await initEngine();
  for (const variant of WAVEUNET3D_VARIANTS) {
    for (const width of [4, 8]) {
      const model = buildWaveUNet3D({ variant, width, cube: [16, 16, 16] });
      assert.equal(countTrainableParams(model), fixture.paramCounts[variant][String(width)], `${variant} width ${width}`);
      model.dispose();
    }
  }
  assert.throws(() => createModel('waveunet3d', { variant: 'v9' }), (e) => e instanceof WavecvError && /variant: got "v9"/.test(e.message));
  assert.throws(() => createModel('waveunet3d', { cube: [20, 32, 32] }), (e) => e instanceof WavecvError && /cube: .*multiples of 16/.test(e.message));
});

/** Copies the reference's state dict into the model (PyTorch NCDHW kernels → TF.js DHWIO). */
function loadReference(model: tf.LayersModel, state: Record<string, Stored>): void {
  const tensor = (key: string) => tf.tensor(floats(state[key].data), state[key].shape);
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const name = layer.name;
    let values: tf.Tensor[];
    if (name.endsWith('_bn')) {
      const base = name.slice(0, -3);
      values = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => tensor(`${base}.bn.${k}`));
    } else if (name.endsWith('_conv')) {
      const base = name.slice(0, -5);
      values = [tf.transpose(tensor(`${base}.conv.weight`), [2, 3, 4, 1, 0]), tensor(`${base}.conv.bias`)];
    } else if (name.startsWith('upsampling_')) {
      // ConvTranspose3d weight [in, out, 1, 1, 1] → the 1×1×1 conv kernel [1, 1, 1, in, out]
      values = [tf.transpose(tensor(`${name}.weight`), [2, 3, 4, 0, 1]), tensor(`${name}.bias`)];
    } else {
      values = [tf.transpose(tensor(`${name}.weight`), [2, 3, 4, 1, 0]), tensor(`${name}.bias`)];
    }
    layer.setWeights(values);
    tf.dispose(values);
  }
}

test('with the reference weights, wavesnet-v4, unet-v2, unet-v1 and segnet logits equal PyTorch (eval mode)', async () => {
  await initEngine();
  const cases = [fixture, segnetFixture].flatMap(({ input, forward }) => Object.entries(forward).map(([variant, reference]) => ({ stored: input, variant, reference })));
  for (const { stored, variant, reference } of cases) {
    const input = tf.tensor(floats(stored.data), stored.shape);
    const model = buildWaveUNet3D({ variant: variant as never, width: 2, cube: [16, 16, 16] });
    loadReference(model, reference.state);
    const output = model.predict(input) as tf.Tensor;
    assert.deepEqual(output.shape, reference.outputShape);
    const got = output.dataSync();
    const want = floats(reference.output);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    assert.ok(worst < 1e-4, `${variant}: max |Δ| ${worst}`);
    tf.dispose([input, output]);
    model.dispose();
  }
});

test('one SGD step of wavesnet-v3 (db2) on a cube lowers the loss and leaks no tensor', async () => {
  await initEngine();
  const model = buildWaveUNet3D({ variant: 'wavesnet-v3', wavelet: 'db2', width: 2, cube: [16, 16, 16], seed: 1 });
  const x = tf.randomUniform([2, 16, 16, 16, 1], 0, 1, 'float32', 2);
  const y = tf.oneHot(tf.cast(tf.greater(x.reshape([2, 16, 16, 16]), 0.5), 'int32'), 2);
  const optimizer = tf.train.sgd(0.1);
  const loss = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const first = loss();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) tf.dispose(optimizer.minimize(loss, true));
  assert.equal(tf.memory().numTensors, before);
  const last = loss();
  assert.ok(last.dataSync()[0] < first.dataSync()[0], `${last.dataSync()[0]} < ${first.dataSync()[0]}`);
  tf.dispose([x, y, first, last]);
  model.dispose();
});

test('a training step of wavesnet-v3 runs each wavelet pool once although its 8 bands feed 8 layers', async () => {
  await initEngine();
  const { WaveletPool3D } = await import('../../src/wavelets/layers.js');
  const pool = WaveletPool3D.prototype as unknown as { analysis: (...args: unknown[]) => tf.Tensor[] };
  const analysis = pool.analysis;
  let calls = 0;
  pool.analysis = function (this: unknown, ...args: unknown[]) {
    calls++;
    return analysis.apply(this, args);
  };
  try {
    const model = buildWaveUNet3D({ variant: 'wavesnet-v3', width: 2, cube: [16, 16, 16], seed: 1 });
    const x = tf.randomUniform([1, 16, 16, 16, 1], 0, 1, 'float32', 4);
    const { value, grads } = tf.variableGrads(() => tf.mean(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    assert.equal(calls, 4, 'one analysis per pool');
    assert.ok(Object.values(grads).every((g) => Number.isFinite(g.dataSync()[0])));
    tf.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
  } finally {
    pool.analysis = analysis;
  }
});
