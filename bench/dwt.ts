/**
 * `npm run bench -- dwt`: single-level 2-D periodization DWT then IDWT,
 * forward and backward, on a batch of 4 × 32 channels × 128 × 128, for haar
 * and db4. wavecv runs it twice, through the `DWT2D`/`IDWT2D` layers and
 * through the functional `dwt2`/`idwt2` (`axes: [1, 2]` of the same NHWC
 * tensor); both use the one periodization engine
 * (src/wavelets/filter-bank-conv.ts), which runs on the native addon's filter
 * banks when it is built (the header line says which; `WAVECV_NATIVE=0`
 * measures the wasm-only convolution path). The PyTorch peers (bench/dwt_torch.py,
 * NCHW, one thread, same input written once to a temporary .bin file) are the
 * transform as one 2-D grouped convolution each way ("grouped", ptwt's
 * construction) and as separable 1-D strided convolutions along each axis
 * ("separable", pytorch_wavelets' construction).
 *
 * Measured, each as the median of `--reps` runs after `--warmup` runs:
 *  - forward: y = IDWT(DWT(x));
 *  - forward + backward: the gradient of sum(y · w) with respect to x (TF.js
 *    computes it in one `tf.grad` call, so the pair is timed together on both
 *    sides; backward ≈ the difference).
 * Printed: CPU milliseconds of every side and the ratios wavecv / peer (our
 * choice: CPU time is the headline, since every side is single-threaded and
 * CPU time depends less on other processes sharing the machine; `--wall`
 * prints wall time instead). Also printed: every side's reconstruction and
 * gradient errors (IDWT∘DWT is the identity and its gradient is w, for these
 * orthogonal wavelets) and the largest difference between wavecv's bands and
 * each peer's, which shows that all compute the same transform.
 *
 * Every timed run waits until its result is computed (`finished`), which
 * matters on a GPU backend: `--backend webgpu` runs wavecv on TF.js's WebGPU
 * backend and names the adapter (on a software adapter such as llvmpipe the
 * times are CPU-driver times, and CPU time counts the driver's threads).
 *
 * Options: --batch 4 --channels 32 --size 128 --waves haar,db4 --warmup 1 --reps 3 [--wall] [--backend NAME]
 */
import * as tf from '@tensorflow/tfjs';
import { backendOption, cpuMs, finished, intOption, median, runPythonJson } from './lib/common.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/backend.js';
import { adapterName } from '../src/engine/webgpu.js';
import { hasNativeFilterBank } from '../src/engine/kernels/native-filter-bank.js';
import { setNativeThreads } from '../src/engine/native.js';
import { Rng } from '../src/engine/random.js';
import { DWT2D, IDWT2D } from '../src/wavelets/layers.js';
import { dwt2, idwt2 } from '../src/wavelets/multidim.js';

interface Timing {
  wall: number;
  cpu: number;
}
interface Measured {
  forward: Timing;
  forwardBackward: Timing;
  reconstructionError: number;
  gradientError: number;
}

const PEERS = ['grouped', 'separable'] as const;
const BAND_NAMES = ['LL', 'cH', 'cV', 'cD'];
const here = dirname(fileURLToPath(import.meta.url));

/** Median wall and CPU milliseconds of `fn` (its result computed, then disposed) over `reps` runs after `warmup`. */
async function timed(fn: () => tf.Tensor, warmup: number, reps: number): Promise<Timing> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const w0 = performance.now();
    const c0 = cpuMs();
    const out = fn();
    await finished(out);
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

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  try {
    return (await d.data())[0];
  } finally {
    d.dispose();
  }
}

/** Times IDWT(DWT(x)) and the gradient of sum(IDWT(DWT(x)) · w), and checks both. */
async function measure(forward: (v: tf.Tensor) => tf.Tensor, x: tf.Tensor, w: tf.Tensor, warmup: number, reps: number): Promise<Measured> {
  const gradient = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(forward(v), w)));
  const result = { forward: await timed(() => forward(x), warmup, reps), forwardBackward: await timed(() => gradient(x), warmup, reps) };
  const y = forward(x);
  const g = gradient(x);
  const errors = { reconstructionError: await maxAbsDiff(y, x), gradientError: await maxAbsDiff(g, w) };
  tf.dispose([y, g]);
  return { ...result, ...errors };
}

async function runDwtBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batch: { type: 'string', default: '4' },
      channels: { type: 'string', default: '32' },
      size: { type: 'string', default: '128' },
      waves: { type: 'string', default: 'haar,db4' },
      warmup: { type: 'string', default: '1' },
      reps: { type: 'string', default: '3' },
      wall: { type: 'boolean', default: false },
      backend: { type: 'string' },
    },
  });
  const batch = intOption('batch', values.batch, 1);
  const channels = intOption('channels', values.channels, 1);
  const size = intOption('size', values.size, 2);
  const warmup = intOption('warmup', values.warmup, 0);
  const reps = intOption('reps', values.reps, 1);
  const waves = values.waves!.split(',');
  const clock: keyof Timing = values.wall ? 'wall' : 'cpu';
  const engine = await initEngine({ backend: backendOption(values.backend) });
  // one thread, as PyTorch here, should any step run on the native convolutions
  setNativeThreads(1);
  const shape: [number, number, number, number] = [batch, size, size, channels];
  const count = batch * size * size * channels;
  const rng = new Rng(2024);
  const xs = Float32Array.from({ length: count }, () => rng.next() * 2 - 1);
  const ws = Float32Array.from({ length: count }, () => rng.next() * 2 - 1);
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-bench-dwt-'));
  try {
    writeFileSync(join(dir, 'x.bin'), new Uint8Array(xs.buffer));
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(ws.buffer));
    const x = tf.tensor4d(xs, shape);
    const w = tf.tensor4d(ws, shape);

    process.stderr.write(`dwt bench: ${batch}×${size}×${size}×${channels} (NHWC), waves ${waves.join(', ')}, ${warmup} warm-up + ${reps} timed runs; wavecv on ${engine.backend}${engine.adapter ? ` (${adapterName(engine.adapter)})` : ''}${hasNativeFilterBank() ? ' with the native filter banks' : ' (convolution path)'}\n`);
    const ours: Record<string, { layers: Measured; functional: Measured; bands: tf.Tensor[] }> = {};
    for (const name of waves) {
      const dwtLayer = new DWT2D({ wavelet: name });
      const idwtLayer = new IDWT2D({ wavelet: name });
      const layers = await measure((v) => tf.tidy(() => idwtLayer.apply(dwtLayer.apply(v) as tf.Tensor[]) as tf.Tensor), x, w, warmup, reps);
      const options = { mode: 'periodization', axes: [1, 2] } as const;
      const functional = await measure((v) => tf.tidy(() => idwt2(dwt2(v, name, options), name, options)), x, w, warmup, reps);
      const [cA, details] = dwt2(x, name, options);
      ours[name] = { layers, functional, bands: [cA, ...details] };
    }

    const torch = runPythonJson<{ torch: string; threads: number; peers: Record<string, Record<string, Measured>> }>(join(here, 'dwt_torch.py'), [
      '--x', join(dir, 'x.bin'), '--w', join(dir, 'w.bin'), '--shape', shape.join(','), '--waves', waves.join(','),
      '--peers', PEERS.join(','), '--warmup', String(warmup), '--reps', String(reps), '--bands-out', dir,
    ]);

    const ms = (v: number) => v.toFixed(1).padStart(9);
    const ratio = (a: number, b: number) => (a / b).toFixed(2).padStart(9);
    const lines = [
      `PyTorch ${torch.torch}, ${torch.threads} thread; ${clock} time in ms (median); ratio = wavecv / peer`,
      `${'wave'.padEnd(5)} ${'pass'.padEnd(13)} ${'wavecv'.padEnd(10)} ${'ms'.padStart(9)} ${'grouped'.padStart(9)} ${'separable'.padStart(9)} ${'/grouped'.padStart(9)} ${'/separable'.padStart(10)}`,
    ];
    for (const name of waves) {
      const o = ours[name];
      const peer = (p: string) => torch.peers[p][name];
      for (const pass of ['forward', 'forwardBackward'] as const) {
        for (const side of ['layers', 'functional'] as const) {
          const mine = o[side][pass][clock];
          const g = peer('grouped')[pass][clock];
          const s = peer('separable')[pass][clock];
          const label = side === 'layers' ? 'DWT2D/IDWT2D' : 'dwt2/idwt2';
          lines.push(`${(pass === 'forward' && side === 'layers' ? name : '').padEnd(5)} ${(side === 'layers' ? (pass === 'forward' ? 'forward' : 'fwd+backward') : '').padEnd(13)} ${label.padEnd(10)} ${ms(mine)} ${ms(g)} ${ms(s)} ${ratio(mine, g)} ${ratio(mine, s).padStart(10)}`);
        }
      }
      const bandDiffs: Record<string, number> = {};
      for (const p of PEERS) {
        let worst = 0;
        for (const [b, key] of BAND_NAMES.entries()) {
          const bytes = readFileSync(join(dir, `${p}-${name}-${key}.bin`));
          const theirs = tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), o.bands[b].shape);
          worst = Math.max(worst, await maxAbsDiff(theirs, o.bands[b]));
          theirs.dispose();
        }
        bandDiffs[p] = worst;
      }
      const err = (v: number) => v.toExponential(1);
      lines.push(
        `      checks: max |IDWT(DWT(x)) − x| layers ${err(o.layers.reconstructionError)}, dwt2 ${err(o.functional.reconstructionError)}, ` +
          PEERS.map((p) => `${p} ${err(peer(p).reconstructionError)}`).join(', ') +
          `; max |grad − w| layers ${err(o.layers.gradientError)}, dwt2 ${err(o.functional.gradientError)}, ` +
          PEERS.map((p) => `${p} ${err(peer(p).gradientError)}`).join(', ') +
          '; max band difference wavecv vs ' +
          PEERS.map((p) => `${p} ${err(bandDiffs[p])}`).join(', '),
      );
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
