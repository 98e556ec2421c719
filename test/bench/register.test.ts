// `npm run bench -- register` (bench/register.ts): its option parsing, and one
// small run end to end — one child process per model and phase, each
// reporting parameters, tf.profile's peak, the peak of the wasm heap's tensor
// buffers, the RSS increase and the time, then the ratios to WiNet. No figure
// is compared with a threshold: only that each is measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseList, parseSize } from '../../bench/register.js';

test('parseSize takes one multiple of 16 per axis and names the option when it gets anything else', () => {
  assert.deepEqual(parseSize('size3', '160x192x224', 3), [160, 192, 224]);
  assert.deepEqual(parseSize('infer-size2', '64x32', 2), [64, 32]);
  for (const bad of ['160x192', '160x192x220', '0x16x16', '16x16x16x16', '16xx16', 'sixteen'])
    assert.throws(() => parseSize('train-size3', bad, 3), new RegExp(`--train-size3: got ${bad}, expected 3 multiples of 16`));
});

test('parseList keeps the listed items and names the option and the item it does not know', () => {
  assert.deepEqual(parseList('phases', 'infer', ['train', 'infer']), ['infer']);
  assert.deepEqual(parseList('models', 'vxm-unet,winet', ['winet', 'vxm-unet']), ['vxm-unet', 'winet']);
  assert.throws(() => parseList('phases', 'train,test', ['train', 'infer']), /--phases: got test, expected a comma-separated list of train, infer/);
});

test('a small run measures each model and phase in its own process, with its own size per phase, and prints the ratios to WiNet', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/register.ts', '--dims', '3', '--train-size3', '16x16x16', '--infer-size3', '32x16x16', '--models', 'winet,vxm-unet', '--steps', '1'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = run.stdout;
  assert.match(out, /3-D training step, 16×16×16/);
  assert.match(out, /3-D inference, 32×16×16/);
  const rows = [...out.matchAll(/^(winet|vxm-unet)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$/gm)];
  assert.deepEqual(
    rows.map((r) => r[1]),
    ['winet', 'vxm-unet', 'winet', 'vxm-unet'],
    out,
  );
  for (const [, , params, profile, buffers, rss] of rows) {
    assert.ok(Number(params) > 0 && Number(profile) > 0 && Number(buffers) > 0 && Number.isFinite(Number(rss)), out);
  }
  assert.equal([...out.matchAll(/^vxm-unet \/ winet: tf.profile [\d.]+, buffers [\d.]+, RSS [\d.]+, ms [\d.]+$/gm)].length, 2, out);
});
