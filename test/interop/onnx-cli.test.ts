// PyTorch → wavecv → ONNX: the checkpoints of scripts/gen_pytorch_import_fixtures.py
// and scripts/gen_pytorch_import_families.py imported into run folders
// (classify, face, segment) and exported by `wavecv export`; onnxruntime-node
// then gives PyTorch's outputs to 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import '../../src/models/index.js';
import { importRun } from '../../src/interop/import-run.js';
import { exportOnnx } from '../../src/interop/export-onnx.js';
import { oneErrorLine, runCli } from '../cli/helpers.js';
import { createModel } from '../../src/models/registry.js';
import { saveModel } from '../../src/io/model-io.js';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, setModelMetadata } from '../../src/train/run-folder.js';
import { decode, families, fixture, path, type ImportCase } from './helpers.js';

async function onnxVsPytorch(file: string, c: ImportCase): Promise<number> {
  const session = await ort.InferenceSession.create(file);
  const x = tf.tidy(() => tf.transpose(decode(c.input!), [0, 3, 1, 2]));
  const out = (await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) }))[session.outputNames[0]];
  x.dispose();
  await session.release();
  return tf.tidy(() => {
    let y = tf.tensor(out.data as Float32Array, out.dims as number[]);
    if (y.rank === 4) y = tf.transpose(y, [0, 2, 3, 1]);
    assert.deepEqual(y.shape, c.output.shape);
    return tf.max(tf.abs(tf.sub(y, decode(c.output)))).dataSync()[0];
  });
}

test('PyTorch checkpoints → wavecv import → wavecv export --format onnx → onnxruntime: PyTorch\'s outputs to 1e-4', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-onnx-'));
  try {
    // Registration networks have no run folder import (their runs need a registration description).
    const exported = ['resnet18', 'iresnet-tiny', 'segnet', 'vgg16bn', 'cnn28', 'mobilefacenet', 'deeplabv3plus'];
    for (const c of [...fixture.cases, ...families.cases].filter((x) => exported.includes(x.model))) {
      const run = join(dir, c.file.replace(/\W/g, '_'));
      const imported = await importRun({ weights: path(c.file), model: c.model, options: c.options, out: run });
      const onnx = join(dir, `${c.file}.onnx`);
      if (c.file === 'resnet18_haar.pth') {
        const cli = runCli(['export', run, '--format', 'onnx', '--out', onnx, '--json']);
        assert.equal(cli.status, 0, cli.stderr);
        assert.deepEqual(JSON.parse(cli.stdout).input, ['batch', 3, 32, 32]);
      } else {
        const r = await exportOnnx(run, onnx);
        assert.equal(r.task, imported.task);
      }
      const error = await onnxVsPytorch(onnx, c);
      assert.ok(error < 1e-4, `${c.file}: max |ONNX − PyTorch| = ${error}`);
    }
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temporary files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wavecv export refuses what it cannot write, in one line, and writes nothing', () => {
  const out = join(tmpdir(), `never-${process.pid}.onnx`);
  assert.match(oneErrorLine(runCli(['export', join(tmpdir(), 'no-such-run'), '--out', out])), /^wavecv: model: got ".*no-such-run", expected a run folder/);
  assert.match(oneErrorLine(runCli(['export', path(''), '--format', 'tflite', '--out', out])), /format/);
  assert.ok(!existsSync(out));
});

test('a registration run is refused saying why (two inputs and a warp), in one line', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-onnx-register-'));
  try {
    const model = createModel('winet', { dims: 2, size: [16, 16], startChannels: 2 });
    setModelMetadata(model, {
      format: MODEL_METADATA_FORMAT,
      version: MODEL_METADATA_VERSION,
      task: 'register',
      model: { name: 'winet', options: { dims: 2, size: [16, 16], startChannels: 2 } },
      preprocessing: { inputShape: [16, 16, 1], normalization: { mean: [0], std: [1] } },
      thresholds: {},
      training: { steps: 0, seed: 0 },
    });
    await saveModel(model, join(dir, 'model'));
    model.dispose();
    const out = join(dir, 'winet.onnx');
    assert.match(oneErrorLine(runCli(['export', dir, '--out', out])), /^wavecv: run: got ".*", expected a classify, face, segment run \(this one is register: registration networks take two images/);
    assert.ok(!existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
