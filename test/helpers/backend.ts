// The backend under test of the backend-parameterised suites (the kernel and
// layer suites, and a short training run): WAVECV_TEST_BACKEND, else
// WAVECV_BACKEND, else wasm.
// `npm run test:webgpu` runs them with WAVECV_TEST_BACKEND=webgpu, where their
// results are compared with the cpu backend's and every read is asynchronous
// (webgpu in Node has no dataSync). On a machine without a WebGPU adapter
// those tests are skipped with the reason (under CI=true they fail).
import assert from 'node:assert/strict';
import { initEngine, type BackendName } from '../../src/engine/backend.js';
import { requireSystem, WEBGPU } from './requirements.js';

export const TEST_BACKEND = (process.env.WAVECV_TEST_BACKEND ?? process.env.WAVECV_BACKEND ?? 'wasm') as BackendName;

/**
 * The backends a suite that checks against float64 references runs on: wasm
 * and cpu by default; the backend under test alone when one is named (its
 * results then meet the same tolerances as cpu's).
 */
export const SUITE_BACKENDS: BackendName[] = process.env.WAVECV_TEST_BACKEND ? [TEST_BACKEND] : ['wasm', 'cpu'];

/** The `skip` option of a test that runs on {@link TEST_BACKEND}. */
export const backendSkip: false | string = TEST_BACKEND === 'webgpu' ? requireSystem('webgpu', WEBGPU) : false;

/** Starts the backend under test. */
export function initTestBackend(): ReturnType<typeof initEngine> {
  return initEngine({ backend: TEST_BACKEND });
}

/** Asserts |got − want| ≤ tolerance·max(1, |want|) element-wise (float32 results of two backends). */
export function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(err <= tolerance * Math.max(1, Math.abs(want[i])), `${label}[${i}]: ${got[i]} vs ${want[i]} (|Δ| ${err})`);
  }
}
