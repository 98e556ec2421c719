import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRegistrationSet } from '../../src/data/registration-sets.js';
import { readNifti } from '../../src/io/nifti.js';
import { initTestBackend } from '../helpers/backend.js';
import { ITK_EXAMPLES, requireSystem } from '../helpers/requirements.js';

const root = mkdtempSync(join(tmpdir(), 'wavecv-registration-set-'));
before(async () => {
  await initTestBackend();
});
after(() => rmSync(root, { recursive: true, force: true }));

test('2-D registration set from the ITK slices: pair folders, the four ITK test pairs, progress per pair', { skip: requireSystem('insighttoolkit4-examples', ITK_EXAMPLES) }, async () => {
  const out = join(root, 'set-2d');
  const calls: number[][] = [];
  const counts = await generateRegistrationSet({ dims: 2, out, train: 2, test: 1, magnitude: 3, spacing: 16, seed: 1, onProgress: (done, total) => calls.push([done, total]) });
  assert.deepEqual(counts, { train: 2, test: 5 });
  assert.deepEqual(calls, [1, 2, 3, 4, 5, 6, 7].map((done) => [done, 7]));
  assert.deepEqual(readdirSync(join(out, 'train')).sort(), ['pair0000', 'pair0001']);
  assert.deepEqual(readdirSync(join(out, 'test')).sort(), ['itk-BSplined10', 'itk-R10X13Y17', 'itk-Rotated10', 'itk-Shifted13x17y', 'synthetic0000']);
  assert.ok(existsSync(join(out, 'generator.json')));
  const fixed = readNifti(join(out, 'train', 'pair0000', 'fixed.nii.gz'));
  const moving = readNifti(join(out, 'train', 'pair0000', 'moving.nii.gz'));
  assert.deepEqual(fixed.shape, moving.shape);
  let differing = 0;
  for (let i = 0; i < fixed.data.length; i++) if (Math.abs(Number(fixed.data[i]) - Number(moving.data[i])) > 1e-3) differing++;
  assert.ok(differing > fixed.data.length / 20, `the synthetic deformation moved ${differing} of ${fixed.data.length} pixels`);
});
