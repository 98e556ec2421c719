// A tiny version of `npm run demo`: the same code path (two classify runs on the
// bundled subset, the robustness evaluation, demo.json and demo.png) on a few
// hundred images, one epoch and a 4-channel cnn28.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { DEMO_DATA, runDemo } from '../../src/tasks/demo.js';

const small = { epochs: 1, width: 4, trainLimit: 640, batchSize: 32, lr: 0.01, testLimit: 100, noiseSigmas: [0.1, 0.4], corruptions: ['gaussian_noise' as const], severities: [1, 5] };

test('the demo trains vanilla and haar cnn28 on the bundled subset and writes its comparison', async () => {
  await initEngine();
  const out = mkdtempSync(join(tmpdir(), 'wavecv-demo-'));
  try {
    const start = tf.memory().numTensors;
    const report = await runDemo({ ...small, out });
    assert.equal(tf.memory().numTensors, start, 'no tensors left behind');
    assert.deepEqual(report.models.map((m) => m.name), ['vanilla', 'haar']);
    assert.deepEqual(report.models.map((m) => m.wavelet), [null, 'haar']);
    for (const m of report.models) {
      assert.ok(m.clean.top1 > 0.2, `${m.name} learned something in 20 steps: ${m.clean.top1}`);
      assert.deepEqual(m.gaussianNoise.sigma, [0.1, 0.4]);
      assert.equal(m.testTop1ByEpoch.length, 1);
      assert.ok(existsSync(join(out, m.name, 'model', 'model.json')), 'classify run folder with the final model');
    }
    const json = JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8'));
    assert.equal(json.config.trainImages, 640);
    assert.equal(json.config.testImages, 100);
    assert.equal(json.models[1].name, 'haar');
    for (const name of ['demo.png', 'noise.png', 'robustness.png', 'robustness.json']) assert.ok(existsSync(join(out, name)), name);
    assert.deepEqual([...readFileSync(join(out, 'demo.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]);

    // a second demo into the same folder replaces the runs and gives the same numbers
    const again = await runDemo({ ...small, out });
    assert.deepEqual(again.models.map((m) => m.gaussianNoise.top1), report.models.map((m) => m.gaussianNoise.top1), 'same seed, same result');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the demo refuses to overwrite a folder that is not a demo run, and finds its bundled data', async () => {
  assert.ok(existsSync(join(DEMO_DATA, 'train-images-idx3-ubyte.gz')));
  const out = mkdtempSync(join(tmpdir(), 'wavecv-demo-'));
  try {
    mkdirSync(join(out, 'vanilla'));
    writeFileSync(join(out, 'vanilla', 'notes.txt'), 'mine');
    await assert.rejects(() => runDemo({ ...small, out }), (e: unknown) => e instanceof WavecvError && /out: got/.test(e.message));
    assert.ok(existsSync(join(out, 'vanilla', 'notes.txt')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
