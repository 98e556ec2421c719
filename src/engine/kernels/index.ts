/**
 * The kernels wavecv adds to a backend so that training works there: the
 * wasm backend of TF.js 4.22 lacks several gradient kernels or computes them
 * slowly, and wavecv fills those gaps itself. Each kernel module
 * exports its `KernelConfig`s; they are listed here and registered once per
 * backend by {@link registerTrainingKernels}, replacing any slower kernel the
 * backend ships under the same name. The gradients tfjs-core lacks are
 * registered (once, for every backend) from `../gradients.ts`. When wavecv's
 * native addon is loaded (`../native.ts`), the 2-D and 3-D convolution kernels
 * on wasm run through it, with the kernels below as their fallback, and so
 * do training-mode batch norm (`native-batchnorm.ts`), the periodized
 * wavelet filter banks (`native-filter-bank.ts`), the matrix products
 * (`native-matmul.ts`), layer norm (`native-layernorm.ts`), GELU
 * (`native-gelu.ts`) and softmax (`native-softmax.ts`, with its gradient). On webgpu, the
 * backend's own kernels are kept and the ones that are wrong for some inputs
 * are corrected (`webgpu-fixes.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel } from './conv2d-grad.js';
import { conv3dBackpropFilterKernel, conv3dBackpropInputKernel, conv3dKernel } from './conv3d.js';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwise-grad.js';
import { sharedIdentityKernel } from './identity.js';
import { maxPoolGradKernel } from './max-pool-grad.js';
import { maxPool3DGradKernel, maxPool3DKernel } from './max-pool-3d.js';
import { unsortedSegmentSumKernel } from './segment-sum.js';
import { warpGradKernel, warpKernel } from './warp.js';
import { warpByGatherKernel, warpGradByGatherKernel } from './warp-ops.js';
import { registerTrainingGradients } from '../gradients.js';
import { nativeAddon } from '../native.js';
import { nativeBatchNormKernels } from './native-batchnorm.js';
import { nativeFilterBankKernels } from './native-filter-bank.js';
import { NATIVE_CONV_KERNEL_NAMES, nativeConvKernels } from './native-conv.js';
import { NATIVE_MATMUL_KERNEL_NAMES, nativeMatMulKernels } from './native-matmul.js';
import { nativeLayerNormKernels } from './native-layernorm.js';
import { nativeGeluKernels } from './native-gelu.js';
import { nativeSoftmaxKernels, softmaxGradConfig } from './native-softmax.js';
import { transposeIntegersAsFloat, webgpuKernelFixes } from './webgpu-fixes.js';
import { concatKernel, packKernel, splitVKernel, unpackKernel } from './concat-split.js';
import { leadingAxesSumKernel } from './leading-axes-sum.js';

/**
 * On wasm: conv2d gradients (the filter one is missing, the input one is slow),
 * the depthwise gradients and UnsortedSegmentSum (missing), the max-pool
 * gradient and the 3-D max pool with its gradient (wrong for some shapes), and conv3d with
 * both gradients (slow, and the input gradient is wrong there); an Identity
 * that shares memory instead of copying. On wasm and cpu: wavecv's own
 * sampling kernel for registration (`warp.ts`) and its gradient. Also on
 * wasm, registered with the backend's kernel as their fallback: `Concat`,
 * `SplitV`, `Pack` and `Unpack` as block copies (`concat-split.ts`) and `Sum` over leading axes
 * without a transpose (`leading-axes-sum.ts`). On webgpu, the warp kernels
 * composed of gathers and a segment sum (`warp-ops.ts`).
 */
const TRAINING_KERNELS: tf.KernelConfig[] = [
  conv2dBackpropFilterKernel('wasm'),
  conv2dBackpropInputKernel('wasm'),
  depthwiseBackpropFilterKernel('wasm'),
  depthwiseBackpropInputKernel('wasm'),
  unsortedSegmentSumKernel('wasm'),
  maxPoolGradKernel('wasm'),
  maxPool3DKernel('wasm'),
  maxPool3DGradKernel('wasm'),
  conv3dKernel('wasm'),
  conv3dBackpropFilterKernel('wasm'),
  conv3dBackpropInputKernel('wasm'),
  sharedIdentityKernel('wasm'),
  ...['wasm', 'cpu'].flatMap((backend) => [warpKernel(backend), warpGradKernel(backend)]),
  warpByGatherKernel('webgpu'),
  warpGradByGatherKernel('webgpu'),
];

const registered = new Set<string>();

/** The kernel registered for `name` on `backendName`: what a replacement falls back to. */
function registeredKernel(name: string, backendName: string): tf.KernelConfig {
  const kernel = tf.getKernel(name, backendName);
  if (!kernel) throw new Error(`registerTrainingKernels: the ${backendName} backend has no ${name} kernel to fall back to`);
  return kernel;
}

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers, once, every training kernel written for `backendName` (and, once,
 * the gradients of `../gradients.ts`); on wasm with the native addon loaded,
 * also the native convolutions, batch norm, filter banks, matrix products, layer norm and GELU (load it first:
 * `loadNative`).
 */
export function registerTrainingKernels(backendName: string): void {
  registerTrainingGradients();
  if (registered.has(backendName)) return;
  registered.add(backendName);
  for (const config of TRAINING_KERNELS) if (config.backendName === backendName) replaceKernel(config);
  if (backendName === 'webgpu') {
    for (const config of webgpuKernelFixes()) replaceKernel(config);
    transposeIntegersAsFloat(tf.findBackend('webgpu'));
  }
  if (backendName === 'wasm') {
    replaceKernel(concatKernel(registeredKernel(tf.Concat, backendName)));
    replaceKernel(splitVKernel(registeredKernel(tf.SplitV, backendName)));
    replaceKernel(packKernel(registeredKernel(tf.Pack, backendName)));
    replaceKernel(unpackKernel(registeredKernel(tf.Unpack, backendName)));
    replaceKernel(leadingAxesSumKernel(registeredKernel(tf.Sum, backendName)));
  }
  const addon = nativeAddon();
  if (backendName !== 'wasm' || !addon) return;
  const fallbacks: Record<string, tf.KernelFunc> = {};
  const matMul = addon.matMul ? NATIVE_MATMUL_KERNEL_NAMES : [];
  for (const name of [...NATIVE_CONV_KERNEL_NAMES, ...matMul]) fallbacks[name] = registeredKernel(name, backendName).kernelFunc;
  for (const config of [...nativeConvKernels(addon, fallbacks), ...nativeBatchNormKernels(addon), ...nativeFilterBankKernels(addon), ...(addon.matMul ? nativeMatMulKernels(addon.matMul.bind(addon), fallbacks) : [])]) replaceKernel(config);
  if (addon.layerNorm) for (const config of nativeLayerNormKernels(addon.layerNorm.bind(addon))) replaceKernel(config);
  if (addon.gelu) for (const config of nativeGeluKernels(addon.gelu.bind(addon))) replaceKernel(config);
  if (addon.softmax) {
    for (const config of nativeSoftmaxKernels(addon.softmax.bind(addon), registeredKernel(tf.Softmax, backendName).kernelFunc)) replaceKernel(config);
    if (tf.getGradient(tf.Softmax)) tf.unregisterGradient(tf.Softmax);
    tf.registerGradient(softmaxGradConfig);
  }
}
