import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { predictLabels, predictLogits, tileStarts } from '../../src/tasks/segment-predict.js';

before(async () => {
  await initEngine();
});

test('tile starts cover the axis, the last tile ends at the border', async () => {
  assert.deepEqual(tileStarts(16, 16, 0.25), [0]);
  assert.deepEqual(tileStarts(10, 16, 0.25), [0]);
  assert.deepEqual(tileStarts(37, 16, 0.25), [0, 12, 21]);
  assert.deepEqual(tileStarts(40, 16, 0), [0, 16, 24]);
});

/** A per-pixel network (1×1 convolution) at a 16×16 input: tiling must not change its output. */
function pixelwiseModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 1, kernelInitializer: tf.initializers.randomNormal({ seed: 1 }), biasInitializer: 'ones' }));
  return model;
}

test('overlapping tiles of odd-sized and small images give the per-pixel result exactly; no tensors left', async () => {
  const model = pixelwiseModel();
  const [kernel, bias] = model.getWeights();
  for (const [h, w] of [[37, 23], [10, 9], [16, 16], [33, 64]]) {
    const image = tf.randomUniform([h, w, 3], -1, 1, 'float32', h * w) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const logits = await predictLogits(model, image, { batchSize: 3 });
    assert.deepEqual(logits.shape, [h, w, 4]);
    const expected = tf.tidy(() => tf.add(tf.conv2d(image, kernel as tf.Tensor4D, 1, 'valid'), bias));
    const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(logits, expected))).dataSync()[0]);
    assert.ok(worst < 1e-5, `${h}×${w}: max |Δ| ${worst}`);
    const labels = await predictLabels(model, image);
    const expectedLabels = tf.argMax(expected, 2);
    assert.deepEqual(Array.from(labels), Array.from(expectedLabels.dataSync()));
    tf.dispose([logits, expected, expectedLabels]);
    assert.equal(tf.memory().numTensors, before, `${h}×${w}: no tensors left behind`);
    image.dispose();
  }
  const image = tf.zeros([20, 20, 2]) as tf.Tensor3D;
  await assert.rejects(() => predictLogits(model, image), (e: unknown) => e instanceof WavecvError && /^image: .*\[H, W, 3\]/.test(e.message));
  await assert.rejects(() => predictLogits(model, tf.zeros([20, 20, 3]) as tf.Tensor3D, { overlap: 1 }), (e: unknown) => e instanceof WavecvError && /^overlap/.test(e.message));
  tf.dispose(image);
  model.dispose();
});

test('tiles are blended: a network that sees where it is gives a smooth mix, not seams', async () => {
  // a 3×3 convolution reacts to the zero padding at tile borders; blending must stay between tile values
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 1, kernelSize: 3, padding: 'same', kernelInitializer: 'ones', useBias: false }));
  const image = tf.ones([40, 40, 1]) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const logits = await predictLogits(model, image);
  const values = logits.dataSync();
  assert.ok(values.every((v) => v >= 4 - 1e-4 && v <= 9 + 1e-4), 'between the corner (4) and the interior (9) responses');
  assert.ok(Math.abs(values[20 * 40 + 20] - 9) < 1e-3, 'interior pixels far from every tile border weigh in at the interior value');
  logits.dispose();
  assert.equal(tf.memory().numTensors, before);
  image.dispose();
  model.dispose();
});
