import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
/** A 16×16 grey IDX set of 4 classes (synthetic; scripts/gen_run_v1_fixture.sh). */
const DATA = join(ROOT, 'test/fixtures/run-v1/data');

function wavecv(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** The last line of stderr, which must be the one-line error. */
const lastLine = (stderr: string) => stderr.trim().split('\n').at(-1) ?? '';

test('train commands name the flag the user typed, refuse options the loss does not take, and write nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-train-errors-'));
  try {
    const out = join(dir, 'never');
    const face = ['train', 'face', '--backbone', 'iresnet-tiny', '--data', DATA, '--out', out];
    const runs = await Promise.all([
      wavecv(['train', 'classify', '--model', 'cnn28', '--wavelet', 'haarx', '--data', DATA, '--out', out]),
      wavecv([...face, '--loss', 'softmax', '--margin', '0.3']),
      wavecv([...face, '--loss', 'cosface', '--loss-option', 'foo=1']),
      wavecv([...face, '--loss', 'cosface', '--margin', '0.3', '--loss-option', 'margin=0.2']),
      wavecv([...face, '--loss', 'cosface', '--classes', '0-1', '--open-set', '1-2']),
      wavecv(['train', 'classify', '--model', 'cnn28', '--data', DATA, '--loss-option', 'labelSmoothing=1', '--out', out]),
    ]);
    const expected = [
      /^wavecv: --wavelet: got "haarx", expected a discrete wavelet name/,
      /^wavecv: --margin: got 0\.3, expected no such option for loss softmax, which takes scale$/,
      /^wavecv: --loss-option foo: got 1, expected no such option for loss cosface, which takes scale, margin$/,
      /^wavecv: --margin: got 0\.3, expected no --loss-option margin as well/,
      /^wavecv: --open-set: got 1, expected classes not used in training$/,
      /^wavecv: --loss-option labelSmoothing: got 1, expected a number in \[0, 1\)$/,
    ];
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, r.stderr);
      assert.match(lastLine(r.stderr), expected[i]);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
    assert.ok(!existsSync(out), 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train segment, segment3d and register take --loss and --loss-option like classify and face: options the loss does not take are refused naming the flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-train-errors-'));
  try {
    const out = join(dir, 'never');
    const data = join(dir, 'no-data');
    const runs = await Promise.all([
      wavecv(['train', 'segment', '--model', 'unet', '--data', data, '--loss', 'dice', '--dice-weight', '0.5', '--out', out]),
      wavecv(['train', 'segment', '--model', 'unet', '--data', data, '--loss-option', 'smooth=2', '--out', out]),
      wavecv(['train', 'segment', '--model', 'segnet', '--data', data, '--head-lr-multiplier', '10', '--out', out]),
      wavecv(['train', 'segment3d', '--data', data, '--loss', 'focal', '--out', out]),
      wavecv(['train', 'segment3d', '--data', data, '--loss', 'dice', '--loss-option', 'classWeights=[1,5]', '--out', out]),
      wavecv(['train', 'register', '--data', data, '--loss', 'mse', '--window', '5', '--out', out]),
      wavecv(['train', 'register', '--data', data, '--loss', 'ncc', '--similarity', 'mse', '--out', out]),
      wavecv(['train', 'register', '--data', data, '--model', 'winet', '--start-channels', '0', '--out', out]),
    ]);
    const expected = [
      /^wavecv: --dice-weight: got 0\.5, expected no such option for loss dice, which takes smooth$/,
      /^wavecv: --loss-option smooth: got 2, expected no such option for loss cross-entropy, which takes classWeights, diceWeight$/,
      /^wavecv: --head-lr-multiplier: got 10, expected 1 or nothing for segnet, which declares no head \(deeplabv3plus does\)$/,
      /^wavecv: --loss: got "focal", expected one of cross-entropy, dice$/,
      /^wavecv: --loss-option classWeights: got \[1, 5\], expected no such option for loss dice, which takes smooth$/,
      /^wavecv: --window: got 5, expected no such option for loss mse, which takes lambda, penalty$/,
      /^wavecv: similarity: got "mse", expected nothing when --loss is given/,
      /^wavecv: start-channels: got "0", expected a positive integer$/,
    ];
    runs.forEach((r, i) => {
      assert.notEqual(r.code, 0, r.stderr);
      assert.match(lastLine(r.stderr), expected[i]);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
    assert.ok(!existsSync(out), 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--resume refuses to change the run (another --wavelet, --train-limit) and keeps its files; checkpoints/ as a file is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-train-errors-'));
  try {
    const out = join(dir, 'run');
    const args = ['train', 'classify', '--model', 'cnn28', '--model-option', 'width=2', '--data', DATA, '--epochs', '1', '--batch-size', '16', '--progress', 'lines', '--out', out];
    const first = await wavecv([...args, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const result = JSON.parse(first.stdout);
    assert.equal(result.stopped, 'completed');
    assert.ok(result.test.top1 >= 0 && result.test.top1 <= 1, 'train classify --json: the test accuracy');
    const weights = readFileSync(join(out, 'model', 'weights.bin'));
    const metrics = readFileSync(join(out, 'metrics.json'));
    const [wavelet, limit] = await Promise.all([wavecv([...args, '--resume', '--wavelet', 'haar']), wavecv([...args, '--resume', '--train-limit', '20'])]);
    assert.equal(wavelet.code, 2);
    assert.match(lastLine(wavelet.stderr), /^wavecv: --wavelet: got "haar", expected nothing as in the run being resumed \(.*config\.json\): a resumed run must not change its settings/);
    assert.equal(limit.code, 2);
    assert.match(lastLine(limit.stderr), /^wavecv: --train-limit: got 20, expected nothing as in the run being resumed/);
    assert.deepEqual(readFileSync(join(out, 'model', 'weights.bin')), weights);
    assert.deepEqual(readFileSync(join(out, 'metrics.json')), metrics);
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'checkpoints'), 'not a folder');
    const broken = await wavecv([...args.slice(0, -1), other, '--resume']);
    assert.equal(broken.code, 2);
    assert.match(lastLine(broken.stderr), /^wavecv: --out: got ".*other\/checkpoints", expected a folder of checkpoints \(it is a file\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
