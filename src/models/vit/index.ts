/**
 * Registers the plain Vision Transformer (Dosovitskiy et al., ICLR 2021;
 * Touvron et al., DeiT, ICML 2021, Table 1 for the Ti and S widths) with the
 * model registry, built by `buildVit` (src/nn/vit.ts):
 *
 * - vit-tiny: D = 192, 3 heads, depth 12, MLP ratio 4 (timm vit_tiny_patch16_224);
 * - vit-small: D = 384, 6 heads, depth 12, MLP ratio 4 (timm vit_small_patch16_224).
 *
 * Options: `numClasses` (1000), `inChannels` (3), `inputSize` (224),
 * `patchSize` (16; `inputSize` must be a multiple), `dropPath` (stochastic
 * depth of the last block, in [0, 1), default 0), `seed`; the registry
 * checks each of them, the constructor that `inputSize` is a multiple of
 * `patchSize`.
 */
import { check } from '../../errors.js';
import { buildVit } from '../../nn/vit.js';
import { registerModel, type ModelOptions } from '../registry.js';

const FAMILY = 'vit';

const SIZES: Record<string, { embedDim: number; numHeads: number; depth: number }> = {
  'vit-tiny': { embedDim: 192, numHeads: 3, depth: 12 },
  'vit-small': { embedDim: 384, numHeads: 6, depth: 12 },
};

function createVit(name: string, options: ModelOptions) {
  const patchSize = (options.patchSize as number | undefined) ?? 16;
  const inputSize = options.inputSize ?? 224;
  check(inputSize % patchSize === 0, 'inputSize', inputSize, `a multiple of patchSize ${patchSize} for ${name}`);
  return buildVit({
    ...SIZES[name],
    inputSize,
    patchSize,
    inChannels: options.inChannels ?? 3,
    numClasses: options.numClasses ?? 1000,
    dropPath: (options.dropPath as number | undefined) ?? 0,
    seed: options.seed as number | undefined,
    name,
  });
}

for (const [name, size] of Object.entries(SIZES)) {
  registerModel({
    name,
    family: FAMILY,
    description: `${name === 'vit-tiny' ? 'ViT-Ti' : 'ViT-S'}: patch embedding (16×16 at 224×224), class token, ${size.depth} pre-norm blocks of width ${size.embedDim} with ${size.numHeads} heads, MLP ratio 4; options patchSize, dropPath`,
    options: {
      numClasses: { type: 'integer', min: 1, description: 'classes of the head' },
      inChannels: { type: 'integer', min: 1, description: 'input channels' },
      inputSize: { type: 'integer', min: 1, description: 'input height and width (a multiple of patchSize)' },
      patchSize: { type: 'integer', min: 1, description: 'side of the square patches' },
      dropPath: { type: 'number', min: 0, below: 1, description: 'stochastic depth of the last block' },
      seed: { type: 'integer', description: 'seed of the weight initialisers' },
    },
    smallOptions: { inputSize: 32, patchSize: 16, numClasses: 10 },
    create: (options) => createVit(name, options),
  });
}
