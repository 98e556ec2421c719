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
 * depth of the last block, in [0, 1), default 0), `seed`. Unknown options are
 * refused by name, as the other families do (our choice: a misspelt option is
 * not silently ignored).
 */
import { check, positiveInt, WavecvError } from '../../errors.js';
import { buildVit } from '../../nn/vit.js';
import { registerModel, type ModelOptions } from '../registry.js';

const FAMILY = 'vit';
const OPTIONS = ['numClasses', 'inChannels', 'inputSize', 'patchSize', 'dropPath', 'seed'];

const SIZES: Record<string, { embedDim: number; numHeads: number; depth: number }> = {
  'vit-tiny': { embedDim: 192, numHeads: 3, depth: 12 },
  'vit-small': { embedDim: 384, numHeads: 6, depth: 12 },
};

function createVit(name: string, options: ModelOptions) {
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !OPTIONS.includes(key)) throw new WavecvError(`${name} option`, key, `one of ${OPTIONS.join(', ')}`);
  }
  const patchSize = positiveInt(options.patchSize ?? 16, 'patchSize');
  const inputSize = positiveInt(options.inputSize ?? 224, 'inputSize');
  check(inputSize % patchSize === 0, 'inputSize', inputSize, `a multiple of patchSize ${patchSize} for ${name}`);
  const dropPath = options.dropPath ?? 0;
  check(typeof dropPath === 'number' && dropPath >= 0 && dropPath < 1, 'dropPath', dropPath, 'a rate in [0, 1)');
  if (options.seed !== undefined) check(Number.isInteger(options.seed), 'seed', options.seed, 'an integer');
  return buildVit({
    ...SIZES[name],
    inputSize,
    patchSize,
    inChannels: positiveInt(options.inChannels ?? 3, 'inChannels'),
    numClasses: positiveInt(options.numClasses ?? 1000, 'numClasses'),
    dropPath,
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
