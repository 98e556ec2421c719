/**
 * What the side-by-side benchmarks share: medians, CPU time, checked integer
 * options, the `--backend` option, waiting for a GPU backend to finish, and
 * running the PyTorch peer script (Debian's python3) for its last line of JSON.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { KNOWN_BACKENDS, type BackendName } from '../../src/engine/backend.js';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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
