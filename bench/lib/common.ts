/**
 * What the side-by-side benchmarks share: medians, CPU time, checked integer
 * options, the `--backend` option, waiting for a GPU backend to finish,
 * per-kernel profiles, and running the PyTorch peer script (Debian's python3)
 * for its last line of JSON.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { KNOWN_BACKENDS, type BackendName } from '../../src/engine/backend.js';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median CPU and wall milliseconds of one training step. */
export interface Timing {
  cpuMs: number;
  wallMs: number;
}

/**
 * Runs `step` `warmup + steps` times, awaiting each; returns every run's
 * result (the losses the checks compare with PyTorch's) and the medians of
 * the timed runs' CPU and wall times.
 */
export async function timeSteps<T>(step: () => T | Promise<T>, warmup: number, steps: number): Promise<{ results: T[]; timing: Timing }> {
  const results: T[] = [];
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const c0 = cpuMs();
    const w0 = performance.now();
    results.push(await step());
    if (i >= warmup) {
      cpu.push(cpuMs() - c0);
      wall.push(performance.now() - w0);
    }
  }
  return { results, timing: { cpuMs: median(cpu), wallMs: median(wall) } };
}

/** CPU time of this process (user + system, all threads) in milliseconds. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `--name`'s value as an integer ≥ `min`, or an error naming the option and the value. */
export function intOption(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`--${name}: got ${value}, expected an integer ≥ ${min}`);
  return n;
}

/** Runs `/usr/bin/python3 script ...args` and parses the last line it prints as JSON. */
export function runPythonJson<T>(script: string, args: string[]): T {
  const run = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as T;
}

/** `--backend`'s value: undefined (the default choice of initEngine) or a known backend. */
export function backendOption(value: string | undefined): BackendName | undefined {
  if (value === undefined) return undefined;
  if (!(KNOWN_BACKENDS as readonly string[]).includes(value)) throw new Error(`--backend: got ${value}, expected one of ${KNOWN_BACKENDS.join(', ')}`);
  return value as BackendName;
}

/**
 * Resolves once `t` is computed. A GPU backend (webgpu) only queues work when
 * an op returns, so a timing must wait for it: reading one element waits for
 * everything queued before it (the queue runs in order) and copies 4 bytes.
 * On wasm and cpu the work is already done and this costs a slice.
 */
export async function finished(t: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), 0, 1));
  try {
    await one.data();
  } finally {
    one.dispose();
  }
}

/**
 * Prints the CPU time of each kernel that `step` runs, summed by kernel name,
 * largest first (`top` rows), with the CPU time of the whole profiled step
 * beside it. tf.profile times a kernel with the platform clock; this swaps
 * that clock for the process's CPU time while it runs, so the profile does not
 * depend on how many other processes share the machine (on a loaded machine
 * wall time per kernel is mostly waiting). A composite kernel's time includes
 * the kernels it calls, which are listed too, so the rows do not add up to the
 * step.
 */
export async function printKernelProfile(step: () => unknown, top = 20): Promise<void> {
  const platform = tf.env().platform;
  const clock = Object.getOwnPropertyDescriptor(platform, 'now');
  platform.now = cpuMs;
  const c0 = cpuMs();
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(async () => {
      await step();
    });
  } finally {
    if (clock) Object.defineProperty(platform, 'now', clock);
    else delete (platform as { now?: () => number }).now;
  }
  const stepCpuMs = cpuMs() - c0;
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs);
    e.calls += 1;
    byName.set(k.name, e);
  }
  console.log(`  per-kernel CPU time of one profiled step (${stepCpuMs.toFixed(0)} ms CPU in all; kernel: ms over calls):`);
  for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    console.log(`    ${name.padEnd(36)} ${e.ms.toFixed(1).padStart(9)} ms  ${String(e.calls).padStart(4)} calls`);
  }
}
