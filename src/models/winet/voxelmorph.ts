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

const ENCODER = [16, 32, 32, 32];
const DECODER = [32, 32, 32, 32];
const FULL_RESOLUTION = [32, 16, 16];

export function buildVoxelMorph(options: VoxelMorphOptions): tf.LayersModel {
  const { dims, size } = options;
  const rng = new Rng(options.seed ?? 0);
  const conv = (x: tf.SymbolicTensor, filters: number, name: string, kernelInitializer?: ReturnType<typeof tf.initializers.zeros>) => {
    const fanIn = (x.shape[x.shape.length - 1] as number) * 3 ** dims;
    const bound = 1 / Math.sqrt(fanIn);
    const init = kernelInitializer ?? tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.seed() });
    const config = { filters, kernelSize: 3, padding: 'same' as const, kernelInitializer: init, biasInitializer: kernelInitializer ? 'zeros' : tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.seed() }), name };
    return (dims === 3 ? tf.layers.conv3d(config) : tf.layers.conv2d(config)).apply(x) as tf.SymbolicTensor;
  };
  const act = (x: tf.SymbolicTensor, name: string) => tf.layers.leakyReLU({ alpha: 0.2, name }).apply(x) as tf.SymbolicTensor;
  const pool = (x: tf.SymbolicTensor, name: string) => (dims === 3 ? tf.layers.maxPooling3d({ poolSize: 2, strides: 2, name }) : tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name })).apply(x) as tf.SymbolicTensor;
  const moving = tf.input({ shape: [...size, 1], name: 'moving' });
  const fixed = tf.input({ shape: [...size, 1], name: 'fixed' });
  let x = tf.layers.concatenate({ name: 'input_cat' }).apply([moving, fixed]) as tf.SymbolicTensor;
  const skips: tf.SymbolicTensor[] = [];
  ENCODER.forEach((filters, i) => {
    x = act(conv(x, filters, `enc${i}`), `enc${i}_act`);
    skips.push(x);
    x = pool(x, `enc${i}_pool`);
  });
  DECODER.forEach((filters, i) => {
    x = act(conv(x, filters, `dec${i}`), `dec${i}_act`);
    x = interpolate(x, 2, 'nearest', `dec${i}_up`);
    x = tf.layers.concatenate({ name: `dec${i}_cat` }).apply([x, skips.pop()!]) as tf.SymbolicTensor;
  });
  FULL_RESOLUTION.forEach((filters, i) => (x = act(conv(x, filters, `full${i}`), `full${i}_act`)));
  const flow = conv(x, dims, 'flow', tf.initializers.randomNormal({ mean: 0, stddev: 1e-5, seed: rng.seed() }));
  return tf.model({ inputs: [moving, fixed], outputs: flow, name: `voxelmorph${dims}d` });
}
