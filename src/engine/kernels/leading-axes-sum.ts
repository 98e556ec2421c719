/**
 * `Sum` over the leading axes of a float32 tensor — out[c] = Σ_r x[r, c] with
 * x seen as [rows, inner] — straight from the wasm heap. That is the bias
 * gradient of every convolution and of every broadcast add in an NHWC
 * network (the sum of dy over batch, height and width), tens of them per
 * training step. TF.js 4.22's wasm `Sum` only reduces innermost axes, so for
 * these it first transposes the whole gradient into a new tensor and then
 * reduces it: ~5% of a VGG16-BN U-Net step at batch 4, 128×128 (`npm run
 * bench -- segment --profile`). Here one pass reads x row by row into
 * float64 accumulators (as many as the output has elements) and rounds them to
 * float32 at the end, so the result is at least as accurate as the
 * transpose-then-reduce one (which accumulates in float32). A sum over all
 * axes (a loss over every pixel or voxel) is the case inner = 1: wasm's own
 * float32 accumulation loses about 1e-3 relative over the 2M voxels of a
 * 3-D WaveUNet batch, the float64 one matches PyTorch's pairwise sum. Every
 * other reduction (other axes, other dtypes) goes to the kernel registered
 * before (`original`, whose setup it keeps).
 */
import * as tf from '@tensorflow/tfjs';
import { allocateAndView, heapBackend } from './heap.js';

/** The number of leading axes `axes` names (0..k−1 in any order, all axes included), or 0 when they are not the leading ones. */
function leadingAxes(axes: number[], rank: number): number {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.some((a, i) => a !== i)) return 0;
  return sorted.length;
}

/** `Sum` in place of `original` (a heap backend's), which still takes every other reduction. */
export function leadingAxesSumKernel(original: tf.KernelConfig): tf.KernelConfig {
  const backendName = original.backendName;
  return {
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
      const k = x.dtype === 'float32' ? leadingAxes(tf.util.parseAxisParam(axis, x.shape), x.shape.length) : 0;
      if (k === 0) return original.kernelFunc(args);
      const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
      const innerShape = x.shape.slice(k);
      const inner = innerShape.reduce((a, b) => a * b, 1);
      const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...innerShape] : innerShape;
      const heap = heapBackend(args.backend, `Sum on '${backendName}'`);
      const { outputs, views } = allocateAndView(heap, [x], [outShape]);
      const [values, out] = views;
      const acc = new Float64Array(inner);
      for (let r = 0, at = 0; r < rows; r++) for (let c = 0; c < inner; c++, at++) acc[c] += values[at];
      out.set(acc);
      return outputs[0];
    },
  };
}
