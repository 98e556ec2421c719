/**
 * DTN, the distilled transformer network for face forgery detection (Zhang
 * et al., "Distilled Transformers with Locally Enhanced Global
 * Representations for Face Forgery Detection", Pattern Recognition 2025).
 * Only the abstract is public: a hybrid CNN–transformer with an MoE module
 * that mines forgery embeddings, LEVT blocks (locally-enhanced global
 * representations), MAS against attention collapse and deepfake
 * self-distillation. This reconstruction wires wavecv's parts in the order
 * the abstract gives them, each switchable for the ablation:
 *
 *   image → Xception entry + middle flows (./xception.ts, stride 16)
 *         → MoE (src/nn/moe.ts): N convolutional experts, top-k routing per
 *           position, D channels                 [switch `moe`; off: one 3×3
 *           convolution to D channels, i.e. a single expert without router]
 *         → tokens (row-major grid) + class token + position embeddings
 *         → `depth` pre-norm transformer blocks (src/nn/vit.ts) whose
 *           feed-forward is the locally-enhanced one (src/nn/leff.ts)
 *                                                 [switch `levt`; off: MLP]
 *           and whose attention has multi-attention scaling
 *           (src/nn/attention.ts)                 [switch `mas`; off: plain]
 *         → LayerNorm → class token → linear head (logits).
 *
 * DSD, the fourth part, is a training switch (src/losses/distillation.ts,
 * the `--dsd` flag of `wavecv train forgery`), not part of the graph.
 *
 * Choices (ours): the hybrid stem follows the Efficient-ViT and CeiT
 * designs — a CNN's stride-16 feature map becomes the tokens, so a 224×224
 * face gives the 14×14 grid of ViT-B/16 — with Xception, the standard
 * forgery CNN, at reduced width; the MoE is the token embedding (its experts
 * are convolutions over the CNN features, Switch-routed per grid position),
 * so its balancing loss and routing statistics reach the trainer through the
 * auxiliary-loss hook. Transformer sizes default to ViT-Ti's width (192, 3
 * heads) at depth 4. Initialisation: the CNN He-normal (fan-out), the
 * transformer and MoE as timm's ViT (truncated normal std 0.02), all drawn
 * from `seed`.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { Rng } from '../../engine/random.js';
import { vitWeightInit } from '../../nn/attention.js';
import { WeightInit } from '../../nn/init.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { MixtureOfExperts } from '../../nn/moe.js';
import { ClassTokenPositionEmbedding, ClassTokenSelect, transformerBlock, VIT_LAYER_NORM_EPS } from '../../nn/vit.js';
import { xceptionChannels, xceptionFeatures } from './xception.js';

/** Total stride of the CNN stem: inputs must be multiples of it. */
export const DTN_STRIDE = 16;

export interface DtnConfig {
  inputSize: number;
  inChannels: number;
  numClasses: number;
  /** Channel multiplier of the Xception stem. */
  width: number;
  /** Middle-flow blocks of the stem. */
  middleBlocks: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  /** Stochastic depth of the last block (rising linearly from 0). */
  dropPath: number;
  /** The four graph switches' three: MoE token embedding, LEVT feed-forward, MAS attention. */
  moe: boolean;
  levt: boolean;
  mas: boolean;
  experts: number;
  topK: number;
  expertKernel: number;
  balanceWeight: number;
  seed?: number;
  name?: string;
}

/** Builds DTN; see the module comment. Logits [B, numClasses]. */
export function buildDtn(config: DtnConfig): tf.LayersModel {
  const { inputSize, embedDim, depth, numHeads } = config;
  check(inputSize % DTN_STRIDE === 0, 'inputSize', inputSize, `a multiple of ${DTN_STRIDE} (the stride of the CNN stem)`);
  check(embedDim % numHeads === 0, 'numHeads', numHeads, `a divisor of embedDim ${embedDim}`);
  const rng = config.seed === undefined ? undefined : new Rng(config.seed);
  const seed = () => rng?.int(2 ** 31);
  const image = tf.input({ shape: [inputSize, inputSize, config.inChannels], name: 'image' });
  const features = xceptionFeatures(image, config, new WeightInit(seed()));
  const embedded = config.moe
    ? (new MixtureOfExperts({ numExperts: config.experts, topK: config.topK, embedDim, kernelSize: config.expertKernel, balanceWeight: config.balanceWeight, seed: seed(), name: 'moe' }).apply(features) as tf.SymbolicTensor)
    : (tf.layers.conv2d({ filters: embedDim, kernelSize: config.expertKernel, padding: 'same', kernelInitializer: vitWeightInit(seed()), name: 'embed' }).apply(features) as tf.SymbolicTensor);
  const grid = inputSize / DTN_STRIDE;
  const tokens = tf.layers.reshape({ targetShape: [grid * grid, embedDim], name: 'flatten_tokens' }).apply(embedded) as tf.SymbolicTensor;
  let x = new ClassTokenPositionEmbedding({ seed: seed(), name: 'tokens' }).apply(tokens) as tf.SymbolicTensor;
  for (let i = 0; i < depth; i++) {
    const dropPath = depth > 1 ? (config.dropPath * i) / (depth - 1) : config.dropPath;
    x = transformerBlock(x, `block${i}`, { numHeads, mlpRatio: config.mlpRatio, dropPath, rng, mas: config.mas, localEnhancement: config.levt });
  }
  const normed = new LayerNorm({ epsilon: VIT_LAYER_NORM_EPS, name: 'norm' }).apply(x) as tf.SymbolicTensor;
  const cls = new ClassTokenSelect({ name: 'class_token' }).apply(normed) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: config.numClasses, kernelInitializer: vitWeightInit(seed()), name: 'head' }).apply(cls) as tf.SymbolicTensor;
  return tf.model({ inputs: image, outputs: logits, name: config.name ?? 'dtn' });
}

/** Channels of the stem's feature map (the MoE's input) for `width`. */
export function dtnStemChannels(width: number): number {
  return xceptionChannels(728, width);
}
