// PyTorch checkpoints (scripts/gen_pytorch_import_fixtures.py: torch.save zip
// archives with wrappers and DataParallel prefixes, and a safetensors file;
// scripts/gen_pytorch_import_families.py: every other registry family's
// PyTorch naming) load into wavecv's models and reproduce PyTorch's outputs to 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import '../../src/models/index.js';
import { importWeights } from '../../src/interop/import-weights.js';
import { WavecvError } from '../../src/errors.js';
import { families, fixture, maxError, path } from './helpers.js';

for (const c of [...fixture.cases, ...families.cases]) {
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

test('the new families name what is missing too: a face ResNet in MobileFaceNet, the vanilla and wavelet DeepLabv3+ decoders swapped', async () => {
  await initEngine();
  const named = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);
  const mobile = families.cases.find((c) => c.model === 'mobilefacenet')!;
  assert.throws(() => importWeights(path('iresnet_tiny.pth'), 'mobilefacenet', mobile.options), named(/no parameter conv1\.conv\.weight .*first missing/));
  const [vanilla, wavelet] = families.cases.filter((c) => c.model === 'deeplabv3plus');
  // Backbone and ASPP are shared; the wavelet file holds the vanilla low-level conv unused, so the first gap is the vanilla head.
  assert.throws(() => importWeights(path(wavelet.file), 'deeplabv3plus', vanilla.options), named(/no parameter decoder\.last_conv\.0\.weight/));
  assert.throws(() => importWeights(path(vanilla.file), 'deeplabv3plus', wavelet.options), named(/no parameter decoder\.conv_hl3\.weight/));
  // A narrower MobileFaceNet: the stem's shape is named.
  assert.throws(() => importWeights(path(mobile.file), 'mobilefacenet', { ...mobile.options, width: 0.125 }), named(/parameter conv1\.conv\.weight of shape \[4, 3, 3, 3\].*expected shape \[8, 3, 3, 3\]/));
  // The forgery detectors have no PyTorch naming (yet): refused before the file is read.
  assert.throws(() => importWeights(path(mobile.file), 'dtn'), named(/model: got "dtn", expected a model whose PyTorch weights wavecv reads/));
});

test("the wavelet DeepLabv3+ file's unused decoder.conv1/bn1 and the 3-D WaveUNet's Haar buffers are skipped, and counted", async () => {
  await initEngine();
  for (const [file, model, unused] of [['deeplabv3plus_r50_haar.pth', 'deeplabv3plus', 'decoder.conv1.weight'], ['waveunet3d_v4.pth', 'waveunet3d', 'downsampling_1.k']]) {
    const c = families.cases.find((x) => x.file === file)!;
    const { model: built, report, state } = importWeights(path(file), model, c.options);
    assert.ok(state.tensors.has(unused), `${file} holds ${unused}`);
    const batches = [...state.tensors.keys()].filter((k) => k.endsWith('num_batches_tracked')).length;
    assert.ok(report.ignored > batches, `${file}: ${report.ignored} skipped, ${batches} of them num_batches_tracked`);
    built.dispose();
  }
});

test("PyTorch's symmetric padding is what makes the vanilla ResNet match: TF.js's 'same' does not", async () => {
  await initEngine();
  const c = fixture.cases.find((x) => x.file === 'resnet18.safetensors')!;
  const { model } = importWeights(path(c.file), c.model, { ...c.options, padding: 'same' });
  assert.ok(maxError(model, c) > 1e-2);
  model.dispose();
});
