// The encoder contract (src/models/encoders.ts): stage outputs, strides and
// channels of the ResNet and VGG-16-BN trunks, output stride 16 and 8 by
// dilation (trainable), the classifier built on the encoder with the same
// weights, and options checked as the models'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createEncoder, createModel, listEncoders } from '../../src/models/index.js';

const spatial = (t: tf.SymbolicTensor): number => t.shape[1] as number;

test('every encoder exposes its stages at strides 2–32 with their channels', async () => {
  await initEngine({ backend: 'cpu' });
  assert.deepEqual(listEncoders().map((e) => e.name).sort(), ['resnet101', 'resnet18', 'resnet34', 'resnet50', 'vgg16bn']);
  const expected: Record<string, number[]> = {
    resnet18: [8, 8, 16, 32, 64],
    resnet34: [8, 8, 16, 32, 64],
    resnet50: [8, 32, 64, 128, 256],
    resnet101: [8, 32, 64, 128, 256],
    vgg16bn: [8, 16, 32, 64, 64],
  };
  for (const { name } of listEncoders()) {
    const encoder = createEncoder(name, { width: 8, inputSize: 64, randomInit: false });
    assert.deepEqual(encoder.strides, [2, 4, 8, 16, 32], name);
    assert.deepEqual(encoder.channels, expected[name], name);
    assert.deepEqual(encoder.stages.map(spatial), [32, 16, 8, 4, 2], name);
    assert.deepEqual(encoder.stages.map((s) => s.shape[3]), expected[name], name);
    assert.deepEqual(encoder.input.shape, [null, 64, 64, 3]);
  }
});

test('output stride 16 and 8 dilate the last stages (torchvision rule: the first block keeps the previous dilation)', async () => {
  await initEngine({ backend: 'cpu' });
  const os16 = createEncoder('resnet50', { width: 4, inputSize: 64, outputStride: 16, randomInit: false });
  assert.deepEqual(os16.strides, [2, 4, 8, 16, 16]);
  assert.deepEqual(os16.stages.map(spatial), [32, 16, 8, 4, 4]);
  const model = tf.model({ inputs: os16.input, outputs: os16.stages });
  const dilation = (layer: string): number[] => (model.getLayer(layer).getConfig().dilationRate as number[]);
  assert.deepEqual(dilation('layer4_0_2_conv'), [1, 1]);
  assert.deepEqual(dilation('layer4_1_2_conv'), [2, 2]);
  assert.deepEqual(model.getLayer('layer4_0_shortcut_conv').getConfig().strides, [1, 1]);
  const os8 = createEncoder('resnet18', { width: 4, inputSize: 64, outputStride: 8, randomInit: false });
  assert.deepEqual(os8.strides, [2, 4, 8, 8, 8]);
  const vgg = createEncoder('vgg16bn', { width: 4, inputSize: 64, outputStride: 16, randomInit: false });
  assert.deepEqual(vgg.strides, [2, 4, 8, 16, 16]);
  assert.deepEqual(vgg.stages.map(spatial), [32, 16, 8, 4, 4]);
});

test('a dilated encoder (output stride 8) trains: every weight gets a gradient', async () => {
  await initEngine();
  const encoder = createEncoder('resnet18', { width: 4, inputSize: 32, outputStride: 8, seed: 1 });
  const model = tf.model({ inputs: encoder.input, outputs: encoder.stages[4] });
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 2);
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, params);
  assert.ok(Number.isFinite(value.dataSync()[0]));
  for (const p of params) assert.ok(tf.any(tf.notEqual(grads[p.name], 0)).dataSync()[0], `${p.name} gets a gradient`);
  tf.dispose([x, value, ...Object.values(grads)]);
});

test('the classifier is its encoder plus a head: same layers, same weights for the same seed', async () => {
  await initEngine({ backend: 'cpu' });
  for (const name of ['resnet18', 'vgg16bn']) {
    const options = { width: 4, inputSize: 32, seed: 9, wavelet: 'haar' };
    const encoder = createEncoder(name, options);
    const trunk = tf.model({ inputs: encoder.input, outputs: encoder.stages });
    const classifier = createModel(name, { ...options, numClasses: 10, ...(name === 'vgg16bn' ? { hidden: 8 } : {}) });
    for (const layer of trunk.layers) {
      const twin = classifier.getLayer(layer.name);
      assert.equal(twin.getClassName(), layer.getClassName());
      const [a, b] = [layer.getWeights(), twin.getWeights()];
      a.forEach((w, k) => assert.deepEqual(Array.from(w.dataSync()), Array.from(b[k].dataSync()), `${name} ${layer.name} weight ${k}`));
    }
  }
});

test('encoder options are declared and checked: unknown, classifier-only and out-of-range options are refused by name', async () => {
  await initEngine({ backend: 'cpu' });
  const refused = (f: () => unknown, pattern: RegExp): void => assert.throws(f, (e: unknown) => e instanceof WavecvError && pattern.test(e.message));
  refused(() => createEncoder('resnet50', { numClasses: 10 }), /^resnet50 encoder option: got "numClasses"/);
  refused(() => createEncoder('resnet50', { outputStride: 4 as 8 }), /^outputStride: got 4, expected one of 8, 16, 32/);
  refused(() => createEncoder('vgg16bn', { width: 0 }), /^width: got 0/);
  refused(() => createEncoder('densenet121'), /^encoder: got "densenet121"/);
});
