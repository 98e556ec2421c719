import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { openSegmentationData } from '../../src/data/readers.js';
import { vocColourMap, CITYSCAPES_TRAIN_IDS } from '../../src/data/segmentation/index.js';
import { WavecvError } from '../../src/errors.js';
import { encodeIndexedPng } from '../../src/io/indexed-png.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'wavecv-seg-layouts-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const W = 6;
const H = 5;

/** An RGB image whose pixels differ (so crops and flips are visible), as PNG or JPEG. */
async function writeImage(path: string, seed: number, format: 'png' | 'jpeg' = 'png', width = W, height = H): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 11) % 256;
  const pipeline = sharp(data, { raw: { width, height, channels: 3 } });
  await (format === 'png' ? pipeline.png() : pipeline.jpeg({ quality: 95 })).toFile(path);
}

async function writeGreyMask(path: string, values: number[], width = W, height = H): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await sharp(Buffer.from(values), { raw: { width, height, channels: 1 } }).png().toFile(path);
}

const labelsOf = (seed: number, values: number[]) => Array.from({ length: W * H }, (_, i) => values[(i * 7 + seed) % values.length]);

async function maskOf(data: Awaited<ReturnType<typeof openSegmentationData>>, split: 'train' | 'test', index: number): Promise<number[]> {
  const batch = await data[split]!.getBatch([index]);
  return Array.from(batch.mask.data);
}

test('Pascal VOC: JPEGImages + palette SegmentationClass + ImageSets lists; void outline read as 255', async () => {
  const voc = join(root, 'VOC2012');
  const ids = { train: ['2007_000032', '2007_000039'], val: ['2007_000033'] };
  const palette = vocColourMap();
  const values = { '2007_000032': [0, 15, 255], '2007_000039': [0, 1, 20], '2007_000033': [0, 8, 255] } as Record<string, number[]>;
  for (const [split, list] of Object.entries(ids)) {
    mkdirSync(join(voc, 'ImageSets', 'Segmentation'), { recursive: true });
    writeFileSync(join(voc, 'ImageSets', 'Segmentation', `${split}.txt`), list.join('\n') + '\n');
    for (const [k, id] of list.entries()) {
      await writeImage(join(voc, 'JPEGImages', `${id}.jpg`), k, 'jpeg');
      mkdirSync(join(voc, 'SegmentationClass'), { recursive: true });
      writeFileSync(join(voc, 'SegmentationClass', `${id}.png`), encodeIndexedPng(labelsOf(k, values[id]), W, H, palette));
    }
  }
  const data = await openSegmentationData(voc);
  assert.equal(data.format, 'voc');
  assert.equal(data.classNames.length, 21);
  assert.equal(data.train.length, 2);
  assert.equal(data.test!.length, 1);
  assert.deepEqual(data.train.imageShape, [H, W, 3]);
  assert.deepEqual(await maskOf(data, 'train', 0), labelsOf(0, values['2007_000032']));
  assert.deepEqual(await maskOf(data, 'test', 0), labelsOf(0, values['2007_000033']));
  const batch = await data.train.getBatch([0, 1]);
  assert.deepEqual(batch.image.shape, [2, H, W, 3]);
  assert.deepEqual(batch.mask.shape, [2, H, W, 1]);
  // an unknown palette colour is refused naming the file, the colour and the pixel
  writeFileSync(join(voc, 'SegmentationClass', '2007_000039.png'), encodeIndexedPng(labelsOf(1, [0, 21]), W, H, palette));
  const again = await openSegmentationData(voc, { cacheBytes: 0 });
  await assert.rejects(again.train.getBatch([1]), (e: unknown) => e instanceof WavecvError && /2007_000039\.png.*unknown palette colour \(128, 64, 128\) at pixel \(x 0, y 0\)/.test(e.message));
});

test('CamVid (SegNet tutorial): train/ trainannot/ test/ testannot/, 11 classes, Unlabelled (11) read as 255', async () => {
  const camvid = join(root, 'CamVid');
  for (const [split, names] of [['train', ['0001TP_006690', '0006R0_f02010']], ['test', ['Seq05VD_f00000']], ['val', ['0016E5_07959']]] as const) {
    for (const [k, name] of names.entries()) {
      await writeImage(join(camvid, split, `${name}.png`), k);
      await writeGreyMask(join(camvid, `${split}annot`, `${name}.png`), labelsOf(k, [0, 3, 8, 11]));
    }
  }
  const data = await openSegmentationData(camvid);
  assert.equal(data.format, 'camvid');
  assert.equal(data.testSplit, 'test');
  assert.equal(data.classNames.length, 11);
  assert.equal(data.train.length, 2);
  assert.deepEqual(await maskOf(data, 'train', 1), labelsOf(1, [0, 3, 8, 255]));
  await writeGreyMask(join(camvid, 'testannot', 'Seq05VD_f00000.png'), labelsOf(0, [0, 12]));
  const bad = await openSegmentationData(camvid);
  await assert.rejects(bad.test!.getBatch([0]), (e: unknown) => e instanceof WavecvError && /Seq05VD_f00000\.png.*value 12 at pixel/.test(e.message));
});

test('Cityscapes: leftImg8bit + gtFine labelIds mapped to the 19 train ids', async () => {
  const city = join(root, 'cityscapes');
  const ids = [0, 7, 8, 26, 33, 18, 24];
  for (const [split, town, name] of [['train', 'aachen', 'aachen_000000_000019'], ['train', 'bochum', 'bochum_000000_000313'], ['val', 'frankfurt', 'frankfurt_000000_000294']]) {
    await writeImage(join(city, 'leftImg8bit', split, town, `${name}_leftImg8bit.png`), name.length);
    await writeGreyMask(join(city, 'gtFine', split, town, `${name}_gtFine_labelIds.png`), labelsOf(1, ids));
    // the other gtFine files of the real layout are present and ignored
    await writeGreyMask(join(city, 'gtFine', split, town, `${name}_gtFine_instanceIds.png`), labelsOf(2, ids));
  }
  const data = await openSegmentationData(city);
  assert.equal(data.format, 'cityscapes');
  assert.equal(data.classNames.length, 19);
  assert.equal(data.train.length, 2);
  assert.equal(data.test!.length, 1);
  assert.deepEqual(await maskOf(data, 'test', 0), labelsOf(1, ids).map((v) => CITYSCAPES_TRAIN_IDS[v]));
  assert.deepEqual(await maskOf(data, 'train', 0), labelsOf(1, [255, 0, 1, 13, 18, 255, 11]));
});

test('images/ + masks/ folders: with classes.txt and splits, or alone with classes from the masks; fixed-scale crop with size', async () => {
  const plain = join(root, 'plain');
  for (const split of ['train', 'test']) {
    for (let k = 0; k < 2; k++) {
      await writeImage(join(plain, split, 'images', `s${k}.png`), k);
      await writeGreyMask(join(plain, split, 'masks', `s${k}.png`), labelsOf(k, [0, 1, 2, 255]));
    }
  }
  writeFileSync(join(plain, 'classes.txt'), 'background\nshirt\nbag\n');
  const data = await openSegmentationData(plain);
  assert.equal(data.format, 'mask-folders');
  assert.deepEqual(data.classNames, ['background', 'shirt', 'bag']);
  assert.deepEqual(await maskOf(data, 'test', 1), labelsOf(1, [0, 1, 2, 255]));
  const alone = await openSegmentationData(join(plain, 'train'));
  assert.equal(alone.test, undefined);
  assert.deepEqual(alone.classNames, ['class 0', 'class 1', 'class 2']);
  const cropped = await openSegmentationData(plain, { size: 4 });
  const batch = await cropped.train.getBatch([0]);
  assert.deepEqual(batch.image.shape, [1, 4, 4, 3]);
  assert.ok(Array.from(batch.mask.data).every((v) => [0, 1, 2, 255].includes(v)), 'nearest-neighbour masks keep the labels');
  // a mask value beyond classes.txt, image and mask of different sizes, a missing mask
  await writeGreyMask(join(plain, 'test', 'masks', 's1.png'), labelsOf(1, [0, 3]));
  await assert.rejects((await openSegmentationData(plain)).test!.getBatch([1]), (e: unknown) => e instanceof WavecvError && /s1\.png.*class indices 0–2.*value 3 at pixel/.test(e.message));
  await writeGreyMask(join(plain, 'test', 'masks', 's1.png'), Array(4 * 4).fill(0), 4, 4);
  await assert.rejects(openSegmentationData(plain), (e: unknown) => e instanceof WavecvError && /^mask: got ".*s1\.png", expected the size of its image .*s1\.png \(6×5; the mask is 4×4\)/.test(e.message));
  rmSync(join(plain, 'test', 'masks', 's1.png'));
  await assert.rejects(openSegmentationData(plain), (e: unknown) => e instanceof WavecvError && /s1\.png.*the mask of/.test(e.message));
});

test('a folder of no known layout is refused listing the layouts', async () => {
  mkdirSync(join(root, 'nothing', 'pictures'), { recursive: true });
  await assert.rejects(openSegmentationData(join(root, 'nothing')), (e: unknown) => e instanceof WavecvError && /^data: .*known segmentation layout: voc .*camvid .*mask-folders/.test(e.message));
});
