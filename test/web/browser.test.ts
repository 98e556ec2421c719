// Models saved in Node by saveModel — one of wavecv's wavelet layers, a Haar
// WaveCNet (ResNet-18 for CIFAR: WaveletPool2D, wavecv's BatchNorm with fused
// ReLU) and a face backbone (iresnet-tiny: frozen-scale BatchNorm, PReLU) —
// load in a real browser (headless Debian chromium) with tf.loadLayersModel
// after importing wavecv's browser entry, and give Node's outputs. The page is web/check.html with
// web/check.ts bundled by esbuild; a node:http server on 127.0.0.1 serves it
// with the saved model and the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { saveModel } from '../../src/io/model-io.js';
import { createModel } from '../../src/models/index.js';
import { DWT2D, IDWT2D, WaveletPool2D, WaveletUnpool2D } from '../../src/wavelets/layers.js';
import { CHROMIUM as CHROMIUM_PACKAGE, requireSystem } from '../helpers/requirements.js';

const CHROMIUM = '/usr/bin/chromium';
const chromium = requireSystem('chromium', CHROMIUM_PACKAGE);
const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream' };

interface TensorJson {
  shape: number[];
  values: number[];
}

/** Input 16×16×3 → WaveletPool2D(db2, details) → conv → WaveletUnpool2D; DWT2D(sym3, symmetric, stacked) → conv → IDWT2D; WaveletPool2D(haar, average). */
function buildModel(): tf.LayersModel {
  const image = tf.input({ shape: [16, 16, 3], name: 'image' });
  const bands = new WaveletPool2D({ wavelet: 'db2', bands: 'low', returnDetails: true, name: 'pool' }).apply(image) as tf.SymbolicTensor[];
  const low = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'decoder', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }), biasInitializer: tf.initializers.randomNormal({ seed: 12 }) }).apply(bands[0]) as tf.SymbolicTensor;
  const unpooled = new WaveletUnpool2D({ wavelet: 'db2', name: 'unpool' }).apply([low, ...bands.slice(1), image]) as tf.SymbolicTensor;
  const stacked = new DWT2D({ wavelet: 'sym3', mode: 'symmetric', concat: true, name: 'dwt' }).apply(image) as tf.SymbolicTensor;
  const mixed = tf.layers.conv2d({ filters: 12, kernelSize: 1, name: 'mix', kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) }).apply(stacked) as tf.SymbolicTensor;
  const back = new IDWT2D({ wavelet: 'sym3', mode: 'symmetric', name: 'idwt' }).apply(mixed) as tf.SymbolicTensor;
  const averaged = new WaveletPool2D({ wavelet: 'haar', bands: 'average', name: 'average' }).apply(image) as tf.SymbolicTensor;
  return tf.model({ inputs: image, outputs: [unpooled, back, averaged] });
}

/** Serves `files` (URL path → file) and `input.json` on 127.0.0.1 at a free port. */
async function serve(routes: Record<string, string>, modelDir: string, input: object): Promise<Server> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    let file: string | undefined = routes[path];
    if (path.startsWith('/model/')) {
      const candidate = normalize(join(modelDir, path.slice('/model/'.length)));
      if (candidate.startsWith(modelDir + sep) && existsSync(candidate)) file = candidate;
    }
    if (path === '/input.json') {
      response.writeHead(200, { 'content-type': TYPES['.json'] }).end(JSON.stringify(input));
    } else if (file !== undefined) {
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

/** Runs headless chromium on `url` and returns the DOM it dumps; kills its whole process group afterwards or after `timeoutMs`. */
function dumpDom(url: string, profile: string, timeoutMs: number): Promise<string> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--virtual-time-budget=20000', '--dump-dom', url];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group has already exited
      }
    };
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(killGroup, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    let status: number | string | null = null;
    // helpers of the browser may keep the pipes open: end the group once the main process exits
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      status = code ?? signal;
      killGroup();
    });
    child.once('close', () => {
      if (status === 0) resolve(stdout);
      else reject(new Error(`chromium exited with ${status}; stderr tail: ${stderr.slice(-2000)}`));
    });
  });
}

/** A Haar WaveCNet and a face backbone whose BatchNorm statistics moved away from 0 and 1 (two training-mode passes). */
function trainedModels(x: tf.Tensor): Record<string, tf.LayersModel> {
  const models = {
    'resnet18-cifar-haar': createModel('resnet18-cifar', { wavelet: 'haar', width: 4, inputSize: 16, seed: 1 }),
    'iresnet-tiny': createModel('iresnet-tiny', { inputSize: 16, seed: 2 }),
  };
  for (const model of Object.values(models)) for (let i = 0; i < 2; i++) tf.dispose(model.apply(tf.mul(x, i + 1), { training: true }) as tf.Tensor);
  return models;
}

test('models saved in Node (wavelet layers, a WaveCNet, a face backbone) load in headless chromium and give the same outputs', { timeout: 90_000, skip: chromium }, async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-browser-'));
  let server: Server | undefined;
  try {
    const shape = [2, 16, 16, 3];
    const values = Array.from({ length: 2 * 16 * 16 * 3 }, (_, i) => Math.sin(0.37 * i) + 0.25 * Math.cos(0.011 * i * i));
    const x = tf.tensor(values, shape);
    const models: Record<string, tf.LayersModel> = { 'wavelet-layers': buildModel(), ...trainedModels(x) };
    const modelDir = join(dir, 'model');
    const want: Record<string, TensorJson[]> = {};
    for (const [name, model] of Object.entries(models)) {
      const predicted = model.predict(x) as tf.Tensor | tf.Tensor[];
      want[name] = (Array.isArray(predicted) ? predicted : [predicted]).map((y) => ({ shape: y.shape, values: Array.from(y.dataSync()) }));
      tf.dispose(predicted);
      await saveModel(model, join(modelDir, name));
    }
    tf.dispose(x);
    const cases = Object.keys(models).map((model) => ({ model, shape, values }));

    const bundle = join(dir, 'check.js');
    await esbuild.build({ entryPoints: [join(WEB, 'check.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2020', outfile: bundle, logLevel: 'silent' });
    server = await serve({ '/index.html': join(WEB, 'check.html'), '/check.js': bundle }, modelDir, { cases });
    const { port } = server.address() as AddressInfo;

    const dom = await dumpDom(`http://127.0.0.1:${port}/index.html`, join(dir, 'profile'), 45_000);
    const match = /<pre id="result">([^<]*)<\/pre>/.exec(dom);
    assert.ok(match, `no result element in the dumped DOM: ${dom.slice(0, 500)}`);
    const text = match[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const result = JSON.parse(text) as { backend?: string; results?: Array<{ outputs: TensorJson[] }>; error?: string };
    assert.equal(result.error, undefined, `the page failed: ${result.error}`);
    assert.equal(result.backend, 'cpu');
    assert.equal(result.results?.length, cases.length);
    cases.forEach(({ model }, c) => {
      const got = result.results![c].outputs;
      assert.equal(got.length, want[model].length, model);
      got.forEach((output, k) => {
        const expected = want[model][k].values;
        assert.deepEqual(output.shape, want[model][k].shape, `${model} output ${k} shape`);
        const scale = Math.max(1, ...expected.map(Math.abs));
        const maxDiff = output.values.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
        assert.ok(maxDiff < 1e-4 * scale, `${model} output ${k}: max |browser − node| = ${maxDiff}`);
        assert.ok(expected.some((v) => Math.abs(v) > 0.1), `${model} output ${k} is not trivially zero`);
      });
    });
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
