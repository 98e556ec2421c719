// Deepfake self-distillation (src/losses/distillation.ts): the loss and its
// gradient against PyTorch (scripts/gen_dtn_fixtures.py), its options
// through the loss registry, and a training run whose teacher is the
// exponential moving average of the student: the soft labels each step sees
// are the average's outputs before the step, and the average follows
// θ̄ ← d_t·θ̄ + (1 − d_t)·θ after every update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createLoss, checkLossOptions, selfDistillationObjective, selfDistillationTerms } from '../../src/losses/index.js';
import type { Objective } from '../../src/train/trainer.js';
import { Trainer } from '../../src/train/trainer.js';
import { tinyDataset, tinyModel, weightsOf } from '../train/helpers.js';

interface DsdCase {
  temperature: number;
  weight: number;
  numClasses: number;
  student: number[];
  teacher: number[];
  labels: number[];
  ce: number;
  kd: number;
  loss: number;
  grad: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/dtn.json', import.meta.url), 'utf8')) as { dsd: DsdCase[] };

test('(1 − α)·CE + α·T²·KL and its gradient equal PyTorch’s (batchmean KL)', async () => {
  await initEngine({ backend: 'cpu' });
  for (const c of fixture.dsd) {
    const b = c.labels.length;
    const student = tf.variable(tf.tensor2d(c.student, [b, c.numClasses]));
    const teacher = tf.tensor2d(c.teacher, [b, c.numClasses]);
    const batch = { label: tf.tensor1d(c.labels, 'int32') };
    const objective = createLoss<{ numClasses: number }, Objective>('distillation', 'self-distillation', { temperature: c.temperature, weight: c.weight }, { numClasses: c.numClasses });
    const context = { step: 0, epoch: 0, batch: 0, learningRate: 0, seed: 0, teacher };
    const { value, grads } = tf.variableGrads(() => objective.compute(student, batch, context).loss, [student]);
    assert.ok(Math.abs(value.dataSync()[0] - c.loss) < 1e-5, `loss ${value.dataSync()[0]} vs ${c.loss}`);
    const g = grads[student.name].dataSync();
    c.grad.forEach((v, i) => assert.ok(Math.abs(g[i] - v) < 1e-5, `grad[${i}] ${g[i]} vs ${v}`));
    const terms = selfDistillationTerms(student, teacher, tf.oneHot(batch.label, c.numClasses) as tf.Tensor2D, c.temperature);
    assert.ok(Math.abs(terms.ce.dataSync()[0] - c.ce) < 1e-5 && Math.abs(terms.kd.dataSync()[0] - c.kd) < 1e-5);
    tf.dispose([student, teacher, batch.label, value, terms.ce, terms.kd, ...Object.values(grads)]);
  }
});

test('options are validated through the registry: T > 0, α in [0, 1], nothing else; a missing teacher is named', () => {
  const refused = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof WavecvError && pattern.test(e.message));
  refused(() => createLoss('distillation', 'self-distillation', { temperature: 0 }, { numClasses: 2 }), /^lossOptions\.temperature: got 0, expected a number > 0/);
  refused(() => createLoss('distillation', 'self-distillation', { weight: 1.5 }, { numClasses: 2 }), /^lossOptions\.weight: got 1\.5, expected a number in \[0, 1\]/);
  refused(() => checkLossOptions('distillation', 'self-distillation', { labelSmoothing: 0.1 }), /^lossOptions\.labelSmoothing: .* takes temperature, weight/);
  const objective = selfDistillationObjective(2);
  const logits = tf.zeros([3, 2]);
  const label = tf.tensor1d([0, 1, 0], 'int32');
  refused(() => objective.compute(logits, { label }, { step: 0, epoch: 0, batch: 0, learningRate: 0, seed: 0 }), /^teacher: .*EMA teacher/);
  tf.dispose([logits, label]);
});

test('trained with the EMA teacher: each step’s soft labels are the average’s outputs before the step, and the average follows the EMA of the student', async () => {
  await initEngine();
  const model = tinyModel(21, 0);
  const average = tinyModel(22, 0);
  const decay = 0.8;
  const temperature = 2;
  const dsd = selfDistillationObjective(3, { temperature, weight: 0.7 });
  let checked = 0;
  const objective: Objective = {
    compute(outputs, batch, context) {
      const soft = average.predict(batch.image) as tf.Tensor2D;
      assert.deepEqual(Array.from((context.teacher as tf.Tensor).dataSync()), Array.from(soft.dataSync()), `step ${context.step}: teacher = the average's outputs`);
      const result = dsd.compute(outputs, batch, context);
      const expected = selfDistillationTerms(outputs as tf.Tensor2D, soft, tf.oneHot(batch.label as tf.Tensor1D, 3) as tf.Tensor2D, temperature);
      assert.ok(Math.abs(result.metrics!.kd.dataSync()[0] - expected.kd.dataSync()[0]) < 1e-6);
      tf.dispose([soft, expected.ce, expected.kd]);
      checked++;
      return result;
    },
  };
  const expectedAverage = weightsOf(model).map((w) => Float64Array.from(w));
  let update = 0;
  const trainer = new Trainer({
    model,
    objective,
    data: new DataLoader(tinyDataset(24, 3), { batchSize: 8, seed: 4 }),
    optimizer: { type: 'sgd', lr: 0.5 },
    ema: { model: average, decay, warmup: {}, teacher: true },
    maxSteps: 5,
    seed: 5,
    onStep: () => {
      // After update t: θ̄ ← d_t·θ̄ + (1 − d_t)·θ with the mean teacher's ramp d_t = min(d, 1 − 1/(t + 1)).
      const d = Math.min(decay, 1 - 1 / (update + 1));
      const current = weightsOf(model);
      expectedAverage.forEach((e, i) => e.forEach((v, k) => (e[k] = d * v + (1 - d) * current[i][k])));
      update++;
      weightsOf(average).forEach((w, i) => w.forEach((v, k) => assert.ok(Math.abs(v - expectedAverage[i][k]) < 1e-5, `update ${update} weight ${i}[${k}]`)));
    },
  });
  await trainer.fit();
  assert.equal(checked, 5);
  assert.equal(update, 5);
  assert.notDeepEqual(weightsOf(average), weightsOf(model), 'the teacher lags the student');
  trainer.dispose();
  model.dispose();
  average.dispose();
});
