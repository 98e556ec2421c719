// Runs the wavecv CLI from source (tsx) in a child process, as a user would.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `wavecv ...args` with the wasm backend; `env` adds to the environment. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WAVECV_BACKEND: 'wasm', ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A failed run's stderr: one `wavecv: …` line, no stack trace. */
export function oneErrorLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('backend '));
  const errors = lines.filter((l) => l.startsWith('wavecv: '));
  if (run.status === 0 || errors.length !== 1 || /\n\s+at /.test(run.stderr)) {
    throw new Error(`expected one "wavecv: …" line and a non-zero exit, got status ${run.status}, stderr:\n${run.stderr}`);
  }
  return errors[0];
}
