/**
 * Up-sampling in 2-D (NHWC) and 3-D (NDHWC), the decoder side of U-Nets,
 * SegNets and DeepLab:
 *  - {@link transposedConv}: the learned "up-convolution" of U-Net
 *    (Ronneberger et al., MICCAI 2015, §2: 2×2 kernel, stride 2), by default
 *    kernel = stride, where TF.js's 'same' and PyTorch's `ConvTranspose(k=s,
 *    stride=s)` agree exactly (every output pixel receives one tap);
 *  - {@link Interpolate} / {@link interpolate}: nearest or (bi/tri)linear
 *    interpolation by an integer factor with PyTorch's `F.interpolate`
 *    semantics, `align_corners=False` by default (DeepLabv3+, Chen et al.
 *    ECCV 2018, §3.2, up-samples its decoder features bilinearly by 4) or
 *    `alignCorners` (linear only: output i samples input position
 *    i·(n − 1)/(s·n − 1), what the 3D WaveUNet decoders, Li et al.,
 *    Bioinformatics 2022, Sec. 2.3, and WiNet's refinement input use);
 *    {@link resize} is the same on tensors;
 *  - {@link ScatterEven}: zero-insertion up-sampling, each value moved to
 *    position s·i of a grid s times as large, zeros elsewhere; followed by a
 *    1ⁿ convolution with bias it is PyTorch's `ConvTranspose(kernel_size=1,
 *    stride=s, output_padding=s−1)` (3D WaveUNet's U-Net V1 decoder), whose
 *    values sit at the even positions where TF.js's 'same' transposed
 *    convolution puts them at odd ones;
 *  - {@link waveletUnpool}: the IDWT of the decoder's features with the detail
 *    bands stored by the matching pool (WaveSNet), see ./downsample.ts
 *    `waveletPoolWithDetails`.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { WaveletUnpool2D, WaveletUnpool3D } from '../wavelets/layers.js';
import type { Initializer, WeightInit } from './init.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

const checkSpatial = (x: tf.SymbolicTensor): void => check(x.shape.length === 4 || x.shape.length === 5, 'x', x.shape, 'an NHWC (rank 4) or NDHWC (rank 5) tensor');

export interface TransposedConvOptions {
  filters: number;
  /** Up-sampling factor along every spatial axis (default 2). */
  strides?: number;
  /** Kernel size (default = strides). */
  kernelSize?: number;
  useBias?: boolean;
  /** Kernel initialiser (default `init.convKernel()`). */
  kernelInitializer?: Initializer;
  init: WeightInit;
  name: string;
}

/** A transposed convolution with 'same' padding: spatial sizes × strides. */
export function transposedConv(x: tf.SymbolicTensor, options: TransposedConvOptions): tf.SymbolicTensor {
  checkSpatial(x);
  const strides = options.strides ?? 2;
  const config = {
    filters: options.filters,
    kernelSize: options.kernelSize ?? strides,
    strides,
    padding: 'same' as const,
    useBias: options.useBias ?? true,
    kernelInitializer: options.kernelInitializer ?? options.init.convKernel(),
    biasInitializer: 'zeros' as const,
    name: options.name,
  };
  const layer = x.shape.length === 4 ? tf.layers.conv2dTranspose(config) : tf.layers.conv3dTranspose(config);
  return layer.apply(x) as tf.SymbolicTensor;
}

export const INTERPOLATION_MODES = ['nearest', 'linear'] as const;
export type InterpolationMode = (typeof INTERPOLATION_MODES)[number];

export interface InterpolateArgs extends LayerArgs {
  /** Integer factor along every spatial axis (default 2). */
  scale?: number;
  /** 'nearest' (default) or 'linear' (bilinear in 2-D, trilinear in 3-D). */
  mode?: InterpolationMode;
  /** Linear only: PyTorch's `align_corners=True` (default false, see the module comment). */
  alignCorners?: boolean;
}

/**
 * Up-samples `x` along `axis` by the integer factor `s`, PyTorch's
 * `align_corners=False` rule: output j reads source position
 * (j + ½)/s − ½, clamped to the edges. For integer s the position of output
 * s·i + k is i + d_k with d_k = (k + ½)/s − ½ ∈ (−½, ½), so linear output is
 * (−d_k)·x[i−1] + (1 + d_k)·x[i] for d_k < 0 and (1 − d_k)·x[i] + d_k·x[i+1]
 * otherwise, with x[−1] = x[0] and x[n] = x[n−1] (the clamp). The s phases
 * are stacked after `axis` and merged into it; every step is a tf op, so the
 * gradient is autograd's.
 */
function upsampleAxis(x: tf.Tensor, axis: number, s: number, mode: InterpolationMode): tf.Tensor {
  const n = x.shape[axis];
  const merged = x.shape.map((d, i) => (i === axis ? d * s : d));
  // Nearest: every phase is x (stacked copies; tf.tile has no gradient past rank 5).
  if (mode === 'nearest') return tf.reshape(tf.stack(Array.from({ length: s }, () => x), axis + 1), merged);
  const slice = (start: number, size: number): tf.Tensor => tf.slice(x, x.shape.map((_, i) => (i === axis ? start : 0)), x.shape.map((d, i) => (i === axis ? size : d)));
  const previous = n === 1 ? x : tf.concat([slice(0, 1), slice(0, n - 1)], axis);
  const next = n === 1 ? x : tf.concat([slice(1, n - 1), slice(n - 1, 1)], axis);
  const phases = Array.from({ length: s }, (_, k) => {
    const d = (k + 0.5) / s - 0.5;
    if (d === 0) return x;
    return d < 0 ? tf.add(tf.mul(previous, -d), tf.mul(x, 1 + d)) : tf.add(tf.mul(x, 1 - d), tf.mul(next, d));
  });
  return tf.reshape(tf.stack(phases, axis + 1), merged);
}

/**
 * Up-samples `x` (rank 4 or 5) by the integer `scale` with PyTorch's
 * `align_corners=True` linear rule, output i sampling input position
 * i·(n − 1)/(s·n − 1) on every spatial axis: TF.js's
 * `resizeBilinear(alignCorners)`, in 3-D as two passes — (H, W) of every
 * depth slice, then (D, H·W), whose second axis maps onto itself exactly — so
 * the gradient is TF.js's `ResizeBilinearGrad`.
 */
function upsampleAlignCorners(x: tf.Tensor, s: number): tf.Tensor {
  if (x.rank === 4) {
    const [, h, w] = x.shape;
    return tf.image.resizeBilinear(x as tf.Tensor4D, [s * h, s * w], true);
  }
  const [b, d, h, w, c] = x.shape;
  const planes = tf.image.resizeBilinear(tf.reshape(x, [b * d, h, w, c]) as tf.Tensor4D, [s * h, s * w], true);
  const depth = tf.image.resizeBilinear(tf.reshape(planes, [b, d, s * s * h * w, c]) as tf.Tensor4D, [s * d, s * s * h * w], true);
  return tf.reshape(depth, [b, s * d, s * h, s * w, c]);
}

/**
 * The up-sampling of {@link Interpolate} on a tensor: NHWC or NDHWC `x` by the
 * integer `scale` in `mode`, `alignCorners` for PyTorch's
 * `align_corners=True` (linear only). Differentiable.
 */
export function resize(x: tf.Tensor, scale: number, mode: InterpolationMode, alignCorners = false): tf.Tensor {
  check(x.rank === 4 || x.rank === 5, 'x', x.shape, 'an NHWC (rank 4) or NDHWC (rank 5) tensor');
  return tf.tidy(() => {
    if (scale === 1) return tf.clone(x);
    if (alignCorners) return upsampleAlignCorners(x, scale);
    let y = x;
    for (let axis = 1; axis < y.rank - 1; axis++) y = upsampleAxis(y, axis, scale, mode);
    return y;
  });
}

/** Nearest or (bi/tri)linear up-sampling of NHWC / NDHWC input by an integer factor (see {@link upsampleAxis}, {@link upsampleAlignCorners}). */
export class Interpolate extends tf.layers.Layer {
  static className = 'WavecvInterpolate';
  readonly scale: number;
  readonly mode: InterpolationMode;
  readonly alignCorners: boolean;

  constructor(args: InterpolateArgs = {}) {
    super(args);
    this.scale = args.scale ?? 2;
    this.mode = args.mode ?? 'nearest';
    this.alignCorners = args.alignCorners ?? false;
    check(Number.isInteger(this.scale) && this.scale >= 1, 'scale', this.scale, 'an integer ≥ 1');
    check((INTERPOLATION_MODES as readonly string[]).includes(this.mode), 'mode', this.mode, `one of ${INTERPOLATION_MODES.join(', ')}`);
    check(!this.alignCorners || this.mode === 'linear', 'alignCorners', this.alignCorners, "false with mode 'nearest' (PyTorch allows align_corners only for linear modes)");
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    check(shape.length === 4 || shape.length === 5, 'inputShape', shape, 'an NHWC (rank 4) or NDHWC (rank 5) shape');
    return shape.map((n, i) => (i === 0 || i === shape.length - 1 || n === null ? n : n * this.scale));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return resize(Array.isArray(inputs) ? inputs[0] : inputs, this.scale, this.mode, this.alignCorners);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale, mode: this.mode, alignCorners: this.alignCorners };
  }
}
tf.serialization.registerClass(Interpolate);

/** {@link Interpolate} applied to `x` (layer `name`). */
export function interpolate(x: tf.SymbolicTensor, scale: number, mode: InterpolationMode, name: string, alignCorners = false): tf.SymbolicTensor {
  checkSpatial(x);
  return new Interpolate({ scale, mode, alignCorners, name }).apply(x) as tf.SymbolicTensor;
}

export interface ScatterEvenArgs extends LayerArgs {
  /** Integer factor along every spatial axis (default 2). */
  scale?: number;
}

/** Zero-insertion up-sampling of NHWC / NDHWC input (see the module comment). */
export class ScatterEven extends tf.layers.Layer {
  static className = 'WavecvScatterEven';
  readonly scale: number;

  constructor(args: ScatterEvenArgs = {}) {
    super(args);
    this.scale = args.scale ?? 2;
    check(Number.isInteger(this.scale) && this.scale >= 1, 'scale', this.scale, 'an integer ≥ 1');
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    check(shape.length === 4 || shape.length === 5, 'inputShape', shape, 'an NHWC (rank 4) or NDHWC (rank 5) shape');
    return shape.map((n, i) => (i === 0 || i === shape.length - 1 || n === null ? n : n * this.scale));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      // One axis at a time (stack with zeros, merge): tf.pad of a rank-8 view gives wrong values on the wasm backend.
      let y = Array.isArray(inputs) ? inputs[0] : inputs;
      for (let axis = 1; axis < y.rank - 1; axis++) {
        const merged = y.shape.map((n, i) => (i === axis ? n * this.scale : n));
        const zeros = tf.zerosLike(y);
        y = tf.reshape(tf.stack([y, ...new Array<tf.Tensor>(this.scale - 1).fill(zeros)], axis + 1), merged);
      }
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(ScatterEven);

/*
 * The class names under which models saved these up-samplings before the
 * layers joined the library; each name loads as the library layer that
 * computes the same function (test/nn/legacy-layers.test.ts loads models
 * saved then).
 */

/** `WavecvNearestUpsample` (the VoxelMorph baseline's ×2 nearest up-sampling): {@link Interpolate}, nearest ×2. */
export class LegacyNearestUpsample extends Interpolate {
  static override className = 'WavecvNearestUpsample';
  constructor(args: LayerArgs = {}) {
    super({ ...args, scale: 2, mode: 'nearest', alignCorners: false });
  }
}
tf.serialization.registerClass(LegacyNearestUpsample);

/** `UpsampleAlignCorners3D` (3D WaveUNet's decoders): {@link Interpolate}, trilinear ×2 with `alignCorners`. */
export class LegacyUpsampleAlignCorners3D extends Interpolate {
  static override className = 'UpsampleAlignCorners3D';
  constructor(args: LayerArgs = {}) {
    super({ ...args, scale: 2, mode: 'linear', alignCorners: true });
  }
}
tf.serialization.registerClass(LegacyUpsampleAlignCorners3D);

/** `ScatterEven3D` (3D WaveUNet's U-Net V1 decoder): {@link ScatterEven} ×2. */
export class LegacyScatterEven3D extends ScatterEven {
  static override className = 'ScatterEven3D';
  constructor(args: LayerArgs = {}) {
    super({ ...args, scale: 2 });
  }
}
tf.serialization.registerClass(LegacyScatterEven3D);

/**
 * The IDWT of `low` (the decoder's features) with the `details` stored by
 * `waveletPoolWithDetails`; `reference` (the tensor that was pooled) sets the
 * output size, cropping odd sizes. 2-D or 3-D by the rank of `low`.
 */
export function waveletUnpool(low: tf.SymbolicTensor, details: tf.SymbolicTensor[], reference: tf.SymbolicTensor | undefined, wavelet: string, name: string, mode = 'periodization'): tf.SymbolicTensor {
  checkSpatial(low);
  const args = { wavelet, mode, name };
  const layer = low.shape.length === 4 ? new WaveletUnpool2D(args) : new WaveletUnpool3D(args);
  return layer.apply([low, ...details, ...(reference ? [reference] : [])]) as tf.SymbolicTensor;
}
