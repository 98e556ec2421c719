// Parameter counts of the vanilla ImageNet-layout WaveCNet backbones against
// torchvision 0.14 (fixture written by scripts/gen_param_counts.py). The real
// 224×224 models are built once each, on the cpu backend with zero initial
// weights: the wasm backend needs ~10 s just to fill VGG-16's 102 M-entry
// classifier kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { initEngine } from '../../src/engine/backend.js';
import { createModel } from '../../src/models/index.js';
import { countTrainableParams } from '../../src/nn/core.js';

const TORCHVISION: Record<string, number> = {
  vgg16bn: 138_365_992,
  resnet18: 11_689_512,
  resnet34: 21_797_672,
  resnet50: 25_557_032,
  resnet101: 44_549_160,
  densenet121: 7_978_856,
};

test('the listed counts are the ones torchvision reports (fixture)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/wavecnet-param-counts.json', import.meta.url), 'utf8'));
  assert.deepEqual(fixture.trainableParameters, TORCHVISION);
});

for (const [name, count] of Object.entries(TORCHVISION)) {
  test(`${name}: vanilla 224×224 model has torchvision's ${count.toLocaleString('en')} trainable parameters`, async () => {
    await initEngine({ backend: 'cpu' });
    const model = createModel(name, { randomInit: false });
    assert.deepEqual(model.inputs[0].shape, [null, 224, 224, 3]);
    assert.deepEqual(model.outputs[0].shape, [null, 1000]);
    assert.equal(countTrainableParams(model), count);
    model.dispose();
  });
}
