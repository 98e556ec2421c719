import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { createOptimizer, type OptimizerSpec } from '../../src/train/optimizers.js';
import { isBiasOrNorm, resolveParameters, type ParameterInfo } from '../../src/train/parameter-groups.js';
import { BatchNorm } from '../../src/browser.js';
import { withSeededRandom } from '../../src/engine/seed.js';
import { Trainer } from '../../src/train/trainer.js';
import { crossEntropy, tinyDataset } from './helpers.js';

const info = (name: string, shape: number[], owner: 'model' | 'objective' = 'model'): ParameterInfo => ({ name, shape, rank: shape.length, owner });

test('variables go to the first group that selects them, freezing wins, the rest is the default group', () => {
  const params = [info('encoder_conv/kernel', [3, 3, 1, 8]), info('encoder_conv/bias', [8]), info('decoder_conv/kernel', [3, 3, 8, 2]), info('decoder_conv/bias', [2]), info('bn/gamma', [8]), info('centres', [10, 4], 'objective')];
  const resolved = resolveParameters(
    params,
    [
      { name: 'no-decay', select: isBiasOrNorm, weightDecay: 0 },
      { name: 'decoder', select: /^decoder/, lrMultiplier: 10 },
      { name: 'objective', select: (p) => p.owner === 'objective', lrMultiplier: 2 },
    ],
    { select: ['^encoder_conv/kernel$'] },
  );
  assert.deepEqual(resolved.assignment, [-2, 0, 1, 0, 0, 2]);
  assert.deepEqual(resolved.optimised, [1, 2, 3, 4, 5]);
  assert.deepEqual(resolved.settings, [{ lrMultiplier: 1, weightDecay: 0 }, { lrMultiplier: 10, weightDecay: undefined }, { lrMultiplier: 1, weightDecay: 0 }, { lrMultiplier: 1, weightDecay: 0 }, { lrMultiplier: 2, weightDecay: undefined }]);
  assert.deepEqual(
    resolved.summary.map((g) => [g.name, g.select, g.variables, g.values]),
    [['no-decay', 'predicate isBiasOrNorm', 3, 18], ['decoder', '/^decoder/', 1, 144], ['objective', 'predicate select', 1, 40], ['default', undefined, 0, 0], ['frozen', ['^encoder_conv/kernel$'], 1, 72]],
  );
  assert.throws(() => resolveParameters(params, [], { select: /./ }), /freeze: got "\/\.\/", expected a selection that leaves at least one of the 6 trainable variables/);
  assert.throws(() => resolveParameters(params, [{ name: 'a', select: '(' }]), /parameterGroups\[0\]\.select: got "\(", expected a regular expression over variable names/);
  assert.throws(() => resolveParameters(params, [{ name: 'a', select: /a/ }, { name: 'a', select: /b/ }]), /parameterGroups\[1\]\.name: got "a", expected a name of its own/);
  assert.throws(() => resolveParameters(params, [{ name: 'a', select: /a/, lrMultiplier: -1 }]), /lrMultiplier: got -1/);
});

test('a group updates exactly as an optimiser of its own with lr × multiplier and its weight decay (SGD, Nesterov, Adam, AdamW), step by step with changing learning rates', async () => {
  await initEngine();
  const specs: OptimizerSpec[] = [
    { type: 'sgd', lr: 0.1, weightDecay: 0.01 },
    { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, decoupledWeightDecay: true },
    { type: 'adam', lr: 0.01, weightDecay: 0.1 },
    { type: 'adamw', lr: 0.01 },
  ];
  const lrs = [0.1, 0.05, 0.2, 0.01];
  for (const spec of specs) {
    const before = tf.memory().numTensors;
    const initW = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
    const initB = tf.randomNormal([4], 0, 1, 'float32', 2);
    const grouped = [tf.variable(initW), tf.variable(initB)];
    const alone = [tf.variable(initW), tf.variable(initB)];
    const optimizer = createOptimizer(spec, grouped, [{ lrMultiplier: 10, weightDecay: 0.05 }, { lrMultiplier: 0.5, weightDecay: 0 }]);
    const forW = createOptimizer({ ...spec, weightDecay: 0.05 }, [alone[0]]);
    const forB = createOptimizer({ ...spec, weightDecay: 0 }, [alone[1]]);
    lrs.forEach((lr, k) => {
      const gw = tf.randomNormal([3, 4], 0, 1, 'float32', 10 + k);
      const gb = tf.randomNormal([4], 0, 1, 'float32', 20 + k);
      optimizer.learningRate = lr;
      optimizer.applyGradients([gw, gb]);
      forW.learningRate = lr * 10;
      forW.applyGradients([gw]);
      forB.learningRate = lr * 0.5;
      forB.applyGradients([gb]);
      tf.dispose([gw, gb]);
      assert.deepEqual(grouped[0].dataSync(), alone[0].dataSync(), `${spec.type} step ${k} kernel`);
      assert.deepEqual(grouped[1].dataSync(), alone[1].dataSync(), `${spec.type} step ${k} bias`);
    });
    for (const o of [optimizer, forW, forB]) o.dispose();
    tf.dispose([initW, initB, ...grouped, ...alone]);
    assert.equal(tf.memory().numTensors, before);
  }
});

/** encoder (dense + BatchNorm) → decoder (dense), with names to select by. */
function encoderDecoder(seed: number): tf.LayersModel {
  return withSeededRandom(seed, () => {
    const input = tf.input({ shape: [4, 4, 1] });
    let x = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 8, name: `encoder_fc_${seed}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `encoder_bn_${seed}` }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, name: `decoder_fc_${seed}` }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  });
}

for (const batchNorm of ['inference', 'train'] as const) {
  test(`frozen variables stay, have no optimiser state; BatchNorm of the frozen encoder in ${batchNorm} mode`, async () => {
    await initEngine();
    const dir = mkdtempSync(join(tmpdir(), 'wavecv-groups-'));
    try {
      const seed = batchNorm === 'inference' ? 31 : 32;
      const model = encoderDecoder(seed);
      const snapshot = () => Object.fromEntries(model.weights.map((w) => [w.name, Array.from(w.read().dataSync())]));
      const initial = snapshot();
      const trainer = new Trainer({
        model,
        objective: crossEntropy(),
        data: new DataLoader(tinyDataset(32, 2), { batchSize: 8, seed: 1 }),
        optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
        parameterGroups: [{ name: 'decoder', select: /^decoder/, lrMultiplier: 10 }],
        freeze: { select: /^encoder/, batchNorm },
        epochs: 1,
        seed: 3,
        outDir: dir,
      });
      await trainer.fit();
      const after = snapshot();
      const bn = `encoder_bn_${seed}`;
      for (const name of [`encoder_fc_${seed}/kernel`, `encoder_fc_${seed}/bias`, `${bn}/gamma`, `${bn}/beta`]) assert.deepEqual(after[name], initial[name], `${name} frozen`);
      assert.notDeepEqual(after[`decoder_fc_${seed}/kernel`], initial[`decoder_fc_${seed}/kernel`]);
      const movingMeanKept = tf.util.arraysEqual(after[`${bn}/moving_mean`], initial[`${bn}/moving_mean`]);
      assert.equal(movingMeanKept, batchNorm === 'inference', 'moving statistics kept only in inference mode');
      assert.equal(Object.keys(trainer.optimizer.getState().tensors).length, 2, 'momentum for the decoder kernel and bias only');
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      assert.deepEqual(
        config.trainer.parameterGroups.map((g: Record<string, unknown>) => [g.name, g.lrMultiplier, g.variables]),
        [['decoder', 10, 2], ['default', 1, 0], ['frozen', undefined, 4]],
      );
      assert.equal(config.trainer.parameterGroups[2].batchNorm, batchNorm);
      assert.equal(config.trainer.parameters, 8 * 3 + 3);
      trainer.dispose();
      assert.equal(Object.hasOwn(model.getLayer(bn), 'call'), false, 'dispose puts the BatchNorm layer back');
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('wavecv’s BatchNorm of a frozen part runs in inference mode too', async () => {
  await initEngine();
  const model = withSeededRandom(41, () => {
    const input = tf.input({ shape: [4, 4, 1] });
    let x = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 8 }).apply(x) as tf.SymbolicTensor;
    x = new BatchNorm({ name: 'frozen_norm' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(x) as tf.SymbolicTensor });
  });
  const norm = model.getLayer('frozen_norm');
  const before = norm.getWeights().map((w) => Array.from(w.dataSync()));
  const trainer = new Trainer({ model, objective: crossEntropy(), data: new DataLoader(tinyDataset(16, 2), { batchSize: 8, seed: 1 }), optimizer: { type: 'sgd', lr: 0.1 }, freeze: { select: /^frozen_norm\// }, epochs: 1, seed: 3 });
  await trainer.fit();
  assert.deepEqual(norm.getWeights().map((w) => Array.from(w.dataSync())), before, 'gamma, beta and the moving statistics unchanged');
  trainer.dispose();
  model.dispose();
});
