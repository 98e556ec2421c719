/**
 * WebGPU in Node: TF.js's `webgpu` backend (`@tensorflow/tfjs-backend-webgpu`)
 * on Dawn, the WebGPU implementation the npm package `webgpu` ships as a
 * native addon. Node has no `navigator.gpu`; {@link installNodeWebGpu} creates
 * one from Dawn (with the `GPUBufferUsage`-style globals the backend reads)
 * before the backend package is imported, since that package registers its
 * backend only when `navigator.gpu` exists at import time.
 *
 * Decisions:
 *  - The backend is started only when asked for (`--backend webgpu`,
 *    `WAVECV_BACKEND=webgpu`, `initEngine({ backend: 'webgpu' })`), never by
 *    default, not even when a hardware adapter is present: probing loads
 *    Dawn's native library on every start, and the default backend decides
 *    the numerics of every command. `wavecv info` reports the adapter (and
 *    whether it is a software one) so users can see what they would get.
 *  - An adapter is a software (CPU) one when WebGPU says it is a fallback
 *    adapter, when its architecture is `software`, or when its name is one of
 *    the known CPU rasterisers (llvmpipe, lavapipe, SwiftShader, softpipe,
 *    WARP); such an adapter is used when asked for, and reported as software.
 *  - Synchronous reads (`dataSync`) do not work on this backend in Node (TF.js
 *    reads through an `OffscreenCanvas`, which Node lacks): every read on the
 *    training, evaluation and inference paths is asynchronous.
 */
import { WavecvError } from '../errors.js';

/** The adapter Dawn gives, as reported by `wavecv info`. */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a software (CPU) adapter such as Mesa's llvmpipe. */
  software: boolean;
}

interface AdapterLike {
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|\bwarp\b/i;

/** The adapter's names and whether it is a software one (see the file comment). */
export function describeAdapter(adapter: AdapterLike): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const software = fallback || architecture === 'software' || SOFTWARE_NAMES.test(`${device} ${description}`);
  return { vendor, architecture, device, description, software };
}

/** One line naming the adapter: its description, else vendor and device. */
export function adapterName(a: WebGpuAdapterInfo): string {
  const name = a.description || [a.vendor, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${name} (${a.software ? 'software adapter: runs on the CPU' : 'hardware adapter'})`;
}

type GpuLike = { requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null> };

let nodeGpu: GpuLike | undefined;

/** Dawn's `navigator.gpu` in Node, created once; installed as `globalThis.navigator.gpu`. */
async function installNodeWebGpu(): Promise<GpuLike> {
  if (nodeGpu) return nodeGpu;
  const existing = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (existing) return (nodeGpu = existing);
  let dawn: { create(flags: string[]): GpuLike; globals: object };
  try {
    const name = 'webgpu';
    dawn = (await import(/* @vite-ignore */ name)) as typeof dawn;
  } catch (e) {
    throw new WavecvError('backend', 'webgpu', `the npm package webgpu (Dawn) to load (${(e as Error).message.split('\n')[0]})`);
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return (nodeGpu = gpu);
}

/**
 * The adapter the webgpu backend will get (the high-performance one, as the
 * backend asks), or a reason why there is none. Dawn prints two warnings
 * about reduced limits (maxDynamic{Uniform,Storage}BuffersPerPipelineLayout)
 * on stderr while it looks; they are not errors, and they stay: Dawn writes
 * them through its own logger straight to stderr, at a minimum severity fixed
 * when Dawn is built, and the npm package `webgpu` offers toggles
 * (enable/disable-dawn-features), backend and adapter choice but no log
 * level (the only environment variables it reads are for tracing and
 * breaking on errors). Hiding them would take redirecting the process's
 * stderr around the call, which would hide real errors too.
 */
export async function probeWebGpuAdapter(): Promise<{ adapter?: WebGpuAdapterInfo; reason?: string }> {
  let gpu: GpuLike;
  try {
    gpu = await installNodeWebGpu();
  } catch (e) {
    return { reason: (e as Error).message };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { reason: 'Dawn found no adapter (no Vulkan driver: on Debian 12, apt-get install -t bookworm-backports mesa-vulkan-drivers)' };
  return { adapter: describeAdapter(adapter) };
}

/**
 * Makes the `webgpu` backend available to `tf.setBackend` in Node and returns
 * its adapter; throws a {@link WavecvError} naming the reason when Dawn or the
 * adapter is missing.
 */
export async function prepareWebGpu(): Promise<WebGpuAdapterInfo> {
  const { adapter, reason } = await probeWebGpuAdapter();
  if (!adapter) throw new WavecvError('backend', 'webgpu', `a WebGPU adapter (${reason})`);
  const name = '@tensorflow/tfjs-backend-webgpu';
  await import(/* @vite-ignore */ name);
  return adapter;
}
