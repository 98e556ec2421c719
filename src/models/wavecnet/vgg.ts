/**
 * VGG-16 with batch normalisation (Simonyan & Zisserman, "Very Deep
 * Convolutional Networks", ICLR 2015, Table 1 column D; BN after every
 * convolution as torchvision's `vgg16_bn`) and its WaveCNet variant, where
 * each of the five 2×2 max-pools becomes the DWT (Li et al., CVPR 2020 §4;
 * reference code github.com/LiQiufu/WaveCNet, `models_dwt/vgg_v1.py`).
 *
 * The classifier is dense(4096)-ReLU-dropout-dense(4096)-ReLU-dropout-
 * dense(numClasses) over the flattened last feature map. torchvision first
 * average-pools adaptively to 7×7; at the default 224×224 input the map is
 * already 7×7, so the networks and their parameter count (138,365,992 at 1000
 * classes) agree. At other input sizes we flatten the ⌈size/32⌉² map as it is
 * (our choice: TF.js has no adaptive pooling layer). With `bands: 'concat'`
 * the last DWT hands 4×512 channels to the classifier, whose first layer then
 * has 4× the weights (411 M at 224×224), a consequence of the rule "the next
 * layer takes 4× the channels" that the reference code applied to ResNets only.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { convBnAct, dense } from '../../nn/blocks.js';
import { downsample, isWavelet } from '../../nn/downsample.js';
import { resolveOptions, type WaveCNetOptions } from './options.js';

export interface VggOptions extends WaveCNetOptions {
  /** Dropout rate of the two hidden dense layers (default 0.5). */
  dropout?: number;
}

/** Configuration D: channel counts of the convolutions, 'M' for a max-pool. */
const VGG16: Array<number | 'M'> = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

export function buildVgg16bn(options: VggOptions = {}): tf.LayersModel {
  const o = resolveOptions('vgg16bn', options, { numClasses: 1000, inChannels: 3, inputSize: 224 }, 32, ['dropout']);
  const rate = options.dropout ?? 0.5;
  check(typeof rate === 'number' && rate >= 0 && rate < 1, 'dropout', rate, 'a rate in [0, 1)');
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'input' });
  let x: tf.SymbolicTensor = input;
  let conv = 0;
  let pool = 0;
  for (const item of VGG16) {
    if (item === 'M') {
      pool += 1;
      x = downsample(x, o.down, { type: 'max', poolSize: 2, strides: 2 }, isWavelet(o.down) ? `pool${pool}_dwt` : `pool${pool}`);
    } else {
      conv += 1;
      x = convBnAct(x, { filters: item, kernelSize: 3, useBias: true, name: `conv${conv}`, init: o.init });
    }
  }
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  for (const i of [1, 2]) {
    x = dense(x, 4096, `fc${i}`, o.init, 'relu');
    x = tf.layers.dropout({ rate, name: `fc${i}_dropout` }).apply(x) as tf.SymbolicTensor;
  }
  const logits = dense(x, o.numClasses, 'fc3', o.init);
  return tf.model({ inputs: input, outputs: logits, name: `vgg16bn${o.suffix}` });
}
