/**
 * `npm run bench -- vit`: one SGD training step (forward, backward, update;
 * momentum 0.9, weight decay 5e-4) of ViT-S/16 (`createModel('vit-small')`:
 * 224×224×3, 1000 classes, 22,050,664 parameters) at batch 8 in wavecv on
 * the wasm backend, against the same network in PyTorch (bench/vit_torch.py)
 * on the same batch from the same initial weights, one thread each (the
 * wasm backend has no threads in Node; torch.set_num_threads(1)).
 *
 * Printed: the median CPU and wall time of a step after warm-up, both
 * sides, and the ratio wavecv/PyTorch on CPU time (as bench/train.ts: CPU
 * time does not depend on how many other processes share the machine). The
 * losses before and after the first step must agree, which checks that the
 * two models and updates are the same. Options: --batch 8 --warmup 1
 * --steps 3 --input-size 224 (a multiple of 16; smaller sizes only to
 * check the harness quickly) --profile (per-kernel CPU times of one wavecv
 * step). oneDNN (the native addon, when built) runs with one thread.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/backend.js';
import { setNativeThreads } from '../src/engine/native.js';
import { Rng } from '../src/engine/random.js';
import { createModel } from '../src/models/index.js';
import { SGD } from '../src/train/optimizers.js';
import { intOption, printKernelProfile, runPythonJson, timeSteps, type Timing } from './lib/common.js';

const NUM_CLASSES = 1000;
const LR = 0.01;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 5e-4;


/** One step; returns the loss before the update. */
function trainStep(model: tf.LayersModel, optimizer: SGD, params: tf.Variable[], x: tf.Tensor, labels: tf.Tensor): number {
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, params);
    optimizer.applyGradients(params.map((p) => grads[p.name]));
    return value;
  });
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
}

async function runVitBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { batch: { type: 'string', default: '8' }, warmup: { type: 'string', default: '1' }, steps: { type: 'string', default: '3' }, 'input-size': { type: 'string', default: '224' }, profile: { type: 'boolean', default: false } } });
  const batch = intOption('batch', values.batch, 1);
  const warmup = intOption('warmup', values.warmup, 0);
  const steps = intOption('steps', values.steps, 1);
  const INPUT_SIZE = intOption('input-size', values['input-size'], 16);
  if (warmup + steps < 2) throw new Error(`--warmup + --steps: got ${warmup + steps}, expected at least 2 (the check compares the loss after one update)`);
  const engine = await initEngine({ backend: 'wasm' });
  setNativeThreads(1);
  const rng = new Rng(2024);
  const xValues = Float32Array.from({ length: batch * INPUT_SIZE * INPUT_SIZE * 3 }, () => rng.normal());
  const yValues = Int32Array.from({ length: batch }, () => rng.int(NUM_CLASSES));
  const x = tf.tensor4d(xValues, [batch, INPUT_SIZE, INPUT_SIZE, 3]);
  const labels = tf.oneHot(tf.tensor1d(yValues, 'int32'), NUM_CLASSES);
  const model = createModel('vit-small', { seed: 7, inputSize: INPUT_SIZE });
  console.log(`wavecv vit bench: ViT-S/16 (${model.countParams()} parameters), batch ${batch}, ${INPUT_SIZE}×${INPUT_SIZE}×3, SGD lr ${LR} momentum ${MOMENTUM} wd ${WEIGHT_DECAY}; tfjs ${engine.tfjsVersion} ${engine.backend}${engine.wasmSimd ? ' (SIMD)' : ''}${engine.native ? `, native oneDNN ${engine.native.oneDnnVersion}` : ''}, 1 thread`);
  const manifest = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
  const blob = new Float32Array(model.weights.reduce((n, w) => n + w.read().size, 0));
  let offset = 0;
  for (const w of model.weights) {
    const v = w.read().dataSync() as Float32Array;
    blob.set(v, offset);
    offset += v.length;
  }
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = new SGD(params, { lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY });
  const before = tf.memory().numTensors;
  const { results: losses, timing: ours } = await timeSteps(() => trainStep(model, optimizer, params, x, labels), warmup, steps);
  console.log(`  wavecv : ${ours.cpuMs.toFixed(0)} ms/step CPU, ${ours.wallMs.toFixed(0)} ms/step wall (median of ${steps}); tensors leaked: ${tf.memory().numTensors - before}`);
  if (values.profile) await printKernelProfile(() => trainStep(model, optimizer, params, x, labels), 25);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-bench-vit-'));
  try {
    writeFileSync(join(dir, 'x.bin'), Buffer.from(xValues.buffer));
    writeFileSync(join(dir, 'y.bin'), Buffer.from(yValues.buffer));
    writeFileSync(join(dir, 'weights.bin'), Buffer.from(blob.buffer));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ batch, inputSize: INPUT_SIZE, numClasses: NUM_CLASSES, lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY, warmup, steps, heads: 6, depth: 12, manifest }));
    const torch = runPythonJson<{ torch: string; check: { loss0: number; loss1: number }; timing: Timing }>(join(dirname(fileURLToPath(import.meta.url)), 'vit_torch.py'), ['--dir', dir]);
    console.log(`  check  : loss before step 1 wavecv ${losses[0].toFixed(5)} / torch ${torch.check.loss0.toFixed(5)}, after it ${losses[1].toFixed(5)} / ${torch.check.loss1.toFixed(5)}`);
    console.log(`  torch ${torch.torch} (1 thread): ${torch.timing.cpuMs.toFixed(0)} ms/step CPU, ${torch.timing.wallMs.toFixed(0)} ms/step wall → ratio wavecv/torch ${(ours.cpuMs / torch.timing.cpuMs).toFixed(2)} (CPU), ${(ours.wallMs / torch.timing.wallMs).toFixed(2)} (wall)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, labels]);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runVitBench(process.argv.slice(2));
}
