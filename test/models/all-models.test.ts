// Every registered model (listModels(), so models registered later are
// covered without editing this file) at its declared small size
// (`smallOptions`): builds, runs a training-mode forward and a backward pass
// in which every trainable weight gets a finite gradient, saves, reloads in
// Node (src/io/model-io.ts) and predicts what it predicted before saving;
// none holds TF.js's stock BatchNormalization (every family uses the layer
// library's BatchNorm).
// Also: every entry's options are declared, and options of another family or
// out of range are refused, naming the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { createModel, listModels } from '../../src/models/index.js';

/** A deterministic input for every model input (batch 2). */
function inputsFor(model: tf.LayersModel): tf.Tensor[] {
  return model.inputs.map((input, k) => {
    const shape = [2, ...input.shape.slice(1)] as number[];
    assert.ok(shape.every((d) => Number.isInteger(d) && d > 0), `${model.name} input ${k} has a fixed shape, got [${input.shape}]`);
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + k) + 0.25 * Math.cos(0.011 * i * i)), shape);
  });
}

/** Every layer of `model`, those of nested models included. */
const layersOf = (model: tf.LayersModel): tf.layers.Layer[] => model.layers.flatMap((l) => (l instanceof tf.LayersModel ? [l, ...layersOf(l)] : [l]));

const outputsOf = (y: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(y) ? y : [y]);

test('every registered model builds small, trains a step, saves, reloads and predicts the same', { timeout: 240_000 }, async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-all-models-'));
  try {
    for (const entry of listModels()) {
      const model = createModel(entry.name, entry.smallOptions);
      const stock = layersOf(model).filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.name);
      assert.deepEqual(stock, [], `${entry.name}: batch norms are the library's WavecvBatchNorm`);
      const xs = inputsFor(model);
      const feed = xs.length === 1 ? xs[0] : xs;
      const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
      assert.ok(params.length > 0, `${entry.name} has trainable weights`);
      const { value, grads } = tf.variableGrads(
        () => tf.addN(outputsOf(model.apply(feed, { training: true }) as tf.Tensor | tf.Tensor[]).map((y) => tf.mean(tf.square(y)))) as tf.Scalar,
        params,
      );
      assert.ok(Number.isFinite(value.dataSync()[0]), `${entry.name}: finite loss`);
      const finite = params.every((p) => tf.all(tf.isFinite(grads[p.name])).dataSync()[0]);
      assert.ok(finite, `${entry.name}: finite gradients`);
      const moved = params.filter((p) => tf.any(tf.notEqual(grads[p.name], 0)).dataSync()[0]).length;
      assert.ok(moved >= 0.9 * params.length, `${entry.name}: ${moved} of ${params.length} weights get a non-zero gradient`);
      tf.dispose([value, ...Object.values(grads)]);

      const before = outputsOf(model.predict(feed) as tf.Tensor | tf.Tensor[]);
      const path = join(dir, entry.name);
      await saveModel(model, path);
      const back = await loadModel(path);
      assert.deepEqual(back.weights.map((w) => w.shape), model.weights.map((w) => w.shape), `${entry.name}: weights`);
      const after = outputsOf(back.predict(feed) as tf.Tensor | tf.Tensor[]);
      assert.equal(after.length, before.length);
      before.forEach((y, k) => {
        assert.deepEqual(after[k].shape, y.shape, `${entry.name} output ${k} shape`);
        const scale = Math.max(1, tf.max(tf.abs(y)).dataSync()[0]);
        const diff = tf.max(tf.abs(tf.sub(after[k], y))).dataSync()[0];
        assert.ok(diff <= 1e-5 * scale, `${entry.name} output ${k}: max |reloaded − saved| = ${diff}`);
      });
      tf.dispose([...xs, ...before, ...after]);
      back.dispose();
      model.dispose();
      rmSync(path, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model options are declared by every entry and refused by name when unknown, of another family or out of range', async () => {
  await initEngine({ backend: 'cpu' });
  const refused = (f: () => unknown, pattern: RegExp, what: string): void =>
    assert.throws(f, (e: unknown) => e instanceof WavecvError && pattern.test(e.message), what);
  for (const entry of listModels()) {
    assert.ok(Object.keys(entry.options).length > 0, `${entry.name} declares its options`);
    refused(() => createModel(entry.name, { ...entry.smallOptions, colour: 'blue' }), new RegExp(`^${entry.name} option: got "colour", expected one of`), entry.name);
    for (const [option, spec] of Object.entries(entry.options)) {
      const wrongType = spec.type === 'boolean' ? 'yes' : spec.type === 'string' ? 7 : 'seven';
      refused(() => createModel(entry.name, { ...entry.smallOptions, [option]: wrongType }), new RegExp(`^${option}: got`), `${entry.name} ${option}`);
    }
  }
  // Face backbones used to accept wavelet: 'haar' and build a vanilla net.
  refused(() => createModel('iresnet18', { wavelet: 'haar' }), /^iresnet18 option: got "wavelet", expected one of inputSize/, 'face + wavelet');
  refused(() => createModel('mobilefacenet', { numClasses: 10 }), /^mobilefacenet option: got "numClasses"/, 'face + numClasses');
  refused(() => createModel('resnet18', { bands: 'high' }), /^bands: got "high", expected one of low, average, concat/, 'bands');
  refused(() => createModel('vgg16bn', { dropout: 1 }), /^dropout: got 1, expected a number ≥ 0 and < 1/, 'dropout');
  refused(() => createModel('cnn28', { width: 2.5 }), /^width: got 2.5, expected an integer ≥ 1/, 'width');
  refused(() => createModel('iresnet-tiny', { style: 'resnet' }), /^style: got "resnet", expected one of insightface, lresnet-eir/, 'style');
  refused(() => createModel('resnet18', { wavelet: 'haarr' }), /^wavelet: got "haarr"/, 'unknown wavelet');
});
