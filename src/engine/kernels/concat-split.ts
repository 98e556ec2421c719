/**
 * `Concat`, `SplitV`, `Pack` and `Unpack` on the wasm heap as block copies. A U-Net's skip
 * connection concatenates the encoder and decoder features on the channel
 * axis (Ronneberger et al. 2015, Fig. 1), and the gradient of that concat is
 * a `SplitV` on the same axis: both move, for each of the outer positions
 * (batch × height × width), one contiguous run of channels per tensor.
 *
 * TF.js 4.22's wasm kernels do that with one `subarray` + `set` per run, and
 * its `SplitV` first copies the whole input out of the heap (`readSync`) for
 * every piece: at batch 4, 128×128, 128 channels the five splits of a
 * VGG16-BN U-Net step took ~12% of its CPU time (`npm run bench -- segment
 * --profile`). Here every run is one `copyWithin` on a byte view of the heap
 * (memmove, no allocation, no intermediate copy) — the values are moved, not
 * computed, so the result is bit-identical for every dtype but string, which
 * goes to the kernel registered before (`original`, whose setup it keeps). The view is taken after
 * every output is allocated (allocation can grow, and so detach, the heap).
 *
 * `Pack` (stack) and `Unpack` (unstack) are the same copies with parts of
 * size 1 along the new axis. TF.js 4.22's wasm `Unpack` slices once per
 * output, and a non-contiguous slice of a rank ≥ 5 tensor is copied element
 * by element through the cpu backend's index arithmetic: the gradient of the
 * zero insertion before a 3-D U-Net's transposed conv (`ScatterEven`, three
 * stacks with zeros) was ~30% of a 3D WaveUNet `unet-v1` training step
 * (measured with `tf.profile` at 2×16×64×64).
 */
import * as tf from '@tensorflow/tfjs';
import { heapBackend, type HeapBackend } from './heap.js';

interface HeapAddress {
  byteOffset: number;
  buffer: ArrayBufferLike;
}

/** Byte offset and buffer of `t`'s memory in the heap. */
function addressOf(backend: HeapBackend, t: tf.TensorInfo): HeapAddress {
  const view = backend.typedArrayFromHeap(t);
  return { byteOffset: view.byteOffset, buffer: view.buffer };
}

/**
 * Copies, for each of `outer` positions, `runBytes[i]` bytes of part i into
 * (`gather` false) or out of (`gather` true) a whole whose rows hold the parts
 * side by side. `parts` and `whole` are byte offsets in `heap`.
 */
function copyRuns(heap: Uint8Array, whole: number, parts: number[], runBytes: number[], outer: number, gather: boolean): void {
  const rowBytes = runBytes.reduce((a, b) => a + b, 0);
  for (let o = 0; o < outer; o++) {
    let at = whole + o * rowBytes;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] + o * runBytes[i];
      if (gather) heap.copyWithin(part, at, at + runBytes[i]);
      else heap.copyWithin(at, part, part + runBytes[i]);
      at += runBytes[i];
    }
  }
}

const product = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

/** `Concat` in place of `original` (a heap backend's), which still takes strings. */
export function concatKernel(original: tf.KernelConfig): tf.KernelConfig {
  const backendName = original.backendName;
  return {
    ...original,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      if (inputs[0].dtype === 'string') return original.kernelFunc(args);
      const axis = tf.util.parseAxisParam((args.attrs as unknown as tf.ConcatAttrs).axis, inputs[0].shape)[0];
      tf.backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
      const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
      const heap = heapBackend(args.backend, `Concat on '${backendName}'`);
      const out = heap.makeOutput(outShape, inputs[0].dtype);
      const parts = inputs.filter((t) => product(t.shape) > 0);
      if (parts.length === 0) return out;
      const bytes = tf.util.bytesPerElement(inputs[0].dtype);
      const whole = addressOf(heap, out);
      copyRuns(
        new Uint8Array(whole.buffer),
        whole.byteOffset,
        parts.map((t) => addressOf(heap, t).byteOffset),
        parts.map((t) => product(t.shape.slice(axis)) * bytes),
        product(outShape.slice(0, axis)),
        false,
      );
      return out;
    },
  };
}

/** `SplitV` in place of `original` (a heap backend's), which still takes strings. */
export function splitVKernel(original: tf.KernelConfig): tf.KernelConfig {
  const backendName = original.backendName;
  return {
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args);
      const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
      const heap = heapBackend(args.backend, `SplitV on '${backendName}'`);
      const outs = sizes.map((s) => heap.makeOutput(x.shape.map((d, i) => (i === ax ? s : d)), x.dtype));
      const bytes = tf.util.bytesPerElement(x.dtype);
      const inner = product(x.shape.slice(ax + 1));
      const outer = product(x.shape.slice(0, ax));
      if (outer * inner > 0) {
        const whole = addressOf(heap, x);
        copyRuns(
          new Uint8Array(whole.buffer),
          whole.byteOffset,
          outs.map((t) => addressOf(heap, t).byteOffset),
          sizes.map((s) => s * inner * bytes),
          outer,
          true,
        );
      }
      return outs;
    },
  };
}

/** `Pack` in place of `original` (a heap backend's): `Concat` of the inputs, each with a new axis of size 1. */
export function packKernel(original: tf.KernelConfig): tf.KernelConfig {
  const backendName = original.backendName;
  return {
    ...original,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      if (inputs[0].dtype === 'string') return original.kernelFunc(args);
      const shape = inputs[0].shape;
      const axis = tf.util.parseAxisParam((args.attrs as unknown as tf.PackAttrs).axis, [...shape, inputs.length])[0];
      const outShape = [...shape.slice(0, axis), inputs.length, ...shape.slice(axis)];
      const heap = heapBackend(args.backend, `Pack on '${backendName}'`);
      const out = heap.makeOutput(outShape, inputs[0].dtype);
      const run = product(shape.slice(axis)) * tf.util.bytesPerElement(inputs[0].dtype);
      if (run > 0) {
        const whole = addressOf(heap, out);
        const parts = inputs.map((t) => addressOf(heap, t).byteOffset);
        copyRuns(new Uint8Array(whole.buffer), whole.byteOffset, parts, parts.map(() => run), product(shape.slice(0, axis)), false);
      }
      return out;
    },
  };
}

/** `Unpack` in place of `original` (a heap backend's): `SplitV` into parts of size 1, the axis dropped. */
export function unpackKernel(original: tf.KernelConfig): tf.KernelConfig {
  const backendName = original.backendName;
  return {
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs.value as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args);
      const axis = tf.util.parseAxisParam((args.attrs as unknown as tf.UnpackAttrs).axis, x.shape)[0];
      const partShape = x.shape.filter((_, i) => i !== axis);
      const heap = heapBackend(args.backend, `Unpack on '${backendName}'`);
      const outs = Array.from({ length: x.shape[axis] }, () => heap.makeOutput(partShape, x.dtype));
      const run = product(x.shape.slice(axis + 1)) * tf.util.bytesPerElement(x.dtype);
      if (run > 0 && outs.length > 0) {
        const whole = addressOf(heap, x);
        copyRuns(new Uint8Array(whole.buffer), whole.byteOffset, outs.map((t) => addressOf(heap, t).byteOffset), outs.map(() => run), product(x.shape.slice(0, axis)), true);
      }
      return outs;
    },
  };
}
