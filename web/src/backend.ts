/**
 * Starts the TF.js backend of the app: WebGL (the GPU) when the browser
 * offers it, else wasm (SIMD and threads when available), else the plain
 * JavaScript cpu backend; `?backend=webgl|wasm|cpu` in the page's URL asks
 * for one (the end-to-end test uses wasm, which gives the same float32
 * results with or without a GPU).
 *
 * The wasm binaries are imported with Vite's `?url` suffix, so Vite serves
 * them in development and copies them (content-hashed) into the build; the
 * paths are handed to the wasm backend with `setWasmPaths`, and nothing is
 * fetched from a CDN.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });

/** The backend asked for in the URL (`?backend=`), or undefined. */
export function requestedBackend(search: string): BackendChoice | undefined {
  const asked = new URLSearchParams(search).get('backend');
  if (asked === null) return undefined;
  if (!(BACKENDS as readonly string[]).includes(asked)) throw new Error(`backend: got "${asked}", expected one of ${BACKENDS.join(', ')}`);
  return asked as BackendChoice;
}

/** Starts `requested`, or the first of webgl, wasm, cpu that starts; returns its name. */
export async function startBackend(requested?: BackendChoice): Promise<string> {
  const order = requested ? [requested] : BACKENDS;
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch {
      // this backend cannot start here (no WebGL context, no wasm): try the next
    }
  }
  throw new Error(`no TF.js backend started (tried ${order.join(', ')})`);
}
