// PyTorch checkpoints (scripts/gen_pytorch_import_fixtures.py: torch.save zip
// archives with wrappers and DataParallel prefixes, and a safetensors file)
// load into wavecv's models and reproduce PyTorch's outputs to 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import '../../src/models/index.js';
import { importWeights } from '../../src/interop/import-weights.js';
import { WavecvError } from '../../src/errors.js';
import { fixture, maxError, path } from './helpers.js';

for (const c of fixture.cases) {
  test(`import ${c.file} into ${c.model}: PyTorch's outputs to 1e-4`, async () => {
    await initEngine();
    const { model, report, state } = importWeights(path(c.file), c.model, c.options);
    const before = tf.memory().numTensors;
    const error = maxError(model, c);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    assert.ok(error < 1e-4, `max |wavecv − PyTorch| = ${error}`);
    assert.equal(report.parameters + report.ignored, state.tensors.size, 'every tensor of the file used or a num_batches_tracked');
    model.dispose();
  });
}

test('the wrappers and prefixes are reported: state_dict + module. (resnet18_haar.pth), model (iresnet_tiny.pth)', async () => {
  await initEngine();
  const haar = importWeights(path('resnet18_haar.pth'), 'resnet18', fixture.cases[0].options);
  assert.equal(haar.state.found, 'state_dict');
  assert.equal(haar.state.strippedPrefix, true);
  assert.equal(haar.options.padding, 'pytorch');
  haar.model.dispose();
  const face = importWeights(path('iresnet_tiny.pth'), 'iresnet-tiny');
  assert.equal(face.state.found, 'model');
  face.model.dispose();
});

test('a checkpoint of another architecture names the first missing or mis-shaped parameter', async () => {
  await initEngine();
  const named = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);
  // The vanilla file in the Haar model: the first strided block's conv after the DWT is conv2.1 there.
  assert.throws(() => importWeights(path('resnet18.safetensors'), 'resnet18', { wavelet: 'haar', width: 4, inputSize: 32, numClasses: 10 }), named(/no parameter layer2\.0\.conv2\.1\.weight .*first missing/));
  // Another width: the stem's shape is wrong.
  assert.throws(() => importWeights(path('resnet18.safetensors'), 'resnet18', { width: 8, inputSize: 32, numClasses: 10 }), named(/parameter conv1\.weight of shape \[4, 3, 7, 7\].*expected shape \[8, 3, 7, 7\]/));
  // A deeper network: resnet34 lacks nothing of resnet18's first layers but misses layer1.2.
  assert.throws(() => importWeights(path('resnet18.safetensors'), 'resnet34', { width: 4, inputSize: 32, numClasses: 10 }), named(/no parameter layer1\.2\.conv1\.weight/));
  // A face checkpoint into a ResNet.
  assert.throws(() => importWeights(path('iresnet_tiny.pth'), 'resnet18', { width: 4 }), named(/parameter conv1\.weight of shape \[16, 3, 3, 3\]/));
  // Unused parameters are named too: the Haar file into the vanilla model reads conv1 … and stops at layer2.0.conv2.weight.
  assert.throws(() => importWeights(path('resnet18_haar.pth'), 'resnet18', { width: 4, inputSize: 32, numClasses: 10 }), named(/no parameter layer2\.0\.conv2\.weight/));
});

test("PyTorch's symmetric padding is what makes the vanilla ResNet match: TF.js's 'same' does not", async () => {
  await initEngine();
  const c = fixture.cases.find((x) => x.file === 'resnet18.safetensors')!;
  const { model } = importWeights(path(c.file), c.model, { ...c.options, padding: 'same' });
  assert.ok(maxError(model, c) > 1e-2);
  model.dispose();
});
