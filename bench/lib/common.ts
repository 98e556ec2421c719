/**
 * What the side-by-side benchmarks share: medians, CPU time, checked integer
 * options, and running the PyTorch peer script (Debian's python3) for its
 * last line of JSON.
 */
import { spawnSync } from 'node:child_process';

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
