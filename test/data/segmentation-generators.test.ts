import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageArrayDataset, type ClassificationData } from '../../src/data/dataset.js';
import { FASHION_MNIST_DIR, openIdxFolder } from '../../src/data/idx.js';
import { ANATOMY_CLASSES, anatomySplit, generateAnatomy } from '../../src/data/segmentation/anatomy.js';
import { openSegmentationData } from '../../src/data/readers.js';
import { generateScenes } from '../../src/data/segmentation/scenes.js';
import { WavecvError } from '../../src/errors.js';
import { FASHION_MNIST, MRICRON_DATA, requireSystem } from '../helpers/requirements.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'wavecv-seg-generators-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const grey = async (path: string) => new Uint8Array(await sharp(path).toColourspace('b-w').raw().toBuffer());

/** Two splits of constant 28×28 images: 100 in training, 200 in test, so a scene shows where its objects came from. */
function constantSource(): ClassificationData {
  const split = (value: number, n: number) => new ImageArrayDataset(new Uint8Array(n * 784).fill(value), [n, 28, 28, 1], Int32Array.from({ length: n }, (_, i) => i % 3), ['a', 'b', 'c']);
  return { train: split(100, 6), test: split(200, 4), classNames: ['a', 'b', 'c'], source: 'constant', format: 'test' };
}

test('scenes: labels follow the objects, training objects from the training split only, test from test, seeded', async () => {
  const options = { size: 64, trainCount: 4, testCount: 3, seed: 7 };
  await generateScenes(constantSource(), 'constant', join(root, 'a'), options);
  await generateScenes(constantSource(), 'constant', join(root, 'b'), options);
  for (const split of ['train', 'test']) {
    const files = readdirSync(join(root, 'a', split, 'images'));
    assert.equal(files.length, split === 'train' ? 4 : 3);
    for (const f of files) {
      const image = await grey(join(root, 'a', split, 'images', f));
      const mask = await grey(join(root, 'a', split, 'masks', f));
      assert.deepEqual(image, await grey(join(root, 'b', split, 'images', f)), 'same seed, same scene');
      let max = 0;
      for (let i = 0; i < image.length; i++) {
        assert.equal(mask[i] > 0, image[i] > 0, `pixel ${i} of ${f}: labelled iff it shows an object`);
        assert.ok(mask[i] <= 3);
        max = Math.max(max, image[i]);
      }
      assert.equal(max, split === 'train' ? 100 : 200, `${split} scene ${f} drawn from the ${split} split`);
    }
  }
  assert.deepEqual(readFileSync(join(root, 'a', 'classes.txt'), 'utf8').trim().split('\n'), ['background', 'a', 'b', 'c']);
  const data = await openSegmentationData(join(root, 'a'));
  assert.equal(data.format, 'mask-folders');
  assert.deepEqual(data.train.imageShape, [64, 64, 1]);
  await assert.rejects(generateScenes(constantSource(), 'constant', join(root, 'a'), options), (e: unknown) => e instanceof WavecvError && /^out: .*does not exist yet/.test(e.message));
  await assert.rejects(generateScenes(constantSource(), 'constant', join(root, 'c'), { size: 40 }), (e: unknown) => e instanceof WavecvError && /^scale/.test(e.message));
  assert.equal(existsSync(join(root, 'c')), false, 'nothing written for refused settings');
});

test('scenes from real Fashion-MNIST: 11 classes, objects of the right classes', { skip: requireSystem('fashion-mnist', FASHION_MNIST) }, async () => {
  const source = await openIdxFolder(FASHION_MNIST_DIR);
  const calls: number[][] = [];
  await generateScenes(source, 'fashion-mnist', join(root, 'fashion'), { trainCount: 3, testCount: 2, seed: 1, onProgress: (done, total) => calls.push([done, total]) });
  assert.deepEqual(calls, [1, 2, 3, 4, 5].map((done) => [done, 5]), 'progress after every scene, training and test');
  const data = await openSegmentationData(join(root, 'fashion'));
  assert.equal(data.classNames.length, 11);
  const batch = await data.train.getBatch([0, 1, 2]);
  assert.deepEqual(batch.image.shape, [3, 96, 96, 1]);
  const labels = new Set(batch.mask.data);
  assert.ok(labels.has(0) && labels.size >= 2, `background and objects: ${[...labels]}`);
});

test('anatomy split: test blocks of 8 slices, training slices at least gap+1 away', () => {
  const { train, test } = anatomySplit(70, 3);
  assert.deepEqual(test, [24, 25, 26, 27, 28, 29, 30, 31, 56, 57, 58, 59, 60, 61, 62, 63]);
  for (const t of train) assert.ok(test.every((s) => Math.abs(s - t) > 3));
  assert.ok(train.includes(20) && !train.includes(21) && train.includes(35) && !train.includes(34));
});

test('anatomy: real Colin27 slices with AAL lobes, test slices apart from training slices', { skip: requireSystem('mricron-data', MRICRON_DATA) }, async () => {
  const counts = await generateAnatomy(join(root, 'anatomy'), { size: 96 });
  assert.ok(counts.train >= 60 && counts.test >= 24, JSON.stringify(counts));
  const settings = JSON.parse(readFileSync(join(root, 'anatomy', 'generator.json'), 'utf8'));
  for (const t of settings.trainSlices) assert.ok(settings.testSlices.every((s: number) => Math.abs(s - t) > 3));
  const data = await openSegmentationData(join(root, 'anatomy'));
  assert.deepEqual(data.classNames, ANATOMY_CLASSES);
  const middle = Math.floor(data.test!.length / 2);
  const batch = await data.test!.getBatch([middle]);
  const labels = new Set(batch.mask.data);
  for (const c of [0, 1, 2]) assert.ok(labels.has(c), `class ${ANATOMY_CLASSES[c]} in a middle test slice (${[...labels]})`);
});
