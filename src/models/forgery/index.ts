/**
 * Registers the face-forgery detectors with the model registry:
 *
 * - `dtn`: the distilled transformer network (./dtn.ts) with a switch per
 *   graph part — `moe`, `levt`, `mas` (all on by default; DSD is the training
 *   switch of `wavecv train forgery`). Defaults: Xception stem at width 0.25
 *   with 2 middle blocks, embedDim 192, depth 4, 3 heads, MLP ratio 4,
 *   4 experts of 3×3 kernels, top-1 routing, balancing weight 0.01.
 * - `xception-small`: the plain CNN baseline (./xception.ts), Xception at
 *   width 0.25 with 2 of its 8 middle blocks by default.
 *
 * The plain ViT baseline is `vit-tiny` / `vit-small` (src/models/vit).
 * Every detector outputs logits over `numClasses` (2 for real/fake, class 1
 * = fake); `inputSize` must be a multiple of 16 (dtn) or 32 (xception-small).
 */
import { check } from '../../errors.js';
import type { OptionSpecs } from '../option-specs.js';
import { registerModel, type ModelOptions } from '../registry.js';
import { buildDtn } from './dtn.js';
import { buildXception } from './xception.js';

const FAMILY = 'forgery';

const COMMON: OptionSpecs = {
  numClasses: { type: 'integer', min: 2, description: 'classes of the head (2: real, fake)' },
  inChannels: { type: 'integer', min: 1, description: 'input channels' },
  inputSize: { type: 'integer', min: 16, description: 'input height and width' },
  width: { type: 'number', min: 0.01, description: 'channel multiplier of the Xception layers (1 = Xception)' },
  middleBlocks: { type: 'integer', min: 0, max: 8, description: 'middle-flow blocks of the Xception (Xception: 8)' },
  seed: { type: 'integer', description: 'seed of the weight initialisers' },
};

registerModel({
  name: 'dtn',
  family: FAMILY,
  description: 'DTN face-forgery detector: Xception stem (stride 16) → MoE token embedding → LEVT blocks with MAS → class-token head; switches moe, levt, mas',
  options: {
    ...COMMON,
    embedDim: { type: 'integer', min: 1, description: 'token width D' },
    depth: { type: 'integer', min: 1, description: 'transformer blocks' },
    numHeads: { type: 'integer', min: 1, description: 'attention heads (a divisor of embedDim)' },
    mlpRatio: { type: 'number', min: 0.25, description: 'feed-forward width as a multiple of embedDim' },
    dropPath: { type: 'number', min: 0, below: 1, description: 'stochastic depth of the last block' },
    moe: { type: 'boolean', description: 'mixture-of-experts token embedding (off: one 3×3 convolution)' },
    levt: { type: 'boolean', description: 'locally-enhanced feed-forward in every block (off: MLP)' },
    mas: { type: 'boolean', description: 'multi-attention scaling in every attention layer' },
    experts: { type: 'integer', min: 1, description: 'number of MoE experts N' },
    topK: { type: 'integer', min: 1, description: 'experts per token k (≤ experts)' },
    expertKernel: { type: 'integer', min: 1, description: 'odd kernel side of the experts (and of the embedding with moe off)' },
    balanceWeight: { type: 'number', min: 0, description: 'weight α of the MoE load-balancing loss' },
  },
  smallOptions: { inputSize: 32, numClasses: 2, width: 0.05, middleBlocks: 1, embedDim: 12, depth: 2, numHeads: 3, experts: 3, topK: 2 },
  create: (o: ModelOptions) =>
    buildDtn({
      inputSize: o.inputSize ?? 224,
      inChannels: o.inChannels ?? 3,
      numClasses: o.numClasses ?? 2,
      width: (o.width as number | undefined) ?? 0.25,
      middleBlocks: (o.middleBlocks as number | undefined) ?? 2,
      embedDim: (o.embedDim as number | undefined) ?? 192,
      depth: (o.depth as number | undefined) ?? 4,
      numHeads: (o.numHeads as number | undefined) ?? 3,
      mlpRatio: (o.mlpRatio as number | undefined) ?? 4,
      dropPath: (o.dropPath as number | undefined) ?? 0,
      moe: (o.moe as boolean | undefined) ?? true,
      levt: (o.levt as boolean | undefined) ?? true,
      mas: (o.mas as boolean | undefined) ?? true,
      experts: (o.experts as number | undefined) ?? 4,
      topK: (o.topK as number | undefined) ?? 1,
      expertKernel: (o.expertKernel as number | undefined) ?? 3,
      balanceWeight: (o.balanceWeight as number | undefined) ?? 0.01,
      seed: o.seed as number | undefined,
      name: 'dtn',
    }),
});

registerModel({
  name: 'xception-small',
  family: FAMILY,
  description: 'CNN baseline: Xception (entry, middle, exit flows) at reduced width, default width 0.25 and 2 middle blocks',
  options: COMMON,
  smallOptions: { inputSize: 32, numClasses: 2, width: 0.05, middleBlocks: 1 },
  create: (o: ModelOptions) => {
    const inputSize = o.inputSize ?? 224;
    check(inputSize % 32 === 0, 'inputSize', inputSize, 'a multiple of 32 (the stride of xception-small)');
    return buildXception({
      inputSize,
      inChannels: o.inChannels ?? 3,
      numClasses: o.numClasses ?? 2,
      width: (o.width as number | undefined) ?? 0.25,
      middleBlocks: (o.middleBlocks as number | undefined) ?? 2,
      seed: o.seed as number | undefined,
      name: 'xception-small',
    });
  },
});
