// `wavecv import` writes a run folder that wavecv's readers load with its
// metadata, and that reproduces PyTorch's output; bad input is one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { initEngine } from '../../src/engine/backend.js';
import '../../src/models/index.js';
import { loadRunModel } from '../../src/train/run-folder.js';
import { oneErrorLine, runCli } from '../cli/helpers.js';
import { dir, fixture, maxError } from './helpers.js';

const cases = fixture.cases;

test('wavecv import writes a classify run folder (metadata, config) whose model gives PyTorch\'s output', async () => {
  await initEngine();
  const out = mkdtempSync(join(tmpdir(), 'wavecv-import-'));
  try {
    const c = cases.find((x) => x.file === 'resnet18_haar.pth')!;
    const run = runCli(['import', new URL(c.file, dir).pathname, '--model', 'resnet18', '--wavelet', 'haar', '--model-option', 'width=4', '--model-option', 'inputSize=32', '--model-option', 'numClasses=10', '--class-names', 'a,b,c,d,e,f,g,h,i,j', '--out', out, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.task, 'classify');
    assert.equal(report.found, 'state_dict');
    assert.equal(report.strippedPrefix, true);
    assert.ok(existsSync(join(out, 'config.json')));
    const { model, metadata } = await loadRunModel(out, 'classify');
    assert.equal(metadata.model.name, 'resnet18');
    assert.equal(metadata.model.options.padding, 'pytorch');
    assert.deepEqual(metadata.classNames?.slice(0, 3), ['a', 'b', 'c']);
    assert.deepEqual(metadata.preprocessing.inputShape, [32, 32, 3]);
    assert.deepEqual(metadata.preprocessing.normalization.mean, [0.485, 0.456, 0.406]);
    assert.ok(maxError(model, c) < 1e-4);
    model.dispose();
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('wavecv import: other architectures, a model without a PyTorch task and a registration model are one line each', () => {
  const file = new URL('resnet18.safetensors', dir).pathname;
  const line = oneErrorLine(runCli(['import', file, '--model', 'resnet34', '--model-option', 'width=4', '--out', join(tmpdir(), 'never-written')]));
  assert.match(line, /^wavecv: weights: got "no parameter layer1\.2\.conv1\.weight in .*resnet18\.safetensors", expected every parameter of resnet34/);
  assert.match(oneErrorLine(runCli(['import', file, '--model', 'cnn28', '--out', join(tmpdir(), 'never-written')])), /weights: got "no parameter block1_1\.conv\.weight in .*", expected every parameter of cnn28/);
  assert.match(oneErrorLine(runCli(['import', file, '--model', 'xception-small', '--out', join(tmpdir(), 'never-written')])), /model: got "xception-small", expected a classification, face or segmentation model/);
  assert.match(oneErrorLine(runCli(['import', file, '--model', 'winet', '--out', join(tmpdir(), 'never-written')])), /classification, face or segmentation model/);
  assert.ok(!existsSync(join(tmpdir(), 'never-written')));
});
