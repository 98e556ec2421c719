/**
 * The face-embedding backbones, registered in the model registry (family
 * `face`). Every one maps a normalised NHWC face crop to an embedding; the
 * class prototypes (FC weights, memories) live in the loss heads of
 * `src/losses/`, so `numClasses` is not an option of these constructors.
 *
 * Names:
 * - `iresnet18|34|50|100`: insightface IResNet (3×3 stride-2, FC head).
 * - `lresnet18e-ir|34|50|100`: the SZU variant (2×2 stride-2 down-sampling,
 *   BN-dropout-conv head); `lresnet50e-ir` / `lresnet100e-ir` are the names in
 *   `CVI-SZU/UniFace:backbone.py`, 18 and 34 are the same design at the
 *   insightface depths.
 * - `iresnet-tiny`: two stages of one block each, 16/32 channels, 64-d
 *   embedding, default input 32×32 (for tests and the digit experiment;
 *   `style` may be `'lresnet-eir'`).
 * - `mobilefacenet`: Chen et al. 2018, 128-d.
 */
import type { OptionSpecs } from '../option-specs.js';
import { registerModel } from '../registry.js';
import { IRESNET_DEPTHS, iresnet, type IResNetOptions } from './iresnet.js';
import { mobileFaceNet, type MobileFaceNetOptions } from './mobilefacenet.js';

export { iresnet, IRESNET_DEPTHS, type IResNetOptions, type IResNetStyle } from './iresnet.js';
export { mobileFaceNet, type MobileFaceNetOptions } from './mobilefacenet.js';
export { embedFaces, featureModel, type EmbedOptions } from './embed.js';

const FAMILY = 'face';

/** Options of every face backbone (no `numClasses`: the class prototypes live in the loss heads). */
const COMMON: OptionSpecs = {
  inputSize: { type: 'integer', min: 1, description: 'input height and width' },
  inChannels: { type: 'integer', min: 1, description: 'input channels' },
  embeddingSize: { type: 'integer', min: 1, description: 'embedding length' },
  seed: { type: 'integer', description: 'seed of the weight initialisers' },
};

const IRESNET_OPTIONS: OptionSpecs = {
  ...COMMON,
  widths: { type: 'integer[]', min: 1, description: 'channels per stage' },
  dropout: { type: 'number', min: 0, below: 1, description: 'dropout rate of the head' },
  zeroInitResidual: { type: 'boolean', description: 'start the last BN of each block at γ = 0' },
};

for (const depth of [18, 34, 50, 100]) {
  const blocks = IRESNET_DEPTHS[depth];
  // A narrow net at 16×16 (four stride-2 stages: 16 → 1).
  const smallOptions = { inputSize: 16, widths: [4, 4, 8, 8], embeddingSize: 8 };
  // LResNet-E-IR starts the last BN of each block at γ = 0, which stops the gradient of the block's
  // convolutions at the first step; the small instance starts at γ = 1 so that a step reaches every weight.
  registerModel({
    name: `iresnet${depth}`,
    family: FAMILY,
    description: `IResNet-${depth} (insightface): 112×112×3 → 512-d, IBasicBlocks [${blocks.join(',')}], 3×3 stride-2, BN-flatten-dropout-FC-BN head`,
    options: IRESNET_OPTIONS,
    smallOptions,
    create: (options) => iresnet({ ...(options as IResNetOptions), blocks, style: 'insightface', name: `iresnet${depth}` }),
  });
  registerModel({
    name: `lresnet${depth}e-ir`,
    family: FAMILY,
    description: `LResNet${depth}E-IR (SZU UniFace/UniTSFace/EPL): 112×112×3 → 512-d, IR blocks [${blocks.join(',')}], 2×2 stride-2 down-sampling, BN-Dropout(0.4)-7×7conv-BN head`,
    options: IRESNET_OPTIONS,
    smallOptions: { ...smallOptions, zeroInitResidual: false },
    create: (options) => iresnet({ ...(options as IResNetOptions), blocks, style: 'lresnet-eir', name: `lresnet${depth}e_ir` }),
  });
}

registerModel({
  name: 'iresnet-tiny',
  family: FAMILY,
  description: 'tiny IResNet for tests and digits: 2 stages [1,1] of 16/32 channels, 64-d embedding, input 32×32×3 by default (options inputSize, inChannels, style, blocks, widths)',
  options: {
    ...IRESNET_OPTIONS,
    blocks: { type: 'integer[]', min: 1, description: 'blocks per stage' },
    style: { type: 'string', values: ['insightface', 'lresnet-eir'], description: 'block and head design' },
  },
  smallOptions: { inputSize: 16 },
  create: (options) => iresnet({ blocks: [1, 1], widths: [16, 32], embeddingSize: 64, inputSize: 32, ...(options as IResNetOptions), name: 'iresnet_tiny' }),
});

registerModel({
  name: 'mobilefacenet',
  family: FAMILY,
  description: 'MobileFaceNet (Chen et al. 2018): 112×112×3 → 128-d, inverted-residual bottlenecks with PReLU, global depthwise conv head (option width)',
  options: { ...COMMON, width: { type: 'number', min: 0, description: 'multiplier of every channel count (> 0)' } },
  smallOptions: { inputSize: 16, width: 0.0625, embeddingSize: 8 },
  create: (options) => mobileFaceNet(options as MobileFaceNetOptions),
});
