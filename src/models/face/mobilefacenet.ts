/**
 * MobileFaceNet: Chen, Liu, Gao, Han, "MobileFaceNets: Efficient CNNs for
 * Accurate Real-Time Face Verification on Mobile Devices" (CCBR 2018), Table 1:
 *
 * | input     | operator            | t | c   | n | s |
 * |-----------|---------------------|---|-----|---|---|
 * | 112²×3    | conv3×3             | – | 64  | 1 | 2 |
 * | 56²×64    | depthwise conv3×3   | – | 64  | 1 | 1 |
 * | 56²×64    | bottleneck          | 2 | 64  | 5 | 2 |
 * | 28²×64    | bottleneck          | 4 | 128 | 1 | 2 |
 * | 14²×128   | bottleneck          | 2 | 128 | 6 | 1 |
 * | 14²×128   | bottleneck          | 4 | 128 | 1 | 2 |
 * | 7²×128    | bottleneck          | 2 | 128 | 2 | 1 |
 * | 7²×128    | conv1×1             | – | 512 | 1 | 1 |
 * | 7²×512    | linear GDConv7×7    | – | 512 | 1 | 1 |
 * | 1²×512    | linear conv1×1      | – | 128 | 1 | 1 |
 *
 * The bottleneck is MobileNetV2's inverted residual (1×1 expand → BN → PReLU →
 * depthwise 3×3(stride) → BN → PReLU → 1×1 linear projection → BN, with the
 * identity shortcut when the stride is 1 and the width is kept). PReLU is the
 * non-linearity throughout (§3.2 of the paper). Every convolution is followed
 * by BN; the two "linear" layers have no non-linearity. The GDConv kernel
 * covers the whole last feature map, so other input sizes work.
 *
 * My choices, where the paper is silent: kernels start from He-normal
 * N(0, 2/fan_out) (torchvision's MobileNetV2 initialisation); `width` scales
 * every channel count (rounded, at least 1) so tests can build a small one;
 * `embeddingSize` defaults to the paper's 128. The stage outputs are named
 * `stage1` (56², after the depthwise conv) … `stage4` (7², after the 1×1 to
 * 512) for {@link featureModel}.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { WeightInit } from '../../nn/init.js';
import type { ModelOptions } from '../registry.js';
import { prelu } from '../../nn/core.js';
import { add, batchNorm, conv, type KernelInit, type Symbolic } from './layers.js';

export interface MobileFaceNetOptions extends ModelOptions {
  inputSize?: number;
  inChannels?: number;
  /** Embedding length (default 128, as in the paper). */
  embeddingSize?: number;
  /** Multiplier of every channel count (default 1). */
  width?: number;
  seed?: number;
}

/** [expansion t, channels c, repeats n, stride s] of the bottleneck rows of Table 1. */
const BOTTLENECKS: [number, number, number, number][] = [
  [2, 64, 5, 2],
  [4, 128, 1, 2],
  [2, 128, 6, 1],
  [4, 128, 1, 2],
  [2, 128, 2, 1],
];

/** Builds MobileFaceNet as a `tf.LayersModel`: `[N, S, S, C]` → `[N, embeddingSize]`. */
export function mobileFaceNet(options: MobileFaceNetOptions = {}): tf.LayersModel {
  const inputSize = options.inputSize ?? 112;
  const inChannels = options.inChannels ?? 3;
  const embeddingSize = options.embeddingSize ?? 128;
  const width = options.width ?? 1;
  check(Number.isInteger(inputSize) && inputSize >= 16, 'inputSize', inputSize, 'an integer ≥ 16 (four stride-2 stages)');
  check(Number.isInteger(inChannels) && inChannels > 0, 'inChannels', inChannels, 'a positive integer');
  check(Number.isInteger(embeddingSize) && embeddingSize > 0, 'embeddingSize', embeddingSize, 'a positive integer');
  check(typeof width === 'number' && width > 0 && Number.isFinite(width), 'width', width, 'a positive multiplier');
  const ch = (c: number) => Math.max(1, Math.round(c * width));
  const weights = new WeightInit(options.seed ?? 1);
  const init: KernelInit = { kind: 'fanOut' };

  const input = tf.input({ shape: [inputSize, inputSize, inChannels], name: 'image' });
  let x = conv(input, { filters: ch(64), kernel: 3, stride: 2, pad: 1, name: 'conv1' }, init, weights);
  x = prelu(batchNorm(x, 'conv1_bn'), 'conv1_prelu');
  x = conv(x, { filters: ch(64), kernel: 3, pad: 1, depthwise: true, name: 'conv2_dw' }, init, weights);
  x = prelu(batchNorm(x, 'conv2_dw_bn'), 'stage1');

  let stage = 1;
  BOTTLENECKS.forEach(([t, c, n, s], row) => {
    for (let i = 0; i < n; i++) {
      const p = `bottleneck${row}_${i}`;
      const stride = i === 0 ? s : 1;
      const inCh = x.shape[3] as number;
      const outCh = ch(c);
      let y = conv(x, { filters: inCh * t, kernel: 1, name: `${p}_expand` }, init, weights);
      y = prelu(batchNorm(y, `${p}_expand_bn`), `${p}_expand_prelu`);
      y = conv(y, { filters: inCh * t, kernel: 3, stride, pad: 1, depthwise: true, name: `${p}_dw` }, init, weights);
      y = prelu(batchNorm(y, `${p}_dw_bn`), `${p}_dw_prelu`);
      y = conv(y, { filters: outCh, kernel: 1, name: `${p}_project` }, init, weights);
      y = batchNorm(y, `${p}_project_bn`);
      // The stage output is the last block before the next stride-2 row (or before the 1×1 to 512).
      const next = BOTTLENECKS[row + 1];
      const endsStage = i === n - 1 && (next === undefined || next[3] === 2) && stage < 3;
      const name = endsStage ? `stage${++stage}` : `${p}_out`;
      x = stride === 1 && inCh === outCh ? add(y, x, name) : (tf.layers.activation({ activation: 'linear', name }).apply(y) as Symbolic);
    }
  });

  x = conv(x, { filters: ch(512), kernel: 1, name: 'conv3' }, init, weights);
  x = prelu(batchNorm(x, 'conv3_bn'), 'stage4');
  const spatial = x.shape[1] as number;
  x = conv(x, { filters: ch(512), kernel: spatial, depthwise: true, name: 'gdconv' }, init, weights);
  x = batchNorm(x, 'gdconv_bn');
  x = conv(x, { filters: embeddingSize, kernel: 1, name: 'linear' }, init, weights);
  x = batchNorm(x, 'linear_bn');
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as Symbolic;
  return tf.model({ inputs: input, outputs: x, name: String(options.name ?? 'mobilefacenet') });
}
