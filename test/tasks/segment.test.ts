import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { openSegmentationData } from '../../src/data/readers.js';
import { WavecvError } from '../../src/errors.js';
import { createModel } from '../../src/models/index.js';
import { DEEPLAB_HEAD } from '../../src/models/wavesnet/deeplab.js';
import { trainSegmenter } from '../../src/tasks/segment.js';
import { evaluateSegmentation } from '../../src/tasks/segment-eval.js';
import { segmentImageFile } from '../../src/tasks/segment-image.js';
import { loadRunModel } from '../../src/train/run-folder.js';

const ROOT = new URL('../..', import.meta.url).pathname;
let root: string;

/** images/ + masks/ of 32×32 grey images: dark background (class 0) with a bright square (1) and a mid-grey bar (2). */
async function writeSquares(dir: string, n: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'masks'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const image = Buffer.alloc(32 * 32);
    const mask = Buffer.alloc(32 * 32);
    for (let p = 0; p < image.length; p++) image[p] = rng.int(40);
    const [sy, sx] = [rng.int(20), rng.int(20)];
    for (let y = sy; y < sy + 10; y++) for (let x = sx; x < sx + 10; x++) (image[y * 32 + x] = 200 + rng.int(55)), (mask[y * 32 + x] = 1);
    const by = rng.int(28);
    for (let y = by; y < by + 3; y++) for (let x = 2; x < 30; x++) if (mask[y * 32 + x] === 0) (image[y * 32 + x] = 110 + rng.int(30)), (mask[y * 32 + x] = 2);
    mask[0] = 255; // an ignored pixel
    const raw = { raw: { width: 32, height: 32, channels: 1 as const } };
    await sharp(image, raw).toColourspace('b-w').png().toFile(join(dir, 'images', `${i}.png`));
    await sharp(mask, raw).toColourspace('b-w').png().toFile(join(dir, 'masks', `${i}.png`));
  }
}

before(async () => {
  await initEngine();
  root = mkdtempSync(join(tmpdir(), 'wavecv-segment-'));
  await writeSquares(join(root, 'data', 'train'), 24, 1);
  await writeSquares(join(root, 'data', 'test'), 8, 2);
  writeFileSync(join(root, 'data', 'classes.txt'), 'background\nsquare\nbar\n');
});
after(() => rmSync(root, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });

test('train segment learns the squares (Haar U-Net, poly schedule, median-frequency weights, Dice), run folder and metadata written', async () => {
  const out = join(root, 'run');
  const outcome = await trainSegmenter({
    model: 'unet',
    modelOptions: { wavelet: 'haar', width: 4 },
    data: join(root, 'data'),
    lossOptions: { classWeights: 'median-frequency', diceWeight: 0.5 },
    epochs: 6,
    batchSize: 4,
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    schedule: { type: 'poly', power: 0.9 },
    seed: 0,
    out,
  });
  assert.equal(outcome.stopped, 'completed');
  assert.equal(outcome.steps, 36);
  const t = outcome.result.test;
  assert.ok(t.mIoU > 0.5, `test mIoU ${t.mIoU}`);
  for (const f of ['config.json', 'log.jsonl', 'metrics.json', 'model/model.json', 'training-curve.png', 'loss-curve.png']) assert.ok(existsSync(join(out, f)), f);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.task, 'segment');
  assert.equal(metrics.classWeights.length, 3);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual([config.loss, config.lossOptions, config.headLrMultiplier, config.trainer.parameterGroups], ['cross-entropy', { classWeights: 'median-frequency', diceWeight: 0.5 }, 1, undefined]);
  const logged = JSON.parse(readFileSync(join(out, 'log.jsonl'), 'utf8').split('\n')[0]);
  assert.deepEqual(Object.keys(logged.metrics).sort(), ['crossEntropy', 'dice', 'pixelAccuracy']);
  const meta = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')).userDefinedMetadata;
  assert.equal(JSON.stringify(meta).includes('"palette"'), true, 'palette recorded for wavecv segment');

  // eval segment --json reads the same scores back; --out adds the confusion matrix figure and its vega-lite spec
  const evaluated = cli('eval', 'segment', '--model', out, '--data', join(root, 'data'), '--json', '--out', join(root, 'eval'));
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.match(evaluated.stderr, /^images (\d+)\/\1$/m, 'progress lines on stderr (not a terminal), ending at the total');
  const report = JSON.parse(evaluated.stdout);
  for (const key of ['pixelAccuracy', 'meanClassAccuracy', 'mIoU', 'fwIoU', 'boundaryF1']) assert.ok(Math.abs(report[key] - (t as unknown as Record<string, number>)[key]) < 1e-9, key);
  assert.equal(report.perClassIoU.length, 3);
  assert.equal(report.confusionMatrix, join(root, 'eval', 'confusion-matrix.png'));
  assert.equal((await sharp(report.confusionMatrix).metadata()).format, 'png');
  const cells = JSON.parse(readFileSync(join(root, 'eval', 'confusion-matrix.vl.json'), 'utf8')).data.values;
  assert.equal(cells.length, 9, 'a cell per (true, predicted) class pair');
  assert.equal(cells.reduce((s: number, c: { count: number }) => s + c.count, 0), report.pixels, 'the counts cover every scored pixel');
  const { model, metadata } = await loadRunModel(out, 'segment');
  const data = await openSegmentationData(join(root, 'data'));
  const noisy = await evaluateSegmentation(model, data.test!, { normalization: metadata.preprocessing.normalization, noiseSigma: 0.3, seed: 1 });
  model.dispose();
  assert.ok(noisy.scores.pixelAccuracy !== report.pixelAccuracy, 'noise changes the result');

  // segment: an odd-sized image larger than the training size, mask in the palette, overlay
  const big = join(root, 'big.png');
  await sharp({ create: { width: 45, height: 37, channels: 3, background: { r: 20, g: 20, b: 20 } } })
    .composite([{ input: { create: { width: 12, height: 12, channels: 3, background: { r: 230, g: 230, b: 230 } } }, left: 20, top: 15 }])
    .png()
    .toFile(big);
  const counts = await segmentImageFile({ model: out, image: big, out: join(root, 'mask.png'), overlay: join(root, 'overlay.png') });
  assert.equal(counts.width, 45);
  const mask = await sharp(join(root, 'mask.png')).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([mask.info.width, mask.info.height], [45, 37]);
  const overlay = await sharp(join(root, 'overlay.png')).metadata();
  assert.deepEqual([overlay.width, overlay.height], [45, 37]);
  assert.ok(counts.counts[1] > 40, `the bright square is found (${counts.counts[1]} px)`);
});

test('the CLI trains; a resume that changes the wavelet is refused naming the flag; a folder of no known layout is refused', () => {
  const out = join(root, 'cli-run');
  const base = ['train', 'segment', '--model', 'segnet', '--model-option', 'width=2', '--data', join(root, 'data'), '--epochs', '1', '--batch-size', '8', '--out', out, '--progress', 'lines'];
  const first = cli(...base, '--json');
  assert.equal(first.status, 0, first.stderr);
  const outcome = JSON.parse(first.stdout);
  assert.equal(outcome.steps, 3, 'train segment --json: the outcome');
  assert.ok(outcome.result.test.mIoU >= 0 && outcome.result.test.mIoU <= 1);
  const changed = cli(...base, '--wavelet', 'haar', '--resume');
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /^wavecv: --wavelet/m);
  const noLayout = cli('train', 'segment', '--model', 'unet', '--data', join(root, 'nowhere'), '--out', join(root, 'x'));
  assert.equal(noLayout.status, 2);
  assert.match(noLayout.stderr, /^wavecv: --data: .*known segmentation layout/m);
  assert.doesNotMatch(noLayout.stderr, /\n\s+at /, 'no stack trace');
});

test('deeplabv3plus trains its head (ASPP + decoder) at 10× the learning rate by default, the backbone at the base rate; --head-lr-multiplier changes it, and a model without a head refuses it', async () => {
  const out = join(root, 'deeplab');
  const outcome = await trainSegmenter({
    model: 'deeplabv3plus',
    modelOptions: { width: 2, backbone: 'resnet50' },
    data: join(root, 'data'),
    loss: 'dice',
    epochs: 1,
    batchSize: 8,
    trainLimit: 8,
    testLimit: 2,
    optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9 },
    seed: 0,
    out,
  });
  assert.equal(outcome.steps, 1);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  const [head, rest] = config.trainer.parameterGroups as Array<{ name: string; lrMultiplier: number; variables: number }>;
  assert.deepEqual([head.name, head.lrMultiplier, rest.name, rest.lrMultiplier], ['head', 10, 'default', 1]);
  // The head is every weight outside the ResNet encoder: ASPP (5 conv-BN branches + projection), decoder (low-level, 2 convs), classifier.
  const model = createModel('deeplabv3plus', { width: 2, backbone: 'resnet50', numClasses: 3, inChannels: 3, inputSize: 32 });
  const names = model.trainableWeights.map((w) => w.originalName);
  const inHead = names.filter((n) => DEEPLAB_HEAD.select.test(n));
  assert.equal(head.variables, inHead.length);
  assert.ok(inHead.every((n) => /^(aspp|decoder|classifier)/.test(n)) && names.filter((n) => !DEEPLAB_HEAD.select.test(n)).every((n) => /^(stem|layer\d_\d)/.test(n)), 'head = not the encoder');
  model.dispose();
  assert.equal(JSON.parse(readFileSync(join(out, 'log.jsonl'), 'utf8').split('\n')[0]).metrics.pixelAccuracy >= 0, true);
  await assert.rejects(
    trainSegmenter({ model: 'segnet', data: join(root, 'data'), headLrMultiplier: 10, epochs: 1, optimizer: { type: 'sgd', lr: 0.01 }, seed: 0, out: join(root, 'never') }),
    (e: unknown) => e instanceof WavecvError && /^headLrMultiplier: got 10, expected 1 or nothing for segnet, which declares no head/.test(e.message),
  );
  assert.ok(!existsSync(join(root, 'never')));
});
