/**
 * wavecv's optional native accelerator for Node (`native/wavecv_native.cc`):
 * 2-D and 3-D convolutions and their gradients, matrix products,
 * training-mode batch normalisation, layer normalisation, GELU and softmax, through oneDNN, and periodized wavelet filter banks, computed
 * in place on the wasm backend's heap. Built by `npm run build:native` (needs g++ and Debian's
 * `libdnnl-dev`); without it, or in a browser, wavecv runs the same kernels
 * through the wasm backend alone.
 *
 * Why: on wasm a ResNet-18 training step is bound by XNNPACK's 128-bit SIMD
 * convolutions (ratio 4.2 against PyTorch, issue 3); oneDNN runs the same
 * convolutions with the CPU's widest vectors, as PyTorch does.
 *
 * Threads: oneDNN uses `WAVECV_NUM_THREADS` threads when that is set, else as
 * many as OpenMP's default (one per core), like PyTorch (our choice).
 * `WAVECV_NATIVE=0` turns the accelerator off.
 */
import type * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';

/** The addon's exports (see `native/wavecv_native.cc`). */
export interface NativeAddon {
  /** kind 0 forward, 1 input gradient, 2 filter gradient; dims as in the addon's comment. */
  conv(kind: 0 | 1 | 2, a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  /**
   * Training-mode batch norm over the rows of [rows, channels]: kind 0 takes
   * [x, scale, shift, y, mean, variance], kind 1 [x, dy, mean, variance, scale, dx, dscale, dshift];
   * with `relu`, ReLU fused and the workspace (Uint8Array) appended to either.
   */
  batchNorm(kind: 0 | 1, arrays: tf.backend_util.TypedArray[], rows: number, channels: number, epsilon: number, relu: boolean): void;
  /**
   * One axis of a periodized wavelet filter bank over [outer, n, inner] arrays
   * (kind 0 analysis: inputs [x], outputs the bands; kind 1 synthesis: inputs
   * the bands, outputs [y]); taps: the filters back to back; dims as in the
   * addon's comment. Absent from addons built before it.
   */
  filterBank?(kind: 0 | 1, inputs: Float32Array[], outputs: Float32Array[], taps: Float32Array, dims: Int32Array): void;
  /**
   * Batched matrix product out = op(a) op(b) (+ bias) (then ReLU); dims
   * [batchA, batchB, M, K, N, transposeA, transposeB, relu] as in the addon's
   * comment. Absent from addons built before it.
   */
  matMul?(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array, bias: Float32Array | null): void;
  /**
   * Layer norm over [rows, channels]: kind 0 takes [x, scale, shift, y, mean, variance],
   * kind 1 [x, dy, mean, variance, scale, dx, dscale, dshift]. Absent from addons built before it.
   */
  layerNorm?(kind: 0 | 1, arrays: Float32Array[], rows: number, channels: number, epsilon: number): void;
  /** Exact GELU: kind 0 out = GELU(x), kind 1 out = dy·GELU'(x). Absent from addons built before it. */
  gelu?(kind: 0 | 1, x: Float32Array, dy: Float32Array, out: Float32Array): void;
  /** Softmax over the last axis of [rows, cols]: kind 0 out = softmax(a), kind 1 out = ∂x from a = y and b = dy. Absent from addons built before it. */
  softmax?(kind: 0 | 1, a: Float32Array, b: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** Bytes of the fused ReLU's workspace for [rows, channels]. */
  batchNormWorkspaceBytes(rows: number, channels: number, epsilon: number): number;
  setNumThreads(n: number): void;
  numThreads(): number;
  version(): string;
}

/** What `wavecv info` reports about the accelerator. */
export interface NativeInfo {
  path: string;
  oneDnnVersion: string;
  threads: number;
}

/** Where the build script writes the addon, relative to this module (src/engine or dist/engine). */
const ADDON_URL = new URL('../../native/build/wavecv_native.node', import.meta.url);

let addon: NativeAddon | undefined;
let info: NativeInfo | undefined;
let attempted = false;

function threadsFromEnvironment(): number | undefined {
  const raw = process.env.WAVECV_NUM_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new WavecvError('WAVECV_NUM_THREADS', raw, 'an integer ≥ 1');
  return n;
}

/**
 * Loads the addon once (Node only). Returns undefined when it is not built,
 * cannot load (e.g. libdnnl missing), or `WAVECV_NATIVE=0`.
 */
export async function loadNative(): Promise<NativeAddon | undefined> {
  if (attempted) return addon;
  attempted = true;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode || process.env.WAVECV_NATIVE === '0') return undefined;
  const threads = threadsFromEnvironment();
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  const path = fileURLToPath(ADDON_URL);
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch {
    return undefined;
  }
  if (threads !== undefined) addon.setNumThreads(threads);
  info = { path, oneDnnVersion: addon.version(), threads: addon.numThreads() };
  return addon;
}

/** The loaded addon, if {@link loadNative} found one. */
export function nativeAddon(): NativeAddon | undefined {
  return addon;
}

/** Facts about the loaded addon, or undefined. */
export function nativeInfo(): NativeInfo | undefined {
  return info;
}

/** Sets oneDNN's thread count (e.g. 1 to compare with single-threaded peers). */
export function setNativeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new WavecvError('threads', String(n), 'an integer ≥ 1');
  if (!addon || !info) return;
  addon.setNumThreads(n);
  info.threads = addon.numThreads();
}
