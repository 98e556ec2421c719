/**
 * Convolutions and the two usual compositions with batch normalisation, for
 * 2-D (NHWC, filters HWIO) and 3-D (NDHWC, DHWIO) inputs, the rank read from
 * the input:
 *  - {@link conv}: one convolution (optionally depthwise in 2-D, dilated);
 *  - {@link convBnAct}: conv → BN → ReLU (Ioffe & Szegedy 2015, §3.2: BN
 *    before the non-linearity; He et al. 2016, "Deep Residual Learning",
 *    §3.4 for the ordering in ResNets);
 *  - {@link bnActConv}: BN → ReLU → conv, the pre-activation order (He et al.
 *    2016, "Identity Mappings in Deep Residual Networks", Fig. 4e; DenseNet's
 *    composite function, Huang et al. 2017 §3).
 *
 * Padding: `'same'` is TF.js's (stride 2 on an even size pads one extra
 * row/column at the bottom/right; output sizes and parameter counts equal
 * PyTorch's, the sampling grid is shifted by half a pixel); a number p is
 * PyTorch's `padding=p`, written as an explicit symmetric zero padding
 * (layer `<name>_pad`, see ./padding.ts) followed by a `'valid'` convolution,
 * so outputs match PyTorch exactly. Bias off by default (a BN follows).
 * ReLU is fused into the BN layer ({@link BatchNorm} `activation: 'relu'`),
 * which the native path runs in the same oneDNN pass.
 *
 * Dilated 2-D convolutions are {@link DilatedConv2D} layers: TF.js's `Conv2D`
 * layer always calls `tf.fused.conv2d`, whose gradient refuses dilations;
 * the plain `tf.conv2d` op is differentiable for any dilation (wavecv's
 * engine registers that gradient, src/engine/gradients.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import type { Initializer, WeightInit } from './init.js';
import { batchNorm } from './norm.js';
import { zeroPadding } from './padding.js';

type Conv2DLayer = ReturnType<typeof tf.layers.conv2d>;
type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
const Conv2DBase = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: Conv2DArgs) => Conv2DLayer;

/** What {@link DilatedConv2D} reads of TF.js's `Conv2D` (protected there). */
interface Conv2DInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
  strides: [number, number];
  padding: 'same' | 'valid';
  dilationRate: [number, number];
}

/** TF.js's `Conv2D` computed with the unfused `tf.conv2d` op, so that dilated convolutions train (see the module comment). */
export class DilatedConv2D extends Conv2DBase {
  static className = 'WavecvDilatedConv2D';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const self = this as unknown as Conv2DInternals;
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = tf.conv2d(x, self.kernel.read() as tf.Tensor4D, self.strides, self.padding, 'NHWC', self.dilationRate);
      if (self.bias) y = tf.add(y, self.bias.read());
      return self.activation.apply(y);
    });
  }
}
tf.serialization.registerClass(DilatedConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Output length of a convolution or pool window: ⌊(size + 2·pad − kernel)/stride⌋ + 1 (PyTorch's `Conv*d` shape rule, dilation 1). */
export function convOutputSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

export interface ConvOptions {
  filters: number;
  /** Kernel size along every spatial axis. */
  kernelSize: number;
  strides?: number;
  /** Dilation along every spatial axis (default 1; with strides 1; 2-D only: TF.js has no gradient of a dilated Conv3D). */
  dilation?: number;
  /** 'same' (default, TF.js), 'valid', or PyTorch's symmetric `padding=p` (explicit zero padding, then 'valid'). */
  padding?: 'same' | 'valid' | number;
  /** Add a bias (default false: a BN usually follows). */
  useBias?: boolean;
  /** 2-D only: one filter per input channel (`filters` is then ignored). */
  depthwise?: boolean;
  /** Kernel initialiser (default `init.convKernel()`, He fan-out). */
  kernelInitializer?: Initializer;
  init: WeightInit;
  name: string;
}

/** A convolution of NHWC or NDHWC `x` (see the module comment for padding). */
export function conv(x: tf.SymbolicTensor, options: ConvOptions): tf.SymbolicTensor {
  const rank = x.shape.length;
  check(rank === 4 || rank === 5, 'x', x.shape, 'an NHWC (rank 4) or NDHWC (rank 5) tensor');
  check(!options.depthwise || rank === 4, 'depthwise', options.depthwise, 'false for 3-D input (TF.js has no depthwise 3-D convolution)');
  check((options.dilation ?? 1) === 1 || rank === 4, 'dilation', options.dilation, '1 for 3-D input (TF.js cannot differentiate a dilated 3-D convolution)');
  const padding = options.padding ?? 'same';
  let input = x;
  if (typeof padding === 'number' && padding > 0) input = zeroPadding(x, padding, `${options.name}_pad`);
  const common = {
    kernelSize: options.kernelSize,
    strides: options.strides ?? 1,
    dilationRate: options.dilation ?? 1,
    padding: typeof padding === 'number' ? ('valid' as const) : padding,
    useBias: options.useBias ?? false,
    biasInitializer: 'zeros' as const,
    name: options.name,
  };
  const kernelInitializer = options.kernelInitializer ?? options.init.convKernel();
  const dilated = common.dilationRate !== 1;
  check(!(dilated && options.depthwise), 'dilation', options.dilation, '1 for a depthwise convolution');
  const layer = options.depthwise
    ? tf.layers.depthwiseConv2d({ ...common, depthMultiplier: 1, depthwiseInitializer: kernelInitializer })
    : rank === 5
      ? tf.layers.conv3d({ ...common, filters: options.filters, kernelInitializer })
      : dilated
        ? new DilatedConv2D({ ...common, filters: options.filters, kernelInitializer })
        : tf.layers.conv2d({ ...common, filters: options.filters, kernelInitializer });
  return layer.apply(input) as tf.SymbolicTensor;
}

export interface ConvBnActOptions extends ConvOptions {
  /** 'relu' (default, fused into the BN) or 'linear' (no activation). */
  activation?: 'relu' | 'linear';
}

/** conv → BN → (ReLU); layers `<name>_conv` and `<name>_bn` (the BN applies the ReLU). */
export function convBnAct(x: tf.SymbolicTensor, options: ConvBnActOptions): tf.SymbolicTensor {
  const y = conv(x, { ...options, name: `${options.name}_conv` });
  return batchNorm(y, `${options.name}_bn`, { activation: options.activation ?? 'relu' });
}

/** BN → ReLU → conv, the pre-activation order; layers `<name>_bn` (with the ReLU) and `<name>_conv`. */
export function bnActConv(x: tf.SymbolicTensor, options: ConvOptions): tf.SymbolicTensor {
  const y = batchNorm(x, `${options.name}_bn`, { activation: 'relu' });
  return conv(y, { ...options, name: `${options.name}_conv` });
}
