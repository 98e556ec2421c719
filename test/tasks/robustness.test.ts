import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { saveModel } from '../../src/io/model-io.js';
import { evaluateRobustness, type RobustnessReport } from '../../src/tasks/robustness.js';
import { registerEval } from '../../src/cli/commands/eval.js';
import { demoImages } from '../data/demo-images.js';

const DATA = new URL('../../data/fashion-mnist-subset/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'wavecv-robustness-'));

/** A small dense classifier trained for a moment on 600 bundled images; `mean/std` are recorded as the classify task does. */
async function trainTiny(seed: number, units: number, normalization?: { mean: number[]; std: number[] }): Promise<tf.LayersModel> {
  const { images, labels } = demoImages(600, 'train');
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  const x = tf.tidy(() => {
    const raw = tf.tensor4d(images.data, images.shape);
    return normalization ? tf.div(tf.sub(raw, normalization.mean), normalization.std) : raw;
  });
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  await model.fit(x, y, { epochs: 3, batchSize: 60, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  if (normalization) {
    const preprocessing = { inputShape: [28, 28, 1], normalization };
    model.setUserDefinedMetadata({ format: 'wavecv-model', version: 2, task: 'classify', model: { name: 'dense', options: { units } }, preprocessing, thresholds: {}, training: { steps: 30, seed }, extension: {} });
  }
  return model;
}

let report: RobustnessReport;

before(async () => {
  await initEngine();
  const a = await trainTiny(1, 16, { mean: [0.29], std: [0.35] });
  const b = await trainTiny(7, 32);
  await saveModel(a, join(dir, 'runs/a/model'));
  await saveModel(b, join(dir, 'runs/b'));
  tf.dispose([a, b]);
  const start = tf.memory().numTensors;
  report = await evaluateRobustness({
    models: [join(dir, 'runs/a'), join(dir, 'runs/b')],
    data: DATA,
    limit: 200,
    corruptions: ['gaussian_noise', 'contrast', 'fog'],
    severities: [1, 3, 5],
    noiseSigmas: [0, 0.3],
    epsilons: [0.05],
    pgdSteps: 3,
    attackLimit: 100,
    out: join(dir, 'out'),
  });
  assert.equal(tf.memory().numTensors, start, 'the evaluation frees every tensor and model');
});

test('evaluateRobustness reports clean, corrupted and adversarial accuracy for every model', () => {
  assert.deepEqual(report.models.map((m) => m.name), ['a', 'b']);
  for (const m of report.models) {
    assert.ok(m.clean.top1 > 0.6 && m.clean.top5 >= m.clean.top1, `${m.name} clean ${JSON.stringify(m.clean)}`);
    assert.deepEqual(Object.keys(m.corruptions), ['gaussian_noise', 'contrast', 'fog']);
    for (const acc of Object.values(m.corruptions)) assert.equal(acc.top1.length, 3);
    // contrast 0.15 and fog 1.5 at severity 5 hurt a dense net trained on clean images
    assert.ok(m.corruptions.contrast.top1[2] < m.clean.top1 && m.corruptions.fog.top1[2] < m.clean.top1);
    assert.ok(m.adversarial.fgsm!['0.05'] < m.clean.top1 - 0.1 && m.adversarial.pgd!['0.05'] <= m.adversarial.fgsm!['0.05'] + 0.03);
    assert.equal(m.gaussianNoise!.top1[0], m.clean.top1, 'σ = 0 is the clean accuracy');
    assert.ok(m.gaussianNoise!.top1[1] < m.clean.top1, 'σ = 0.3 hurts');
    const manualMean = (m.corruptions.gaussian_noise.top1[1] + m.corruptions.contrast.top1[1] + m.corruptions.fog.top1[1]) / 3;
    assert.ok(Math.abs(m.meanTop1BySeverity[1] - manualMean) < 1e-12);
  }
  assert.equal(report.baseline, 'a');
  assert.equal(report.models[0].errors!.mCE, 1, 'the baseline has mCE 1 against itself');
  const b = report.models[1];
  const fogCe = b.corruptions.fog.top1.reduce((s, a) => s + 1 - a, 0) / report.models[0].corruptions.fog.top1.reduce((s, a) => s + 1 - a, 0);
  assert.ok(Math.abs(b.errors!.ce.fog - fogCe) < 1e-12, 'CE = Σ errors / Σ baseline errors');
});

test('robustness.json holds the resolved configuration; the charts are PNG files', () => {
  const json = JSON.parse(readFileSync(join(dir, 'out', 'robustness.json'), 'utf8'));
  assert.equal(json.config.images, 200);
  assert.equal(json.config.attackImages, 100);
  assert.deepEqual(json.config.severities, [1, 3, 5]);
  assert.equal(json.models[1].corruptions.fog.top1.length, 3);
  const md = readFileSync(join(dir, 'out', 'robustness.md'), 'utf8').split('\n');
  assert.match(md[0], /^\| model \| clean top-1 \| clean top-5 \| noise σ=0 \| noise σ=0.3 \| corruptions \(mean of 3×3\) \| mCE \| rel. mCE \| FGSM ε=0.05 \| PGD ε=0.05 \|$/);
  assert.match(md[3], new RegExp(`^\\| b \\| ${(100 * report.models[1].clean.top1).toFixed(2)} \\|`));
  for (const name of ['robustness.png', 'noise.png', 'adversarial.png']) {
    const bytes = readFileSync(join(dir, 'out', name));
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${name} is a PNG`);
  }
});

test('`wavecv eval robustness` runs the same evaluation, and the corruptions are the same for the same seed', async () => {
  const program = new Command('wavecv').option('--backend <name>').exitOverride();
  registerEval(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  // the test runner talks to its parent over stdout in binary frames; keep only our text
  process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunks.push(chunk) : write(chunk), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await program.parseAsync(['eval', 'robustness', '--model', join(dir, 'runs/a'), '--model', join(dir, 'runs/b'), '--name', 'A,B', '--data', DATA, '--limit', '200', '--corruptions', 'gaussian_noise,contrast,fog', '--severities', '1,3,5', '--out', join(dir, 'cli')], { from: 'user' });
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
  const out = chunks.join('');
  assert.match(out, /^model\s+clean@1/);
  assert.match(out, /\nA\s+/);
  const json = JSON.parse(readFileSync(join(dir, 'cli', 'robustness.json'), 'utf8'));
  assert.deepEqual(json.models[1].corruptions, report.models[1].corruptions);
  assert.ok(!existsSync(join(dir, 'cli', 'adversarial.png')), 'no attacks without --eps');
  process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunks.push(chunk) : write(chunk), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  const printedFrom = chunks.length;
  try {
    await program.parseAsync(['eval', 'robustness', '--model', join(dir, 'runs/b'), '--data', DATA, '--limit', '200', '--corruptions', 'none', '--noise-sigmas', '0.3', '--out', join(dir, 'noise'), '--json'], { from: 'user' });
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
  const noiseOnly = JSON.parse(readFileSync(join(dir, 'noise', 'robustness.json'), 'utf8'));
  const printed = JSON.parse(chunks.slice(printedFrom).join(''));
  assert.deepEqual(printed.models[0].gaussianNoise.top1, noiseOnly.models[0].gaussianNoise.top1, '--json prints the report robustness.json holds, as one object');
  assert.deepEqual(noiseOnly.models[0].gaussianNoise.top1, [report.models[1].gaussianNoise!.top1[1]], 'the noise of a σ is seeded by the σ itself');
  assert.ok(existsSync(join(dir, 'noise', 'noise.png')) && !existsSync(join(dir, 'noise', 'robustness.png')));
});

test('bad arguments are WavecvErrors naming the argument', async () => {
  await assert.rejects(() => evaluateRobustness({ models: [join(dir, 'nope')], data: DATA }), (e: unknown) => e instanceof WavecvError && /^model: got/.test(e.message));
  await assert.rejects(() => evaluateRobustness({ models: [join(dir, 'runs/a')], data: DATA, severities: [0] }), (e: unknown) => e instanceof WavecvError && /severities/.test(e.message));
  const program = new Command('wavecv').exitOverride();
  registerEval(program);
  await assert.rejects(() => program.parseAsync(['eval', 'robustness', '--model', 'x', '--data', DATA, '--severities', '2-9', '--out', dir], { from: 'user' }), (e: unknown) => e instanceof WavecvError && /severities: got "2-9"/.test(e.message));
  rmSync(dir, { recursive: true, force: true });
});
