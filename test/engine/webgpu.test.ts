// The webgpu backend in Node (Dawn from npm `webgpu`): how adapters are told
// apart, what initEngine and `wavecv info` report, and that reads on it are
// asynchronous (synchronous ones fail there, which is why the hot paths await).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { readScalars } from '../../src/engine/read.js';
import { adapterName, describeAdapter } from '../../src/engine/webgpu.js';
import { requireSystem, WEBGPU } from '../helpers/requirements.js';
import { runCli } from '../cli/helpers.js';

const webgpu = requireSystem('webgpu', WEBGPU);

test('describeAdapter tells software adapters from hardware ones', () => {
  const llvmpipe = describeAdapter({ info: { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: true } });
  assert.equal(llvmpipe.software, true);
  assert.match(adapterName(llvmpipe), /^llvmpipe: Mesa 25\.0\.7 \(software adapter/);
  // named like a CPU rasteriser, though not flagged as a fallback adapter
  assert.equal(describeAdapter({ info: { vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: '' } }).software, true);
  assert.equal(describeAdapter({ info: { vendor: 'mesa', architecture: '', device: '', description: 'lavapipe' } }).software, true);
  const nvidia = describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' } });
  assert.equal(nvidia.software, false);
  assert.equal(adapterName(nvidia), 'NVIDIA H200 (hardware adapter)');
  assert.equal(adapterName(describeAdapter({ info: { vendor: 'nvidia', device: 'GH100' } })), 'nvidia GH100 (hardware adapter)');
});

test('initEngine starts webgpu only when asked, reports its adapter, and reads asynchronously', { skip: webgpu }, async () => {
  if (!process.env.WAVECV_BACKEND) assert.notEqual((await initEngine()).backend, 'webgpu', 'never the default');
  const info = await initEngine({ backend: 'webgpu' });
  try {
    assert.equal(info.backend, 'webgpu');
    assert.equal(info.chosenBy, 'option');
    assert.ok(info.adapter && typeof info.adapter.software === 'boolean' && info.adapter.description + info.adapter.device !== '', JSON.stringify(info.adapter));
    const before = tf.memory().numTensors;
    const a = tf.randomNormal([64, 64], 0, 1, 'float32', 3);
    const b = tf.matMul(a, a);
    // the backend's own synchronous read needs OffscreenCanvas, which Node lacks
    assert.throws(() => b.dataSync(), /OffscreenCanvas/);
    const scalars = [tf.tidy(() => tf.sum(tf.mul(a, a))), tf.scalar(7, 'int32')];
    const [squares, count] = await readScalars(scalars);
    const product = tf.mul(a, a);
    const elementwise = await product.data();
    product.dispose();
    assert.ok(Math.abs(squares - elementwise.reduce((s, v) => s + v, 0)) < 1e-3 * squares);
    assert.equal(count, 7);
    tf.dispose([a, b, ...scalars]);
    assert.equal(tf.memory().numTensors, before, 'readScalars leaves nothing behind');
  } finally {
    await initEngine({ backend: 'wasm' });
  }
});

test('wavecv info names the WebGPU adapter and whether it is a software one', { skip: webgpu }, () => {
  const plain = runCli(['info']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^backend: +wasm/m);
  assert.match(plain.stdout, /^webgpu: +.+\((software|hardware) adapter.*; available with --backend webgpu$/m);
  const run = runCli(['--backend', 'webgpu', 'info', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  assert.equal(info.backend, 'webgpu');
  assert.equal(typeof info.adapter.software, 'boolean');
  assert.deepEqual(info.webgpu.adapter, info.adapter);
});
