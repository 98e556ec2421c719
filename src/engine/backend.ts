/**
 * Backend choice: the one module of wavecv that names a TensorFlow.js backend.
 *
 * Order of preference, first match wins:
 *  1. the `backend` option of {@link initEngine};
 *  2. the `WAVECV_BACKEND` environment variable;
 *  3. `tensorflow` when the user has `@tensorflow/tfjs-node` installed;
 *  4. `wasm` (SIMD + XNNPACK) in Node, with wasm-side training kernels added
 *     by `registerTrainingKernels`, and 2-D convolutions through wavecv's
 *     native oneDNN addon when it is built (`npm run build:native`);
 *  5. `cpu` as the fallback when wasm fails to start.
 * In a browser the order is webgpu, webgl, wasm, cpu.
 * `webgpu` in Node (Dawn from the npm package `webgpu`, `./webgpu.ts`) is
 * started only when asked for by 1 or 2, and its adapter is reported.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { WavecvError } from '../errors.js';
import { registerTrainingKernels } from './kernels/index.js';
import { loadNative, nativeInfo, type NativeInfo } from './native.js';
import { prepareWebGpu, type WebGpuAdapterInfo } from './webgpu.js';

export const KNOWN_BACKENDS = ['wasm', 'cpu', 'tensorflow', 'webgl', 'webgpu'] as const;
export type BackendName = (typeof KNOWN_BACKENDS)[number];

export interface EngineOptions {
  /** Force a backend; overrides `WAVECV_BACKEND`. */
  backend?: BackendName;
}

export interface EngineInfo {
  backend: string;
  chosenBy: 'option' | 'environment' | 'default' | 'fallback';
  tfjsVersion: string;
  wasmSimd?: boolean;
  tfjsNode: boolean;
  /** wavecv's native oneDNN convolutions, when built and loaded (wasm in Node only). */
  native?: NativeInfo;
  /** The WebGPU adapter (webgpu in Node only), with whether it is a software one. */
  adapter?: WebGpuAdapterInfo;
  nodeVersion: string;
  attempted: string[];
}

let current: EngineInfo | undefined;
const isNode = typeof process !== 'undefined' && !!process.versions?.node;

async function tryImportTfjsNode(): Promise<boolean> {
  if (!isNode) return false;
  try {
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    return true;
  } catch {
    return false;
  }
}

function validate(name: string, source: string): BackendName {
  if (!(KNOWN_BACKENDS as readonly string[]).includes(name)) {
    throw new WavecvError(source, name, `one of ${KNOWN_BACKENDS.join(', ')}`);
  }
  return name as BackendName;
}

/**
 * Chooses and starts the backend (once per process unless the choice changes)
 * and returns what was chosen. Call it before any tensor work; every CLI
 * command and test does.
 */
export async function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  const envChoice = isNode ? process.env.WAVECV_BACKEND : undefined;
  let requested: BackendName | undefined;
  let chosenBy: EngineInfo['chosenBy'] = 'default';
  if (options.backend) {
    requested = validate(options.backend, 'backend');
    chosenBy = 'option';
  } else if (envChoice) {
    requested = validate(envChoice, 'WAVECV_BACKEND');
    chosenBy = 'environment';
  }
  if (current && (!requested || current.backend === requested)) return current;

  const tfjsNode = requested === 'tensorflow' || (!requested && isNode) ? await tryImportTfjsNode() : false;
  const order: string[] = requested
    ? [requested]
    : isNode
      ? [...(tfjsNode ? ['tensorflow'] : []), 'wasm', 'cpu']
      : ['webgpu', 'webgl', 'wasm', 'cpu'];
  const attempted: string[] = [];
  for (const name of order) {
    attempted.push(name);
    const adapter = name === 'webgpu' && isNode ? await prepareWebGpu() : undefined;
    let ok = false;
    try {
      ok = await tf.setBackend(name);
    } catch {
      ok = false;
    }
    if (!ok) {
      if (requested) throw new WavecvError(chosenBy === 'option' ? 'backend' : 'WAVECV_BACKEND', name, 'a backend that can start here (is its package installed?)');
      continue;
    }
    await tf.ready();
    tf.enableProdMode();
    if (name === 'wasm') await loadNative();
    registerTrainingKernels(name);
    current = {
      backend: name,
      chosenBy: attempted.length > 1 ? 'fallback' : chosenBy,
      tfjsVersion: tf.version.tfjs,
      wasmSimd: name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : undefined,
      tfjsNode,
      native: name === 'wasm' ? nativeInfo() : undefined,
      adapter,
      nodeVersion: isNode ? process.versions.node : 'n/a',
      attempted,
    };
    return current;
  }
  throw new WavecvError('backend', order.join(', '), 'at least one backend that starts');
}

/** What {@link initEngine} chose, or undefined before it ran. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}
