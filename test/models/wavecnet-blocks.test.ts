// The BatchNorm of src/nn/norm.ts: the BatchNorm layer against
// PyTorch's BatchNorm2d (fixture by scripts/gen_wavecnet_fixtures.py), its
// closed-form gradient against TF.js autograd of the textbook formula and
// against central differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { BatchNorm, batchNormTraining } from '../../src/nn/norm.js';

const F = JSON.parse(readFileSync(new URL('../fixtures/wavecnet-batchnorm.json', import.meta.url), 'utf8'));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`BatchNorm layer matches torch BatchNorm2d (train forward/backward, running stats, eval) on ${backend}`, async () => {
    await initEngine({ backend });
    const layer = new BatchNorm({ name: 'bn' });
    layer.build(F.shape);
    layer.setWeights([tf.tensor1d(F.gamma), tf.tensor1d(F.beta), tf.tensor1d(F.runningMean0), tf.tensor1d(F.runningVar0)]);
    const x = tf.tensor4d(F.x, F.shape);
    const dy = tf.tensor4d(F.dy, F.shape);
    const gammaVar = layer.trainableWeights[0].read();
    const betaVar = layer.trainableWeights[1].read();
    const before = tf.memory().numTensors;
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    assert.equal(tf.memory().numTensors, before + 1, 'training call leaves only its output');
    close(y.dataSync(), F.y, 2e-5, 'y');
    const [mean1, var1] = layer.getWeights().slice(2);
    close(mean1.dataSync(), F.runningMean1, 1e-5, 'running mean');
    close(var1.dataSync(), F.runningVar1, 1e-5, 'running var');
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar, [gammaVar as tf.Variable, betaVar as tf.Variable]);
    close(grads[gammaVar.name].dataSync(), F.dgamma, 2e-5, 'dgamma');
    close(grads[betaVar.name].dataSync(), F.dbeta, 2e-5, 'dbeta');
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)))(x);
    close(dx.dataSync(), F.dx, 2e-5, 'dx');
    // inference with the statistics after the one torch step
    layer.setWeights([tf.tensor1d(F.gamma), tf.tensor1d(F.beta), tf.tensor1d(F.runningMean1), tf.tensor1d(F.runningVar1)]);
    const yEval = layer.apply(x) as tf.Tensor;
    close(yEval.dataSync(), F.yEval, 2e-5, 'eval y');
    tf.dispose([x, dy, y, dx, yEval, mean1, var1, ...Object.values(grads)]);
  });
}

test('batchNormTraining gradient equals autograd of the textbook formula and central differences (cpu)', async () => {
  await initEngine({ backend: 'cpu' });
  const shape = [3, 2, 5, 3];
  const x = tf.randomNormal(shape, 1, 2, 'float32', 4);
  const w = tf.randomNormal(shape, 0, 1, 'float32', 5);
  const gamma = tf.tensor1d([0.7, 1.3, -0.4]);
  const beta = tf.tensor1d([0.1, -0.2, 0.3]);
  const reference = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b), w));
  };
  const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5).y, w));
  const [r, o] = [reference, ours].map((f) => tf.grads(f)([x, gamma, beta]));
  for (let k = 0; k < 3; k++) close(o[k].dataSync(), r[k].dataSync(), 1e-4, `gradient ${k}`);
  // central differences of the loss along a random direction of x
  const v = tf.randomNormal(shape, 0, 1, 'float32', 6);
  const h = 1e-2;
  const plus = ours(tf.add(x, tf.mul(v, h)), gamma, beta).dataSync()[0];
  const minus = ours(tf.sub(x, tf.mul(v, h)), gamma, beta).dataSync()[0];
  const directional = tf.sum(tf.mul(o[0], v)).dataSync()[0];
  assert.ok(Math.abs((plus - minus) / (2 * h) - directional) < 2e-2 * (1 + Math.abs(directional)), `${(plus - minus) / (2 * h)} vs ${directional}`);
  await initEngine({ backend: 'wasm' });
});
