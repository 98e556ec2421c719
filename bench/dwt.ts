/**
 * `npm run bench -- dwt`: single-level 2-D periodization DWT then IDWT,
 * forward and backward, on a batch of 8 × 64 channels × 128 × 128, for haar
 * and db4 — wavecv's `DWT2D`/`IDWT2D` layers (NHWC, wasm backend; strided
 * depthwise convolutions with adjoint filter-bank gradients,
 * src/wavelets/filter-bank-conv.ts) against the same transform as strided
 * convolutions in PyTorch (bench/dwt_torch.py, NCHW, one thread) on the same
 * input, written once to a temporary .bin file.
 *
 * Measured, each as the median of `--reps` runs after `--warmup` runs:
 *  - forward: y = IDWT(DWT(x));
 *  - forward + backward: the gradient of sum(y · w) with respect to x (TF.js
 *    computes it in one `tf.grad` call, so the pair is timed together on both
 *    sides; backward ≈ the difference).
 * Printed: wall and CPU milliseconds for both libraries and the ratios
 * wavecv / PyTorch (our choice: the CPU-time ratio is the headline, since both
 * sides are single-threaded and CPU time does not depend on other processes
 * sharing the machine; the wall-time ratio is printed beside it). Also
 * printed: both sides' reconstruction and gradient errors (IDWT∘DWT is the
 * identity and its gradient is w, for these orthogonal wavelets) and the
 * largest difference between wavecv's and PyTorch's four bands, which shows
 * that the two compute the same transform.
 *
 * Options: --batch 8 --channels 64 --size 128 --waves haar,db4 --warmup 1 --reps 3
 */
import * as tf from '@tensorflow/tfjs';
import { cpuMs, intOption, median, runPythonJson } from './lib/common.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/backend.js';
import { setNativeThreads } from '../src/engine/native.js';
import { Rng } from '../src/engine/random.js';
import { DWT2D, IDWT2D } from '../src/wavelets/layers.js';

interface Timing {
  wall: number;
  cpu: number;
}
interface TorchWave {
  forward: Timing;
  forwardBackward: Timing;
  reconstructionError: number;
  gradientError: number;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Median wall and CPU milliseconds of `fn` (its result disposed) over `reps` runs after `warmup`. */
function timed(fn: () => tf.Tensor, warmup: number, reps: number): Timing {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const w0 = performance.now();
    const c0 = cpuMs();
    const out = fn();
    const c = cpuMs() - c0;
    const w = performance.now() - w0;
    out.dispose();
    if (i >= warmup) {
      walls.push(w);
      cpus.push(c);
    }
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

async function runDwtBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batch: { type: 'string', default: '8' },
      channels: { type: 'string', default: '64' },
      size: { type: 'string', default: '128' },
      waves: { type: 'string', default: 'haar,db4' },
      warmup: { type: 'string', default: '1' },
      reps: { type: 'string', default: '3' },
    },
  });
  const batch = intOption('batch', values.batch, 1);
  const channels = intOption('channels', values.channels, 1);
  const size = intOption('size', values.size, 2);
  const warmup = intOption('warmup', values.warmup, 0);
  const reps = intOption('reps', values.reps, 1);
  const waves = values.waves!.split(',');
  const engine = await initEngine();
  // one thread, as PyTorch here, should any step run on the native convolutions
  setNativeThreads(1);
  const shape = [batch, size, size, channels];
  const count = batch * size * size * channels;
  const rng = new Rng(2024);
  const xs = Float32Array.from({ length: count }, () => rng.next() * 2 - 1);
  const ws = Float32Array.from({ length: count }, () => rng.next() * 2 - 1);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-bench-dwt-'));
  try {
    writeFileSync(join(dir, 'x.bin'), new Uint8Array(xs.buffer));
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(ws.buffer));
    const x = tf.tensor4d(xs, shape as [number, number, number, number]);
    const w = tf.tensor4d(ws, shape as [number, number, number, number]);

    process.stderr.write(`dwt bench: ${batch}×${size}×${size}×${channels} (NHWC), waves ${waves.join(', ')}, ${warmup} warm-up + ${reps} timed runs; wavecv on ${engine.backend}\n`);
    const ours: Record<string, Timing & { fb: Timing; rec: number; grad: number; bands: tf.Tensor[] }> = {};
    for (const name of waves) {
      const dwt = new DWT2D({ wavelet: name });
      const idwt = new IDWT2D({ wavelet: name });
      const forward = (v: tf.Tensor) => tf.tidy(() => idwt.apply(dwt.apply(v) as tf.Tensor[]) as tf.Tensor);
      const fwd = timed(() => forward(x), warmup, reps);
      const gradient = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(forward(v), w)));
      const fb = timed(() => gradient(x), warmup, reps);
      const y = forward(x);
      const g = gradient(x);
      ours[name] = { ...fwd, fb, rec: maxAbsDiff(y, x), grad: maxAbsDiff(g, w), bands: dwt.apply(x) as tf.Tensor[] };
      tf.dispose([y, g]);
    }

    const torch = runPythonJson<{ torch: string; threads: number; waves: Record<string, TorchWave> }>(join(here, 'dwt_torch.py'), [
      '--x', join(dir, 'x.bin'), '--w', join(dir, 'w.bin'), '--shape', shape.join(','), '--waves', waves.join(','),
      '--warmup', String(warmup), '--reps', String(reps), '--bands-out', dir,
    ]);

    const ms = (v: number) => v.toFixed(1).padStart(8);
    const ratio = (a: number, b: number) => (a / b).toFixed(3).padStart(7);
    const lines = [
      `PyTorch ${torch.torch}, ${torch.threads} thread; times in ms (median), ratio = wavecv / PyTorch`,
      `${'wave'.padEnd(6)} ${'pass'.padEnd(14)} ${'wavecv cpu'.padStart(10)} ${'torch cpu'.padStart(9)} ${'ratio'.padStart(7)}   ${'wavecv wall'.padStart(11)} ${'torch wall'.padStart(10)} ${'ratio'.padStart(7)}`,
    ];
    for (const name of waves) {
      const o = ours[name];
      const t = torch.waves[name];
      lines.push(`${name.padEnd(6)} ${'forward'.padEnd(14)} ${ms(o.cpu).padStart(10)} ${ms(t.forward.cpu).padStart(9)} ${ratio(o.cpu, t.forward.cpu)}   ${ms(o.wall).padStart(11)} ${ms(t.forward.wall).padStart(10)} ${ratio(o.wall, t.forward.wall)}`);
      lines.push(`${''.padEnd(6)} ${'fwd+backward'.padEnd(14)} ${ms(o.fb.cpu).padStart(10)} ${ms(t.forwardBackward.cpu).padStart(9)} ${ratio(o.fb.cpu, t.forwardBackward.cpu)}   ${ms(o.fb.wall).padStart(11)} ${ms(t.forwardBackward.wall).padStart(10)} ${ratio(o.fb.wall, t.forwardBackward.wall)}`);
      const bandDiff = Math.max(
        ...['LL', 'cH', 'cV', 'cD'].map((key, b) => {
          const bytes = readFileSync(join(dir, `${name}-${key}.bin`));
          const theirs = tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), o.bands[b].shape);
          const d = maxAbsDiff(theirs, o.bands[b]);
          theirs.dispose();
          return d;
        }),
      );
      lines.push(`${''.padEnd(6)} checks: max |IDWT(DWT(x)) − x| wavecv ${o.rec.toExponential(1)}, torch ${t.reconstructionError.toExponential(1)}; max |grad − w| wavecv ${o.grad.toExponential(1)}, torch ${t.gradientError.toExponential(1)}; max band difference wavecv vs torch ${bandDiff.toExponential(1)}`);
      tf.dispose(o.bands);
    }
    process.stdout.write(lines.join('\n') + '\n');
    tf.dispose([x, w]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runDwtBench(process.argv.slice(2));
}
