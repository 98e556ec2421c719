/**
 * The coarse-to-fine baseline: a pyramid of small U-Nets, each predicting a
 * residual displacement at its scale, following the Laplacian-pyramid
 * registration network LapIRN (Mok & Chung, "Large Deformation
 * Diffeomorphic Image Registration with Laplacian Pyramid Networks", MICCAI
 * 2020, §2.2 and Fig. 2) — the kind of cascade/pyramid design whose memory
 * cost WiNet (Cheng et al., MICCAI 2024, §1) sets out to avoid. Three levels
 * at 1/4, 1/2 and 1 of the input size:
 *  - the moving and fixed images are down-sampled by 2× average pooling
 *    (LapIRN down-samples by trilinear interpolation; for a factor of 2 the
 *    half-voxel-centred average is that interpolation's anti-aliased form);
 *  - level 0 sees [moving¼, fixed¼] and predicts the field φ₀;
 *  - level l > 0 up-samples φ_{l−1} ×2 by (bi/tri)linear interpolation with
 *    `align_corners=False` and doubles its values (voxel units of the finer
 *    grid: coarse voxel i is centred on fine position 2i + ½, which is
 *    exactly that interpolation's sampling rule), warps moving_l by it
 *    (`SpatialTransformer`, zero padding), and predicts from
 *    [warped moving_l, fixed_l] a residual field r_l; the level's field is
 *    the composition φ_l = up(φ_{l−1}) then r_l, i.e. r_l(p) + up(p + r_l(p))
 *    (`FieldComposition`; as the recursive cascades of Zhao et al., ICCV 2019,
 *    Eq. 3 — LapIRN adds the two fields, which equals composition only to
 *    first order);
 *  - each level's network is a VoxelMorph-style U-Net (`voxelmorph.ts`) with
 *    two pooling levels: encoder 16, 32, decoder 32, 32, full resolution 16,
 *    16 features, LeakyReLU 0.2, a flow convolution initialised N(0, 10⁻⁵).
 * Decisions: LapIRN trains level by level and carries a feature embedding
 * from one level to the next; here the three levels are trained end to end
 * from the full-resolution loss alone and only the field passes between
 * levels, so the baseline stays a plain function of the image pair with the
 * same training loop as WiNet and VoxelMorph. Displacement only (LapIRN's
 * diffeomorphic variant integrates velocities; `winet-diff` is the
 * diffeomorphic model here). Same inputs and output convention as WiNet:
 * `[moving, fixed]` → displacement in voxels; sizes multiples of 16.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.js';
import { pool } from '../../nn/downsample.js';
import { FieldComposition, SpatialTransformer } from '../../nn/spatial-transformer.js';
import { interpolate } from '../../nn/upsample.js';
import { voxelMorphUNet, type UNetFeatures } from './voxelmorph.js';

export interface PyramidOptions {
  dims: 2 | 3;
  size: number[];
  seed?: number;
}

/** Levels of the pyramid (1/4, 1/2, 1). */
export const PYRAMID_LEVELS = 3;

/** Features of each level's U-Net (module comment). */
export const PYRAMID_FEATURES: UNetFeatures = { encoder: [16, 32], decoder: [32, 32], full: [16, 16] };

export function buildPyramid(options: PyramidOptions): tf.LayersModel {
  const { dims, size } = options;
  const rng = new Rng(options.seed ?? 0);
  const moving = tf.input({ shape: [...size, 1], name: 'moving' });
  const fixed = tf.input({ shape: [...size, 1], name: 'fixed' });
  const down = (x: tf.SymbolicTensor, name: string) => pool(x, { type: 'avg', poolSize: 2, strides: 2 }, name);
  const movings = [moving];
  const fixeds = [fixed];
  for (let l = 1; l < PYRAMID_LEVELS; l++) {
    movings.unshift(down(movings[0], `moving_down${l}`));
    fixeds.unshift(down(fixeds[0], `fixed_down${l}`));
  }
  const stack = (a: tf.SymbolicTensor, b: tf.SymbolicTensor, name: string) => tf.layers.concatenate({ name }).apply([a, b]) as tf.SymbolicTensor;
  let field = voxelMorphUNet(stack(movings[0], fixeds[0], 'level0_cat'), PYRAMID_FEATURES, rng, 'level0_');
  for (let l = 1; l < PYRAMID_LEVELS; l++) {
    const up = tf.layers.rescaling({ scale: 2, name: `level${l}_field_scale` }).apply(interpolate(field, 2, 'linear', `level${l}_field_up`)) as tf.SymbolicTensor;
    const warped = new SpatialTransformer({ name: `level${l}_warp` }).apply([movings[l], up]) as tf.SymbolicTensor;
    const residual = voxelMorphUNet(stack(warped, fixeds[l], `level${l}_cat`), PYRAMID_FEATURES, rng, `level${l}_`);
    field = new FieldComposition({ name: `level${l}_compose` }).apply([up, residual]) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: [moving, fixed], outputs: field, name: `pyramid${dims}d` });
}
