// `wavecv dwt` and `wavecv wavelets`: the subband mosaic (layout as pywt's
// coeffs_to_array, band scaling), the bundled default image, and the errors
// for unknown wavelets, bad modes, unreadable images and too-deep levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { DEFAULT_IMAGE } from '../../src/cli/commands/dwt.js';
import { dwtMosaic } from '../../src/wavelets/mosaic.js';
import { waveletListing } from '../../src/cli/commands/wavelets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const is = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);

test('the mosaic is laid out by coeffsToArray (pywt coeffs_to_array): approximation top-left, cH below, cV right, cD diagonal, coarsest first', async () => {
  await initEngine();
  const before = tf.memory().numTensors;
  const image = tf.randomUniform([27, 20, 1], 0, 1, 'float32', 1) as tf.Tensor3D;
  const { mosaic } = dwtMosaic(image, { wave: 'db2', level: 2, mode: 'symmetric' });
  // pywt 1.1.1: coeffs_to_array(wavedec2(x[27×20], 'db2', 'symmetric', level=2)) has shape (33, 25) and slices
  // a [:9, :7]; level 2: da [9:18, :7], ad [:9, 7:14], dd [9:18, 7:14]; level 1: da [18:33, :11], ad [:15, 14:25], dd [18:33, 14:25]
  assert.deepEqual(mosaic.shape, [33, 25, 1]);
  const values = tf.tidy(() => tf.squeeze(mosaic, [2]).arraySync() as number[][]);
  const box = (r0: number, r1: number, c0: number, c1: number) => values.slice(r0, r1).flatMap((row) => row.slice(c0, c1));
  const approximation = box(0, 9, 0, 7);
  assert.equal(Math.min(...approximation), 0, 'approximation scaled min–max');
  assert.equal(Math.max(...approximation), 1);
  for (const [r0, r1, c0, c1] of [[9, 18, 0, 7], [0, 9, 7, 14], [9, 18, 7, 14], [18, 33, 0, 11], [0, 15, 14, 25], [18, 33, 14, 25]]) {
    assert.equal(Math.max(...box(r0, r1, c0, c1)), 1, `detail band at rows ${r0}–${r1}, cols ${c0}–${c1} reaches its 99.5th percentile`);
  }
  assert.ok(box(15, 18, 14, 25).every((v) => v === 0), 'cells no band covers stay black');
  tf.dispose([image, mosaic]);
  assert.equal(tf.memory().numTensors, before);
});

test('dwtMosaic: min–max approximation, zero details for a constant image, per-channel colour, no tensors left', async () => {
  await initEngine();
  const before = tf.memory().numTensors;
  const flat = tf.fill([16, 12, 1], 0.25) as tf.Tensor3D;
  const { mosaic, levels } = dwtMosaic(flat, { wave: 'haar', level: 2, mode: 'periodization' });
  assert.deepEqual(mosaic.shape, [16, 12, 1]);
  assert.deepEqual(levels, [
    { level: 2, shape: [4, 3] },
    { level: 1, shape: [8, 6] },
  ]);
  const values = mosaic.dataSync();
  // details of a constant image vanish; the (constant) approximation maps to 0 as well
  assert.ok(values.every((v) => v === 0));
  const ramp = tf.tensor3d(Float32Array.from({ length: 8 * 8 * 3 }, (_, i) => (i % 3) + Math.floor(i / 24)), [8, 8, 3]);
  const colour = dwtMosaic(ramp, { wave: 'db1', level: 1, mode: 'periodization' });
  const [low, high, top] = tf.tidy(() => {
    const approx = tf.slice(colour.mosaic, [0, 0, 0], [4, 4, 3]);
    return [tf.min(approx, [0, 1]).arraySync(), tf.max(approx, [0, 1]).arraySync(), tf.max(colour.mosaic).arraySync()];
  });
  assert.deepEqual(low, [0, 0, 0]);
  assert.deepEqual(high, [1, 1, 1]);
  assert.ok((top as number) <= 1);
  tf.dispose([flat, mosaic, ramp, colour.mosaic]);
  assert.equal(tf.memory().numTensors, before);
});

test('dwtMosaic errors: unknown wavelet, bad mode, level above dwtMaxLevel or below 1', async () => {
  await initEngine();
  const image = tf.zeros([40, 30, 1]) as tf.Tensor3D;
  assert.throws(() => dwtMosaic(image, { wave: 'sym99', level: 1, mode: 'periodization' }), is(/wave: got "sym99"/));
  assert.throws(() => dwtMosaic(image, { wave: 'db2', level: 1, mode: 'wrap' }), is(/mode: got "wrap", expected one of zero/));
  assert.throws(() => dwtMosaic(image, { wave: 'db2', level: 4, mode: 'periodization' }), is(/level: got 4, expected an integer from 1 to 3 \(dwtMaxLevel of a 40×30 image with db2/));
  assert.throws(() => dwtMosaic(image, { wave: 'db2', level: 0, mode: 'periodization' }), is(/level: got 0/));
  const tiny = tf.zeros([4, 4, 1]) as tf.Tensor3D;
  assert.throws(() => dwtMosaic(tiny, { wave: 'db4', level: 1, mode: 'periodization' }), is(/too small for one level of db4/));
  tf.dispose([image, tiny]);
});

test('wavecv wavelets lists pywt names, all or by family, and rejects unknown families', () => {
  const db = waveletListing('db').split('\n');
  assert.equal(db.length, 38);
  assert.equal(db[0], 'db1');
  assert.deepEqual(JSON.parse(waveletListing('haar', true)), ['haar']);
  const all = JSON.parse(waveletListing(undefined, true)) as Record<string, string[]>;
  assert.deepEqual(Object.keys(all), ['haar', 'db', 'sym', 'coif', 'bior', 'rbio', 'dmey']);
  assert.equal(Object.values(all).flat().length, 106); // pywt.wavelist(kind='discrete')
  assert.match(waveletListing(), /^bior: bior1\.1 bior1\.3 .* bior6\.8$/m);
  assert.throws(() => waveletListing('daubechies'), is(/family: got "daubechies", expected one of haar, db/));
});

test('the wavecv dwt command: bundled image by default writes the mosaic PNG; bad input exits 2 with the message', async () => {
  assert.ok(existsSync(DEFAULT_IMAGE), DEFAULT_IMAGE);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-dwt-'));
  try {
    const out = join(dir, 'subbands.png');
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
    const run = cli('dwt', '--wave', 'db2', '--level', '2', '--mode', 'periodization', '--out', out);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /chelsea\.png: 300×451, luminance, db2, periodization, 2 levels/);
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels], [452, 300, 1]);
    const bad = cli('dwt', join(ROOT, 'package.json'), '--out', join(dir, 'x.png'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^wavecv: image: got ".*package\.json", expected a readable image file/);
    assert.ok(!existsSync(join(dir, 'x.png')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
