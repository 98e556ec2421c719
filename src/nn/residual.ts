/**
 * Residual blocks of He et al., "Deep Residual Learning for Image
 * Recognition" (CVPR 2016): the BasicBlock (two 3×3 convolutions, Fig. 2) and
 * the Bottleneck (1×1 → 3×3 → 1×1 with 4× expansion, Fig. 5; stride on the
 * 3×3 as torchvision's "ResNet v1.5"), y = ReLU(F(x) + shortcut(x)) (Eq. 1),
 * in 2-D (NHWC) or 3-D (NDHWC) by the rank of the input.
 *
 *  - Shortcut: identity when shape is kept, else projection 1×1 conv(stride)
 *    → BN (Eq. 2, option B).
 *  - `dilation` d dilates the block's 3×3 convolutions (padding d, output
 *    size kept), for encoders with output stride 8 or 16 (Chen et al.,
 *    "Rethinking Atrous Convolution", 2017, §3.1; DeepLabv3+ uses output
 *    stride 16): a stage whose stride is replaced by dilation has stride 1
 *    (2-D only, see ./conv.ts).
 *  - With a wavelet in `down` (WaveCNet, Li et al., CVPR 2020 / TIP 2021,
 *    placement of the reference code `models_dwt/resnet.py`): a stride-2
 *    block keeps every convolution at stride 1 and inserts the DWT before the
 *    second 3×3 convolution (BasicBlock) or before the last 1×1
 *    (Bottleneck); the projection shortcut is DWT → 1×1 stride-1 conv → BN.
 *
 * Layer names: `<name>_1`, `<name>_2` (`_3`) conv/BN pairs (./conv.ts),
 * `<name>_dwt`, `<name>_shortcut_{dwt,conv,bn}`, `<name>_add`, and the
 * block's output ReLU `<name>_out`. Weights are initialised in that order
 * (main path, then shortcut).
 */
import * as tf from '@tensorflow/tfjs';
import { conv, convBnAct } from './conv.js';
import { relu } from './core.js';
import { isWavelet, waveletDownsample, type Downsampler } from './downsample.js';
import type { WeightInit } from './init.js';
import { windowPadding, type PaddingStyle } from './padding.js';
import { batchNorm } from './norm.js';

/** Output channels of a Bottleneck per `planes`. */
export const BOTTLENECK_EXPANSION = 4;

export interface ResidualBlockOptions {
  /** Channels of the 3×3 convolutions (a Bottleneck outputs 4× as many). */
  planes: number;
  /** 1 or 2 (default 1). */
  stride?: number;
  /** Dilation of the 3×3 convolutions (default 1; only with stride 1). */
  dilation?: number;
  /** WaveCNet's downsampler; without a wavelet, strided convolutions. */
  down?: Downsampler;
  /** Padding of the strided 3×3 convolution (default 'same'; 'pytorch': symmetric, ./padding.ts). */
  padding?: PaddingStyle;
  init: WeightInit;
  name: string;
}

const channelsOf = (x: tf.SymbolicTensor): number => x.shape[x.shape.length - 1] as number;

/** The projection (or identity) shortcut of a block. */
function shortcut(x: tf.SymbolicTensor, outChannels: number, o: ResidualBlockOptions): tf.SymbolicTensor {
  const stride = o.stride ?? 1;
  if (stride === 1 && channelsOf(x) === outChannels) return x;
  let y = x;
  let convStride = stride;
  if (stride !== 1 && o.down && isWavelet(o.down)) {
    y = waveletDownsample(y, o.down, `${o.name}_shortcut_dwt`);
    convStride = 1;
  }
  y = conv(y, { filters: outChannels, kernelSize: 1, strides: convStride, name: `${o.name}_shortcut_conv`, init: o.init });
  return batchNorm(y, `${o.name}_shortcut_bn`);
}

/** Adds the residual and the shortcut, then the output ReLU. */
function merge(residual: tf.SymbolicTensor, x: tf.SymbolicTensor, o: ResidualBlockOptions): tf.SymbolicTensor {
  const sum = tf.layers.add({ name: `${o.name}_add` }).apply([residual, shortcut(x, channelsOf(residual), o)]) as tf.SymbolicTensor;
  return relu(sum, `${o.name}_out`);
}

function wavelet(o: ResidualBlockOptions): boolean {
  return (o.stride ?? 1) !== 1 && o.down !== undefined && isWavelet(o.down);
}

/** BasicBlock: conv3×3(stride) → BN → ReLU → conv3×3 → BN, + shortcut, ReLU. */
export function basicBlock(x: tf.SymbolicTensor, o: ResidualBlockOptions): tf.SymbolicTensor {
  const wave = wavelet(o);
  const dilation = o.dilation ?? 1;
  const strides = wave ? 1 : (o.stride ?? 1);
  let y = convBnAct(x, { filters: o.planes, kernelSize: 3, strides, dilation, padding: windowPadding(o.padding ?? 'same', 3, strides, dilation), name: `${o.name}_1`, init: o.init });
  if (wave) y = waveletDownsample(y, o.down!, `${o.name}_dwt`);
  y = convBnAct(y, { filters: o.planes, kernelSize: 3, dilation, name: `${o.name}_2`, init: o.init, activation: 'linear' });
  return merge(y, x, o);
}

/** Bottleneck: conv1×1 → BN → ReLU → conv3×3(stride) → BN → ReLU → conv1×1(4·planes) → BN, + shortcut, ReLU. */
export function bottleneckBlock(x: tf.SymbolicTensor, o: ResidualBlockOptions): tf.SymbolicTensor {
  const wave = wavelet(o);
  let y = convBnAct(x, { filters: o.planes, kernelSize: 1, name: `${o.name}_1`, init: o.init });
  const strides = wave ? 1 : (o.stride ?? 1);
  const dilation = o.dilation ?? 1;
  y = convBnAct(y, { filters: o.planes, kernelSize: 3, strides, dilation, padding: windowPadding(o.padding ?? 'same', 3, strides, dilation), name: `${o.name}_2`, init: o.init });
  if (wave) y = waveletDownsample(y, o.down!, `${o.name}_dwt`);
  y = convBnAct(y, { filters: o.planes * BOTTLENECK_EXPANSION, kernelSize: 1, name: `${o.name}_3`, init: o.init, activation: 'linear' });
  return merge(y, x, o);
}
