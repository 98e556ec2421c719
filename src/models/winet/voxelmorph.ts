/**
 * The VoxelMorph U-Net baseline (Balakrishnan et al., "VoxelMorph: A Learning
 * Framework for Deformable Medical Image Registration", IEEE TMI 2019, §III-B
 * and Fig. 3, with the defaults of its reference code): moving and fixed
 * stacked as 2 channels; encoder of one 3ⁿ convolution per level (16, 32, 32,
 * 32 features, LeakyReLU 0.2) each followed by 2× max-pooling; decoder of one
 * convolution per level (32 features) followed by nearest 2× up-sampling and
 * concatenation with the encoder feature of that resolution; three more
 * convolutions at full resolution (32, 16, 16); a 3ⁿ convolution to the n
 * displacement components initialised N(0, 10⁻⁵), bias 0. Convolutions are
 * stride 1 with PyTorch's `padding=1` (what TF.js's 'same' is for 3ⁿ
 * kernels). 327,331 parameters in 3-D. Same inputs and output convention as
 * WiNet (`winet.ts`): `[moving, fixed]` → displacement in voxels; sizes
 * multiples of 16.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.js';
import { interpolate } from '../../nn/upsample.js';

export interface VoxelMorphOptions {
  dims: 2 | 3;
  size: number[];
  seed?: number;
}

/** Feature counts of a VoxelMorph-style U-Net: one entry per encoder level (each followed by a pool), decoder level, full-resolution convolution. */
export interface UNetFeatures {
  encoder: readonly number[];
  decoder: readonly number[];
  full: readonly number[];
}

/** VoxelMorph's defaults (`unet_features` of its reference code). */
export const VOXELMORPH_FEATURES: UNetFeatures = { encoder: [16, 32, 32, 32], decoder: [32, 32, 32, 32], full: [32, 16, 16] };

/**
 * The U-Net of the module comment applied to `x` (the stacked images), up to
 * the flow convolution: returns the n-component field. Layers are named
 * `${prefix}enc0`, …, `${prefix}flow`; initial weights are PyTorch's default
 * U(±1/√fanIn), drawn from `rng` in layer order. `features.decoder` has as
 * many levels as `features.encoder`; spatial sizes must be multiples of
 * 2^(encoder levels).
 */
export function voxelMorphUNet(x: tf.SymbolicTensor, features: UNetFeatures, rng: Rng, prefix = ''): tf.SymbolicTensor {
  const dims = x.shape.length - 2;
  const conv = (input: tf.SymbolicTensor, filters: number, name: string, kernelInitializer?: ReturnType<typeof tf.initializers.zeros>) => {
    const fanIn = (input.shape[input.shape.length - 1] as number) * 3 ** dims;
    const bound = 1 / Math.sqrt(fanIn);
    const init = kernelInitializer ?? tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.seed() });
    const config = { filters, kernelSize: 3, padding: 'same' as const, kernelInitializer: init, biasInitializer: kernelInitializer ? 'zeros' : tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.seed() }), name: `${prefix}${name}` };
    return (dims === 3 ? tf.layers.conv3d(config) : tf.layers.conv2d(config)).apply(input) as tf.SymbolicTensor;
  };
  const act = (input: tf.SymbolicTensor, name: string) => tf.layers.leakyReLU({ alpha: 0.2, name: `${prefix}${name}` }).apply(input) as tf.SymbolicTensor;
  const pool = (input: tf.SymbolicTensor, name: string) => (dims === 3 ? tf.layers.maxPooling3d({ poolSize: 2, strides: 2, name: `${prefix}${name}` }) : tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${prefix}${name}` })).apply(input) as tf.SymbolicTensor;
  const skips: tf.SymbolicTensor[] = [];
  features.encoder.forEach((filters, i) => {
    x = act(conv(x, filters, `enc${i}`), `enc${i}_act`);
    skips.push(x);
    x = pool(x, `enc${i}_pool`);
  });
  features.decoder.forEach((filters, i) => {
    x = act(conv(x, filters, `dec${i}`), `dec${i}_act`);
    x = interpolate(x, 2, 'nearest', `${prefix}dec${i}_up`);
    x = tf.layers.concatenate({ name: `${prefix}dec${i}_cat` }).apply([x, skips.pop()!]) as tf.SymbolicTensor;
  });
  features.full.forEach((filters, i) => (x = act(conv(x, filters, `full${i}`), `full${i}_act`)));
  return conv(x, dims, 'flow', tf.initializers.randomNormal({ mean: 0, stddev: 1e-5, seed: rng.seed() }));
}

export function buildVoxelMorph(options: VoxelMorphOptions): tf.LayersModel {
  const { dims, size } = options;
  const rng = new Rng(options.seed ?? 0);
  const moving = tf.input({ shape: [...size, 1], name: 'moving' });
  const fixed = tf.input({ shape: [...size, 1], name: 'fixed' });
  const x = tf.layers.concatenate({ name: 'input_cat' }).apply([moving, fixed]) as tf.SymbolicTensor;
  return tf.model({ inputs: [moving, fixed], outputs: voxelMorphUNet(x, VOXELMORPH_FEATURES, rng), name: `voxelmorph${dims}d` });
}
