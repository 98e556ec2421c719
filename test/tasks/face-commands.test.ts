import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { initEngine } from '../../src/engine/backend.js';
import { saveModel } from '../../src/io/model-io.js';
import { createModel } from '../../src/models/index.js';
import { decisionThreshold, evaluateVerification, loadFaceModel } from '../../src/tasks/face-inference.js';
import { runCli } from '../cli/helpers.js';
import { explainFace, heatColor } from '../../src/tasks/face-explain.js';
import { WavecvError } from '../../src/errors.js';

const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
const fixtures = new URL('../fixtures/faces/', import.meta.url).pathname;

/**
 * An untrained tiny RGB face model with face metadata (enough to exercise the
 * commands), written in the first metadata format (flat keys): the commands
 * read it through the compatibility reader, and `--store-threshold` rewrites
 * it in the current format.
 */
async function tinyFaceModel(dir: string, threshold: number | null): Promise<string> {
  const model = createModel('iresnet-tiny', { inputSize: 32, widths: [8, 16], embeddingSize: 16, seed: 4 });
  const metadata = {
    task: 'face',
    backbone: 'iresnet-tiny',
    modelOptions: { inputSize: 32 },
    loss: threshold === null ? 'cosface' : 'uss',
    threshold,
    thresholdSource: threshold === null ? null : 'test',
    inputShape: [32, 32, 3],
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    flip: true,
    classNames: ['a', 'b'],
    trainedSteps: 0,
    seed: 4,
  };
  model.setUserDefinedMetadata(metadata);
  await saveModel(model, join(dir, 'model'));
  model.dispose();
  return dir;
}

test('eval verification on an insightface .bin and on a pairs list; --store-threshold feeds verify', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-evalv-'));
  try {
    await tinyFaceModel(dir, null);
    const r = await evaluateVerification({ model: dir, pairs: join(fixtures, 'tiny_py2.bin'), out: join(dir, 'out'), storeThreshold: true });
    assert.equal(r.pairs.count, 2);
    assert.equal(r.pairs.images, 4);
    assert.equal(r.learnedThreshold, null);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'verification.json'), 'utf8'));
    assert.equal(report.folds.length, 2, 'one fold per pair below 10 pairs');
    // The command: --json prints the same report as one object; progress goes to stderr (not a terminal: lines).
    const cli = runCli(['eval', 'verification', '--model', dir, '--pairs', join(fixtures, 'tiny_py2.bin'), '--out', join(dir, 'out-cli'), '--json']);
    assert.equal(cli.status, 0, cli.stderr);
    const printed = JSON.parse(cli.stdout);
    assert.deepEqual([printed.pairs, printed.accuracy, printed.auc], [report.pairs, report.accuracy, report.auc]);
    assert.match(cli.stderr, /^images embedded 4\/4$/m);
    assert.ok(existsSync(join(dir, 'out', 'roc.png')));
    const { metadata, model } = await loadFaceModel(dir);
    model.dispose();
    assert.deepEqual(decisionThreshold(metadata), { threshold: r.bestThreshold, source: `best threshold of eval verification on ${join(fixtures, 'tiny_py2.bin')}` });
    assert.equal(decisionThreshold(metadata, 0.3).threshold, 0.3);
    // A pairs list over image files (generic "a b label" lines, 20 pairs for 10 folds).
    const imgs = join(dir, 'imgs');
    for (let i = 0; i < 4; i++) await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 60 * i, g: 30, b: 200 - 40 * i } } }).png().toFile(`${imgs}-${i}.png`);
    const lines = Array.from({ length: 20 }, (_, k) => `imgs-${k % 4}.png imgs-${(k + 1 + (k % 2)) % 4}.png ${k % 2}`);
    writeFileSync(join(dir, 'pairs.txt'), lines.join('\n'));
    const calls: Array<[number, number]> = [];
    const list = await evaluateVerification({ model: dir, pairs: join(dir, 'pairs.txt'), out: join(dir, 'out2'), batchSize: 3, onProgress: (done, total) => calls.push([done, total]) });
    assert.deepEqual(calls, [[3, 4], [4, 4]], 'progress after each batch of embedded images');
    assert.equal(list.pairs.count, 20);
    assert.equal(list.pairs.images, 4);
    assert.equal(list.folds.length, 10);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model without any threshold makes verify ask for one', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-thr-'));
  try {
    await tinyFaceModel(dir, null);
    const { metadata, model } = await loadFaceModel(dir);
    model.dispose();
    assert.throws(() => decisionThreshold(metadata), (e: unknown) => e instanceof WavecvError && /^threshold/.test(e.message));
    await assert.rejects(loadFaceModel(join(dir, 'nowhere')), (e: unknown) => e instanceof WavecvError && /^model/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explain: channel maps over the detected, aligned face of a sample photo', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-explain-'));
  try {
    await tinyFaceModel(dir, 0.4);
    const r = await explainFace({ model: dir, image: join(demo, 'sample1.jpg'), out: join(dir, 'maps.png'), channels: 5, tile: 64 });
    assert.equal(r.layer, 'stage2', 'the deepest stage of at least 7×7');
    assert.deepEqual(r.mapSize, [8, 8]);
    assert.ok(r.shown.length > 0 && r.shown.length <= 5);
    assert.ok(r.face !== null && r.face.score > 0.5);
    const meta = await sharp(join(dir, 'maps.png')).metadata();
    const tiles = r.shown.length + 1;
    const cols = Math.ceil(Math.sqrt(tiles));
    assert.equal(meta.width, cols * 64);
    assert.deepEqual(heatColor(0), [0, 0, 127.5]);
    assert.deepEqual(heatColor(1), [127.5, 0, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wavecv verify --json: detect, align, embed two sample photos and decide against the stored threshold', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-verify-'));
  try {
    await initEngine();
    await tinyFaceModel(dir, 0.25);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', join(demo, 'sample1.jpg'), join(demo, 'sample1.jpg'), '--model', dir, '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.threshold, 0.25);
    assert.ok(Math.abs(out.similarity - 1) < 1e-4, `the same photo twice: similarity ${out.similarity}`);
    assert.equal(out.decision, 'same');
    assert.equal(out.faces.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
