// The forgery detectors of the registry (src/models/forgery): the parameter
// counts of their defaults at 224×224 with 2 classes, the cost of each DTN
// switch in closed form, the ViT baseline's count, and the option checks.
// (Build, train step, save and reload: test/models/all-models.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { createModel } from '../../src/models/index.js';
import { MixtureOfExperts } from '../../src/nn/moe.js';

function params(name: string, options: Record<string, unknown>): number {
  const model = createModel(name, options);
  const n = model.countParams();
  model.dispose();
  return n;
}

test('parameter counts at 224×224, 2 classes: dtn 3,396,388, xception-small 725,552, vit-tiny 5,524,802', async () => {
  await initEngine({ backend: 'cpu' });
  assert.equal(params('dtn', {}), 3_396_388);
  assert.equal(params('xception-small', {}), 725_552);
  // timm's vit_tiny_patch16_224 (5,717,416) with a 2-class head instead of 1000 classes.
  assert.equal(params('vit-tiny', { numClasses: 2 }), 5_717_416 - 998 * 193);
});

test('each DTN switch costs what its module says: MoE N·(9CD + D) + CN − (9CD + D), LEVT depth·10·rD, MAS depth·H²', async () => {
  await initEngine({ backend: 'cpu' });
  const base = { inputSize: 64, width: 0.125, middleBlocks: 1, embedDim: 48, depth: 3, numHeads: 4, mlpRatio: 2, experts: 5 };
  const full = params('dtn', base);
  const c = Math.round(728 * 0.125);
  const d = 48;
  assert.equal(full - params('dtn', { ...base, moe: false }), 5 * (9 * c * d + d) + c * 5 - (9 * c * d + d));
  assert.equal(full - params('dtn', { ...base, levt: false }), 3 * (9 * 96 + 96));
  assert.equal(full - params('dtn', { ...base, mas: false }), 3 * 16);
  const model = createModel('dtn', { ...base, topK: 2 });
  const moe = model.getLayer('moe') as MixtureOfExperts;
  assert.ok(moe instanceof MixtureOfExperts && moe.numExperts === 5 && moe.topK === 2);
  assert.deepEqual(model.getLayer('flatten_tokens').outputShape, [null, 16, 48], '64/16 = 4×4 tokens');
  model.dispose();
});

test('forgery detector options are checked, naming the option', () => {
  const refused = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof WavecvError && pattern.test(e.message));
  refused(() => createModel('dtn', { inputSize: 40 }), /^inputSize: got 40, expected a multiple of 16/);
  refused(() => createModel('xception-small', { inputSize: 48 }), /^inputSize: got 48, expected a multiple of 32/);
  refused(() => createModel('dtn', { inputSize: 32, experts: 2, topK: 3 }), /^topK: got 3, expected an integer in \[1, 2\]/);
  refused(() => createModel('dtn', { inputSize: 32, embedDim: 10, numHeads: 3 }), /^numHeads: got 3, expected a divisor of embedDim 10/);
  refused(() => createModel('dtn', { dsd: true }), /^dtn option: got "dsd"/);
});
