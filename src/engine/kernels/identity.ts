/**
 * `Identity` (what `tf.clone` runs) sharing the input's memory, as the cpu
 * backend and the wasm `Reshape` kernel do, instead of the wasm kernel's full
 * copy. tfjs-core clones every tensor a gradient saves (`customGrad`,
 * `saveTensorsForBackwardMode`), so the copy cost ~1% of a ResNet-18 training
 * step and doubled the memory held for the backward pass (measured; our
 * choice). Safe because no kernel writes into its inputs; a variable
 * reassignment swaps its data id instead of overwriting memory.
 */
import * as tf from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/** `Identity` for `backendName` (a backend with reference-counted data). */
export function sharedIdentityKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
