// Gradients flow through every trainable weight of cnn28 (vanilla and
// wavelet), and a few SGD steps on a fixed batch lower the loss, on the
// default (wasm) backend with the engine's training kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { createModel } from '../../src/models/index.js';

const VARIANTS: Array<Record<string, unknown>> = [{}, { wavelet: 'haar' }, { wavelet: 'db2', bands: 'concat' }];

for (const variant of VARIANTS) {
  test(`cnn28 ${JSON.stringify(variant)}: every weight gets a gradient and SGD lowers the loss`, async () => {
    await initEngine();
    const model = createModel('cnn28', { ...variant, width: 8, seed: 3 });
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 11);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(loss, vars);
    for (const v of vars) {
      const g = grads[v.name];
      assert.ok(g, `gradient for ${v.name}`);
      assert.ok(tf.tidy(() => g.abs().max().dataSync()[0]) > 0, `non-zero gradient for ${v.name}`);
    }
    const before = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    const optimizer = tf.train.sgd(0.1);
    for (let step = 0; step < 5; step++) tf.dispose(optimizer.minimize(loss, true, vars));
    const after = tf.tidy(() => loss().dataSync()[0]);
    assert.ok(after < before - 0.05, `loss ${before} → ${after}`);
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
}
