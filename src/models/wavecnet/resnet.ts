/**
 * ResNet (He et al., "Deep Residual Learning for Image Recognition", CVPR
 * 2016, Table 1; BasicBlock Fig. 2, Bottleneck Fig. 5) and its WaveCNet
 * variant (Li et al., CVPR 2020 / TIP 2021; placement of the reference code
 * github.com/LiQiufu/WaveCNet, `models_dwt/resnet.py`):
 *  - stem: the 7×7 stride-2 convolution is kept, the 3×3 max-pool becomes DWT;
 *  - first block of stages 2–4: every convolution has stride 1 and the DWT is
 *    inserted before the second 3×3 convolution (BasicBlock) or before the
 *    last 1×1 convolution (Bottleneck, stride on the 3×3 as in torchvision's
 *    "ResNet v1.5");
 *  - projection shortcut: DWT → 1×1 stride-1 convolution → BN;
 *  - the global average pool is kept.
 * A ResNet-18 therefore holds 7 DWT layers at ImageNet layout (1 stem + 3
 * main + 3 shortcut) and 6 at CIFAR layout, which has a 3×3 stride-1 stem
 * and no stem pool (He et al. §4.2 style stem widened to the 64–512 ImageNet
 * stages, the common "ResNet-18 for CIFAR").
 * Vanilla parameter counts equal torchvision's `resnet18/34/50/101`.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNorm, conv2d, convBnAct, dense, globalAveragePool, relu, type WeightInit } from '../../nn/blocks.js';
import { downsample, isWavelet, waveletDownsample, type Downsampler } from '../../nn/downsample.js';
import { positiveInt } from '../../errors.js';
import { resolveOptions, type WaveCNetOptions } from './options.js';

export type ResNetBlock = 'basic' | 'bottleneck';

export interface ResNetSpec {
  block: ResNetBlock;
  /** Blocks per stage (4 stages of widths 64, 128, 256, 512). */
  layers: [number, number, number, number];
  /** 'imagenet': 7×7/2 stem + pool; 'cifar': 3×3/1 stem, no pool. */
  stem: 'imagenet' | 'cifar';
}

interface BlockContext {
  init: WeightInit;
  down: Downsampler;
}

/** The projection (or identity) shortcut of a block. */
function shortcut(x: tf.SymbolicTensor, outChannels: number, stride: number, ctx: BlockContext, name: string): tf.SymbolicTensor {
  const inChannels = x.shape[3] as number;
  if (stride === 1 && inChannels === outChannels) return x;
  let y = x;
  let convStride = stride;
  if (stride !== 1 && isWavelet(ctx.down)) {
    y = waveletDownsample(y, ctx.down, `${name}_shortcut_dwt`);
    convStride = 1;
  }
  y = conv2d(y, { filters: outChannels, kernelSize: 1, strides: convStride, name: `${name}_shortcut_conv`, init: ctx.init });
  return batchNorm(y, `${name}_shortcut_bn`);
}

function basicBlock(x: tf.SymbolicTensor, planes: number, stride: number, ctx: BlockContext, name: string): tf.SymbolicTensor {
  const wave = stride !== 1 && isWavelet(ctx.down);
  let y = convBnAct(x, { filters: planes, kernelSize: 3, strides: wave ? 1 : stride, name: `${name}_1`, init: ctx.init });
  if (wave) y = waveletDownsample(y, ctx.down, `${name}_dwt`);
  y = convBnAct(y, { filters: planes, kernelSize: 3, name: `${name}_2`, init: ctx.init, relu: false });
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut(x, planes, stride, ctx, name)]) as tf.SymbolicTensor;
  return relu(sum, `${name}_out`);
}

function bottleneckBlock(x: tf.SymbolicTensor, planes: number, stride: number, ctx: BlockContext, name: string): tf.SymbolicTensor {
  const wave = stride !== 1 && isWavelet(ctx.down);
  let y = convBnAct(x, { filters: planes, kernelSize: 1, name: `${name}_1`, init: ctx.init });
  y = convBnAct(y, { filters: planes, kernelSize: 3, strides: wave ? 1 : stride, name: `${name}_2`, init: ctx.init });
  if (wave) y = waveletDownsample(y, ctx.down, `${name}_dwt`);
  y = convBnAct(y, { filters: planes * 4, kernelSize: 1, name: `${name}_3`, init: ctx.init, relu: false });
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut(x, planes * 4, stride, ctx, name)]) as tf.SymbolicTensor;
  return relu(sum, `${name}_out`);
}

export interface ResNetOptions extends WaveCNetOptions {
  /**
   * Channels of the stem and first stage (default 64; stages use w, 2w, 4w,
   * 8w). Our addition for small-scale experiments on CPUs: width 16 costs
   * about 1/16 of the multiply-adds.
   */
  width?: number;
}

/** Builds a (Wave)ResNet from its spec; see the module comment for the wavelet placement. */
export function buildResNet(modelName: string, spec: ResNetSpec, options: ResNetOptions): tf.LayersModel {
  const imagenet = spec.stem === 'imagenet';
  const defaults = imagenet ? { numClasses: 1000, inChannels: 3, inputSize: 224 } : { numClasses: 10, inChannels: 3, inputSize: 32 };
  // Five halvings at ImageNet layout, three at CIFAR layout.
  const o = resolveOptions(modelName, options, defaults, imagenet ? 32 : 8, ['width']);
  const width = positiveInt(options.width ?? 64, 'width', 'a positive integer (channels of the first stage)');
  const ctx: BlockContext = { init: o.init, down: o.down };
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'input' });
  let x: tf.SymbolicTensor;
  if (imagenet) {
    x = convBnAct(input, { filters: width, kernelSize: 7, strides: 2, name: 'stem', init: o.init });
    x = downsample(x, o.down, { type: 'max', poolSize: 3, strides: 2 }, isWavelet(o.down) ? 'stem_dwt' : 'stem_pool');
  } else {
    x = convBnAct(input, { filters: width, kernelSize: 3, name: 'stem', init: o.init });
  }
  const block = spec.block === 'basic' ? basicBlock : bottleneckBlock;
  spec.layers.forEach((count, stage) => {
    const planes = width * 2 ** stage;
    for (let i = 0; i < count; i++) {
      x = block(x, planes, stage > 0 && i === 0 ? 2 : 1, ctx, `layer${stage + 1}_${i}`);
    }
  });
  x = globalAveragePool(x, 'avgpool');
  const logits = dense(x, o.numClasses, 'fc', o.init);
  return tf.model({ inputs: input, outputs: logits, name: `${modelName}${o.suffix}` });
}

export const RESNET_SPECS: Record<string, ResNetSpec> = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2], stem: 'imagenet' },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3], stem: 'imagenet' },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3], stem: 'imagenet' },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3], stem: 'imagenet' },
  'resnet18-cifar': { block: 'basic', layers: [2, 2, 2, 2], stem: 'cifar' },
};
