/**
 * DenseNet-121 (Huang et al., "Densely Connected Convolutional Networks",
 * CVPR 2017, Table 1; DenseNet-BC with growth rate k = 32, bottleneck width 4k,
 * compression 0.5) and its WaveCNet variant (Li et al., CVPR 2020 §4;
 * reference code github.com/LiQiufu/WaveCNet, `models_dwt/densenet.py`): the stem's
 * 3×3 stride-2 max-pool (`pool0`) and the 2×2 average-pool of the three
 * transition layers become the DWT; the 7×7 stride-2 stem convolution and the
 * final global average pool are kept. That is 4 DWT layers.
 *
 * Layer i of a dense block computes BN-ReLU-conv1×1(4k)-BN-ReLU-conv3×3(k)
 * on the concatenation of all earlier feature maps of the block (Eq. 2); each
 * ReLU is fused into the BN before it (src/nn/norm.ts).
 * Vanilla parameter count at 1000 classes: 7,978,856, torchvision's.
 * `padding: 'pytorch'` pads the stem convolution and pool symmetrically, as
 * torchvision (src/nn/padding.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { bnActConv, conv } from '../../nn/conv.js';
import { dense, globalAveragePool } from '../../nn/core.js';
import { batchNorm } from '../../nn/norm.js';
import { downsample, isWavelet } from '../../nn/downsample.js';
import { windowPadding } from '../../nn/padding.js';
import { resolveOptions, type WaveCNetOptions } from './options.js';

const GROWTH = 32;
const BOTTLENECK = 4;
const BLOCKS = [6, 12, 24, 16];
const INIT_FEATURES = 64;

export function buildDenseNet121(options: WaveCNetOptions = {}): tf.LayersModel {
  const o = resolveOptions('densenet121', options, { numClasses: 1000, inChannels: 3, inputSize: 224 }, 32);
  const wave = isWavelet(o.down);
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'input' });
  let x = conv(input, { filters: INIT_FEATURES, kernelSize: 7, strides: 2, padding: windowPadding(o.padding, 7, 2), name: 'conv0', init: o.init });
  x = batchNorm(x, 'norm0', { activation: 'relu' });
  x = downsample(x, o.down, { type: 'max', poolSize: 3, strides: 2, padding: windowPadding(o.padding, 3, 2) }, wave ? 'pool0_dwt' : 'pool0');
  BLOCKS.forEach((layers, b) => {
    const features: tf.SymbolicTensor[] = [x];
    for (let i = 0; i < layers; i++) {
      const name = `block${b + 1}_layer${i + 1}`;
      const joined = features.length === 1 ? features[0] : (tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([...features]) as tf.SymbolicTensor);
      let y = bnActConv(joined, { filters: BOTTLENECK * GROWTH, kernelSize: 1, name: `${name}_1`, init: o.init });
      y = bnActConv(y, { filters: GROWTH, kernelSize: 3, name: `${name}_2`, init: o.init });
      features.push(y);
    }
    x = tf.layers.concatenate({ axis: -1, name: `block${b + 1}_out` }).apply([...features]) as tf.SymbolicTensor;
    if (b < BLOCKS.length - 1) {
      const channels = x.shape[3] as number;
      x = bnActConv(x, { filters: Math.floor(channels / 2), kernelSize: 1, name: `transition${b + 1}`, init: o.init });
      x = downsample(x, o.down, { type: 'avg', poolSize: 2, strides: 2 }, wave ? `transition${b + 1}_dwt` : `transition${b + 1}_pool`);
    }
  });
  x = batchNorm(x, 'norm5', { activation: 'relu' });
  x = globalAveragePool(x, 'avgpool');
  const logits = dense(x, o.numClasses, 'classifier', o.init);
  return tf.model({ inputs: input, outputs: logits, name: `densenet121${o.suffix}` });
}
