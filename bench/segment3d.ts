/**
 * `npm run bench -- segment3d`: one SGD training step (forward, weighted
 * cross-entropy with class weights (1, 5), backward, update; lr 0.1, momentum
 * 0.9, weight decay 5e-4) of the 3D WaveUNet (`createModel('waveunet3d')`,
 * Li et al., Bioinformatics 38(3):809, 2022) on a batch of 2 cubes of
 * 32×128×128, width 4, as the 3-D U-Net (`unet-v1`: max-pool + transposed
 * conv) and as 3D WaveUNet V4 (Haar DWT, hard-shrunk stored bands, IDWT), in
 * wavecv on the wasm backend (with the native oneDNN convolutions and batch
 * norm when built) against the same network in PyTorch
 * (bench/segment3d_torch.py, built from scripts/waveunet3d_reference.py) on
 * the same batch and initial weights, one thread each by default.
 *
 * Printed: median CPU and wall time of a step after warm-up on both sides and
 * the ratio wavecv/PyTorch on CPU time; the loss before and after the first
 * step on both sides must agree (same model, data and update).
 *
 * Options: --batch 2 --cube 32,128,128 --width 4 --warmup 1 --steps 3
 * --threads 1 --variants unet-v1,wavesnet-v4 --profile (CPU time of each
 * kernel of one more wavecv step, summed by kernel name, before PyTorch runs)
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/backend.js';
import { nativeInfo, setNativeThreads } from '../src/engine/native.js';
import { Rng } from '../src/engine/random.js';
import { createModel } from '../src/models/index.js';
import { createLoss } from '../src/losses/registry.js';
import { IGNORE_INDEX } from '../src/metrics/segmentation.js';
import { CLASS_WEIGHTS } from '../src/tasks/segment3d.js';
import type { Objective } from '../src/train/trainer.js';
import { SGD } from '../src/train/optimizers.js';
import { intOption, printKernelProfile, runPythonJson, timeSteps, type Timing } from './lib/common.js';

const LR = 0.1;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 5e-4;

async function runSegment3dBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batch: { type: 'string', default: '2' },
      cube: { type: 'string', default: '32,128,128' },
      width: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '1' },
      steps: { type: 'string', default: '3' },
      threads: { type: 'string', default: '1' },
      variants: { type: 'string', default: 'unet-v1,wavesnet-v4' },
      profile: { type: 'boolean', default: false },
    },
  });
  const batch = intOption('batch', values.batch, 1);
  const cube = (values.cube ?? '').split(',').map((v, i) => intOption(`cube[${i}]`, v, 16)) as [number, number, number];
  const width = intOption('width', values.width, 1);
  const warmup = intOption('warmup', values.warmup, 0);
  const steps = intOption('steps', values.steps, 1);
  const threads = intOption('threads', values.threads, 1);
  if (warmup + steps < 2) throw new Error(`--warmup + --steps: got ${warmup + steps}, expected at least 2 (the check compares the loss after one update)`);
  const engine = await initEngine();
  setNativeThreads(threads);
  const native = nativeInfo();
  console.log(`wavecv segment3d bench: 3D WaveUNet width ${width}, batch ${batch} × ${cube.join('×')}, weighted CE (${CLASS_WEIGHTS.join(', ')}), SGD lr ${LR} momentum ${MOMENTUM} wd ${WEIGHT_DECAY}`);
  console.log(`  wavecv: tfjs ${engine.tfjsVersion} backend ${engine.backend}, ` + (native ? `native oneDNN ${native.oneDnnVersion}, ${native.threads} thread(s)` : 'no native addon (npm run build:native)'));
  const rng = new Rng(2024);
  const voxels = batch * cube[0] * cube[1] * cube[2];
  const xValues = Float32Array.from({ length: voxels }, () => rng.normal());
  const yValues = Int32Array.from({ length: voxels }, () => (rng.next() < 0.05 ? 1 : 0));
  const x = tf.tensor5d(xValues, [batch, ...cube, 1]);
  const mask = tf.tensor5d(yValues, [batch, ...cube, 1], 'int32');
  const objective = createLoss<unknown, Objective>('segmentation', 'cross-entropy', { classWeights: [...CLASS_WEIGHTS] }, { numClasses: 2, ignoreIndex: IGNORE_INDEX });
  for (const variant of (values.variants ?? '').split(',').filter(Boolean)) {
    const model = createModel('waveunet3d', { variant, width, cube, seed: 7 });
    const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = new SGD(params, { lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY });
    const manifest = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
    const parts = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const blob = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((offset, p) => (blob.set(p, offset), offset + p.length), 0);
    console.log(`\n[${variant}] ${model.countParams()} parameters`);
    const before = tf.memory().numTensors;
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => objective.compute(model.apply(x, { training: true }) as tf.Tensor, { mask }, {} as never).loss, params);
        optimizer.applyGradients(params.map((p) => grads[p.name]));
        return value;
      });
    const readLoss = () => {
      const loss = step();
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    const { results: losses, timing: ours } = await timeSteps(readLoss, warmup, steps);
    console.log(`  wavecv : ${ours.cpuMs.toFixed(0)} ms/step CPU, ${ours.wallMs.toFixed(0)} ms/step wall (median of ${steps}); tensors leaked: ${tf.memory().numTensors - before}`);
    if (values.profile) await printKernelProfile(() => tf.dispose(step()), 25);
    const dir = mkdtempSync(join(tmpdir(), 'wavecv-bench-segment3d-'));
    try {
      writeFileSync(join(dir, 'x.bin'), Buffer.from(xValues.buffer));
      writeFileSync(join(dir, 'y.bin'), Buffer.from(yValues.buffer));
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(blob.buffer));
      writeFileSync(join(dir, 'meta.json'), JSON.stringify({ batch, cube, width, variant, classWeights: CLASS_WEIGHTS, lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY, warmup, steps, threads, manifest }));
      const torch = runPythonJson<{ torch: string; threads: number; check: { loss0: number; loss1: number }; timing: Timing }>(join(dirname(fileURLToPath(import.meta.url)), 'segment3d_torch.py'), ['--dir', dir]);
      console.log(`  check  : loss before step 1 wavecv ${losses[0].toFixed(5)} / torch ${torch.check.loss0.toFixed(5)}, after it ${losses[1].toFixed(5)} / ${torch.check.loss1.toFixed(5)}`);
      const t = torch.timing;
      console.log(`  torch ${torch.torch} (${torch.threads} thread): ${t.cpuMs.toFixed(0)} ms/step CPU, ${t.wallMs.toFixed(0)} ms/step wall → ratio wavecv/torch ${(ours.cpuMs / t.cpuMs).toFixed(2)} (CPU), ${(ours.wallMs / t.wallMs).toFixed(2)} (wall)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
      optimizer.dispose();
    }
  }
  tf.dispose([x, mask]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runSegment3dBench(process.argv.slice(2));
}
