/**
 * `npm run bench -- register`: WiNet's efficiency claim (Cheng et al., MICCAI
 * 2024, §1 and §3: the wavelet-coefficient decoder with parameter-free IDWT
 * needs less memory than full-resolution decoders and cascades; the paper's
 * brains are 160×192×224), checked on the same engine: for WiNet, WiNet-Diff
 * and the baselines — the VoxelMorph U-Net and the coarse-to-fine pyramid
 * (`createModel`) — in 2-D and 3-D,
 *  - one training step: forward, NCC (window 9) + 2 · Grad smoothness, the
 *    velocity integrated (7 squarings) for WiNet-Diff, backward, Adam update
 *    (wavecv's optimiser, as `train register` uses it);
 *  - inference: forward (+ integration) for one pair.
 * Each phase has its own size (`--train-sizeN`, `--infer-sizeN`, both
 * `--sizeN` by default), so one run can measure inference at the paper's size
 * and training at the largest size that fits.
 *
 * Every measurement (model × phase) runs in a fresh child process, so that
 * nothing of one model (tensors, the wasm heap, which never shrinks) is left
 * for the next, and the process's memory is the model's own. Printed per
 * model and phase: parameters; three peaks over the first (profiled) run —
 *  - `tf.profile`'s peakBytes: the bytes of all live tensors (weights,
 *    inputs, optimiser state, working memory) after each kernel, the
 *    engine's counterpart of the GPU memory the paper reports; it adds every
 *    tensor's bytes, so views sharing a buffer (reshapes, the clones the
 *    gradient tape keeps) count more than once;
 *  - buffers: the peak of the tensor buffers allocated in the wasm heap
 *    (`watchWasmHeap`), each counted once — the tensor memory really held;
 *  - RSS: the child's peak RSS increase (Linux VmHWM, reset through
 *    /proc/self/clear_refs once the engine has started, minus VmRSS then),
 *    which also counts what lives outside tensors: kernel scratch, the native
 *    addon's buffers, heap fragmentation;
 * and the median CPU time of `--steps` runs after it (`--steps 0`: the
 * profiled run's own time, a cold run). Then the ratios of every other model
 * to WiNet (above 1: WiNet needs less). On wasm, tensors live in the wasm
 * heap, which cannot exceed 4 GiB (32-bit addresses) whatever the machine
 * has; a measurement that needs more ends with an error, printed in its row.
 *
 * Options: --dims 2,3  --size2 160x192  --size3 64x64x64
 *          --train-size2 / --train-size3 / --infer-size2 / --infer-size3 (default: --sizeN)
 *          --phases train,infer  --models winet,winet-diff,vxm-unet,pyramid-unet
 *          --steps 3  --start-channels 8  --backend wasm|cpu|…
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../src/engine/backend.js';
import { createModel } from '../src/models/index.js';
import { registrationField } from '../src/models/winet/index.js';
import { registrationObjective } from '../src/losses/registration.js';
import { displacementOf } from '../src/nn/warp.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { backendOption, cpuMs, intOption, timeSteps } from './lib/common.js';

const MODELS = ['winet', 'winet-diff', 'vxm-unet', 'pyramid-unet'];
const PHASES = ['train', 'infer'] as const;
type Phase = (typeof PHASES)[number];

/** One model × phase, as a child process reports it. */
interface Measure {
  params: number;
  /** tf.profile's peakBytes, MiB. */
  profileMB: number;
  /** Peak of the tensor buffers allocated in the wasm heap, MiB; undefined on other backends. */
  buffersMB?: number;
  /** Peak RSS increase, MiB; undefined where /proc/self is not there. */
  rssMB?: number;
  ms: number;
}

/** The figures printed per model, with their decimals; each also as a ratio to WiNet. */
const FIGURES = [
  ['profileMB', 'tf.profile MB', 1],
  ['buffersMB', 'buffers MB', 1],
  ['rssMB', 'RSS MB', 1],
  ['ms', 'ms', 0],
] as const;

/** `--name`'s spatial size: `dims` multiples of 16 joined by x (what the registration models accept). */
export function parseSize(name: string, spec: string, dims: number): number[] {
  const size = spec.split('x').map(Number);
  if (size.length !== dims || !size.every((n) => Number.isInteger(n) && n > 0 && n % 16 === 0)) throw new Error(`--${name}: got ${spec}, expected ${dims} multiples of 16 joined by x`);
  return size;
}

/** `--name`'s comma-separated list, each item one of `allowed`. */
export function parseList<T extends string>(name: string, spec: string, allowed: readonly T[]): T[] {
  const items = spec.split(',');
  const bad = items.find((item) => !(allowed as readonly string[]).includes(item));
  if (bad !== undefined) throw new Error(`--${name}: got ${bad}, expected a comma-separated list of ${allowed.join(', ')}`);
  return items as T[];
}

/** `key` (VmRSS, VmHWM) of /proc/self/status in MiB, or undefined where there is none. */
function procStatusMiB(key: string): number | undefined {
  try {
    const match = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false where that is not possible. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** The wasm backend's module (its heap and allocator), or undefined on other backends. */
function wasmModule(): { HEAPU8: Uint8Array; _malloc(n: number): number; _free(p: number): void } | undefined {
  return (tf.backend() as unknown as { wasm?: ReturnType<typeof wasmModule> }).wasm;
}

/** The allocation that failed in {@link watchWasmHeap}, if one did. */
let heapFailure: string | undefined;

/**
 * Wraps the wasm allocator, through which the backend allocates every tensor
 * buffer: counts the bytes allocated and not yet freed, and returns a
 * function that gives their peak since the last call — the tensor memory
 * really held, each buffer once however many tensors view it (tf.profile's
 * peakBytes adds the bytes of every tensor, so a reshape or a clone, which
 * shares its input's buffer, counts twice there). A failed allocation becomes
 * an error: the backend writes tensors at whatever `_malloc` returns, and
 * emscripten's malloc returns 0 when the heap cannot grow, so a measurement
 * past the heap's 4 GiB would go on with overlapping tensors. (`_malloc` is
 * called once first: emscripten's stub replaces itself on its first call.)
 * Undefined on other backends.
 */
function watchWasmHeap(): (() => number) | undefined {
  const wasm = wasmModule();
  if (!wasm) return undefined;
  wasm._free(wasm._malloc(4));
  const { _malloc: malloc, _free: free } = wasm;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  wasm._malloc = (n: number) => {
    const p = malloc(n);
    if (p === 0 && n > 0) throw new Error((heapFailure = `the wasm heap (4 GiB at most) cannot hold ${(n / 2 ** 20).toFixed(0)} MiB more`));
    sizes.set(p, n);
    live += n;
    peak = Math.max(peak, live);
    return p;
  };
  wasm._free = (p: number) => {
    live -= sizes.get(p) ?? 0;
    sizes.delete(p);
    free(p);
  };
  return () => {
    const result = peak;
    peak = live;
    return result;
  };
}

/**
 * The message of a failed measurement. Under `tf.profile` an error thrown in
 * a kernel is lost (the wasm backend runs kernels inside an async timer; the
 * profiler then fails on the missing outputs), so a failed allocation is told
 * by {@link heapFailure}, and the size of the wasm heap is added.
 */
function failure(e: unknown): string {
  const heap = wasmModule()?.HEAPU8.length;
  return `${heapFailure ?? (e as Error).message}${heap ? ` (wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB of 4096 at most)` : ''}`;
}

/** One phase of one model, in this process (the child's job). */
async function measure(name: string, phase: Phase, size: number[], steps: number, startChannels: number, buffersPeak?: () => number): Promise<Measure> {
  const rssBase = resetPeakRss() ? procStatusMiB('VmRSS') : undefined;
  const field = registrationField(name)!;
  const model = createModel(name, { dims: size.length, size, seed: 1, ...(name.startsWith('winet') ? { startChannels } : {}) });
  const fixed = tf.randomUniform([1, ...size, 1], 0, 1, 'float32', 1);
  const moving = tf.randomUniform([1, ...size, 1], 0, 1, 'float32', 2);
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = phase === 'train' ? createOptimizer({ type: 'adam', lr: 1e-4 }, params) : undefined;
  const objective = registrationObjective(field);
  const context = { step: 0, epoch: 0, batch: 0, learningRate: 1e-4, seed: 0 };
  const trainStep = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => objective.compute(model.apply([moving, fixed], { training: true }) as tf.Tensor, { moving, fixed }, context).loss, params);
      optimizer!.applyGradients(params.map((p) => grads[p.name] ?? null));
      return value.dataSync()[0];
    });
  const infer = () => tf.tidy(() => displacementOf(model.predict([moving, fixed]) as tf.Tensor, field).dataSync()[0]);
  const run = phase === 'train' ? trainStep : infer;
  buffersPeak?.();
  const c0 = cpuMs();
  const profileBytes = (await tf.profile(run)).peakBytes;
  const firstMs = cpuMs() - c0;
  const buffersBytes = buffersPeak?.();
  const ms = steps > 0 ? (await timeSteps(run, 0, steps)).timing.cpuMs : firstMs;
  const hwm = procStatusMiB('VmHWM');
  const result = {
    params: model.countParams(),
    profileMB: profileBytes / 2 ** 20,
    buffersMB: buffersBytes === undefined ? undefined : buffersBytes / 2 ** 20,
    rssMB: rssBase !== undefined && hwm !== undefined ? hwm - rssBase : undefined,
    ms,
  };
  tf.dispose([fixed, moving]);
  optimizer?.dispose();
  model.dispose();
  return result;
}

/**
 * Runs one measurement in a fresh process (this file with `--measure`); its
 * last stdout line is the JSON of a {@link Measure} or of `{ error }`.
 */
function measureInChild(args: string[]): Measure | { error: string } {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  try {
    return JSON.parse(child.stdout.trim().split('\n').pop()!) as Measure | { error: string };
  } catch {
    return { error: `the child process ended with ${child.status ?? child.signal} and no result: ${child.stderr.trim().split('\n').pop()?.slice(0, 160)}` };
  }
}

const column = (x: number | undefined, digits: number, width: number) => (x === undefined ? '—' : x.toFixed(digits)).padStart(width);

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizeOptions = Object.fromEntries([2, 3].flatMap((d) => ['', 'train-', 'infer-'].map((p) => [`${p}size${d}`, { type: 'string' as const }])));
  const { values } = parseArgs({
    options: {
      ...sizeOptions,
      dims: { type: 'string', default: '2,3' },
      phases: { type: 'string', default: PHASES.join(',') },
      models: { type: 'string', default: MODELS.join(',') },
      steps: { type: 'string', default: '3' },
      'start-channels': { type: 'string', default: '8' },
      backend: { type: 'string' },
      measure: { type: 'string' },
    },
  });
  const opts = values as Record<string, string | undefined>;
  const steps = intOption('steps', opts.steps, 0);
  const startChannels = intOption('start-channels', opts['start-channels'], 1);
  const backend = backendOption(opts.backend);
  if (opts.measure) {
    // Child: --measure model,phase,size.
    const [name, phase, spec] = opts.measure.split(',');
    await initEngine({ backend });
    const buffersPeak = watchWasmHeap();
    const size = spec.split('x').map(Number);
    let result: Measure | { error: string };
    try {
      result = await measure(name, phase as Phase, size, steps, startChannels, buffersPeak);
    } catch (e) {
      result = { error: failure(e) };
      process.exitCode = 1;
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const dimsList = parseList('dims', opts.dims!, ['2', '3']).map(Number);
    const phases = parseList('phases', opts.phases!, PHASES);
    const models = parseList('models', opts.models!, MODELS);
    const defaults: Record<number, string> = { 2: '160x192', 3: '64x64x64' };
    const info = await initEngine({ backend });
    const timing = steps > 0 ? `median CPU time of ${steps} runs after the profiled one` : 'CPU time of the profiled (first) run';
    process.stdout.write(`backend ${info.backend}${info.native ? ` (convolutions through oneDNN ${info.native.oneDnnVersion}, ${info.native.threads} threads)` : ''}; one child process per model and phase; ${timing}; peak = tf.profile peakBytes; buffers = peak of the wasm heap's tensor buffers; RSS = peak RSS increase of the child\n`);
    for (const dims of dimsList) {
      const sizes = Object.fromEntries(phases.map((phase) => [phase, parseSize(`${phase}-size${dims}`, opts[`${phase}-size${dims}`] ?? opts[`size${dims}`] ?? defaults[dims], dims)]));
      for (const phase of phases) {
        const size = sizes[phase];
        process.stdout.write(`\n${dims}-D ${phase === 'train' ? 'training step' : 'inference'}, ${size.join('×')}, WiNet C=${startChannels}\n`);
        process.stdout.write(`${'model'.padEnd(14)} ${'params'.padStart(9)}${FIGURES.map(([, label]) => label.padStart(15)).join('')}\n`);
        const rows = new Map<string, Measure>();
        for (const name of models) {
          const args = ['--measure', `${name},${phase},${size.join('x')}`, '--steps', String(steps), '--start-channels', String(startChannels), ...(backend ? ['--backend', backend] : [])];
          const r = measureInChild(args);
          if ('error' in r) process.stdout.write(`${name.padEnd(14)} failed: ${r.error}\n`);
          else {
            rows.set(name, r);
            process.stdout.write(`${name.padEnd(14)} ${String(r.params).padStart(9)}${FIGURES.map(([key, , digits]) => column(r[key], digits, 15)).join('')}\n`);
          }
        }
        const winet = rows.get('winet');
        if (!winet) continue;
        for (const [name, r] of rows) {
          if (name === 'winet') continue;
          const ratio = (key: (typeof FIGURES)[number][0]) => (r[key] !== undefined && winet[key] !== undefined ? (r[key] / winet[key]).toFixed(2) : '—');
          process.stdout.write(`${name} / winet: ${FIGURES.map(([key, label]) => `${label.replace(/ ?MB$/, '')} ${ratio(key)}`).join(', ')}\n`);
        }
      }
    }
  }
}
