/**
 * A reduced-width Xception (Chollet, "Xception: Deep Learning with Depthwise
 * Separable Convolutions", CVPR 2017, Fig. 5) — the CNN baseline of face
 * forgery detection (FaceForensics++, Rössler et al., ICCV 2019, and
 * DeepfakeBench's `xception` detector) and the convolutional stem of DTN
 * (./dtn.ts).
 *
 * Layout, channels scaled by `width` (rounded, at least 8):
 * - entry flow: Conv3×3/2 (32) → BN → ReLU → Conv3×3 (64) → BN → ReLU,
 *   then three blocks of ([ReLU] → SepConv3×3 → BN → ReLU → SepConv3×3 → BN
 *   → MaxPool3×3/2) plus a Conv1×1/2 → BN shortcut, with 128, 256 and 728
 *   channels (the first block starts without the ReLU) — stride 16;
 * - middle flow: `middleBlocks` residual blocks of 3 × (ReLU → SepConv3×3 →
 *   BN) at 728 channels (Xception has 8);
 * - exit flow (the classifier only): the same kind of block to 1024 channels
 *   (728 then 1024 in its separable convolutions) with stride 2, then
 *   SepConv3×3 (1536) → BN → ReLU → SepConv3×3 (2048) → BN → ReLU, global
 *   average pooling, a linear head — stride 32.
 *
 * Choices (ours): 'same' padding everywhere (Xception's first two
 * convolutions are 'valid'), so any input that is a multiple of the stride
 * maps to an exact grid; BatchNorm with PyTorch's ε = 1e-5 and momentum 0.1
 * (wavecv's `batchNorm`); He-normal (fan-out) kernels seeded from `seed`
 * (wavecv's `WeightInit`); no dropout before the head.
 */
import * as tf from '@tensorflow/tfjs';
import { WeightInit } from '../../nn/init.js';
import { batchNorm } from '../../nn/norm.js';
import { conv } from '../../nn/conv.js';
import { dense, globalAveragePool, relu } from '../../nn/core.js';

export interface XceptionOptions {
  /** Channel multiplier of every layer (1 = Xception). */
  width: number;
  /** Residual blocks of the middle flow (Xception: 8). */
  middleBlocks: number;
}

/** Channels of the stride-16 feature map of {@link xceptionFeatures} for `width`. */
export function xceptionChannels(channels: number, width: number): number {
  return Math.max(8, Math.round(channels * width));
}

function separable(x: tf.SymbolicTensor, filters: number, name: string, init: WeightInit): tf.SymbolicTensor {
  return tf.layers
    .separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init.convKernel(), pointwiseInitializer: init.convKernel(), name })
    .apply(x) as tf.SymbolicTensor;
}

/** A strided block with a 1×1 shortcut: [ReLU] → SepConv(a) → BN → ReLU → SepConv(b) → BN → MaxPool/2, + Conv1×1/2 → BN. */
function downBlock(x: tf.SymbolicTensor, filters: [number, number], name: string, init: WeightInit, leadingRelu: boolean): tf.SymbolicTensor {
  const shortcut = batchNorm(conv(x, { filters: filters[1], kernelSize: 1, strides: 2, init, name: `${name}_skip_conv` }), `${name}_skip_bn`);
  let y = leadingRelu ? relu(x, `${name}_relu0`) : x;
  y = batchNorm(separable(y, filters[0], `${name}_sep1`, init), `${name}_bn1`, { activation: 'relu' });
  y = batchNorm(separable(y, filters[1], `${name}_sep2`, init), `${name}_bn2`);
  y = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: `${name}_pool` }).apply(y) as tf.SymbolicTensor;
  return tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
}

/** A middle-flow block: 3 × (ReLU → SepConv → BN) plus the identity. */
function middleBlock(x: tf.SymbolicTensor, filters: number, name: string, init: WeightInit): tf.SymbolicTensor {
  let y = x;
  for (let i = 1; i <= 3; i++) y = batchNorm(separable(relu(y, `${name}_relu${i}`), filters, `${name}_sep${i}`, init), `${name}_bn${i}`);
  return tf.layers.add({ name: `${name}_add` }).apply([y, x]) as tf.SymbolicTensor;
}

/** Entry and middle flows: images [B, H, W, C] → features [B, H/16, W/16, 728·width] (not activated: the last op is a residual sum). */
export function xceptionFeatures(x: tf.SymbolicTensor, options: XceptionOptions, init: WeightInit): tf.SymbolicTensor {
  const c = (n: number) => xceptionChannels(n, options.width);
  let y = batchNorm(conv(x, { filters: c(32), kernelSize: 3, strides: 2, init, name: 'stem1_conv' }), 'stem1_bn', { activation: 'relu' });
  y = batchNorm(conv(y, { filters: c(64), kernelSize: 3, init, name: 'stem2_conv' }), 'stem2_bn', { activation: 'relu' });
  y = downBlock(y, [c(128), c(128)], 'entry1', init, false);
  y = downBlock(y, [c(256), c(256)], 'entry2', init, true);
  y = downBlock(y, [c(728), c(728)], 'entry3', init, true);
  for (let i = 0; i < options.middleBlocks; i++) y = middleBlock(y, c(728), `middle${i + 1}`, init);
  return y;
}

export interface XceptionClassifierOptions extends XceptionOptions {
  inputSize: number;
  inChannels: number;
  numClasses: number;
  seed?: number;
  name?: string;
}

/** The whole classifier (entry, middle and exit flows, linear head): logits [B, numClasses]. */
export function buildXception(options: XceptionClassifierOptions): tf.LayersModel {
  const init = new WeightInit(options.seed);
  const c = (n: number) => xceptionChannels(n, options.width);
  const image = tf.input({ shape: [options.inputSize, options.inputSize, options.inChannels], name: 'image' });
  let y = xceptionFeatures(image, options, init);
  y = downBlock(y, [c(728), c(1024)], 'exit1', init, true);
  y = batchNorm(separable(y, c(1536), 'exit2_sep', init), 'exit2_bn', { activation: 'relu' });
  y = batchNorm(separable(y, c(2048), 'exit3_sep', init), 'exit3_bn', { activation: 'relu' });
  const logits = dense(globalAveragePool(y, 'pool'), options.numClasses, 'head', init);
  return tf.model({ inputs: image, outputs: logits, name: options.name ?? 'xception' });
}
