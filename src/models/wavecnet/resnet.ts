/**
 * ResNet (He et al., "Deep Residual Learning for Image Recognition", CVPR
 * 2016, Table 1; BasicBlock Fig. 2, Bottleneck Fig. 5) and its WaveCNet
 * variant (Li et al., CVPR 2020 / TIP 2021; placement of the reference code
 * `models_dwt/resnet.py`), built as an encoder ({@link resnetEncoder}, stage
 * outputs for segmentation and detection) plus the classification head
 * (global average pool → FC, {@link buildResNet}):
 *  - stem: the 7×7 stride-2 convolution is kept, the 3×3 max-pool becomes DWT;
 *  - blocks (src/nn/residual.ts): in the first block of stages 2–4 the DWT
 *    replaces the stride (before the second 3×3 convolution of a BasicBlock,
 *    before the last 1×1 of a Bottleneck; projection shortcut DWT → 1×1 → BN);
 *  - the global average pool is kept.
 * A ResNet-18 therefore holds 7 DWT layers at ImageNet layout (1 stem + 3
 * main + 3 shortcut) and 6 at CIFAR layout, which has a 3×3 stride-1 stem
 * and no stem pool (He et al. §4.2 style stem widened to the 64–512 ImageNet
 * stages, the common "ResNet-18 for CIFAR").
 * Vanilla parameter counts equal torchvision's `resnet18/34/50/101`.
 *
 * Output stride (encoders): 16 replaces the stride of stage 5 (`layer4`) by
 * dilation 2, 8 also that of stage 4 (`layer3`) with dilations 2 and 4, as
 * torchvision's `replace_stride_with_dilation` (the first block of a dilated
 * stage keeps the previous dilation; Chen et al., "Rethinking Atrous
 * Convolution", 2017, §3.1), BasicBlocks included.
 *
 * Padding: option `padding: 'pytorch'` pads the strided stem convolution, the
 * stem pool and the strided 3×3 convolutions of the blocks symmetrically, as
 * torchvision and the WaveCNet reference code do (src/nn/padding.ts); the
 * default `'same'` keeps TF.js's padding of the first versions.
 */
import * as tf from '@tensorflow/tfjs';
import { convBnAct } from '../../nn/conv.js';
import { dense, globalAveragePool } from '../../nn/core.js';
import { downsample, isWavelet } from '../../nn/downsample.js';
import { windowPadding } from '../../nn/padding.js';
import { basicBlock, BOTTLENECK_EXPANSION, bottleneckBlock } from '../../nn/residual.js';
import type { Encoder, OutputStride } from '../encoders.js';
import { resolveOptions, type ResolvedOptions, type WaveCNetOptions } from './options.js';

export type ResNetBlock = 'basic' | 'bottleneck';

export interface ResNetSpec {
  block: ResNetBlock;
  /** Blocks per stage (4 stages of widths 64, 128, 256, 512). */
  layers: [number, number, number, number];
  /** 'imagenet': 7×7/2 stem + pool; 'cifar': 3×3/1 stem, no pool. */
  stem: 'imagenet' | 'cifar';
}

export interface ResNetOptions extends WaveCNetOptions {
  /**
   * Channels of the stem and first stage (default 64; stages use w, 2w, 4w,
   * 8w). Our addition for small-scale experiments on CPUs: width 16 costs
   * about 1/16 of the multiply-adds.
   */
  width?: number;
  /** Encoders only: 8, 16 or 32 (default). */
  outputStride?: OutputStride;
}

const imagenetDefaults = { numClasses: 1000, inChannels: 3, inputSize: 224 };
const cifarDefaults = { numClasses: 10, inChannels: 3, inputSize: 32 };

/** The encoder of a (Wave)ResNet: stages stem, layer1 … layer4; see the module comment. */
export function resnetEncoder(modelName: string, spec: ResNetSpec, options: ResNetOptions, resolved?: ResolvedOptions): Encoder {
  const imagenet = spec.stem === 'imagenet';
  // Five halvings at ImageNet layout, three at CIFAR layout.
  const o = resolved ?? resolveOptions(modelName, options, imagenet ? imagenetDefaults : cifarDefaults, imagenet ? 32 : 8);
  const width = options.width ?? 64;
  const outputStride = options.outputStride ?? 32;
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'input' });
  const stemKernel = imagenet ? 7 : 3;
  const stemStride = imagenet ? 2 : 1;
  let x = convBnAct(input, { filters: width, kernelSize: stemKernel, strides: stemStride, padding: windowPadding(o.padding, stemKernel, stemStride), name: 'stem', init: o.init });
  let stride = imagenet ? 2 : 1;
  const stages = [x];
  const strides = [stride];
  if (imagenet) {
    x = downsample(x, o.down, { type: 'max', poolSize: 3, strides: 2, padding: windowPadding(o.padding, 3, 2) }, isWavelet(o.down) ? 'stem_dwt' : 'stem_pool');
    stride *= 2;
  }
  const block = spec.block === 'basic' ? basicBlock : bottleneckBlock;
  let dilation = 1;
  spec.layers.forEach((count, stage) => {
    const planes = width * 2 ** stage;
    let firstStride = stage > 0 ? 2 : 1;
    const previousDilation = dilation;
    if (firstStride === 2 && stride * 2 > outputStride) {
      dilation *= 2;
      firstStride = 1;
    }
    stride *= firstStride;
    for (let i = 0; i < count; i++) {
      x = block(x, { planes, stride: i === 0 ? firstStride : 1, dilation: i === 0 ? previousDilation : dilation, down: o.down, padding: o.padding, init: o.init, name: `layer${stage + 1}_${i}` });
    }
    stages.push(x);
    strides.push(stride);
  });
  const expansion = spec.block === 'basic' ? 1 : BOTTLENECK_EXPANSION;
  const channels = [width, ...spec.layers.map((_, stage) => width * 2 ** stage * expansion)];
  return { input, stages, strides, channels };
}

/** Builds a (Wave)ResNet classifier: its encoder, global average pool, FC. */
export function buildResNet(modelName: string, spec: ResNetSpec, options: ResNetOptions): tf.LayersModel {
  const imagenet = spec.stem === 'imagenet';
  const o = resolveOptions(modelName, options, imagenet ? imagenetDefaults : cifarDefaults, imagenet ? 32 : 8);
  const { input, stages } = resnetEncoder(modelName, spec, options, o);
  const pooled = globalAveragePool(stages[stages.length - 1], 'avgpool');
  const logits = dense(pooled, o.numClasses, 'fc', o.init);
  return tf.model({ inputs: input, outputs: logits, name: `${modelName}${o.suffix}` });
}

export const RESNET_SPECS: Record<string, ResNetSpec> = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2], stem: 'imagenet' },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3], stem: 'imagenet' },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3], stem: 'imagenet' },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3], stem: 'imagenet' },
  'resnet18-cifar': { block: 'basic', layers: [2, 2, 2, 2], stem: 'cifar' },
};
