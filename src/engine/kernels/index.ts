/**
 * The kernels wavecv adds to a backend so that training works there (see
 * DESIGN.md, "Gaps in the wasm backend are ours to fill"). Each kernel module
 * exports its `KernelConfig`s; they are listed here and registered once per
 * backend by {@link registerTrainingKernels}, replacing any slower kernel the
 * backend ships under the same name.
 */
import * as tf from '@tensorflow/tfjs';

const TRAINING_KERNELS: tf.KernelConfig[] = [];

const registered = new Set<string>();

/** Registers, once, every training kernel written for `backendName`. */
export function registerTrainingKernels(backendName: string): void {
  if (registered.has(backendName)) return;
  registered.add(backendName);
  for (const config of TRAINING_KERNELS) {
    if (config.backendName !== backendName) continue;
    if (tf.getKernel(config.kernelName, backendName)) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
}
