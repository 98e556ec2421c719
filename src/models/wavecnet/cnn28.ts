/**
 * `cnn28`: a small VGG-style network for 28×28 grey images (MNIST,
 * Fashion-MNIST), our own design for fast experiments on two CPU cores:
 *
 *   [conv3×3(w)-BN-ReLU]×2 → down → [conv3×3(2w)-BN-ReLU]×2 → down →
 *   conv3×3(4w)-BN-ReLU → global average pool → dense(numClasses)
 *
 * with w = `width` (default 32, 140,458 trainable parameters at 10
 * classes). `down` is a 2×2 stride-2 max-pool in the vanilla network and the
 * DWT (LL, average or concatenated bands) in the wavelet network, following
 * WaveCNet's rule for VGG (Li et al., CVPR 2020, §4: every max-pool becomes
 * DWT). A convolution follows each downsampling so that the wavelet choice
 * shapes features rather than just rescaling the global average.
 */
import * as tf from '@tensorflow/tfjs';
import { convBnAct } from '../../nn/conv.js';
import { dense, globalAveragePool } from '../../nn/core.js';
import { downsample, isWavelet } from '../../nn/downsample.js';
import { resolveOptions, type WaveCNetOptions } from './options.js';

export interface Cnn28Options extends WaveCNetOptions {
  /** Channels of the first stage (default 32); stages use w, 2w, 4w. */
  width?: number;
}

export function buildCnn28(options: Cnn28Options = {}): tf.LayersModel {
  const o = resolveOptions('cnn28', options, { numClasses: 10, inChannels: 1, inputSize: 28 }, 4);
  const width = options.width ?? 32;
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'input' });
  const pool = { type: 'max' as const, poolSize: 2, strides: 2 };
  const downName = (i: number): string => (isWavelet(o.down) ? `down${i}_dwt` : `down${i}_pool`);
  let x = convBnAct(input, { filters: width, kernelSize: 3, name: 'block1_1', init: o.init });
  x = convBnAct(x, { filters: width, kernelSize: 3, name: 'block1_2', init: o.init });
  x = downsample(x, o.down, pool, downName(1));
  x = convBnAct(x, { filters: 2 * width, kernelSize: 3, name: 'block2_1', init: o.init });
  x = convBnAct(x, { filters: 2 * width, kernelSize: 3, name: 'block2_2', init: o.init });
  x = downsample(x, o.down, pool, downName(2));
  x = convBnAct(x, { filters: 4 * width, kernelSize: 3, name: 'block3_1', init: o.init });
  x = globalAveragePool(x, 'avgpool');
  const logits = dense(x, o.numClasses, 'fc', o.init);
  return tf.model({ inputs: input, outputs: logits, name: `cnn28${o.suffix}` });
}
