// Short training runs of the three task families on the backend under test
// (WAVECV_TEST_BACKEND, test/helpers/backend.ts) against the same runs on
// cpu, through the losses and models the tasks use: a face embedding net
// with UniTSFace (CosFace + USS: memory, data-driven bias, learned
// threshold) and ECLoss on a conv layer; a wavelet SegNet (DWT pooling, IDWT
// unpooling) with cross-entropy + Dice; WiNet-Diff registration (velocity,
// scaling and squaring, warp, NCC + smoothness). Per-step losses and
// metrics, the final weights and the losses' own state must equal cpu's
// within float32 tolerance, with every read asynchronous and no tensor left
// behind. The data are synthetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ArrayRecordDataset, DataLoader, hostTensor, type Dataset } from '../../src/data/dataset.js';
import { initEngine, type BackendName } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { withSeededRandom } from '../../src/engine/seed.js';
import { createLoss } from '../../src/losses/registry.js';
import { ExplainableChannelLoss } from '../../src/losses/ecloss.js';
import { faceObjective } from '../../src/losses/objective.js';
import { segmentationObjective } from '../../src/losses/segmentation.js';
import type { FaceLoss, FaceLossContext } from '../../src/losses/index.js';
import '../../src/models/index.js';
import { createModel } from '../../src/models/registry.js';
import { registrationField } from '../../src/models/winet/index.js';
import type { OptimizerSpec } from '../../src/train/optimizers.js';
import { Trainer, type Objective } from '../../src/train/trainer.js';
import { WaveletPool2D } from '../../src/wavelets/layers.js';
import { assertNear, backendSkip, TEST_BACKEND } from '../helpers/backend.js';

interface Setup {
  model: tf.LayersModel;
  objective: Objective;
  data: Dataset;
  batchSize: number;
  steps: number;
  /** Adam by default; SGD where Adam's first steps (±lr for any gradient near 0) would turn float32 noise into weight differences. */
  optimizer?: OptimizerSpec;
  inputKeys?: string[];
  /** Tensors of the objective to compare after the run (read before `release`). */
  state?: () => tf.Tensor[];
  /** Frees what the objective owns. */
  release?: () => void;
}

interface Outcome {
  losses: number[];
  metrics: Array<Record<string, number>>;
  tensors: Float32Array[];
  leaked: number;
}

/** Trains the setup `build` makes on `backend` (Adam, no schedule) and reads everything back asynchronously. */
async function trainOn(backend: BackendName, build: () => Setup): Promise<Outcome> {
  await initEngine({ backend });
  const before = tf.memory().numTensors;
  const setup = build();
  const losses: number[] = [];
  const metrics: Array<Record<string, number>> = [];
  const trainer = new Trainer({
    model: setup.model,
    objective: setup.objective,
    data: new DataLoader(setup.data, { batchSize: setup.batchSize, seed: 3 }),
    optimizer: setup.optimizer ?? { type: 'adam', lr: 0.01 },
    maxSteps: setup.steps,
    seed: 4,
    inputKeys: setup.inputKeys,
    onStep: (r) => {
      losses.push(r.loss);
      metrics.push(r.metrics);
    },
  });
  await trainer.fit();
  const read = [...setup.model.weights.map((w) => w.read()), ...(setup.state?.() ?? [])];
  const tensors = await Promise.all(read.map(async (t) => Float32Array.from(await t.data())));
  trainer.dispose();
  setup.model.dispose();
  setup.release?.();
  return { losses, metrics, tensors, leaked: tf.memory().numTensors - before };
}

/**
 * The run on the backend under test equals the run on cpu (losses, metrics,
 * weights, state) within `tolerance`; `counted` metrics (fractions of
 * pixels) may differ by that absolute amount, as a pixel whose two top
 * logits are within float32 rounding of each other may flip.
 */
async function assertSameAsCpu(build: () => Setup, tolerance: { loss: number; weights: number; counted?: Record<string, number> }): Promise<void> {
  const reference = await trainOn('cpu', build);
  const tested = await trainOn(TEST_BACKEND, build);
  assert.equal(tested.losses.length, reference.losses.length);
  assertNear(tested.losses, reference.losses, tolerance.loss, 'loss');
  reference.metrics.forEach((m, step) => {
    assert.deepEqual(Object.keys(tested.metrics[step]).sort(), Object.keys(m).sort(), `metrics of step ${step + 1}`);
    for (const key of Object.keys(m)) assertNear([tested.metrics[step][key]], [m[key]], tolerance.counted?.[key] ?? tolerance.loss, `${key} at step ${step + 1}`);
  });
  tested.tensors.forEach((t, i) => assertNear(t, reference.tensors[i], tolerance.weights, `weight or state ${i}`));
  assert.equal(reference.leaked, 0, 'tensors left on cpu');
  assert.equal(tested.leaked, 0, `tensors left on ${TEST_BACKEND}`);
}

const FACE_CLASSES = 4;
const FACE_SIZE = 8;

/** Synthetic 8×8 "faces": the class is which quadrant is bright, plus noise. */
function syntheticFaces(n: number, seed: number): ArrayRecordDataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * FACE_SIZE * FACE_SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % FACE_CLASSES;
    for (let p = 0; p < FACE_SIZE * FACE_SIZE; p++) {
      const quadrant = 2 * Math.floor(Math.floor(p / FACE_SIZE) / 4) + Math.floor((p % FACE_SIZE) / 4);
      images[i * FACE_SIZE * FACE_SIZE + p] = 0.5 * rng.next() + (quadrant === labels[i] ? 0.5 : 0);
    }
  }
  return new ArrayRecordDataset({ image: hostTensor('float32', [n, FACE_SIZE, FACE_SIZE, 1], images), label: hostTensor('int32', [n], labels) });
}

function faceSetup(): Setup {
  const model = withSeededRandom(11, () => {
    const input = tf.input({ shape: [FACE_SIZE, FACE_SIZE, 1] });
    const target = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    let x = new WaveletPool2D({ wavelet: 'haar' }).apply(target) as tf.SymbolicTensor;
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    const embedding = tf.layers.dense({ units: 8 }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: [embedding, target] });
  });
  const context: FaceLossContext = { numClasses: FACE_CLASSES, embeddingDim: 8, seed: 12 };
  const loss = createLoss<FaceLossContext, FaceLoss>('face', 'uss', { startEpoch: 1 }, context);
  const ecloss = new ExplainableChannelLoss();
  const uss = (loss as unknown as { sampleToSample: { memory: tf.Tensor } }).sampleToSample;
  return {
    model,
    objective: faceObjective(loss, { ecloss: { loss: ecloss, output: 1, weight: 0.1 } }),
    data: syntheticFaces(16, 13),
    batchSize: 8,
    steps: 6,
    state: () => [...loss.trainableVariables, uss.memory],
    release: () => {
      loss.dispose();
      ecloss.dispose();
    },
  };
}

test(`face: UniTSFace (CosFace + USS) with ECLoss trains on ${TEST_BACKEND} as on cpu (memory, data-driven bias, threshold)`, { skip: backendSkip }, async () => {
  // Scale 64 on the cosines amplifies float32 differences of the features.
  await assertSameAsCpu(faceSetup, { loss: 1e-3, weights: 1e-3 });
});

const SEG = 32;

/** Synthetic 32×32 scenes: a bright square (class 1) and a dim disc (class 2) on noise. */
function syntheticScenes(n: number, seed: number): ArrayRecordDataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * SEG * SEG);
  const masks = new Int32Array(n * SEG * SEG);
  for (let i = 0; i < n; i++) {
    const [sy, sx, cy, cx] = [rng.int(12), rng.int(12), 16 + rng.int(10), 16 + rng.int(10)];
    for (let y = 0; y < SEG; y++) {
      for (let x = 0; x < SEG; x++) {
        const p = i * SEG * SEG + y * SEG + x;
        const square = y >= sy && y < sy + 10 && x >= sx && x < sx + 10;
        const disc = (y - cy) ** 2 + (x - cx) ** 2 < 25;
        masks[p] = square ? 1 : disc ? 2 : 0;
        images[p] = 0.2 * rng.next() + (square ? 0.8 : disc ? 0.4 : 0);
      }
    }
  }
  return new ArrayRecordDataset({ image: hostTensor('float32', [n, SEG, SEG, 1], images), mask: hostTensor('int32', [n, SEG, SEG, 1], masks) });
}

test(`segmentation: a wavelet SegNet with cross-entropy + Dice trains on ${TEST_BACKEND} as on cpu`, { skip: backendSkip }, async () => {
  await assertSameAsCpu(
    () => ({
      model: createModel('segnet', { width: 2, numClasses: 3, inChannels: 1, wavelet: 'haar', seed: 21 }),
      objective: segmentationObjective({ numClasses: 3, diceWeight: 1 }),
      data: syntheticScenes(4, 22),
      batchSize: 2,
      steps: 3,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
    }),
    // 4 pixels of the 2048 of a batch
    { loss: 1e-4, weights: 1e-3, counted: { pixelAccuracy: 4 / 2048 } },
  );
});

const REG = 16;

/** Synthetic 16×16 pairs: a Gaussian blob (moving) and the same blob shifted by up to 2 pixels (fixed). */
function syntheticPairs(n: number, seed: number): ArrayRecordDataset {
  const rng = new Rng(seed);
  const fixed = new Float32Array(n * REG * REG);
  const moving = new Float32Array(n * REG * REG);
  const blob = (y: number, x: number, cy: number, cx: number) => Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 12);
  for (let i = 0; i < n; i++) {
    const [cy, cx, dy, dx] = [6 + 4 * rng.next(), 6 + 4 * rng.next(), 4 * rng.next() - 2, 4 * rng.next() - 2];
    for (let p = 0; p < REG * REG; p++) {
      const [y, x] = [Math.floor(p / REG), p % REG];
      moving[i * REG * REG + p] = blob(y, x, cy, cx);
      fixed[i * REG * REG + p] = blob(y, x, cy + dy, cx + dx);
    }
  }
  return new ArrayRecordDataset({ fixed: hostTensor('float32', [n, REG, REG, 1], fixed), moving: hostTensor('float32', [n, REG, REG, 1], moving) });
}

test(`registration: WiNet-Diff with NCC + smoothness (velocity, scaling and squaring, warp) trains on ${TEST_BACKEND} as on cpu`, { skip: backendSkip }, async () => {
  await assertSameAsCpu(
    () => ({
      model: createModel('winet-diff', { dims: 2, size: [REG, REG], startChannels: 2, seed: 31 }),
      objective: createLoss('registration', 'ncc', { window: 5 }, { field: registrationField('winet-diff')! }),
      data: syntheticPairs(4, 32),
      batchSize: 2,
      steps: 3,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
      inputKeys: ['moving', 'fixed'],
    }),
    { loss: 1e-4, weights: 1e-3 },
  );
});
