// `wavecv train forgery` and `wavecv eval forgery` (src/tasks/forgery.ts) on
// a synthetic real/fake folder (labelled synthetic: "real" frames are smooth
// colour gradients, "fake" ones the same with a blended square of noise):
// a small dtn with MoE, LEVT, MAS and DSD trains through the run template,
// logs the balancing loss, the expert loads and the distillation term,
// writes its figures; the evaluation command reproduces the run's
// frame- and video-level scores and writes the ROC figure; option errors
// are one line naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/engine/random.js';
import { oneErrorLine, runCli } from '../cli/helpers.js';

const SIZE = 32;

/** A synthetic frame: a smooth gradient (seeded), and for a fake one a noisy square blended into it. */
async function writeSyntheticFrame(path: string, fake: boolean, rng: Rng): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const pixels = Buffer.alloc(SIZE * SIZE * 3);
  const base = [rng.next(), rng.next(), rng.next()].map((v) => 60 + 120 * v);
  const at = 8 + rng.int(8);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      for (let c = 0; c < 3; c++) {
        let v = base[c] + 40 * Math.sin((x + 2 * y + 7 * c) / 9);
        if (fake && x >= at && x < at + 12 && y >= at && y < at + 12) v = 0.5 * v + 0.5 * 255 * rng.next();
        pixels[(y * SIZE + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(path);
}

async function writeSyntheticSet(root: string): Promise<void> {
  const rng = new Rng(14);
  for (const split of ['train', 'test']) {
    const videos = split === 'train' ? 4 : 3;
    for (const label of ['real', 'fake']) {
      for (let v = 0; v < videos; v++) for (let f = 0; f < 3; f++) await writeSyntheticFrame(join(root, split, label, `v${v}`, `${f}.png`), label === 'fake', rng);
    }
  }
}

test('train forgery (dtn with MoE, LEVT, MAS and DSD) writes a complete run; eval forgery reproduces its scores and writes the ROC', { timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'wavecv-forgery-task-'));
  try {
    const data = join(root, 'data');
    await writeSyntheticSet(data);
    const out = join(root, 'run');
    const small = ['width=0.05', 'middleBlocks=1', 'embedDim=12', 'depth=2', 'numHeads=3'].flatMap((o) => ['--model-option', o]);
    const train = runCli(['train', 'forgery', '--data', data, '--image-size', String(SIZE), '--out', out, '--epochs', '2', '--batch-size', '8', '--experts', '3', '--top-k', '2', '--dsd', '--dsd-temperature', '3', '--ema-decay', '0.9', '--progress', 'lines', ...small]);
    assert.equal(train.status, 0, train.stderr);
    assert.match(train.stdout, /frame AUC [\d.]+, EER [\d.]+, AP [\d.]+, accuracy [\d.]+ on 18 frames; video AUC [\d.]+ on 6 videos/);
    for (const file of ['model/model.json', 'metrics.json', 'roc.png', 'loss-curve.png', 'auc-curve.png', 'log.jsonl', 'config.json']) assert.ok(existsSync(join(out, file)), file);
    const steps = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'train');
    assert.equal(steps.length, 6, '24 frames, batch 8, 2 epochs');
    for (const s of steps) {
      const loads = [0, 1, 2].map((i) => s.metrics[`aux/moe/load${i}`]);
      assert.ok(Math.abs(loads.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'expert loads sum to 1');
      assert.ok(s.metrics['aux/moe_balance'] >= 1 - 1e-6, 'balancing loss ≥ 1');
      assert.ok(s.metrics.kd >= 0 && Number.isFinite(s.metrics.ce), 'DSD terms logged (KL ≥ 0)');
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.deepEqual(config.dsd, { temperature: 3, weight: 0.5, emaDecay: 0.9 });
    assert.equal(config.trainer.ema.decay, 0.9);
    assert.equal(config.modelOptions.topK, 2);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    assert.equal(metrics.test.frames, 18);
    assert.equal(metrics.test.video.videos, 6);

    const roc = join(root, 'roc-eval.png');
    const evaluated = runCli(['eval', 'forgery', '--model', out, '--data', data, '--out', roc, '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const report = JSON.parse(evaluated.stdout);
    assert.equal(report.split, 'test');
    for (const level of ['frame', 'video'] as const) {
      for (const key of ['auc', 'eer', 'ap', 'accuracy']) assert.ok(Math.abs(report[level][key] - metrics.test[level][key]) < 1e-6, `${level} ${key}: ${report[level][key]} vs ${metrics.test[level][key]}`);
    }
    assert.ok(readFileSync(roc).subarray(1, 4).toString() === 'PNG', 'ROC figure written');

    assert.match(oneErrorLine(runCli(['train', 'forgery', '--data', data, '--out', join(root, 'bad'), '--image-size', '40'])), /^wavecv: --image-size: got 40, expected a multiple of 16/);
    assert.match(oneErrorLine(runCli(['train', 'forgery', '--data', data, '--out', join(root, 'bad2'), '--image-size', '32', '--experts', '2', '--top-k', '3', ...small])), /^wavecv: --top-k: got 3/);
    assert.match(oneErrorLine(runCli(['train', 'forgery', '--data', data, '--out', join(root, 'bad3'), '--ema-decay', '0.9'])), /^wavecv: --ema-decay: got 0\.9, expected nothing without dsd/);
    assert.match(oneErrorLine(runCli(['eval', 'forgery', '--model', out, '--data', join(data, 'test', 'real')])), /^wavecv: data: /);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
