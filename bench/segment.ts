/**
 * `npm run bench -- segment`: one SGD training step (forward, pixel-wise
 * cross-entropy, backward, update; momentum 0.9, weight decay 5e-4) of the
 * U-Net on a VGG16-BN encoder (`createModel('unet')`, WaveSNet, Li & Shen
 * 2020) at batch 4, 128×128×3, 21 classes, vanilla (max-pool + transposed
 * conv) and Haar (DWT + IDWT with the stored details), in wavecv on the wasm
 * backend (with the native oneDNN convolutions and batch norm when built)
 * against the same network in PyTorch (bench/segment_torch.py, built from
 * scripts/wavesnet_reference.py) on the same batch and initial weights, one
 * thread each by default (`--threads`).
 *
 * Printed: median CPU and wall time of a step after warm-up, for wavecv and
 * for PyTorch in its NCHW and channels-last layouts, and the ratios
 * wavecv/PyTorch on CPU time (as bench/train.ts: both sides use the same
 * threads, and CPU time does not depend on other processes sharing the
 * machine). The loss before and after the first step on both sides must
 * agree: the two models and updates are the same.
 *
 * Options: --batch 4 --size 128 --classes 21 --width 64 --warmup 1 --steps 3
 * --threads 1 --variants vanilla,haar --torch-layouts default,channels_last
 * --profile (per-kernel times of one wavecv step, from tf.profile; a composite
 * kernel's time includes its inner kernels, which are listed too)
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
import { segmentationCrossEntropy } from '../src/losses/segmentation.js';
import { createModel } from '../src/models/index.js';
import { SGD } from '../src/train/optimizers.js';
import { intOption, printKernelProfile, runPythonJson, timeSteps, type Timing } from './lib/common.js';

const LR = 0.01;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 5e-4;


function trainStep(model: tf.LayersModel, optimizer: SGD, params: tf.Variable[], x: tf.Tensor4D, labels: tf.Tensor3D): number {
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => segmentationCrossEntropy(model.apply(x, { training: true }) as tf.Tensor4D, labels), params);
    optimizer.applyGradients(params.map((p) => grads[p.name]));
    return value;
  });
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
}

function exportWeights(model: tf.LayersModel): { manifest: Array<{ name: string; shape: number[] }>; blob: Float32Array } {
  const manifest = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
  const parts = model.weights.map((w) => w.read().dataSync() as Float32Array);
  const blob = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    blob.set(p, offset);
    offset += p.length;
  }
  return { manifest, blob };
}

async function runSegmentBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batch: { type: 'string', default: '4' },
      size: { type: 'string', default: '128' },
      classes: { type: 'string', default: '21' },
      width: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '1' },
      steps: { type: 'string', default: '3' },
      threads: { type: 'string', default: '1' },
      variants: { type: 'string', default: 'vanilla,haar' },
      'torch-layouts': { type: 'string', default: 'default,channels_last' },
      profile: { type: 'boolean', default: false },
    },
  });
  const batch = intOption('batch', values.batch, 1);
  const size = intOption('size', values.size, 32);
  const classes = intOption('classes', values.classes, 2);
  const width = intOption('width', values.width, 1);
  const warmup = intOption('warmup', values.warmup, 0);
  const steps = intOption('steps', values.steps, 1);
  const threads = intOption('threads', values.threads, 1);
  if (warmup + steps < 2) throw new Error(`--warmup + --steps: got ${warmup + steps}, expected at least 2 (the check compares the loss after one update)`);
  const engine = await initEngine();
  setNativeThreads(threads);
  const native = nativeInfo();
  console.log(`wavecv segment bench: U-Net (VGG16-BN, width ${width}), batch ${batch}, ${size}×${size}×3, ${classes} classes, SGD lr ${LR} momentum ${MOMENTUM} wd ${WEIGHT_DECAY}`);
  console.log(
    `  wavecv: tfjs ${engine.tfjsVersion} backend ${engine.backend}${engine.wasmSimd ? ' (SIMD)' : ''}, ` +
      (native ? `native oneDNN ${native.oneDnnVersion}, ${native.threads} thread(s)` : 'no native addon (npm run build:native)'),
  );
  const rng = new Rng(2024);
  const xValues = Float32Array.from({ length: batch * size * size * 3 }, () => rng.normal());
  const yValues = Int32Array.from({ length: batch * size * size }, () => rng.int(classes));
  const x = tf.tensor4d(xValues, [batch, size, size, 3]);
  const labels = tf.tensor3d(yValues, [batch, size, size], 'int32');
  for (const variant of (values.variants ?? '').split(',').filter(Boolean)) {
    const model = createModel('unet', { numClasses: classes, inputSize: size, width, seed: 7, wavelet: variant === 'vanilla' ? undefined : variant });
    const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = new SGD(params, { lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY });
    const { manifest, blob } = exportWeights(model);
    console.log(`\n[${variant}] ${model.name}: ${model.countParams()} parameters`);
    const before = tf.memory().numTensors;
    const { results: losses, timing: ours } = await timeSteps(() => trainStep(model, optimizer, params, x, labels), warmup, steps);
    console.log(`  wavecv : ${ours.cpuMs.toFixed(0)} ms/step CPU, ${ours.wallMs.toFixed(0)} ms/step wall (median of ${steps}); tensors leaked: ${tf.memory().numTensors - before}`);
    if (values.profile) await printKernelProfile(() => trainStep(model, optimizer, params, x, labels), 30);
    const dir = mkdtempSync(join(tmpdir(), 'wavecv-bench-segment-'));
    try {
      writeFileSync(join(dir, 'x.bin'), Buffer.from(xValues.buffer));
      writeFileSync(join(dir, 'y.bin'), Buffer.from(yValues.buffer));
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(blob.buffer));
      const meta = { batch, inputSize: size, numClasses: classes, width, lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY, warmup, steps, threads, torchLayouts: (values['torch-layouts'] ?? '').split(',').filter(Boolean), wavelet: variant === 'vanilla' ? null : variant, manifest };
      writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
      const torch = runPythonJson<{ torch: string; threads: number; check: { loss0: number; loss1: number }; timings: Record<string, Timing> }>(join(dirname(fileURLToPath(import.meta.url)), 'segment_torch.py'), ['--dir', dir]);
      console.log(
        `  check  : loss before step 1 wavecv ${losses[0].toFixed(5)} / torch ${torch.check.loss0.toFixed(5)} (|Δ| ${Math.abs(losses[0] - torch.check.loss0).toExponential(1)}), ` +
          `after it ${losses[1].toFixed(5)} / ${torch.check.loss1.toFixed(5)} (|Δ| ${Math.abs(losses[1] - torch.check.loss1).toExponential(1)})`,
      );
      for (const [layout, t] of Object.entries(torch.timings)) {
        console.log(
          `  torch ${torch.torch} (${torch.threads} thread, ${layout}): ${t.cpuMs.toFixed(0)} ms/step CPU, ${t.wallMs.toFixed(0)} ms/step wall → ratio wavecv/torch ${(ours.cpuMs / t.cpuMs).toFixed(2)} (CPU), ${(ours.wallMs / t.wallMs).toFixed(2)} (wall)`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
      optimizer.dispose();
    }
  }
  tf.dispose([x, labels]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runSegmentBench(process.argv.slice(2));
}
