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
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import type { Initializer, WeightInit } from './init.js';
import { batchNorm } from './norm.js';
import { zeroPadding } from './padding.js';

export interface ConvOptions {
  filters: number;
  /** Kernel size along every spatial axis. */
  kernelSize: number;
  strides?: number;
  /** Dilation along every spatial axis (default 1; with strides 1). */
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
  const layer = options.depthwise
    ? tf.layers.depthwiseConv2d({ ...common, depthMultiplier: 1, depthwiseInitializer: kernelInitializer })
    : rank === 4
      ? tf.layers.conv2d({ ...common, filters: options.filters, kernelInitializer })
      : tf.layers.conv3d({ ...common, filters: options.filters, kernelInitializer });
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
