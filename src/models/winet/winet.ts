/**
 * WiNet (Cheng, Xu, Duan, Jia, "WiNet: Wavelet-based Incremental Learning
 * for Efficient Medical Image Registration", MICCAI 2024, §2 and Fig. 1), in
 * 3-D as in the paper and in 2-D by the same construction (n spatial axes,
 * B = 2ⁿ wavelet bands, H = B − 1 high bands, C = `startChannels`, 8 in the
 * paper):
 *  - input: one-level DWT of the moving and of the fixed image, the 2B bands
 *    stacked (§2.1);
 *  - encoder: conv-conv 2B → 4C at 1/2 with instance norm, then three
 *    conv-conv blocks whose first convolution has stride 2: 4C, 8C, 8C at 1/4,
 *    1/8, 1/16 (3ⁿ kernels, bias, LeakyReLU 0.01 as PyTorch's default slope);
 *  - decoder: transposed convolution (2ⁿ kernel, stride 2, LeakyReLU), skip
 *    concatenation, conv-conv: 8C at 1/8, 8C at 1/4, 4C at 1/2;
 *  - wavelet heads (3ⁿ, no bias): B·n coefficients at 1/8 (the low band and
 *    the H highs of each of the n field components), H·n at 1/4 and at 1/2;
 *  - incremental reconstruction (§2.2, Eqs. 1–3): IDWT of the 1/8
 *    coefficients, then a depthwise 3ⁿ convolution → field at 1/4; at 1/4 and
 *    1/2 a refinement block (grouped conv 2Hn → 2Hn, one group per band,
 *    LeakyReLU, grouped conv 2Hn → Hn) combines the coarser scale's highs,
 *    up-sampled, with the current ones, and the IDWT of (field so far as the
 *    low band, refined highs) plus a depthwise convolution doubles the
 *    resolution, up to the full-resolution field.
 * The IDWT layers are parameter-free and exact for Haar with even sizes (the
 * paper's brain setting); any wavelet of `wavelist()` can be chosen
 * (periodization mode). The network predicts in normalised coordinates as the
 * reference does and a last fixed layer converts to voxels (`layers.ts`).
 * Grouped convolutions (PyTorch padding) and instance norm are the layer
 * library's (`nn/grouped-conv.ts`, `nn/instance-norm.ts`).
 * Parameter count equals the reference's: 1,418,573 in 3-D and 459,818 in 2-D
 * with C = 8 (checked against a PyTorch rendering of the paper,
 * `scripts/gen_winet_fixtures.py`).
 *
 * Inputs `[moving, fixed]`, each [B, (D,) H, W, 1]; output the field
 * [B, (D,) H, W, n] in voxels — a displacement for `winet`, a stationary
 * velocity for `winet-diff` (integrated outside the network by scaling and
 * squaring, `nn/warp.ts`, so that the smoothness loss can see the velocity as
 * the paper's diffeomorphic variant penalises it). Spatial sizes must be
 * multiples of 16 (one DWT and three stride-2 stages).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.js';
import { DWT2D, DWT3D, IDWT2D, IDWT3D } from '../../wavelets/layers.js';
import { GroupedConv } from '../../nn/grouped-conv.js';
import { InstanceNorm } from '../../nn/instance-norm.js';
import { BandInterleave, NormalizedToVoxels } from './layers.js';

export interface WiNetOptions {
  /** 2 (images) or 3 (volumes). */
  dims: 2 | 3;
  /** Spatial size [(D,) H, W], each a multiple of 16. */
  size: number[];
  /** C of the paper (default 8). */
  startChannels?: number;
  /** Wavelet of the DWT/IDWT (default 'haar'). */
  wavelet?: string;
  /** Seed of the initial weights. */
  seed?: number;
}

/** Size multiple every spatial axis must have. */
export const WINET_SIZE_MULTIPLE = 16;

export function buildWiNet(options: WiNetOptions): tf.LayersModel {
  const { dims, size } = options;
  const C = options.startChannels ?? 8;
  const wavelet = options.wavelet ?? 'haar';
  const rng = new Rng(options.seed ?? 0);
  const bands = 2 ** dims;
  const highs = bands - 1;
  const n = dims;
  const leaky = (x: tf.SymbolicTensor, name: string) => tf.layers.leakyReLU({ alpha: 0.01, name }).apply(x) as tf.SymbolicTensor;
  const conv = (x: tf.SymbolicTensor, name: string, filters: number, o: { strides?: number; groups?: number; useBias?: boolean } = {}) =>
    new GroupedConv({ name, filters, kernelSize: 3, padding: 1, strides: o.strides, groups: o.groups, useBias: o.useBias ?? true, seed: rng.seed() }).apply(x) as tf.SymbolicTensor;
  const convAct = (x: tf.SymbolicTensor, name: string, filters: number, strides = 1, instanceNorm = false) => {
    let y = conv(x, name, filters, { strides });
    if (instanceNorm) y = new InstanceNorm({ name: `${name}_norm` }).apply(y) as tf.SymbolicTensor;
    return leaky(y, `${name}_act`);
  };
  const convTwice = (x: tf.SymbolicTensor, name: string, filters: number, strides = 1, instanceNorm = false) =>
    convAct(convAct(x, `${name}_conv1`, filters, strides, instanceNorm), `${name}_conv2`, filters, 1, instanceNorm);
  const upConv = (x: tf.SymbolicTensor, skip: tf.SymbolicTensor, name: string, filters: number) => {
    const channels = x.shape[x.shape.length - 1] as number;
    const bound = 1 / Math.sqrt(channels * 2 ** dims);
    const init = () => tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.seed() });
    const config = { filters: channels, kernelSize: 2, strides: 2, padding: 'same' as const, useBias: true, kernelInitializer: init(), biasInitializer: init(), name: `${name}_up` };
    const up = (dims === 3 ? tf.layers.conv3dTranspose(config) : tf.layers.conv2dTranspose(config)).apply(x) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({ name: `${name}_cat` }).apply([leaky(up, `${name}_up_act`), skip]) as tf.SymbolicTensor;
    return convAct(convAct(joined, `${name}_conv1`, filters), `${name}_conv2`, filters);
  };
  const waveletArgs = { wavelet, mode: 'periodization' };
  const dwt = (x: tf.SymbolicTensor, name: string) => (dims === 3 ? new DWT3D({ ...waveletArgs, concat: true, name }) : new DWT2D({ ...waveletArgs, concat: true, name })).apply(x) as tf.SymbolicTensor;
  const idwt = (x: tf.SymbolicTensor, name: string) => (dims === 3 ? new IDWT3D({ ...waveletArgs, name }) : new IDWT2D({ ...waveletArgs, name })).apply(x) as tf.SymbolicTensor;
  const concat = (xs: tf.SymbolicTensor[], name: string) => tf.layers.concatenate({ name }).apply(xs) as tf.SymbolicTensor;

  const moving = tf.input({ shape: [...size, 1], name: 'moving' });
  const fixed = tf.input({ shape: [...size, 1], name: 'fixed' });
  const e0 = concat([dwt(moving, 'dwt_moving'), dwt(fixed, 'dwt_fixed')], 'dwt_cat');
  const e1 = convTwice(e0, 'layer1', 4 * C, 1, true);
  const e2 = convTwice(e1, 'layer2', 4 * C, 2);
  const e3 = convTwice(e2, 'layer3', 8 * C, 2);
  const e4 = convTwice(e3, 'layer4', 8 * C, 2);
  const d0 = upConv(e4, e3, 'up1', 8 * C);
  const d1 = upConv(d0, e2, 'up2', 8 * C);
  const d2 = upConv(d1, e1, 'up3', 4 * C);
  const c8 = conv(d0, 'head8', bands * n, { useBias: false });
  const h4 = conv(d1, 'head4', highs * n, { useBias: false });
  const h2 = conv(d2, 'head2', highs * n, { useBias: false });
  const depthwise = (x: tf.SymbolicTensor, name: string) => conv(x, name, n, { groups: n, useBias: false });
  const refine = (coarse: tf.SymbolicTensor, current: tf.SymbolicTensor, name: string) => {
    const paired = new BandInterleave({ name: `${name}_input` }).apply([coarse, current]) as tf.SymbolicTensor;
    return conv(leaky(conv(paired, `${name}_conv1`, 2 * highs * n, { groups: highs }), `${name}_act`), `${name}_conv2`, highs * n, { groups: highs });
  };
  const f4 = depthwise(idwt(c8, 'idwt1'), 'smooth1');
  const f2 = depthwise(idwt(concat([f4, refine(c8, h4, 'refine1')], 'coeffs4'), 'idwt2'), 'smooth2');
  const f1 = depthwise(idwt(concat([f2, refine(h4, h2, 'refine2')], 'coeffs2'), 'idwt3'), 'smooth3');
  const field = new NormalizedToVoxels({ name: 'field' }).apply(f1) as tf.SymbolicTensor;
  return tf.model({ inputs: [moving, fixed], outputs: field, name: `winet${dims}d` });
}
