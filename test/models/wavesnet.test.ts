import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { createModel } from '../../src/models/index.js';
import { countTrainableParams } from '../../src/nn/core.js';

type Nested = number | Nested[];
interface ForwardCase {
  kind: 'segnet' | 'unet';
  wavelet: string | null;
  width: number;
  classes: number;
  input: number[];
  output: number[];
  layers: Record<string, Record<string, Nested>>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/wavesnet.json', import.meta.url), 'utf8')) as {
  trainableParameters: Record<string, number>;
  forward: Record<string, ForwardCase>;
};

before(async () => {
  await initEngine();
});

test('trainable parameters equal the PyTorch reference (width 64, 21 classes; width 16)', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['segnet', 'segnet', {}],
    ['segnet-haar', 'segnet', { wavelet: 'haar' }],
    ['unet', 'unet', {}],
    ['unet-haar', 'unet', { wavelet: 'haar' }],
    ['unet-width16', 'unet', { width: 16 }],
  ];
  for (const [key, name, options] of cases) {
    const model = createModel(name, { numClasses: 21, inputSize: 64, randomInit: false, ...options });
    assert.equal(countTrainableParams(model), fixture.trainableParameters[key], key);
    model.dispose();
  }
  // any wavelet: the parameters do not depend on it
  const db2 = createModel('segnet', { numClasses: 21, inputSize: 64, randomInit: false, wavelet: 'db2' });
  assert.equal(countTrainableParams(db2), fixture.trainableParameters['segnet-haar']);
  db2.dispose();
});

/** OIHW → HWIO (conv), IOHW → HWOI (transposed conv, TF.js's [h, w, out, in]). */
function kernel(values: Nested): tf.Tensor {
  // both layouts put the two spatial axes last and swap the channel pair
  return tf.tidy(() => tf.transpose(tf.tensor(values as number[]), [2, 3, 1, 0]));
}

function loadReference(model: tf.LayersModel, layers: ForwardCase['layers']): void {
  for (const [name, weights] of Object.entries(layers)) {
    const layer = model.getLayer(name);
    if (name.endsWith('_bn')) {
      layer.setWeights(['gamma', 'beta', 'mean', 'variance'].map((k) => tf.tensor1d(weights[k] as number[])));
    } else {
      layer.setWeights([kernel(weights.kernel), tf.tensor1d(weights.bias as number[])]);
    }
  }
}

for (const [key, c] of Object.entries(fixture.forward)) {
  test(`forward pass of ${key} equals the PyTorch reference (eval mode, width ${c.width}, tied maxima)`, () => {
    const model = createModel(c.kind, { numClasses: c.classes, inputSize: 32, width: c.width, wavelet: c.wavelet ?? undefined, seed: 1 });
    loadReference(model, c.layers);
    const x = tf.tensor4d(c.input, [1, 32, 32, 3]);
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, [1, 32, 32, c.classes]);
    const got = y.dataSync();
    const scale = Math.max(...c.output.map(Math.abs));
    const worst = c.output.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
    assert.ok(worst < 1e-4 * scale, `max |Δ| ${worst} (scale ${scale})`);
    tf.dispose([x, y]);
    model.dispose();
  });
}

test('a training step of each model: gradients reach every weight, no tensors left behind; save and reload', async () => {
  for (const [name, wavelet] of [['segnet', undefined], ['segnet', 'db2'], ['unet', undefined], ['unet', 'haar']] as const) {
    const model = createModel(name, { numClasses: 3, inputSize: 32, width: 2, wavelet, seed: 3 });
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
    for (const w of model.trainableWeights) {
      const g = grads[w.read().name];
      assert.ok(g, `${name} ${wavelet ?? ''}: gradient of ${w.name}`);
      assert.ok(tf.tidy(() => tf.any(tf.notEqual(g, 0)).dataSync()[0]) || w.name.includes('bias'), `${name}: non-zero gradient of ${w.name}`);
    }
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, `${name} ${wavelet ?? ''}: no leak`);
    const dir = mkdtempSync(join(tmpdir(), 'wavecv-wavesnet-'));
    try {
      await saveModel(model, dir);
      const back = await loadModel(dir);
      const a = model.predict(x) as tf.Tensor;
      const b = back.predict(x) as tf.Tensor;
      assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] === 0, `${name}: reloaded model gives the same output`);
      tf.dispose([a, b]);
      back.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    x.dispose();
    model.dispose();
  }
});

test('bad options are refused naming the option', () => {
  assert.throws(() => createModel('unet', { inputSize: 48 }), (e: unknown) => e instanceof WavecvError && /^inputSize: got 48, expected a multiple of 32/.test(e.message));
  assert.throws(() => createModel('segnet', { inputSize: 32, wavelet: 'nope' }), (e: unknown) => e instanceof WavecvError && /wavelet/.test(e.message));
  assert.throws(() => createModel('segnet', { inputSize: 32, widht: 4 }), (e: unknown) => e instanceof WavecvError && /widht/.test(e.message));
});
