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
import { registerModel } from '../registry.js';
import { IRESNET_DEPTHS, iresnet, type IResNetOptions } from './iresnet.js';
import { mobileFaceNet, type MobileFaceNetOptions } from './mobilefacenet.js';

export { iresnet, IRESNET_DEPTHS, type IResNetOptions, type IResNetStyle } from './iresnet.js';
export { mobileFaceNet, type MobileFaceNetOptions } from './mobilefacenet.js';
export { embedFaces, featureModel, type EmbedOptions } from './embed.js';

const FAMILY = 'face';

function withoutClasses<T extends { numClasses?: number }>(options: T): T {
  const { numClasses: _ignored, ...rest } = options;
  return rest as T;
}

for (const depth of [18, 34, 50, 100]) {
  registerModel({
    name: `iresnet${depth}`,
    family: FAMILY,
    description: `IResNet-${depth} (insightface): 112×112×3 → 512-d, IBasicBlocks [${IRESNET_DEPTHS[depth].join(',')}], 3×3 stride-2, BN-flatten-dropout-FC-BN head`,
    create: (options) => iresnet({ ...withoutClasses(options as IResNetOptions), blocks: IRESNET_DEPTHS[depth], style: 'insightface', name: `iresnet${depth}` }),
  });
  registerModel({
    name: `lresnet${depth}e-ir`,
    family: FAMILY,
    description: `LResNet${depth}E-IR (SZU UniFace/UniTSFace/EPL): 112×112×3 → 512-d, IR blocks [${IRESNET_DEPTHS[depth].join(',')}], 2×2 stride-2 down-sampling, BN-Dropout(0.4)-7×7conv-BN head`,
    create: (options) => iresnet({ ...withoutClasses(options as IResNetOptions), blocks: IRESNET_DEPTHS[depth], style: 'lresnet-eir', name: `lresnet${depth}e_ir` }),
  });
}

registerModel({
  name: 'iresnet-tiny',
  family: FAMILY,
  description: 'tiny IResNet for tests and digits: 2 stages [1,1] of 16/32 channels, 64-d embedding, input 32×32×3 by default (options inputSize, inChannels, style)',
  create: (options) =>
    iresnet({ blocks: [1, 1], widths: [16, 32], embeddingSize: 64, inputSize: 32, ...withoutClasses(options as IResNetOptions), name: 'iresnet_tiny' }),
});

registerModel({
  name: 'mobilefacenet',
  family: FAMILY,
  description: 'MobileFaceNet (Chen et al. 2018): 112×112×3 → 128-d, inverted-residual bottlenecks with PReLU, global depthwise conv head (option width)',
  create: (options) => mobileFaceNet(withoutClasses(options as MobileFaceNetOptions)),
});
