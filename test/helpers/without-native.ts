// Runs one test file in a child process with the native addon switched off
// (WAVECV_NATIVE=0), so the wasm-only paths behind native kernels stay tested
// on a machine where the addon is built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Asserts that every test of `file` passes with WAVECV_NATIVE=0. */
export function assertPassesWithoutNative(file: URL): void {
  // NODE_TEST_CONTEXT would make the child report to this runner instead of printing TAP.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', fileURLToPath(file)], { env: { ...env, WAVECV_NATIVE: '0' }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout.slice(-3000) + run.stderr.slice(-2000));
  assert.match(run.stdout, /# fail 0/);
}
