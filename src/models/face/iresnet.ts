/**
 * IResNet face backbones: 112×112 face crop → 512-d embedding.
 *
 * Two styles share one builder:
 *
 * - `'insightface'` — the improved residual network of Deng et al., "ArcFace:
 *   Additive Angular Margin Loss for Deep Face Recognition" (CVPR 2019, §3.4 and
 *   Fig. 7 of the arXiv v3), as in insightface `arcface_torch/backbones/iresnet.py`:
 *   stem conv3×3(64, stride 1) → BN → PReLU; four stages of `IBasicBlock`
 *   (BN → conv3×3 → BN → PReLU → conv3×3(stride) → BN, plus the shortcut,
 *   conv1×1(stride) → BN when the shape changes), the first block of each stage
 *   with stride 2 (112 → 56 → 28 → 14 → 7); head BN2d → flatten → dropout →
 *   FC(25 088 → 512) → BN1d with its scale frozen at 1. Convolution kernels
 *   start from N(0, 0.1), as in that file; dropout defaults to 0.
 * - `'lresnet-eir'` — the "LResNet-E-IR" of the SZU group's UniFace/UniTSFace/EPL
 *   code (`CVI-SZU/UniFace:backbone.py`): the
 *   same block, but every stride-2 convolution, in the block and in the shortcut,
 *   is a **2×2 kernel with stride 2 and no padding**; the head is BN2d →
 *   Dropout(0.4) → a 7×7 'valid' convolution 512 → 512 (an FC written as a
 *   convolution) → flatten → BN1d with frozen scale; kernels start from
 *   N(0, 1/fan_in) (`kaiming_normal_(a=1, mode='fan_in')`) and the last BN of
 *   every block starts at γ = 0 (zero-init residual). That block begins with a
 *   BN on its input (`bn0`), like `IBasicBlock`.
 *
 * Depths: 18 → [2,2,2,2], 34 → [3,4,6,3], 50 → [3,4,14,3], 100 → [3,13,30,3]
 * blocks per stage; widths 64/128/256/512.
 *
 * The input is an NHWC image already normalised to (x/255 − 0.5)/0.5 in RGB.
 * The head's FC (or 7×7 conv) covers whatever spatial size the last stage
 * leaves, so smaller inputs (the 28×28 digits of the open-set experiment)
 * work with fewer stages and smaller widths; `iresnet-tiny` is such a variant
 * for tests (my choice of sizes).
 *
 * Layer names follow the PyTorch module paths (`layer2_0_conv1`, `features`
 * …), and the output of the last block of stage k is the `add` layer named
 * `stage{k}`, so a loss or an explanation can tap a stage by name (see
 * {@link featureModel}).
 */
import * as tf from '@tensorflow/tfjs';
import { check, positiveInt } from '../../errors.js';
import { WeightInit } from '../../nn/init.js';
import type { ModelOptions } from '../registry.js';
import { convOutputSize } from '../../nn/conv.js';
import { prelu } from '../../nn/core.js';
import { add, batchNorm, conv, type KernelInit, type Symbolic } from './layers.js';

export type IResNetStyle = 'insightface' | 'lresnet-eir';

export interface IResNetOptions extends ModelOptions {
  /** Blocks per stage; its length is the number of stages (each halves the size). */
  blocks?: number[];
  /** Channels per stage (same length as `blocks`). */
  widths?: number[];
  /** Input height and width (default 112). */
  inputSize?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** Embedding length (default 512). */
  embeddingSize?: number;
  /** Dropout rate before the FC (insightface default 0, lresnet-eir 0.4). */
  dropout?: number;
  style?: IResNetStyle;
  /** Start the last BN of each block at γ = 0 (default: true for lresnet-eir, false for insightface). */
  zeroInitResidual?: boolean;
  /** Seed of the weight initialisers (default 1). */
  seed?: number;
}

/** Blocks per stage of the published depths. */
export const IRESNET_DEPTHS: Record<number, number[]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 14, 3],
  100: [3, 13, 30, 3],
};

interface Resolved {
  blocks: number[];
  widths: number[];
  inputSize: number;
  inChannels: number;
  embeddingSize: number;
  dropout: number;
  style: IResNetStyle;
  zeroInitResidual: boolean;
  seed: number;
}

function resolve(options: IResNetOptions): Resolved {
  const style = options.style ?? 'insightface';
  check(style === 'insightface' || style === 'lresnet-eir', 'style', style, "'insightface' or 'lresnet-eir'");
  const blocks = options.blocks ?? IRESNET_DEPTHS[50];
  const widths = options.widths ?? blocks.map((_, i) => 64 * 2 ** i);
  check(Array.isArray(blocks) && blocks.length > 0, 'blocks', blocks, 'a non-empty array of block counts');
  blocks.forEach((b, i) => positiveInt(b, `blocks[${i}]`));
  check(Array.isArray(widths) && widths.length === blocks.length, 'widths', widths, `an array of ${blocks.length} channel counts (one per stage)`);
  widths.forEach((w, i) => positiveInt(w, `widths[${i}]`));
  const dropout = options.dropout ?? (style === 'lresnet-eir' ? 0.4 : 0);
  check(typeof dropout === 'number' && dropout >= 0 && dropout < 1, 'dropout', dropout, 'a rate in [0, 1)');
  const inputSize = positiveInt(options.inputSize ?? 112, 'inputSize');
  let size = inputSize;
  for (let s = 0; s < blocks.length; s++) size = style === 'insightface' ? convOutputSize(size, 3, 2, 1) : convOutputSize(size, 2, 2, 0);
  check(size >= 1, 'inputSize', inputSize, `a size that survives ${blocks.length} stride-2 stages (at least ${2 ** blocks.length})`);
  return {
    blocks,
    widths,
    inputSize,
    inChannels: positiveInt(options.inChannels ?? 3, 'inChannels'),
    embeddingSize: positiveInt(options.embeddingSize ?? 512, 'embeddingSize'),
    dropout,
    style,
    zeroInitResidual: options.zeroInitResidual ?? style === 'lresnet-eir',
    seed: options.seed ?? 1,
  };
}

/**
 * Builds an IResNet (see the module comment) as a `tf.LayersModel` mapping
 * `[N, inputSize, inputSize, inChannels]` to `[N, embeddingSize]`.
 */
export function iresnet(options: IResNetOptions = {}): tf.LayersModel {
  const o = resolve(options);
  const weights = new WeightInit(o.seed);
  const init: KernelInit = o.style === 'insightface' ? { kind: 'normal', stddev: 0.1 } : { kind: 'fanIn', gain: 1 };
  const szu = o.style === 'lresnet-eir';
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'image' });

  let x = conv(input, { filters: o.widths[0], kernel: 3, pad: 1, name: 'conv1' }, init, weights);
  x = batchNorm(x, 'bn1');
  x = prelu(x, 'prelu');

  let inPlanes = o.widths[0];
  o.blocks.forEach((count, stage) => {
    const planes = o.widths[stage];
    for (let b = 0; b < count; b++) {
      const p = `layer${stage + 1}_${b}`;
      const stride = b === 0 ? 2 : 1;
      // IBasicBlock: bn1 → conv1 → bn2 → prelu → conv2(stride) → bn3 (insightface names);
      // IRBlock: bn0 → conv1 → bn1 → prelu → conv2(stride) → bn2 (SZU names).
      const [bnIn, bnMid, bnOut] = szu ? ['bn0', 'bn1', 'bn2'] : ['bn1', 'bn2', 'bn3'];
      let y = batchNorm(x, `${p}_${bnIn}`);
      y = conv(y, { filters: planes, kernel: 3, pad: 1, name: `${p}_conv1` }, init, weights);
      y = batchNorm(y, `${p}_${bnMid}`);
      y = prelu(y, `${p}_prelu`);
      y =
        stride === 2 && szu
          ? conv(y, { filters: planes, kernel: 2, stride: 2, name: `${p}_conv2` }, init, weights)
          : conv(y, { filters: planes, kernel: 3, stride, pad: 1, name: `${p}_conv2` }, init, weights);
      y = batchNorm(y, `${p}_${bnOut}`, { gammaZero: o.zeroInitResidual });
      let shortcut = x;
      if (stride !== 1 || inPlanes !== planes) {
        shortcut = szu
          ? conv(x, { filters: planes, kernel: 2, stride: 2, name: `${p}_downsample_0` }, init, weights)
          : conv(x, { filters: planes, kernel: 1, stride, name: `${p}_downsample_0` }, init, weights);
        shortcut = batchNorm(shortcut, `${p}_downsample_1`);
      }
      x = add(y, shortcut, b === count - 1 ? `stage${stage + 1}` : `${p}_add`);
      inPlanes = planes;
    }
  });

  const spatial = x.shape[1] as number;
  const channels = x.shape[3] as number;
  if (szu) {
    x = batchNorm(x, 'bn4');
    if (o.dropout > 0) x = tf.layers.dropout({ rate: o.dropout, name: 'dropout', seed: weights.nextSeed() }).apply(x) as Symbolic;
    x = conv(x, { filters: o.embeddingSize, kernel: spatial, name: 'fc5' }, init, weights);
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as Symbolic;
    x = batchNorm(x, 'bn5', { frozenScale: true });
  } else {
    x = batchNorm(x, 'bn2');
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as Symbolic;
    if (o.dropout > 0) x = tf.layers.dropout({ rate: o.dropout, name: 'dropout', seed: weights.nextSeed() }).apply(x) as Symbolic;
    // PyTorch nn.Linear default initialisation: U(±1/√fan_in) for weight and bias.
    const bound = 1 / Math.sqrt(spatial * spatial * channels);
    x = tf.layers
      .dense({
        name: 'fc',
        units: o.embeddingSize,
        kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: weights.nextSeed() }),
        biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: weights.nextSeed() }),
      })
      .apply(x) as Symbolic;
    x = batchNorm(x, 'features', { frozenScale: true });
  }
  const name = options.name ?? (szu ? 'lresnet_e_ir' : 'iresnet');
  return tf.model({ inputs: input, outputs: x, name: String(name) });
}
