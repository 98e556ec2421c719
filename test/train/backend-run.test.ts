// One short training run on the backend under test (WAVECV_TEST_BACKEND,
// test/helpers/backend.ts) against the same run on cpu: a conv net with
// BatchNorm, a dilated convolution and a Haar wavelet pool, AdamW with a
// cosine schedule and gradient clipping, evaluation during the run,
// checkpoints, and a stop and resume. Losses, weights and the evaluation
// must equal cpu's within float32 tolerance, and the resumed run the
// uninterrupted one. The data are synthetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataLoader, ImageArrayDataset } from '../../src/data/dataset.js';
import { initEngine, type BackendName } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { withSeededRandom } from '../../src/engine/seed.js';
import { evaluateClassifier } from '../../src/tasks/classify.js';
import { Trainer } from '../../src/train/trainer.js';
import { WaveletPool2D } from '../../src/wavelets/layers.js';
import { assertNear, backendSkip, TEST_BACKEND } from '../helpers/backend.js';
import { crossEntropy } from './helpers.js';

const STEPS = 6;
const SIZE = 8;

/** Synthetic 8×8 images whose class is the brightest third of the rows, plus noise. */
function syntheticImages(n: number, seed: number): ImageArrayDataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(3);
    for (let p = 0; p < SIZE * SIZE; p++) images[i * SIZE * SIZE + p] = 0.4 * rng.next() + (Math.floor(Math.floor(p / SIZE) / 3) === labels[i] ? 0.6 : 0);
  }
  return new ImageArrayDataset(images, [n, SIZE, SIZE, 1], labels, ['top', 'middle', 'bottom']);
}

function smallWaveletNet(seed: number): tf.LayersModel {
  return withSeededRandom(seed, () => {
    const input = tf.input({ shape: [SIZE, SIZE, 1] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    x = new WaveletPool2D({ wavelet: 'haar' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(x) as tf.SymbolicTensor });
  });
}

interface RunResult {
  losses: number[];
  evalLosses: number[];
  weights: Float32Array[];
  top1: number;
  loss: number;
  leaked: number;
}

/** Trains on `backend` (stopping after `stopAt` steps when given, resuming when `resume`), reading every value asynchronously. */
async function run(backend: BackendName, outDir: string, options: { stopAt?: number; resume?: boolean } = {}): Promise<RunResult> {
  await initEngine({ backend });
  const before = tf.memory().numTensors;
  const model = smallWaveletNet(5);
  const data = syntheticImages(48, 6);
  const held = syntheticImages(24, 7);
  const losses: number[] = [];
  const evalLosses: number[] = [];
  const controller = new AbortController();
  const trainer = new Trainer({
    model,
    objective: crossEntropy(),
    data: new DataLoader(data, { batchSize: 12, seed: 8 }),
    optimizer: { type: 'adamw', lr: 0.02, weightDecay: 0.05 },
    schedule: { type: 'cosine', totalSteps: STEPS, warmupSteps: 2 },
    clip: { globalNorm: 1 },
    maxSteps: STEPS,
    seed: 9,
    outDir,
    checkpoint: { everySteps: 2 },
    evaluate: { everySteps: 3, run: async (m) => ({ loss: (await evaluateClassifier(m, held, { batchSize: 16 })).loss }) },
    signal: controller.signal,
    onStep: (r) => {
      losses.push(r.loss);
      if (r.step === options.stopAt) controller.abort();
    },
  });
  if (options.resume) assert.equal(await trainer.resume(), true);
  const result = await trainer.fit();
  for (const h of result.history) if (h.eval) evalLosses.push(h.eval.loss);
  const evaluation = await evaluateClassifier(model, held);
  const weights = await Promise.all(model.weights.map(async (w) => Float32Array.from(await w.read().data())));
  trainer.dispose();
  model.dispose();
  return { losses, evalLosses, weights, top1: evaluation.top1, loss: evaluation.loss, leaked: tf.memory().numTensors - before };
}

test(`a short training run on ${TEST_BACKEND} (conv, BatchNorm, dilated conv, Haar pool; AdamW, clipping, evaluation, checkpoints) equals cpu's, and resumes where it stopped`, { skip: backendSkip }, async () => {
  const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'wavecv-backend-run-')));
  try {
    const reference = await run('cpu', dirs[0]);
    const tested = await run(TEST_BACKEND, dirs[1]);
    assert.equal(tested.losses.length, STEPS);
    assert.ok(reference.losses[STEPS - 1] < reference.losses[0], `the loss falls: ${reference.losses.join(', ')}`);
    // float32 sums in another order, compounded over 6 updates
    assertNear(tested.losses, reference.losses, 1e-4, 'loss');
    tested.weights.forEach((w, i) => assertNear(w, reference.weights[i], 1e-3, `weight ${i}`));
    assertNear(tested.evalLosses, reference.evalLosses, 1e-4, 'evaluation loss during the run');
    assert.equal(tested.top1, reference.top1);
    assertNear([tested.loss], [reference.loss], 1e-4, 'evaluation loss');
    assert.equal(tested.leaked, 0, `tensors left on ${TEST_BACKEND}`);

    const stopped = await run(TEST_BACKEND, dirs[2], { stopAt: 3 });
    assert.equal(stopped.losses.length, 3);
    const resumed = await run(TEST_BACKEND, dirs[2], { resume: true });
    assertNear([...stopped.losses, ...resumed.losses], tested.losses, 1e-6, 'losses of the stopped and resumed run');
    resumed.weights.forEach((w, i) => assertNear(w, tested.weights[i], 1e-6, `resumed weight ${i}`));
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
