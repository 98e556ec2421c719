import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ImageArrayDataset } from '../../src/data/dataset.js';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { WavecvError } from '../../src/errors.js';
import { loadModel } from '../../src/io/model-io.js';
import { channelStatistics } from '../../src/data/normalization.js';
import { classificationObjective } from '../../src/losses/index.js';
import { evaluateClassifier, trainClassifier } from '../../src/tasks/classify.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** A tiny IDX folder: 8×8 grey images whose class (0–2) is the bright quadrant, plus noise. */
function writeTinyIdx(dir: string, nTrain: number, nTest: number): void {
  const rng = new Rng(3);
  const write = (prefix: string, n: number) => {
    const images = Buffer.alloc(16 + n * 64);
    images.writeUInt32BE(0x00000803, 0);
    images.writeUInt32BE(n, 4);
    images.writeUInt32BE(8, 8);
    images.writeUInt32BE(8, 12);
    const labels = Buffer.alloc(8 + n);
    labels.writeUInt32BE(0x00000801, 0);
    labels.writeUInt32BE(n, 4);
    for (let i = 0; i < n; i++) {
      const label = rng.int(3);
      labels[8 + i] = label;
      for (let p = 0; p < 64; p++) {
        const quadrant = (Math.floor(p / 32) << 1) | (p % 8 >= 4 ? 1 : 0);
        images[16 + i * 64 + p] = Math.min(255, Math.floor(rng.next() * 90) + (quadrant === label ? 160 : 0));
      }
    }
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), images);
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), labels);
  };
  write('train', nTrain);
  write('t10k', nTest);
}

test('the classification objective is softmax cross-entropy with label smoothing, plus batch accuracy', async () => {
  await initEngine();
  const logits = [
    [2, 0.5, -1],
    [0.1, 0.2, 3],
  ];
  const labels = [0, 1];
  for (const eps of [0, 0.1]) {
    const objective = classificationObjective(3, eps);
    const before = tf.memory().numTensors;
    const out = tf.tensor2d(logits);
    const batch = { label: tf.tensor1d(labels, 'int32') };
    const r = tf.tidy(() => {
      const { loss, metrics } = objective.compute(out, batch, { step: 0, epoch: 0, batch: 0, learningRate: 0, seed: 0 });
      return [loss, metrics!.accuracy];
    });
    // Reference in doubles: −Σ_k t_k log softmax(z)_k, t = (1−ε)·onehot + ε/K, averaged over rows.
    const expected =
      logits
        .map((z, i) => {
          const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
          return -z.reduce((s, v, k) => s + ((k === labels[i] ? 1 - eps : 0) + eps / 3) * (v - lse), 0);
        })
        .reduce((a, b) => a + b) / 2;
    assert.ok(Math.abs(r[0].dataSync()[0] - expected) < 1e-5, `ε=${eps}: ${r[0].dataSync()[0]} vs ${expected}`);
    assert.equal(r[1].dataSync()[0], 0.5);
    tf.dispose([...r, out, batch.label]);
    assert.equal(tf.memory().numTensors, before);
  }
  assert.throws(() => classificationObjective(1), /numClasses: got 1/);
  assert.throws(() => classificationObjective(3, 1), /labelSmoothing: got 1/);
});

test('evaluateClassifier counts top-1/top-5 and mean loss in inference mode, leaking nothing', async () => {
  await initEngine();
  // A linear model on 1×1×6 "images" whose logits are the pixels themselves.
  const input = tf.input({ shape: [1, 1, 6] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 6, useBias: false, kernelInitializer: 'identity' }).apply(flat) as tf.SymbolicTensor });
  const pixels = new Float32Array([
    6, 5, 4, 3, 2, 1, // predicted 0
    1, 2, 3, 4, 5, 6, // predicted 5
    1, 6, 2, 3, 4, 5, // predicted 1
  ]);
  const ds = new ImageArrayDataset(pixels, [3, 1, 1, 6], new Int32Array([0, 0, 2]), ['a', 'b', 'c', 'd', 'e', 'f']);
  const before = tf.memory().numTensors;
  const r = await evaluateClassifier(model, ds, { batchSize: 2 });
  assert.equal(tf.memory().numTensors, before);
  // Row 0 label 0: rank 1. Row 1 label 0: rank 6. Row 2 label 2: rank 6 (value 2, below 6,5,4,3,1? no: 6,5,4,3,2 → rank 5).
  assert.equal(r.top1, 1 / 3);
  assert.equal(r.top5, 2 / 3);
  const ce = (z: number[], y: number) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[y];
  const expected = (ce([6, 5, 4, 3, 2, 1], 0) + ce([1, 2, 3, 4, 5, 6], 0) + ce([1, 6, 2, 3, 4, 5], 2)) / 3;
  assert.ok(Math.abs(r.loss - expected) < 1e-5);
  assert.equal(r.count, 3);
  const stats = await channelStatistics(new ImageArrayDataset(new Float32Array([0, 1, 2, 3]), [2, 1, 1, 2], new Int32Array([0, 0]), ['a']), 1);
  assert.deepEqual(stats, { mean: [1, 2], std: [1, 1] });
  model.dispose();
});

test('trainClassifier writes the model with metadata, metrics.json, curves, config and log; resume after an interruption ends identical', async () => {
  await initEngine();
  const data = mkdtempSync(join(tmpdir(), 'wavecv-classify-data-'));
  const runs = mkdtempSync(join(tmpdir(), 'wavecv-classify-runs-'));
  try {
    writeTinyIdx(data, 96, 30);
    const common = {
      model: 'cnn28',
      modelOptions: { width: 4 },
      data,
      epochs: 3,
      batchSize: 16,
      optimizer: { type: 'sgd' as const, lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
      schedule: { type: 'cosine' as const, warmupEpochs: 0.5 },
      augment: ['crop' as const, 'flip' as const],
      seed: 7,
    };
    const whole = await trainClassifier({ ...common, out: join(runs, 'whole') });
    assert.equal(whole.stopped, 'completed');
    assert.equal(whole.steps, 18);
    for (const f of ['config.json', 'log.jsonl', 'metrics.json', 'training-curve.png', 'loss-curve.png', 'model/model.json', 'model/weights.bin']) {
      assert.ok(existsSync(join(runs, 'whole', f)), f);
    }
    const metrics = JSON.parse(readFileSync(join(runs, 'whole', 'metrics.json'), 'utf8'));
    assert.equal(metrics.history.length, 3);
    assert.equal(metrics.epochs, 3);
    assert.equal(metrics.data.format, 'idx');
    assert.ok(metrics.test.top1 > 0.6, `accuracy on an easy task: ${metrics.test.top1}`);
    assert.equal(metrics.test.top5, 1);
    assert.equal(metrics.history[2].testTop1, metrics.test.top1);
    const manifest = JSON.parse(readFileSync(join(runs, 'whole', 'model', 'model.json'), 'utf8'));
    const meta = manifest.userDefinedMetadata;
    assert.equal(meta.task, 'classify');
    assert.equal(meta.model.name, 'cnn28');
    assert.deepEqual(meta.classNames, ['0', '1', '2']);
    assert.equal(meta.model.options.width, 4);
    assert.deepEqual(meta.preprocessing.inputShape, [8, 8, 1]);
    assert.equal(meta.preprocessing.normalization.mean.length, 1);
    const config = JSON.parse(readFileSync(join(runs, 'whole', 'config.json'), 'utf8'));
    assert.deepEqual(config.augment, ['crop', 'flip']);
    assert.equal(config.trainer.schedule.warmupSteps, 3);
    // The saved model reproduces the reported accuracy.
    const loaded = await loadModel(join(runs, 'whole', 'model'));
    const { openClassificationData } = await import('../../src/data/readers.js');
    const opened = await openClassificationData(data);
    const again = await evaluateClassifier(loaded, opened.test!, { normalization: meta.preprocessing.normalization });
    assert.equal(again.top1, metrics.test.top1);
    loaded.dispose();

    // Interrupted at step 8 (mid-epoch), then resumed: same final weights, byte for byte.
    const controller = new AbortController();
    const split = join(runs, 'split');
    const stopped = await trainClassifier({
      ...common,
      out: split,
      progress: { start() {}, update: (step) => step === 8 && controller.abort(), message() {}, stop() {} },
      signal: controller.signal,
    });
    assert.equal(stopped.stopped, 'aborted');
    assert.equal(stopped.steps, 8);
    await assert.rejects(() => trainClassifier({ ...common, out: split }), /out: got .*resume set to continue/);
    const resumed = await trainClassifier({ ...common, out: split, resume: true });
    assert.equal(resumed.steps, 18);
    assert.deepEqual(readFileSync(join(split, 'model', 'weights.bin')), readFileSync(join(runs, 'whole', 'model', 'weights.bin')));
    const m2 = JSON.parse(readFileSync(join(split, 'metrics.json'), 'utf8'));
    assert.deepEqual(m2.test, metrics.test);
    assert.deepEqual(
      m2.history.map((h: { trainLoss: number }) => h.trainLoss),
      metrics.history.map((h: { trainLoss: number }) => h.trainLoss),
    );
  } finally {
    rmSync(data, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
});

test('resume refuses a run whose settings changed, naming the setting, and reuses the recorded normalisation', async () => {
  await initEngine();
  const data = mkdtempSync(join(tmpdir(), 'wavecv-classify-data-'));
  const runs = mkdtempSync(join(tmpdir(), 'wavecv-classify-runs-'));
  try {
    writeTinyIdx(data, 48, 12);
    const out = join(runs, 'run');
    const controller = new AbortController();
    const common = { model: 'cnn28', modelOptions: { width: 2 }, data, epochs: 2, batchSize: 16, optimizer: { type: 'sgd' as const, lr: 0.05 }, seed: 3, out };
    const first = await trainClassifier({ ...common, signal: controller.signal, progress: { start() {}, update: (step) => step === 2 && controller.abort(), message() {}, stop() {} } });
    assert.equal(first.stopped, 'aborted');
    const refused = async (change: Record<string, unknown>, argument: string) =>
      assert.rejects(trainClassifier({ ...common, ...change, resume: true }), (e: unknown) => e instanceof WavecvError && e.argument === argument && /as in the run being resumed/.test(e.message));
    await refused({ modelOptions: { width: 2, wavelet: 'haar' } }, 'modelOptions.wavelet');
    await refused({ trainLimit: 30 }, 'trainLimit');
    await refused({ epochs: 3 }, 'epochs');
    await refused({ optimizer: { type: 'sgd', lr: 0.1 } }, 'optimizer.lr');
    await refused({ lossOptions: { labelSmoothing: 0.1 } }, 'lossOptions.labelSmoothing');
    // The normalisation recorded at the start is what the resumed run uses (it is not recomputed).
    const configPath = join(out, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    const recorded = { mean: [0.25], std: [0.5] };
    config.preprocessing.normalization = recorded;
    writeFileSync(configPath, JSON.stringify(config));
    const resumed = await trainClassifier({ ...common, resume: true });
    assert.equal(resumed.stopped, 'completed');
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')).userDefinedMetadata.preprocessing.normalization, recorded);
  } finally {
    rmSync(data, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
});

test('data too small to split is refused naming the empty split, before the run folder is made', async () => {
  const one = new ImageArrayDataset(new Uint8Array(64), [1, 8, 8, 1], new Int32Array([0]), ['a', 'b']);
  const out = join(tmpdir(), `wavecv-never-${process.pid}`);
  await assert.rejects(
    trainClassifier({ model: 'cnn28', data: { train: one, classNames: ['a', 'b'], source: 'one image', format: 'memory' }, epochs: 1, optimizer: { type: 'sgd', lr: 0.1 }, seed: 0, out }),
    (e: unknown) => e instanceof WavecvError && /^data: got "one image", expected data with a non-empty training split \(it is empty after holding out 10% of its 1 image\(s\) for evaluation\)/.test(e.message),
  );
  await assert.rejects(
    trainClassifier({ model: 'cnn28', data: { train: one, classNames: ['a', 'b'], source: 'one image', format: 'memory' }, trainLimit: 0, epochs: 1, optimizer: { type: 'sgd', lr: 0.1 }, seed: 0, out }),
    (e: unknown) => e instanceof WavecvError && /^trainLimit: got 0/.test(e.message),
  );
  assert.ok(!existsSync(out));
});

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('wavecv train classify killed with SIGKILL and run again with --resume ends with the weights of an uninterrupted run', async () => {
  const data = mkdtempSync(join(tmpdir(), 'wavecv-cli-data-'));
  const runs = mkdtempSync(join(tmpdir(), 'wavecv-cli-runs-'));
  try {
    writeTinyIdx(data, 64, 16);
    const args = (out: string) => ['train', 'classify', '--model', 'cnn28', '--model-option', 'width=2', '--data', data, '--epochs', '12', '--batch-size', '16', '--checkpoint-every', '2', '--seed', '5', '--progress', 'lines', '--out', out];
    const finish = (child: ReturnType<typeof cli>) =>
      new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolveRun) => {
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
      });
    const killed = cli(args(join(runs, 'killed')));
    const killedDone = finish(killed);
    const pointer = join(runs, 'killed', 'checkpoints', 'latest.json');
    await new Promise<void>((resolveWait, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (existsSync(pointer) && JSON.parse(readFileSync(pointer, 'utf8')).step >= 2) {
          clearInterval(poll);
          killed.kill('SIGKILL');
          resolveWait();
        } else if (Date.now() - started > 120_000) {
          clearInterval(poll);
          killed.kill('SIGKILL');
          reject(new Error('no checkpoint within 120 s'));
        }
      }, 20);
    });
    const k = await killedDone;
    assert.equal(k.signal, 'SIGKILL');
    assert.ok(!existsSync(join(runs, 'killed', 'metrics.json')), 'the run was killed before it finished');
    const [resumed, whole] = await Promise.all([finish(cli([...args(join(runs, 'killed')), '--resume'])), finish(cli(args(join(runs, 'whole'))))]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(resumed.stderr, /resuming at step \d+/);
    assert.match(whole.stdout, /test top-1 [\d.]+%, top-5 [\d.]+%/);
    assert.deepEqual(readFileSync(join(runs, 'killed', 'model', 'weights.bin')), readFileSync(join(runs, 'whole', 'model', 'weights.bin')));
  } finally {
    rmSync(data, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
});

test('Ctrl-C (SIGINT) stops wavecv train classify after the current step with a checkpoint of that step and exit code 130', async () => {
  const data = mkdtempSync(join(tmpdir(), 'wavecv-cli-data-'));
  const runs = mkdtempSync(join(tmpdir(), 'wavecv-cli-runs-'));
  try {
    writeTinyIdx(data, 64, 16);
    const out = join(runs, 'interrupted');
    const child = cli(['train', 'classify', '--model', 'cnn28', '--model-option', 'width=2', '--data', data, '--epochs', '200', '--batch-size', '16', '--seed', '5', '--progress', 'lines', '--out', out]);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<{ code: number | null; signal: string | null }>((resolveRun) => child.on('close', (code, signal) => resolveRun({ code, signal })));
    // Interrupt once a few steps are logged (mid-epoch: 4 steps per epoch, no checkpoint yet at step 2–3 unless an epoch ended).
    const log = join(out, 'log.jsonl');
    await new Promise<void>((resolveWait, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const steps = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"type":"train"')).length : 0;
        if (steps >= 6) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolveWait();
        } else if (Date.now() - started > 120_000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          reject(new Error('no training steps within 120 s'));
        }
      }, 20);
    });
    const { code, signal } = await done;
    assert.equal(signal, null, stderr);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted: stopping after this step/);
    const stoppedAt = Number(/stopped at step (\d+); continue with the same command and --resume/.exec(stdout)?.[1]);
    assert.ok(stoppedAt >= 6 && stoppedAt < 800, stdout);
    assert.equal(JSON.parse(readFileSync(join(out, 'checkpoints', 'latest.json'), 'utf8')).step, stoppedAt);
    assert.equal(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).stopped, 'aborted');
    assert.ok(!existsSync(join(out, 'model')), 'no final model for an interrupted run');
  } finally {
    rmSync(data, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
});

test('wavecv train classify reports bad flags by name', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'train', 'classify', '--model', 'cnn28', '--data', 'fashion-mnist', '--optimizer', 'rmsprop', '--out', join(tmpdir(), 'never')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /wavecv: optimizer: got "rmsprop", expected sgd, adam or adamw/);
});
