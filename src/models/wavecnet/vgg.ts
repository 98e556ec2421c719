/**
 * VGG-16 with batch normalisation (Simonyan & Zisserman, "Very Deep
 * Convolutional Networks", ICLR 2015, Table 1 column D; BN after every
 * convolution as torchvision's `vgg16_bn`) and its WaveCNet variant, where
 * each of the five 2×2 max-pools becomes the DWT (Li et al., CVPR 2020 §4;
 * reference code `models_dwt/vgg_v1.py`), built as an encoder
 * ({@link vggEncoder}: the stage outputs are the outputs of the five pools,
 * strides 2–32) plus the classifier ({@link buildVgg16bn}).
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
 *
 * Our additions for small experiments: `width` (channels of the first stage,
 * default 64; the stages use w, 2w, 4w, 8w, 8w) and `hidden` (units of the two
 * hidden dense layers, default 4096). Output stride 16 or 8 (encoder): the
 * pools past that stride become 3×3 stride-1 max-pools ('same') and the
 * convolutions after them are dilated by 2 or 4, DeepLab-LargeFOV's recipe
 * for VGG-16 (Chen et al., "DeepLab", TPAMI 2018, §3.1 and §4.1).
 */
import * as tf from '@tensorflow/tfjs';
import { convBnAct } from '../../nn/conv.js';
import { dense } from '../../nn/core.js';
import { downsample, isWavelet, pool } from '../../nn/downsample.js';
import type { Encoder, OutputStride } from '../encoders.js';
import { resolveOptions, type ResolvedOptions, type WaveCNetOptions } from './options.js';

export interface VggOptions extends WaveCNetOptions {
  /** Dropout rate of the two hidden dense layers (default 0.5). */
  dropout?: number;
  /** Channels of the first stage (default 64). */
  width?: number;
  /** Units of the two hidden dense layers (default 4096). */
  hidden?: number;
  /** Encoders only: 8, 16 or 32 (default). */
  outputStride?: OutputStride;
}

/** Configuration D in multiples of the first stage's width: channel factors of the convolutions, 'M' for a max-pool. */
const VGG16: Array<number | 'M'> = [1, 1, 'M', 2, 2, 'M', 4, 4, 4, 'M', 8, 8, 8, 'M', 8, 8, 8, 'M'];

const DEFAULTS = { numClasses: 1000, inChannels: 3, inputSize: 224 };

/** The encoder of a (Wave)VGG-16-BN: stages are the outputs of the five pools (see the module comment). */
export function vggEncoder(options: VggOptions, resolved?: ResolvedOptions): Encoder {
  const o = resolved ?? resolveOptions('vgg16bn', options, DEFAULTS, 32);
  const width = options.width ?? 64;
  const outputStride = options.outputStride ?? 32;
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'input' });
  let x: tf.SymbolicTensor = input;
  let conv = 0;
  let pools = 0;
  let stride = 1;
  let dilation = 1;
  const stages: tf.SymbolicTensor[] = [];
  const strides: number[] = [];
  const channels: number[] = [];
  for (const item of VGG16) {
    if (item === 'M') {
      pools += 1;
      if (stride * 2 <= outputStride) {
        x = downsample(x, o.down, { type: 'max', poolSize: 2, strides: 2 }, isWavelet(o.down) ? `pool${pools}_dwt` : `pool${pools}`);
        stride *= 2;
      } else {
        x = pool(x, { type: 'max', poolSize: 3, strides: 1 }, `pool${pools}`);
        dilation *= 2;
      }
      stages.push(x);
      strides.push(stride);
      channels.push(x.shape[3] as number);
    } else {
      conv += 1;
      x = convBnAct(x, { filters: item * width, kernelSize: 3, dilation, useBias: true, name: `conv${conv}`, init: o.init });
    }
  }
  return { input, stages, strides, channels };
}

export function buildVgg16bn(options: VggOptions = {}): tf.LayersModel {
  const o = resolveOptions('vgg16bn', options, DEFAULTS, 32);
  const rate = options.dropout ?? 0.5;
  const hidden = options.hidden ?? 4096;
  const { input, stages } = vggEncoder(options, o);
  let x = tf.layers.flatten({ name: 'flatten' }).apply(stages[stages.length - 1]) as tf.SymbolicTensor;
  for (const i of [1, 2]) {
    x = dense(x, hidden, `fc${i}`, o.init, 'relu');
    x = tf.layers.dropout({ rate, name: `fc${i}_dropout` }).apply(x) as tf.SymbolicTensor;
  }
  const logits = dense(x, o.numClasses, 'fc3', o.init);
  return tf.model({ inputs: input, outputs: logits, name: `vgg16bn${o.suffix}` });
}
