// Where the WaveCNet variants put their DWT layers (Li et al., CVPR 2020 §4;
// reference code github.com/LiQiufu/WaveCNet, models_dwt/*.py): counted and located in the layer graph of
// the real models (cpu backend, zero initial weights: construction only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createModel } from '../../src/models/index.js';
import { countTrainableParams } from '../../src/nn/core.js';

/** Names of the layers feeding `layer`. */
function inputsOf(model: tf.LayersModel, layer: string): string[] {
  return model.getLayer(layer).inboundNodes[0].inboundLayers.map((l) => l.name);
}

function classes(model: tf.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

function stridedConvs(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.getClassName() === 'Conv2D' && (l.getConfig().strides as number[])[0] !== 1).map((l) => l.name);
}

const EXPECTED: Array<[string, number, string[]]> = [
  // name, DWT layers, convolutions that keep stride 2
  ['cnn28', 2, []],
  ['resnet18-cifar', 6, []],
  ['resnet18', 7, ['stem_conv']],
  ['resnet34', 7, ['stem_conv']],
  ['resnet50', 7, ['stem_conv']],
  ['resnet101', 7, ['stem_conv']],
  ['vgg16bn', 5, []],
  ['densenet121', 4, ['conv0']],
];

for (const [name, dwtCount, strided] of EXPECTED) {
  test(`${name}: ${dwtCount} DWT layers replace every pool and stride-2 conv; global average pool kept; weights as vanilla`, async () => {
    await initEngine({ backend: 'cpu' });
    const vanilla = createModel(name, { randomInit: false });
    const wave = createModel(name, { wavelet: 'bior3.3', randomInit: false });
    const kinds = classes(wave);
    assert.equal(kinds.filter((k) => k === 'WaveletPool2D').length, dwtCount);
    assert.ok(!kinds.includes('MaxPooling2D') && !kinds.includes('AveragePooling2D'), kinds.join());
    assert.equal(kinds.includes('GlobalAveragePooling2D'), name !== 'vgg16bn');
    assert.deepEqual(stridedConvs(wave), strided);
    assert.equal(countTrainableParams(wave), countTrainableParams(vanilla));
    assert.deepEqual(wave.outputs[0].shape, vanilla.outputs[0].shape);
    assert.equal(wave.name, `${name}_bior3.3`);
    vanilla.dispose();
    wave.dispose();
  });
}

test('ResNet placement: BasicBlock DWT before the 2nd 3×3 conv, Bottleneck before the last 1×1, shortcut DWT → 1×1/1 conv → BN', async () => {
  await initEngine({ backend: 'cpu' });
  const basic = createModel('resnet18', { wavelet: 'haar', randomInit: false });
  assert.deepEqual(inputsOf(basic, 'stem_dwt'), ['stem_bn']);
  assert.deepEqual(inputsOf(basic, 'layer1_0_1_conv'), ['stem_dwt']);
  for (const stage of [2, 3, 4]) {
    assert.deepEqual(inputsOf(basic, `layer${stage}_0_dwt`), [`layer${stage}_0_1_bn`]);
    assert.deepEqual(inputsOf(basic, `layer${stage}_0_2_conv`), [`layer${stage}_0_dwt`]);
    assert.deepEqual(inputsOf(basic, `layer${stage}_0_shortcut_dwt`), [`layer${stage - 1}_1_out`]);
    assert.deepEqual(inputsOf(basic, `layer${stage}_0_shortcut_conv`), [`layer${stage}_0_shortcut_dwt`]);
    assert.deepEqual(inputsOf(basic, `layer${stage}_0_shortcut_bn`), [`layer${stage}_0_shortcut_conv`]);
  }
  basic.dispose();
  const bottleneck = createModel('resnet50', { wavelet: 'haar', randomInit: false });
  assert.deepEqual(inputsOf(bottleneck, 'layer3_0_dwt'), ['layer3_0_2_bn']);
  assert.deepEqual(inputsOf(bottleneck, 'layer3_0_3_conv'), ['layer3_0_dwt']);
  // layer1's projection (64 → 256 channels, stride 1) has no DWT
  assert.deepEqual(inputsOf(bottleneck, 'layer1_0_shortcut_conv'), ['stem_dwt']);
  bottleneck.dispose();
});

test('DenseNet and VGG placement: pool0 and the transition pools; every max-pool', async () => {
  await initEngine({ backend: 'cpu' });
  const dense = createModel('densenet121', { wavelet: 'db2', randomInit: false });
  assert.deepEqual(inputsOf(dense, 'pool0_dwt'), ['norm0']);
  for (const t of [1, 2, 3]) assert.deepEqual(inputsOf(dense, `transition${t}_dwt`), [`transition${t}_conv`]);
  dense.dispose();
  const vgg = createModel('vgg16bn', { wavelet: 'db2', inputSize: 32, numClasses: 10, randomInit: false });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((p) => inputsOf(vgg, `pool${p}_dwt`)[0]),
    ['conv2_bn', 'conv4_bn', 'conv7_bn', 'conv10_bn', 'conv13_bn'],
  );
  vgg.dispose();
});

test("bands: 'average' keeps the channels, 'concat' gives the next convolution 4× the channels", async () => {
  await initEngine({ backend: 'cpu' });
  const average = createModel('resnet18-cifar', { wavelet: 'haar', bands: 'average', randomInit: false });
  const concat = createModel('resnet18-cifar', { wavelet: 'haar', bands: 'concat', randomInit: false });
  const kernel = (m: tf.LayersModel, layer: string): number[] => m.getLayer(layer).getWeights()[0].shape;
  assert.deepEqual(kernel(average, 'layer2_0_2_conv'), [3, 3, 128, 128]);
  assert.deepEqual(kernel(concat, 'layer2_0_2_conv'), [3, 3, 512, 128]);
  assert.deepEqual(kernel(concat, 'layer3_0_shortcut_conv'), [1, 1, 512, 256]);
  assert.equal(concat.name, 'resnet18-cifar_haar_concat');
  const cnn = createModel('cnn28', { wavelet: 'sym4', bands: 'concat', randomInit: false });
  assert.deepEqual(kernel(cnn, 'block2_1_conv'), [3, 3, 128, 64]);
  disposeAll([average, concat, cnn]);
  assert.throws(() => createModel('cnn28', { wavelet: 'haar', mode: 'mirror' }), (e: unknown) => e instanceof WavecvError && /^mode: got "mirror"/.test(e.message));
});

function disposeAll(models: tf.LayersModel[]): void {
  for (const m of models) m.dispose();
}
