import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { FaceDetector } from '../../src/data/faces/detect.js';
import { generateSelfBlendedForgeries } from '../../src/data/forgery/generate.js';
import { openForgeryData } from '../../src/data/readers.js';

// A real photo (three faces) that ships in the npm package @vladmandic/face-api (MIT; photos by its author).
const sample = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');

test('generate forgeries: every face of a real photo as real/fake crop pairs, readable as forgery data, identical for one seed', async () => {
  await initEngine();
  const detector = await FaceDetector.load();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-sbi-'));
  try {
    mkdirSync(join(dir, 'photos'));
    symlinkSync(sample, join(dir, 'photos', 'sample1.jpg'));
    const calls: number[][] = [];
    const result = await generateSelfBlendedForgeries(join(dir, 'photos'), join(dir, 'a'), detector, { variants: 2, size: 48, seed: 5, onProgress: (done, total) => calls.push([done, total]) });
    assert.deepEqual(calls, [[1, 1]], 'progress after the photo');
    assert.equal(result.faces.length, 3);
    assert.equal(result.photos, 1);
    const data = await openForgeryData(join(dir, 'a'));
    assert.equal(data.train.length, 12);
    assert.deepEqual(data.train.imageShape, [48, 48, 3]);
    assert.deepEqual(data.train.videos, ['fake/sample1_f0', 'fake/sample1_f1', 'fake/sample1_f2', 'real/sample1_f0', 'real/sample1_f1', 'real/sample1_f2']);
    const manifest = JSON.parse(readFileSync(join(dir, 'a', 'generator.json'), 'utf8'));
    assert.equal(manifest.settings.seed, 5);
    assert.equal(manifest.faces.length, 3);
    // the fake differs from its real twin; the same seed writes the same bytes
    const fake = readFileSync(join(dir, 'a', 'fake', 'sample1_f0', '0.png'));
    assert.notDeepEqual(fake, readFileSync(join(dir, 'a', 'real', 'sample1_f0', '0.png')));
    const again = await generateSelfBlendedForgeries(join(dir, 'photos'), join(dir, 'b'), detector, { variants: 1, size: 48, seed: 5 });
    assert.equal(again.faces.length, 3);
    assert.deepEqual(readFileSync(join(dir, 'b', 'fake', 'sample1_f0', '0.png')), fake);
    assert.deepEqual(readdirSync(join(dir, 'b', 'real', 'sample1_f2')), ['0.png']);
    await assert.rejects(generateSelfBlendedForgeries(join(dir, 'photos'), join(dir, 'a'), detector), (e: unknown) => e instanceof WavecvError && /^out/.test(e.message));
    await assert.rejects(generateSelfBlendedForgeries(join(dir, 'photos'), join(dir, 'c'), detector, { minFaceSize: 5000 }), (e: unknown) => e instanceof WavecvError && /at least one face/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
