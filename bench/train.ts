/**
 * `npm run bench -- train`: one SGD training step (forward, backward, update;
 * momentum 0.9, weight decay 5e-4) of the CIFAR ResNet-18 (He et al., CVPR
 * 2016; `createModel('resnet18-cifar')`, 32×32×3 input, batch 64, 10 classes)
 * in wavecv on the wasm backend with our training kernels (and the native
 * oneDNN convolutions when built: `npm run build:native`), against the same
 * network in PyTorch (bench/train_torch.py) on the same input batch and the
 * same initial weights, both with `--threads` threads (default 1: wavecv's
 * native convolutions and torch.set_num_threads).
 *
 * Printed: the median CPU time and wall time of a step after warm-up steps,
 * for wavecv and for PyTorch in its default (NCHW) and channels-last layouts,
 * and the ratios wavecv/PyTorch. The ratio is taken on CPU time (our choice):
 * both sides use the same threads, and CPU time does not depend on how many
 * other processes share the machine; wall times are printed beside it.
 * PyTorch also runs one step with TF.js-style 'same' padding from the same
 * weights: its loss before and after the step must equal wavecv's, which
 * checks that the two models and the two updates are the same.
 *
 * The wavelet variant (`--variants haar`, WaveCNet: Haar DWT in place of the
 * strided convolutions) has its PyTorch peer in the same script (Haar only).
 *
 * `--backend webgpu` runs wavecv on TF.js's WebGPU backend (Dawn, `npm
 * webgpu`) and names the adapter; a software adapter (llvmpipe) runs on the
 * CPU, so its times are CPU-driver times, not GPU ones. CPU time then counts
 * the driver's threads too (they run in this process).
 *
 * Options: --batch 64 --warmup 2 --steps 5 --threads 1 --variants vanilla,haar
 * --torch-layouts default,channels_last --backend NAME --profile (per-kernel times of one
 * wavecv step, from tf.profile; a composite kernel's time includes its inner
 * kernels, which are listed too).
 */
import * as tf from '@tensorflow/tfjs';
import { backendOption, intOption, printKernelProfile, runPythonJson, timeSteps, type Timing } from './lib/common.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine, type BackendName } from '../src/engine/backend.js';
import { adapterName } from '../src/engine/webgpu.js';
import { nativeInfo, setNativeThreads } from '../src/engine/native.js';
import { Rng } from '../src/engine/random.js';
import { createModel } from '../src/models/index.js';
import { SGD } from '../src/train/optimizers.js';

const INPUT_SIZE = 32;
const NUM_CLASSES = 10;
const LR = 0.1;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 5e-4;


interface TorchResult {
  torch: string;
  threads: number;
  check: { loss0: number; loss1: number };
  timings: Record<string, Timing>;
}

/**
 * One training step; returns the loss before the update. The loss is read
 * asynchronously after the update is queued, so on a GPU backend the step's
 * time includes the GPU's work up to the loss.
 */
async function trainStep(model: tf.LayersModel, optimizer: SGD, params: tf.Variable[], x: tf.Tensor, labels: tf.Tensor): Promise<number> {
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    }, params);
    optimizer.applyGradients(params.map((p) => grads[p.name]));
    return value;
  });
  try {
    return (await loss.data())[0];
  } finally {
    loss.dispose();
  }
}

/** The model's weights as one float32 blob plus a manifest of names and shapes. */
async function exportWeights(model: tf.LayersModel): Promise<{ manifest: Array<{ name: string; shape: number[] }>; blob: Float32Array }> {
  const manifest: Array<{ name: string; shape: number[] }> = [];
  const parts: Float32Array[] = [];
  for (const w of model.weights) {
    // LayerVariable names are '<layer>/<weight>' with a uniquifying suffix on repeats.
    manifest.push({ name: w.originalName, shape: w.shape as number[] });
    parts.push((await w.read().data()) as Float32Array);
  }
  const blob = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    blob.set(p, offset);
    offset += p.length;
  }
  return { manifest, blob };
}

interface Args {
  batch: number;
  warmup: number;
  steps: number;
  threads: number;
  variants: string[];
  torchLayouts: string[];
  profile: boolean;
  backend?: BackendName;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      batch: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '2' },
      steps: { type: 'string', default: '5' },
      threads: { type: 'string', default: '1' },
      variants: { type: 'string', default: 'vanilla,haar' },
      'torch-layouts': { type: 'string', default: 'default,channels_last' },
      profile: { type: 'boolean', default: false },
      backend: { type: 'string' },
    },
  });
  const warmup = intOption('warmup', values.warmup, 0);
  const steps = intOption('steps', values.steps, 1);
  // The loss check reads the loss after the first update: two steps at least.
  if (warmup + steps < 2) throw new Error(`--warmup + --steps: got ${warmup + steps}, expected at least 2 (the check compares the loss after one update)`);
  return {
    batch: intOption('batch', values.batch, 1),
    warmup,
    steps,
    threads: intOption('threads', values.threads, 1),
    variants: (values.variants ?? '').split(',').filter(Boolean),
    torchLayouts: (values['torch-layouts'] ?? '').split(',').filter(Boolean),
    profile: values.profile ?? false,
    backend: backendOption(values.backend),
  };
}

/** Runs the bench and prints its figures. */
async function runTrainBench(argv: string[]): Promise<void> {
  const args = parse(argv);
  const engine = await initEngine({ backend: args.backend });
  setNativeThreads(args.threads);
  const native = nativeInfo();
  console.log(`wavecv train bench: ResNet-18 (CIFAR), batch ${args.batch}, ${INPUT_SIZE}×${INPUT_SIZE}×3, SGD lr ${LR} momentum ${MOMENTUM} wd ${WEIGHT_DECAY}`);
  console.log(
    `  wavecv: tfjs ${engine.tfjsVersion} backend ${engine.backend}${engine.wasmSimd ? ' (SIMD)' : ''}, Node ${engine.nodeVersion}, ` +
      (engine.adapter ? `WebGPU adapter ${adapterName(engine.adapter)}` : native ? `native oneDNN ${native.oneDnnVersion} convolutions and batch norm, ${native.threads} thread(s)` : 'no native addon (npm run build:native)'),
  );

  const rng = new Rng(2024);
  const xValues = Float32Array.from({ length: args.batch * INPUT_SIZE * INPUT_SIZE * 3 }, () => rng.normal());
  const yValues = Int32Array.from({ length: args.batch }, () => rng.int(NUM_CLASSES));
  const x = tf.tensor4d(xValues, [args.batch, INPUT_SIZE, INPUT_SIZE, 3]);
  const labels = tf.oneHot(tf.tensor1d(yValues, 'int32'), NUM_CLASSES);

  for (const variant of args.variants) {
    const options = variant === 'vanilla' ? { seed: 7 } : { seed: 7, wavelet: variant };
    let model: tf.LayersModel;
    try {
      model = createModel('resnet18-cifar', options);
    } catch (e) {
      console.log(`\n[${variant}] not benchmarked: ${(e as Error).message}`);
      continue;
    }
    console.log(`\n[${variant}] ${model.name}: ${model.countParams()} parameters`);
    const { manifest, blob } = await exportWeights(model);
    const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = new SGD(params, { lr: LR, momentum: MOMENTUM, weightDecay: WEIGHT_DECAY });

    const tensorsBefore = tf.memory().numTensors;
    const { results: losses, timing: ours } = await timeSteps(() => trainStep(model, optimizer, params, x, labels), args.warmup, args.steps);
    const leaked = tf.memory().numTensors - tensorsBefore;
    console.log(`  wavecv : ${ours.cpuMs.toFixed(0)} ms/step CPU, ${ours.wallMs.toFixed(0)} ms/step wall (median of ${args.steps}); tensors leaked over ${args.warmup + args.steps} steps: ${leaked}`);
    if (args.profile) await printKernelProfile(() => trainStep(model, optimizer, params, x, labels));

    const dir = mkdtempSync(join(tmpdir(), 'wavecv-bench-'));
    try {
      writeFileSync(join(dir, 'x.bin'), Buffer.from(xValues.buffer));
      writeFileSync(join(dir, 'y.bin'), Buffer.from(yValues.buffer));
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(blob.buffer));
      const meta = {
        batch: args.batch,
        inputSize: INPUT_SIZE,
        numClasses: NUM_CLASSES,
        lr: LR,
        momentum: MOMENTUM,
        weightDecay: WEIGHT_DECAY,
        warmup: args.warmup,
        steps: args.steps,
        threads: args.threads,
        torchLayouts: args.torchLayouts,
        wavelet: variant === 'vanilla' ? null : variant,
        manifest,
      };
      writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
      const script = join(dirname(fileURLToPath(import.meta.url)), 'train_torch.py');
      const torch = runPythonJson<TorchResult>(script, ['--dir', dir]);
      const dl0 = Math.abs(torch.check.loss0 - losses[0]);
      const dl1 = Math.abs(torch.check.loss1 - losses[1]);
      console.log(
        `  check  : loss before step 1 wavecv ${losses[0].toFixed(5)} / torch ${torch.check.loss0.toFixed(5)} (|Δ| ${dl0.toExponential(1)}), ` +
          `after it ${losses[1].toFixed(5)} / ${torch.check.loss1.toFixed(5)} (|Δ| ${dl1.toExponential(1)})`,
      );
      for (const [layout, t] of Object.entries(torch.timings)) {
        const ratio = ours.cpuMs / t.cpuMs;
        console.log(
          `  torch ${torch.torch} (${torch.threads} thread, ${layout}): ${t.cpuMs.toFixed(0)} ms/step CPU, ${t.wallMs.toFixed(0)} ms/step wall` +
            ` → ratio wavecv/torch ${ratio.toFixed(2)} (CPU), ${(ours.wallMs / t.wallMs).toFixed(2)} (wall)`,
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
  await runTrainBench(process.argv.slice(2));
}
