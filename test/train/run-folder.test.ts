import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { classifierFromModel } from '../../src/attacks/index.js';
import { openClassificationData } from '../../src/data/readers.js';
import { initEngine } from '../../src/engine/backend.js';
import { WavecvError } from '../../src/errors.js';
import { countTopK } from '../../src/metrics/classification.js';
import { decisionThreshold, loadFaceModel } from '../../src/tasks/face-inference.js';
import { checkResumeDefinition, firstDifference } from '../../src/train/run.js';
import { checkRunFolder, loadRunModel, parseModelMetadata, readModelMetadata, removeStaleStaging, resolveModelDir, updateModelMetadata } from '../../src/train/run-folder.js';

/** Run folders written by the version before the typed metadata (scripts/gen_run_v1_fixture.sh). */
const V1 = new URL('../fixtures/run-v1/', import.meta.url).pathname;

test('models saved in the first metadata format load with typed metadata (classify and face)', async () => {
  const classify = readModelMetadata(join(V1, 'classify'));
  assert.equal(classify.task, 'classify');
  assert.deepEqual(classify.model, { name: 'cnn28', options: { width: 2, wavelet: 'haar', numClasses: 4, inChannels: 1, inputSize: 16 } });
  assert.deepEqual(classify.preprocessing.inputShape, [16, 16, 1]);
  assert.deepEqual(classify.classNames, ['0', '1', '2', '3']);
  assert.deepEqual(classify.training, { steps: 4, seed: 3, engine: 'wasm' });
  assert.deepEqual(classify.thresholds, {});
  const face = readModelMetadata(join(V1, 'face', 'model'));
  assert.equal(face.task, 'face');
  assert.equal(face.model.name, 'iresnet-tiny');
  assert.deepEqual(face.preprocessing.normalization, { mean: [0.5], std: [0.5] });
  assert.deepEqual(face.extension, { loss: 'uce', flip: false });
  assert.equal(face.thresholds.learned.source, 'learned unified bias of uce (t = b/s)');
});

test('an old classify run folder reproduces its recorded test accuracy with the preprocessing read from its metadata', async () => {
  await initEngine();
  const { model, metadata, dir } = await loadRunModel(join(V1, 'classify'), 'classify');
  try {
    assert.equal(dir, join(V1, 'classify', 'model'));
    const data = await openClassificationData(join(V1, 'data'));
    const batch = await data.test!.getBatch(Array.from({ length: data.test!.length }, (_, i) => i));
    const classifier = classifierFromModel(model, metadata.preprocessing.normalization);
    const x = tf.tensor4d(batch.image.data as Float32Array, batch.image.shape as [number, number, number, number]);
    const logits = classifier(x);
    const top1 = await countTopK(logits, Int32Array.from(batch.label.data), 1) / data.test!.length;
    tf.dispose([x, logits]);
    const recorded = JSON.parse(readFileSync(join(V1, 'classify', 'metrics.json'), 'utf8'));
    assert.equal(top1, recorded.test.top1);
  } finally {
    model.dispose();
  }
  await assert.rejects(loadRunModel(join(V1, 'classify'), 'face'), (e: unknown) => e instanceof WavecvError && /^model: .*train face/.test(e.message));
});

test('an old face model gives its learned threshold, and a metadata update rewrites it in the current format atomically', async () => {
  await initEngine();
  const { model, metadata } = await loadFaceModel(join(V1, 'face'));
  model.dispose();
  const learned = JSON.parse(readFileSync(join(V1, 'face', 'metrics.json'), 'utf8')).learnedThreshold;
  assert.deepEqual(decisionThreshold(metadata), { threshold: learned, source: 'learned unified bias of uce (t = b/s)' });
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-run-folder-'));
  try {
    cpSync(join(V1, 'face'), dir, { recursive: true });
    updateModelMetadata(dir, (m) => ({ ...m, thresholds: { ...m.thresholds, verification: { value: 0.25, source: 'test' } } }));
    const raw = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8')).userDefinedMetadata;
    assert.equal(raw.format, 'wavecv-model');
    assert.equal(raw.version, 2);
    assert.equal(raw.thresholds.learned.value, learned);
    assert.deepEqual(raw.thresholds.verification, { value: 0.25, source: 'test' });
    assert.deepEqual(raw.extension, { loss: 'uce', flip: false });
    assert.deepEqual(readModelMetadata(dir), raw);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad metadata and model paths are refused by name', () => {
  assert.throws(() => resolveModelDir('/nonexistent/run'), (e: unknown) => e instanceof WavecvError && /^model: got "\/nonexistent\/run"/.test(e.message));
  assert.throws(() => parseModelMetadata(undefined, 'm/model.json'), (e: unknown) => e instanceof WavecvError && /^m\/model.json: got undefined/.test(e.message));
  const good = readModelMetadata(join(V1, 'classify'));
  assert.throws(
    () => parseModelMetadata({ ...good, preprocessing: { inputShape: [16, 16, 1], normalization: { mean: [0.1, 0.2], std: [1, 1] } } }, 'm'),
    (e: unknown) => e instanceof WavecvError && /^m normalization/.test(e.message),
  );
  assert.throws(() => parseModelMetadata({ ...good, version: 3 }, 'm'), (e: unknown) => e instanceof WavecvError && /^m metadata version: got 3/.test(e.message));
});

test('the run folder: a file as out or as checkpoints/ is refused; stale staging folders of dead processes are removed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-run-folder-'));
  try {
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(() => checkRunFolder('file', join(dir, 'file'), false), (e: unknown) => e instanceof WavecvError && /^out: got "file", expected a folder/.test(e.message));
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'checkpoints'), 'x');
    assert.throws(() => checkRunFolder('run', run, true), (e: unknown) => e instanceof WavecvError && /^out: got "run\/checkpoints", expected a folder of checkpoints/.test(e.message));
    rmSync(join(run, 'checkpoints'));
    // A PID that is certainly gone: a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.pid'], { encoding: 'utf8' }).pid!;
    const stale = [join(run, `model.saving-${dead}`), join(run, `model.old-${dead}`), join(run, 'checkpoints', `.step-00000004.writing-${dead}`)];
    const alive = [join(run, `model.saving-${process.pid}`), join(run, 'checkpoints', `.step-00000008.writing-${process.pid}`), join(run, 'checkpoints', 'step-00000002')];
    for (const d of [...stale, ...alive]) mkdirSync(d, { recursive: true });
    assert.deepEqual(removeStaleStaging(run).sort(), stale.sort());
    for (const d of stale) assert.ok(!existsSync(d), d);
    for (const d of alive) assert.ok(existsSync(d), d);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resume definitions: the first differing key is named; keys a run did not record are not compared', () => {
  assert.equal(firstDifference({ a: 1, b: { c: [1, 2], d: 'x' } }, { a: 1, b: { c: [1, 2], d: 'x' } }), undefined);
  assert.equal(firstDifference({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }), 'b.c');
  assert.equal(firstDifference({ m: { wavelet: 'haar' } }, { m: {} }), 'm.wavelet');
  const recorded = { model: 'cnn28', modelOptions: { width: 2 }, trainLimit: 100, testLimit: null };
  checkResumeDefinition({ model: 'cnn28', modelOptions: { width: 2 }, trainLimit: 100, testLimit: undefined, newKey: 3 }, recorded, 'c.json');
  assert.throws(
    () => checkResumeDefinition({ model: 'cnn28', modelOptions: { width: 2 }, trainLimit: 100, testLimit: 10 }, recorded, 'c.json'),
    (e: unknown) => e instanceof WavecvError && e.argument === 'testLimit' && /got 10, expected nothing as in the run/.test(e.message),
  );
  assert.throws(
    () => checkResumeDefinition({ model: 'cnn28', modelOptions: { width: 2, wavelet: 'haar' }, trainLimit: 100 }, recorded, 'c.json'),
    (e: unknown) => e instanceof WavecvError && e.argument === 'modelOptions.wavelet' && /got "haar", expected nothing as in the run being resumed \(c.json\)/.test(e.message),
  );
  assert.throws(
    () => checkResumeDefinition({ model: 'cnn28', modelOptions: { width: 2 }, trainLimit: 50 }, recorded, 'c.json'),
    (e: unknown) => e instanceof WavecvError && e.argument === 'trainLimit' && /got 50, expected 100 as in the run/.test(e.message),
  );
  assert.throws(
    () => checkResumeDefinition({ model: 'cnn28', modelOptions: { width: 2 }, trainLimit: undefined }, recorded, 'c.json'),
    (e: unknown) => e instanceof WavecvError && e.argument === 'trainLimit',
  );
});
