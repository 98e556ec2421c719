import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createModel } from '../../src/models/index.js';
import { countTrainableParams } from '../../src/nn/core.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/wavesnet.json', import.meta.url), 'utf8')) as { trainableParameters: Record<string, number>; unusedReferenceLowLevelParameters: number };

before(async () => {
  await initEngine();
});

test('deeplabv3plus parameters equal the PyTorch reference (ResNet-101/50, output stride 16, 21 classes; wavelet decoder)', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['deeplabv3plus-resnet101', {}],
    ['deeplabv3plus-resnet101-haar', { wavelet: 'haar' }],
    ['deeplabv3plus-resnet50', { backbone: 'resnet50' }],
  ];
  for (const [key, options] of cases) {
    const model = createModel('deeplabv3plus', { numClasses: 21, inputSize: 64, randomInit: false, ...options });
    assert.equal(countTrainableParams(model), fixture.trainableParameters[key], key);
    model.dispose();
  }
  // the authors' wavelet decoder also holds an unused 1×1 conv + BN of 12,384 parameters
  assert.equal(fixture.unusedReferenceLowLevelParameters, 12384);
});

test('a narrow deeplabv3plus (width 4) gives logits at the input size and trains, vanilla and with db2', () => {
  for (const wavelet of [undefined, 'db2']) {
    const model = createModel('deeplabv3plus', { numClasses: 3, inputSize: 32, width: 4, backbone: 'resnet50', wavelet, seed: 2 });
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const y = model.apply(x, { training: true }) as tf.Tensor;
      assert.deepEqual(y.shape, [2, 32, 32, 3]);
      return tf.mean(tf.square(y)) as tf.Scalar;
    });
    assert.equal(Object.keys(grads).length, model.trainableWeights.length, `${wavelet ?? 'vanilla'}: a gradient for every weight`);
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    model.dispose();
  }
  assert.throws(() => createModel('deeplabv3plus', { inputSize: 40 }), (e: unknown) => e instanceof WavecvError && /inputSize: got 40, expected a multiple of 16/.test(e.message));
  assert.throws(() => createModel('deeplabv3plus', { inputSize: 32, backbone: 'vgg' }), (e: unknown) => e instanceof WavecvError && /backbone/.test(e.message));
});
