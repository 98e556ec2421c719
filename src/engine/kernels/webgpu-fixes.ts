/**
 * Corrections to kernels of TF.js 4.22's `webgpu` backend, found by comparing
 * them with the cpu backend (test/engine/kernels.test.ts with
 * WAVECV_TEST_BACKEND=webgpu). Each wraps the backend's own kernel, which
 * keeps the cases it gets right (and its speed there):
 *
 * - `Conv2DBackpropFilter`, `Conv2DBackpropInput` and the two depthwise
 *   backprop kernels ignore `dilations` (the depthwise ones take it in TF.js's
 *   kernel contract; wavecv's conv2d ones take it too, see `conv2d-grad.ts`).
 *   With a dilation > 1 they run wavecv's op compositions
 *   (`conv2d-grad.ts`, `depthwise-grad.ts`), which build each gradient from
 *   forward convolutions that take dilations; with dilation 1, the backend's
 *   own kernel.
 * - `UnsortedSegmentSum` takes `segmentId % numSegments` for ids at or above
 *   `numSegments` where TensorFlow drops them, and reads only rank-1 ids.
 *   Here ids of any rank are flattened with the leading axes of x, ids at or
 *   above `numSegments` become −1 (which the kernel drops, as it drops every
 *   negative id), and the backend's kernel sums. Its int32 path adds the bit
 *   patterns of float values (garbage), so int32 input is summed in float32
 *   and cast back: exact while every partial sum stays within ±2^24.
 * - `AddN` binds every input and the output as storage buffers of one shader;
 *   from 8 inputs on it passes the device's limit of storage buffers per
 *   stage (8 by default), Dawn rejects the pipeline and the sum is garbage
 *   (the gradient of an 8-band 3-D DWT hits it). Here the inputs are summed
 *   in chunks that fit the limit, then the partial sums, by the backend's
 *   own kernel (the order of the float32 additions changes, nothing else).
 * - The backend's general transpose program (shader key `transpose_…`)
 *   passes an i32 element of an int32 or bool input where the output setter
 *   takes f32: Dawn rejects the shader and the result is garbage. The
 *   `Transpose` kernel runs it, and so do the reductions (`Sum`, `Max`,
 *   `ArgMax`, … over leading axes: the Dice loss sums an int32 one-hot over
 *   batch and pixels), which call it directly rather than through the kernel
 *   registry, so a kernel wrapper cannot reach them. Here
 *   {@link transposeIntegersAsFloat} wraps the backend's `runWebGPUProgram`:
 *   that one program gets its input converted to float32 and its output cast
 *   back (exact for integers within ±2^24); every other program runs
 *   unchanged. The conversion multiplies by a float32 one: the backend's
 *   int32 → float32 `Cast` only relabels the int32 buffer, which the
 *   transpose shader would again read as i32.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel } from './conv2d-grad.js';
import { depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './depthwise-grad.js';

const BACKEND = 'webgpu';

function dilated(attrs: tf.NamedAttrMap): boolean {
  const d = (attrs as { dilations?: number | number[] }).dilations ?? 1;
  return (Array.isArray(d) ? d : [d]).some((v) => v !== 1);
}

/** `composed` (an op composition that handles dilations) when the kernel is dilated, else the backend's `original`. */
function withDilatedComposition(composed: tf.KernelConfig, original: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: composed.kernelName,
    backendName: BACKEND,
    kernelFunc: (args) => (dilated(args.attrs ?? {}) ? composed.kernelFunc(args) : original(args)),
  };
}

/** `UnsortedSegmentSum` with TensorFlow's semantics on top of the backend's kernel `original`. */
function segmentSumDroppingOutOfRange(original: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName: BACKEND,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs.x as tf.Tensor;
      const ids = inputs.segmentIds as tf.Tensor;
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const rows = ids.size;
      const inner = x.shape.slice(ids.rank);
      return tf.tidy(() => {
        const flatIds = tf.reshape(ids, [rows]);
        const kept = tf.where(tf.less(flatIds, numSegments), flatIds, tf.fill([rows], -1, 'int32'));
        const flatX = tf.cast(tf.reshape(x, [rows, ...inner]), 'float32');
        const summed = original({ inputs: { x: flatX, segmentIds: kept }, backend, attrs: { numSegments } }) as tf.TensorInfo;
        return tf.cast(tf.engine().makeTensorFromTensorInfo(summed), x.dtype);
      });
    },
  };
}

/** `AddN` in chunks of at most (storage-buffer limit − 1) inputs, each summed by the backend's `original`. */
function addNInChunks(original: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.AddN,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const gpu = backend as unknown as tf.KernelBackend & { device: { limits: { maxStorageBuffersPerShaderStage: number } } };
      const device = gpu.device;
      const most = Math.max(2, device.limits.maxStorageBuffersPerShaderStage - 1);
      let terms = inputs as unknown as tf.TensorInfo[];
      const partials: tf.TensorInfo[] = [];
      while (terms.length > most) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < terms.length; i += most) {
          const chunk = terms.slice(i, i + most);
          if (chunk.length === 1) {
            next.push(chunk[0]);
            continue;
          }
          const partial = original({ inputs: chunk as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
          partials.push(partial);
          next.push(partial);
        }
        terms = next;
      }
      const sum = original({ inputs: terms as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
      for (const partial of partials) gpu.disposeData(partial.dataId);
      return sum;
    },
  };
}

interface ProgramRunner {
  runWebGPUProgram(program: { shaderKey?: string }, inputs: tf.TensorInfo[], outputDtype: tf.DataType, ...rest: unknown[]): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

const TRANSPOSE_PROGRAM = /^transpose_/;
const patchedBackends = new WeakSet<object>();

/**
 * Makes the backend's general transpose program take int32 and bool input
 * through float32 (see the file comment); patches the prototype of
 * `backend` once, after the webgpu backend has started.
 */
export function transposeIntegersAsFloat(backend: tf.KernelBackend): void {
  const proto = Object.getPrototypeOf(backend) as ProgramRunner;
  if (patchedBackends.has(proto)) return;
  patchedBackends.add(proto);
  const run = proto.runWebGPUProgram;
  const kernel = (self: ProgramRunner, name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}) =>
    tf.getKernel(name, BACKEND)!.kernelFunc({ inputs, backend: self as unknown as tf.KernelBackend, attrs }) as tf.TensorInfo;
  proto.runWebGPUProgram = function (this: ProgramRunner, program, inputs, outputDtype, ...rest) {
    if (!TRANSPOSE_PROGRAM.test(program.shaderKey ?? '') || inputs.length !== 1 || inputs[0].dtype === 'float32') return run.call(this, program, inputs, outputDtype, ...rest);
    const one = (this as unknown as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo }).makeTensorInfo([], 'float32', Float32Array.of(1));
    const asFloat = kernel(this, tf.Multiply, { a: inputs[0], b: one });
    const transposed = run.call(this, program, [asFloat], 'float32', ...rest);
    const result = kernel(this, tf.Cast, { x: transposed }, { dtype: outputDtype });
    for (const info of [one, asFloat, transposed]) this.disposeData(info.dataId);
    return result;
  };
}

/**
 * The corrected kernels, each wrapping the backend's current kernel of the
 * same name; call once, after the webgpu backend is registered.
 */
export function webgpuKernelFixes(): tf.KernelConfig[] {
  const original = (name: string): tf.KernelFunc => {
    const kernel = tf.getKernel(name, BACKEND);
    if (!kernel) throw new Error(`webgpuKernelFixes: the webgpu backend has no ${name} kernel`);
    return kernel.kernelFunc;
  };
  return [
    ...[conv2dBackpropFilterKernel, conv2dBackpropInputKernel, depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel].map((make) => {
      const composed = make(BACKEND);
      return withDilatedComposition(composed, original(composed.kernelName));
    }),
    segmentSumDroppingOutOfRange(original(tf.UnsortedSegmentSum)),
    addNInChunks(original(tf.AddN)),
  ];
}
