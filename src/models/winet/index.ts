/**
 * Registers the registration networks: `winet` (displacement) and
 * `winet-diff` (stationary velocity, integrated by scaling and squaring with
 * 7 steps; Cheng et al., MICCAI 2024, §2.3), and the baselines `vxm-unet`
 * (VoxelMorph's U-Net, displacement) and `pyramid-unet` (a LapIRN-style
 * coarse-to-fine pyramid of three small U-Nets whose residual fields are
 * up-sampled and composed, displacement), 3-D by default as in the paper,
 * 2-D with `dims: 2`. Options: `dims` (2 | 3), `size` (spatial size, multiples
 * of 16; default 160×192×224, the IXI volumes of the paper, or 160×192 in
 * 2-D), `startChannels` (C, default 8), `wavelet` (default 'haar'), `seed`.
 * {@link registrationField} tells what a registered model predicts.
 */
import { check } from '../../errors.js';
import type { OptionSpecs } from '../option-specs.js';
import { registerModel, type ModelOptions } from '../registry.js';
import { buildPyramid } from './pyramid.js';
import { buildVoxelMorph } from './voxelmorph.js';
import { buildWiNet, WINET_SIZE_MULTIPLE } from './winet.js';

import type { FieldKind } from '../../nn/warp.js';

export type { FieldKind } from '../../nn/warp.js';

const FIELD_KINDS = new Map<string, FieldKind>();

/** The field kind of registration model `name`, or undefined for other models. */
export function registrationField(name: string): FieldKind | undefined {
  return FIELD_KINDS.get(name);
}

/** Names of the registered registration models. */
export function registrationModels(): string[] {
  return [...FIELD_KINDS.keys()];
}

/**
 * The spatial size a registration model is built for (the `size` option or
 * the reference default), with the one check that involves two options: as
 * many sizes as `dims` (the registry checks each option alone).
 */
export function registrationSize(options: ModelOptions): number[] {
  const dims = (options.dims ?? 3) as number;
  const size = (options.size ?? (dims === 3 ? [160, 192, 224] : [160, 192])) as number[];
  check(size.length === dims, 'size', size, `${dims} spatial sizes (dims ${dims})`);
  return size;
}

/** Options of every registration network, checked by the registry (the builders trust them). */
const FIELD_OPTIONS: OptionSpecs = {
  dims: { type: 'integer', values: [2, 3], description: 'spatial dimensions' },
  size: { type: 'integer[]', min: WINET_SIZE_MULTIPLE, multipleOf: WINET_SIZE_MULTIPLE, description: 'spatial size of the fixed and moving images' },
  seed: { type: 'integer', description: 'seed of the weight initialisers' },
};

for (const [name, kind] of [
  ['winet', 'displacement'],
  ['winet-diff', 'velocity'],
] as const) {
  FIELD_KINDS.set(name, kind);
  registerModel({
    name,
    family: 'registration',
    description: `WiNet (MICCAI 2024): wavelet-coefficient decoder with parameter-free IDWT, predicting a ${kind}${kind === 'velocity' ? ' integrated by scaling and squaring (7 steps)' : ''}; 2-D or 3-D`,
    options: {
      ...FIELD_OPTIONS,
      startChannels: { type: 'integer', min: 1, description: 'channels C of the first level' },
      wavelet: { type: 'wavelet', description: 'wavelet of the decoder' },
    },
    smallOptions: { dims: 3, size: [16, 16, 16], startChannels: 2 },
    create: (options) => {
      const size = registrationSize(options);
      return buildWiNet({
        dims: size.length as 2 | 3,
        size,
        startChannels: options.startChannels as number | undefined,
        wavelet: options.wavelet as string | undefined,
        seed: options.seed as number | undefined,
      });
    },
  });
}

/** The displacement baselines: same options and input size as WiNet, one builder each. */
const BASELINES = [
  { name: 'vxm-unet', description: 'VoxelMorph U-Net baseline (IEEE TMI 2019): full-resolution displacement from a 4-level U-Net; 2-D or 3-D', build: buildVoxelMorph },
  {
    name: 'pyramid-unet',
    description: 'coarse-to-fine pyramid baseline (LapIRN-style, MICCAI 2020): three small U-Nets at 1/4, 1/2 and 1, each predicting a residual displacement after warping by the up-sampled coarser field, composed; 2-D or 3-D',
    build: buildPyramid,
  },
];

for (const { name, description, build } of BASELINES) {
  FIELD_KINDS.set(name, 'displacement');
  registerModel({
    name,
    family: 'registration',
    description,
    options: FIELD_OPTIONS,
    smallOptions: { dims: 3, size: [16, 16, 16] },
    create: (options) => {
      const size = registrationSize(options);
      return build({ dims: size.length as 2 | 3, size, seed: options.seed as number | undefined });
    },
  });
}
