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
import { loadRegistrationModel } from '../../src/tasks/register.js';
import { readNifti, writeNifti } from '../../src/io/nifti.js';
import { spacingAffine } from '../../src/io/volume.js';
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

test('wavecv import --model winet writes a register run: PyTorch\'s field, registration metadata, and `wavecv register` reads it', async () => {
  await initEngine();
  const out = mkdtempSync(join(tmpdir(), 'wavecv-import-winet-'));
  try {
    const c = cases.find((x) => x.file === 'winet_2d.pth')!;
    const run = runCli(['import', new URL(c.file, dir).pathname, '--model', 'winet', '--model-option', 'dims=2', '--model-option', 'size=[32,32]', '--model-option', 'startChannels=2', '--out', out, '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).task, 'register');
    const loaded = await loadRegistrationModel(out);
    assert.deepEqual(loaded.metadata.size, [32, 32]);
    assert.equal(loaded.metadata.field, 'displacement');
    assert.equal(loaded.metadata.loss.similarity, 'ncc');
    assert.ok(maxError(loaded.model, c) < 1e-4);
    // the imported run registers a pair through the CLI
    const scan = (name: string, phase: number) => {
      const data = Float32Array.from({ length: 32 * 32 }, (_, i) => 100 + 50 * Math.sin(0.3 * (i % 32) + phase) * Math.cos(0.2 * Math.floor(i / 32)));
      writeNifti(join(out, name), { data, shape: [32, 32], spacing: [1, 1], affine: spacingAffine([1, 1]), dataType: 'float32', slope: 1, intercept: 0 });
    };
    scan('fixed.nii', 0);
    scan('moving.nii', 0.4);
    const registered = runCli(['register', join(out, 'fixed.nii'), join(out, 'moving.nii'), '--model', out, '--out', join(out, 'warped.nii'), '--json']);
    assert.equal(registered.status, 0, registered.stderr);
    assert.deepEqual(readNifti(join(out, 'warped.nii')).shape, [32, 32]);
    loaded.model.dispose();
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('wavecv import: other architectures, a model without a PyTorch task and registration-only misuse are one line each', () => {
  const file = new URL('resnet18.safetensors', dir).pathname;
  const line = oneErrorLine(runCli(['import', file, '--model', 'resnet34', '--model-option', 'width=4', '--out', join(tmpdir(), 'never-written')]));
  assert.match(line, /^wavecv: weights: got "no parameter layer1\.2\.conv1\.weight in .*resnet18\.safetensors", expected every parameter of resnet34/);
  assert.match(oneErrorLine(runCli(['import', file, '--model', 'cnn28', '--out', join(tmpdir(), 'never-written')])), /weights: got "no parameter block1_1\.conv\.weight in .*", expected every parameter of cnn28/);
  assert.match(oneErrorLine(runCli(['import', file, '--model', 'xception-small', '--out', join(tmpdir(), 'never-written')])), /model: got "xception-small", expected a classification, face, segmentation or registration model/);
  assert.match(oneErrorLine(runCli(['import', new URL('winet_2d.pth', dir).pathname, '--model', 'winet', '--mean', '0.5', '--out', join(tmpdir(), 'never-written')])), /mean: got \[0\.5\], expected nothing for a registration model/);
  assert.ok(!existsSync(join(tmpdir(), 'never-written')));
});
