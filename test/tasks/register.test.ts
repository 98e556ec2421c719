// Registration task and commands (src/tasks/register.ts, src/cli/commands/register.ts,
// src/data/registration.ts, src/data/deformations.ts): a tiny WiNet trained on
// synthetic 2-D pairs learns (loss falls), `wavecv register` writes the warped
// scan, field, labels and figure, `wavecv eval register --json` reports Dice
// before/after, folding, HD95 and time; bad input gets one error line and
// writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { randomDeformation } from '../../src/data/deformations.js';
import { centerFit, listPairs, normalizeMinMax, resampleTo } from '../../src/data/registration.js';
import { readNifti, writeNifti } from '../../src/io/nifti.js';
import { spacingAffine, type Volume } from '../../src/io/volume.js';
import { foldingPercentage } from '../../src/metrics/registration.js';
import { warp } from '../../src/nn/warp.js';
import { loadTrainingPairs, trainRegistration } from '../../src/tasks/register.js';
import { readModelMetadata } from '../../src/train/run-folder.js';
import { oneErrorLine, runCli } from '../cli/helpers.js';

const SHAPE = [32, 32];

function volume(values: ArrayLike<number>, dataType: 'float32' | 'int16'): Volume {
  return { data: dataType === 'int16' ? Int16Array.from(values) : Float32Array.from(values), shape: SHAPE, spacing: [1, 1], affine: spacingAffine([1, 1]), dataType, slope: 1, intercept: 0 };
}

/** A synthetic scan: two bright discs (labels 1 and 2) on a dark background. */
function phantom(): { image: Float32Array; labels: Float32Array } {
  const image = new Float32Array(32 * 32);
  const labels = new Float32Array(32 * 32);
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 32; x++) {
      const a = (y - 11) ** 2 + (x - 12) ** 2 < 36;
      const b = (y - 21) ** 2 + (x - 20) ** 2 < 30;
      labels[y * 32 + x] = a ? 1 : b ? 2 : 0;
      image[y * 32 + x] = a ? 200 : b ? 120 : 10;
    }
  return { image, labels };
}

async function deformPhantom(seed: number) {
  const { image, labels } = phantom();
  const displacement = await randomDeformation(SHAPE, { seed, magnitude: 1.5, spacing: 8 });
  const apply = (v: Float32Array, interpolation: 'linear' | 'nearest') => tf.tidy(() => warp(tf.tensor(v, [1, 32, 32, 1]), tf.tensor(displacement, [1, 32, 32, 2]), { interpolation }).dataSync() as Float32Array);
  return { fixed: apply(image, 'linear'), fixedLabels: apply(labels, 'nearest'), moving: image, movingLabels: labels, displacement };
}

/** Pair folders of deformed phantoms; `labelSets` adds further label sets: 'copy' (the first set again) and 'foreground' (labels merged). */
async function writePairs(dir: string, seeds: number[], labelSets = false): Promise<void> {
  for (const seed of seeds) {
    const p = await deformPhantom(seed);
    const folder = join(dir, `pair${seed}`);
    mkdirSync(folder, { recursive: true });
    writeNifti(join(folder, 'fixed.nii.gz'), volume(p.fixed, 'float32'));
    writeNifti(join(folder, 'moving.nii.gz'), volume(p.moving, 'float32'));
    writeNifti(join(folder, 'fixed_labels.nii.gz'), volume(p.fixedLabels, 'int16'));
    writeNifti(join(folder, 'moving_labels.nii.gz'), volume(p.movingLabels, 'int16'));
    if (!labelSets) continue;
    const foreground = (v: Float32Array) => Float32Array.from(v, (x) => (x > 0 ? 1 : 0));
    writeNifti(join(folder, 'fixed_labels_copy.nii.gz'), volume(p.fixedLabels, 'int16'));
    writeNifti(join(folder, 'moving_labels_copy.nii.gz'), volume(p.movingLabels, 'int16'));
    writeNifti(join(folder, 'fixed_labels_foreground.nii.gz'), volume(foreground(p.fixedLabels), 'int16'));
    writeNifti(join(folder, 'moving_labels_foreground.nii.gz'), volume(foreground(p.movingLabels), 'int16'));
  }
}

test('data helpers: centred fit undoes itself, min–max, corner-aligned resampling, CSV pairs; random deformations do not fold', async () => {
  await initEngine();
  const values = Float32Array.from({ length: 5 * 7 }, (_, i) => i);
  const padded = centerFit(values, [5, 7], [16, 16]);
  assert.deepEqual(Array.from(centerFit(padded, [16, 16], [5, 7])), Array.from(values));
  assert.equal(padded[5 * 16 + 4], values[0]);
  assert.deepEqual(Array.from(normalizeMinMax(Float32Array.from([2, 4, 6]))), [0, 0.5, 1]);
  const resampled = await resampleTo(Float32Array.from([0, 10]), [1, 2], [1, 5]);
  assert.deepEqual(Array.from(resampled).map((v) => Math.round(v * 1e4) / 1e4), [0, 2.5, 5, 7.5, 10]);
  const displacement = await randomDeformation([40, 36], { seed: 4, magnitude: 2, spacing: 8 });
  assert.equal(foldingPercentage({ data: displacement, shape: [40, 36, 2] }), 0);
  assert.ok(Math.max(...displacement.map(Math.abs)) > 0.5, 'the deformation moves voxels');
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-pairs-'));
  try {
    writeFileSync(join(dir, 'pairs.csv'), 'name,fixed,moving,fixed_labels,moving_labels\na,f.nii,m.nii,fl.nii,ml.nii\n');
    assert.deepEqual(listPairs(join(dir, 'pairs.csv')), [{ name: 'a', fixed: join(dir, 'f.nii'), moving: join(dir, 'm.nii'), fixedLabels: join(dir, 'fl.nii'), movingLabels: join(dir, 'ml.nii'), labelSets: [] }]);
    writeFileSync(join(dir, 'sets.csv'), 'fixed,moving,fixed_labels_ho,moving_labels_ho,fixed_labels_brain,moving_labels_brain\nf.nii,m.nii,fh.nii,mh.nii,,\n');
    assert.deepEqual(listPairs(join(dir, 'sets.csv'))[0].labelSets, [{ name: 'ho', fixed: join(dir, 'fh.nii'), moving: join(dir, 'mh.nii') }], 'a set with empty cells is left out');
    writeFileSync(join(dir, 'half.csv'), 'fixed,moving,fixed_labels_ho\nf.nii,m.nii,fh.nii\n');
    assert.throws(() => listPairs(join(dir, 'half.csv')), /pairs: got ".*half\.csv: line 2", expected both fixed_labels_ho and moving_labels_ho/);
    mkdirSync(join(dir, 'folders', 'p1'), { recursive: true });
    for (const file of ['fixed.nii.gz', 'moving.nii.gz', 'fixed_labels_atlas-b.nii.gz', 'moving_labels_atlas-b.nii.gz']) writeFileSync(join(dir, 'folders', 'p1', file), '');
    assert.deepEqual(listPairs(join(dir, 'folders'))[0].labelSets, [{ name: 'atlas-b', fixed: join(dir, 'folders', 'p1', 'fixed_labels_atlas-b.nii.gz'), moving: join(dir, 'folders', 'p1', 'moving_labels_atlas-b.nii.gz') }]);
    writeFileSync(join(dir, 'bad.csv'), 'source,target\na,b\n');
    assert.throws(() => listPairs(join(dir, 'bad.csv')), /header: got "source,target", expected columns fixed and moving/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train a tiny WiNet-Diff on synthetic 2-D pairs, then `wavecv register` and `wavecv eval register --json`; bad input refused', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-register-'));
  try {
    await writePairs(join(dir, 'train'), [1, 2, 3, 4]);
    await writePairs(join(dir, 'test'), [101, 102], true);
    const data = await loadTrainingPairs(join(dir, 'train'));
    assert.deepEqual(data.size, [32, 32]);
    const run = join(dir, 'run');
    const result = await trainRegistration({
      model: 'winet-diff',
      modelOptions: { startChannels: 2 },
      data: join(dir, 'train'),
      loss: 'mse',
      lossOptions: { lambda: 0.01 },
      epochs: 6,
      optimizer: { type: 'adam', lr: 3e-3 },
      seed: 1,
      out: run,
    });
    assert.equal(result.steps, 24);
    assert.deepEqual(result.result.metadata.loss, { similarity: 'mse', window: 9, lambda: 0.01, penalty: 'l2' });
    for (const file of ['config.json', 'log.jsonl', 'checkpoints', 'model', 'metrics.json', 'loss-curve.png', 'registration.json']) assert.ok(existsSync(join(run, file)), file);
    const saved = readModelMetadata(run);
    assert.equal(saved.task, 'register');
    assert.deepEqual(saved.preprocessing, { inputShape: [32, 32, 1], intensity: 'minmax', normalization: { mean: [0], std: [1] } });
    assert.deepEqual(saved.extension, { size: [32, 32], field: 'velocity', integrationSteps: 7, loss: result.result.metadata.loss });
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === 'train');
    const first = log.slice(0, 4).reduce((s, r) => s + r.metrics.similarity, 0);
    const last = log.slice(-4).reduce((s, r) => s + r.metrics.similarity, 0);
    assert.ok(last < first, `similarity loss fell: ${first / 4} → ${last / 4}`);
    assert.equal(JSON.parse(readFileSync(join(run, 'registration.json'), 'utf8')).field, 'velocity');

    const pair = join(dir, 'test', 'pair101');
    const out = join(dir, 'out');
    const registered = runCli(['register', join(pair, 'fixed.nii.gz'), join(pair, 'moving.nii.gz'), '--model', run, '--out', join(out, 'warped.nii.gz'), '--field', join(out, 'field.nii'), '--labels', join(pair, 'moving_labels.nii.gz'), '--out-labels', join(out, 'labels.nii.gz'), '--png', join(out, 'slices.png'), '--json']);
    assert.equal(registered.status, 0, registered.stderr);
    assert.ok(JSON.parse(registered.stdout).seconds > 0);
    assert.deepEqual(readdirSync(out).sort(), ['field.nii', 'labels.nii.gz', 'slices.png', 'warped.nii.gz']);
    assert.deepEqual(readNifti(join(out, 'warped.nii.gz')).shape, SHAPE);
    assert.deepEqual(readNifti(join(out, 'field.nii')).header.dims.slice(0, 6), [5, 32, 32, 1, 1, 2]);
    const labels = readNifti(join(out, 'labels.nii.gz'));
    assert.equal(labels.dataType, 'int16');
    assert.ok(labels.data.every((v) => v === 0 || v === 1 || v === 2), 'nearest-neighbour labels keep label values');

    const evaluated = runCli(['eval', 'register', '--model', run, '--pairs', join(dir, 'test'), '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const summary = JSON.parse(evaluated.stdout);
    for (const key of ['dice', 'diceBefore', 'foldingPercent', 'hd95', 'seconds']) assert.ok(Number.isFinite(summary[key]), key);
    assert.ok(summary.diceBefore > 0.3 && summary.diceBefore < 1);
    // further label sets: the copy of the first set scores exactly as the first set (labels warped by the same field)
    assert.deepEqual(Object.keys(summary.labelSets), ['copy', 'foreground']);
    for (const key of ['dice', 'diceBefore', 'hd95']) assert.equal(summary.labelSets.copy[key], summary[key], key);
    assert.ok(summary.labelSets.foreground.diceBefore > summary.diceBefore, 'merged labels overlap more than the separate ones');
    assert.equal(readFileSync(join(run, 'eval-register', 'pairs.csv'), 'utf8').split('\n')[0], 'name,dice_before,dice,folding_percent,hd95,seconds,dice_before_copy,dice_copy,hd95_copy,dice_before_foreground,dice_foreground,hd95_foreground');

    writeNifti(join(dir, 'small.nii'), { ...volume(new Float32Array(32 * 32), 'float32'), data: new Float32Array(16 * 32), shape: [16, 32] });
    const mismatch = runCli(['register', join(pair, 'fixed.nii.gz'), join(dir, 'small.nii'), '--model', run, '--out', join(dir, 'never.nii.gz')]);
    assert.match(oneErrorLine(mismatch), /^wavecv: moving: got \[16, 32\], expected the fixed scan's shape \[32, 32\] \(or --resample to resample it onto the fixed grid\)$/);
    const badOut = runCli(['register', join(pair, 'fixed.nii.gz'), join(pair, 'moving.nii.gz'), '--model', run, '--out', join(dir, 'never.png')]);
    assert.match(oneErrorLine(badOut), /^wavecv: out: got ".*never\.png", expected a file name ending in \.nii or \.nii\.gz$/);
    assert.ok(!existsSync(join(dir, 'never.nii.gz')) && !existsSync(join(dir, 'never.png')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`wavecv train register --model pyramid-unet` trains the coarse-to-fine baseline (similarity loss falls) and eval register scores it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-pyramid-'));
  try {
    await writePairs(join(dir, 'train'), [1, 2, 3, 4]);
    await writePairs(join(dir, 'test'), [101]);
    const run = join(dir, 'run');
    const trained = runCli(['train', 'register', '--data', join(dir, 'train'), '--model', 'pyramid-unet', '--loss', 'mse', '--loss-option', 'lambda=0.01', '--epochs', '5', '--optimizer', 'adam', '--lr', '0.003', '--seed', '1', '--out', run, '--json']);
    assert.equal(trained.status, 0, trained.stderr);
    assert.equal(readModelMetadata(run).model.name, 'pyramid-unet');
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === 'train');
    assert.equal(log.length, 20);
    const first = log.slice(0, 4).reduce((s, r) => s + r.metrics.similarity, 0);
    const last = log.slice(-4).reduce((s, r) => s + r.metrics.similarity, 0);
    assert.ok(last < first, `similarity loss fell: ${first / 4} → ${last / 4}`);
    const evaluated = runCli(['eval', 'register', '--model', run, '--pairs', join(dir, 'test'), '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.ok(Number.isFinite(JSON.parse(evaluated.stdout).dice));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
