// Attention maps as figures: class-token attention and attention rollout
// (src/nn/attention-rollout.ts) against hand computations, the token grid,
// and `wavecv attention` on a saved ViT: PNG + vega-lite spec written, the
// panels equal to the maps the model's attention layers compute, bad input
// refused in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { decodeImage, resizeImage } from '../../src/data/faces/image.js';
import { saveModel } from '../../src/io/model-io.js';
import { attentionRollout, classTokenAttention } from '../../src/nn/attention-rollout.js';
import { buildVit, vitAttentionMaps } from '../../src/nn/vit.js';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, setModelMetadata } from '../../src/train/run-folder.js';
import { modelAttentionFigure, tokenGrid } from '../../src/tasks/attention-figure.js';
import { oneErrorLine, runCli } from '../cli/helpers.js';

const sample = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => assert.ok(a.length === b.length && b.every((v, i) => Math.abs(a[i] - v) < tol), `${Array.from(a)} vs ${b}`);

test('class-token attention and rollout (hand-computed)', async () => {
  await initEngine({ backend: 'cpu' });
  // Three tokens (class token first), one head per block.
  const a1 = tf.tensor4d([0.5, 0.25, 0.25, 0, 1, 0, 0, 0, 1], [1, 1, 3, 3]);
  const a2 = tf.tensor4d([0.2, 0.3, 0.5, 1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0], [1, 1, 3, 3]);
  const row = classTokenAttention(a2);
  close(row.dataSync(), [0.3, 0.5]);
  // Â1 = 0.5·A1 + 0.5·I, row 0 = (0.75, 0.125, 0.125); Â2 row 0 = (0.6, 0.15, 0.25);
  // (Â2·Â1) row 0 = 0.6·(0.75, 0.125, 0.125) + 0.15·(0, 1, 0) + 0.25·(0, 0, 1) = (0.45, 0.225, 0.325).
  const rollout = attentionRollout([a1, a2]);
  close(rollout.dataSync(), [0.225, 0.325]);
  // Rows that do not sum to 1 (MAS) are renormalised after the identity is added: 2·A1 → (1, 0.25, 0.25)/1.5.
  const doubled = tf.mul(a1, 2) as tf.Tensor4D;
  const renormalised = attentionRollout([doubled]);
  close(renormalised.dataSync(), [1 / 6, 1 / 6]);
  // Two heads are averaged: (A1 + I)/2 has row 0 (0.75, 0.125, 0.125) → Â row 0 (0.875, 0.0625, 0.0625).
  const twoHeads = tf.concat([a1, tf.eye(3).reshape([1, 1, 3, 3])], 1) as tf.Tensor4D;
  const averaged = attentionRollout([twoHeads]);
  close(averaged.dataSync(), [0.0625, 0.0625]);
  assert.throws(() => attentionRollout([a1, tf.zeros([1, 1, 4, 4]) as tf.Tensor4D]), /blocks\[1\]/);
  tf.dispose([a1, a2, row, rollout, doubled, renormalised, twoHeads, averaged]);
});

test('token grid follows the input aspect ratio', () => {
  assert.deepEqual(tokenGrid(16, 32, 32), [4, 4]);
  assert.deepEqual(tokenGrid(8, 32, 64), [2, 4]);
  assert.throws(() => tokenGrid(7, 32, 32), /token grid/);
});

test('wavecv attention: PNG and spec of a saved ViT, panels equal to the layers\' maps, errors in one line', { timeout: 180_000 }, async () => {
  await initEngine({ backend: 'wasm' });
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-attention-'));
  try {
    const model = buildVit({ inputSize: 32, inChannels: 3, patchSize: 8, numClasses: 2, embedDim: 16, depth: 2, numHeads: 2, mas: true, seed: 3 });
    const normalization = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    setModelMetadata(model, {
      format: MODEL_METADATA_FORMAT,
      version: MODEL_METADATA_VERSION,
      task: 'forgery',
      model: { name: 'vit-test', options: {} },
      preprocessing: { inputShape: [32, 32, 3], normalization },
      classNames: ['real', 'fake'],
      thresholds: {},
      training: { steps: 0, seed: 0 },
      extension: {},
    });
    await saveModel(model, join(dir, 'model'));
    // in process: the panels are the class-token rows of the layers' maps
    const photo = await decodeImage(sample);
    const before = tf.memory().numTensors;
    const figure = await modelAttentionFigure(model, photo, normalization);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    assert.deepEqual([figure.layers.length, figure.block, figure.heads, figure.grid], [2, 1, 2, [4, 4]]);
    assert.deepEqual(figure.panels.map((p) => p.title), ['rollout, blocks 0–1', 'block 1, mean of 2 heads', 'block 1, head 0', 'block 1, head 1']);
    const resized = await resizeImage(photo, 32, 32);
    const x = tf.tidy(() => tf.div(tf.sub(tf.div(tf.tensor4d(Float32Array.from(resized.data), [1, 32, 32, 3]), 255), 0.5), 0.25) as tf.Tensor4D);
    const maps = vitAttentionMaps(model, x);
    const last = maps[1].maps.arraySync()[0];
    close(figure.panels[3].weights, last[1][0].slice(1), 1e-5);
    close(figure.panels[1].weights, last[0][0].slice(1).map((v, k) => (v + last[1][0][k + 1]) / 2), 1e-5);
    const rollout = attentionRollout(maps.map((m) => m.maps));
    close(figure.panels[0].weights, Array.from(rollout.dataSync()), 1e-5);
    tf.dispose([x, rollout, ...maps.map((m) => m.maps)]);
    model.dispose();
    // the CLI writes the PNG and its spec, and prints the same panels
    const out = join(dir, 'figs', 'attention.png');
    const run = runCli(['attention', sample, '--model', dir, '--out', out, '--block', '0', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    assert.equal(printed.block, 0);
    assert.equal(printed.panels.length, 4);
    assert.equal(readFileSync(out).subarray(1, 4).toString(), 'PNG');
    const spec = JSON.parse(readFileSync(join(dir, 'figs', 'attention.vl.json'), 'utf8'));
    assert.equal(spec.concat.length, 5, 'the input and four panels');
    assert.deepEqual(spec.concat[1].layer[1].data.values.map((v: { weight: number }) => v.weight), printed.panels[0].weights);
    // bad input: a block that does not exist, a model without attention layers
    assert.match(oneErrorLine(runCli(['attention', sample, '--model', dir, '--block', '2', '--out', join(dir, 'b.png')])), /block.*0…1/);
    const plain = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [32, 32, 3] }), tf.layers.dense({ units: 2 })] });
    setModelMetadata(plain, { format: MODEL_METADATA_FORMAT, version: MODEL_METADATA_VERSION, task: 'forgery', model: { name: 'dense', options: {} }, preprocessing: { inputShape: [32, 32, 3], normalization }, classNames: ['real', 'fake'], thresholds: {}, training: { steps: 0, seed: 0 }, extension: {} });
    await saveModel(plain, join(dir, 'plain', 'model'));
    plain.dispose();
    assert.match(oneErrorLine(runCli(['attention', sample, '--model', join(dir, 'plain'), '--out', join(dir, 'c.png')])), /self-attention/);
    assert.ok(!existsSync(join(dir, 'b.png')) && !existsSync(join(dir, 'c.png')), 'nothing written on error');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
