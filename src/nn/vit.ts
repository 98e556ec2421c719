/**
 * Vision Transformer building blocks (Dosovitskiy et al., "An Image is Worth
 * 16x16 Words", ICLR 2021, eq. 1–4) in timm's layout, and the plain ViT built
 * from them:
 *
 * - {@link PatchEmbedding}: a convolution with kernel = stride = patch size
 *   (eq. 1's E applied to every flattened patch), tokens in row-major patch
 *   order → [B, N, D].
 * - {@link ClassTokenPositionEmbedding}: prepends the learned class token and
 *   adds the learned position embeddings E_pos ([1, N+1, D]) (eq. 1).
 * - {@link transformerBlock}: pre-norm block (eq. 2–3) x + DropPath(MSA(LN(x))),
 *   then x + DropPath(MLP(LN(x))); LayerNorm with ε = 1e-6 (timm's ViT), the
 *   MLP Linear(D→rD)–GELU–Linear(rD→D) with the exact (erf) GELU. LayerNorm
 *   and GELU are wavecv's single ops with their own gradients (./layer-norm.ts,
 *   ./gelu.ts; native where the addon is loaded), not tfjs-layers'
 *   compositions: same functions and weight names, a fraction of the kernels
 *   and of the memory kept for the backward pass (a ViT-S/16 step at
 *   224×224 batch 8 did not fit wasm's 4 GiB heap with the compositions).
 *   Models saved with tfjs-layers' `LayerNormalization` / dense 'gelu' still
 *   load (as those layers).
 * - {@link DropPath}: stochastic depth (Huang et al., ECCV 2016), per sample:
 *   in training a residual branch is kept with probability 1 − p and then
 *   scaled by 1/(1 − p); identity at inference. Seeded: each call draws its
 *   mask with the next seed of a generator started from `seed`. Rates rise
 *   linearly from 0 at the first block to `dropPath` at the last (timm).
 * - Options of every block: `mas` (multi-attention scaling, ./attention.ts)
 *   and `localEnhancement` (the LEVT block's feed-forward, ./leff.ts).
 * - {@link ClassTokenSelect}: the class token out of the sequence, for the head.
 * - {@link buildVit}: patch embedding, tokens, `depth` blocks, final LayerNorm,
 *   linear head on the class token. With patch 16 at 224×224, 1000 classes,
 *   D = 192 / 3 heads (ViT-Ti) or 384 / 6 heads (ViT-S), depth 12, MLP ratio 4
 *   its parameter count equals timm's vit_tiny_patch16_224 (5,717,416) and
 *   vit_small_patch16_224 (22,050,664).
 *
 * Initialisation (timm): truncated normal std 0.02 for linear kernels, the
 * patch embedding and the position embeddings, normal std 1e-6 for the class
 * token, zero biases, LayerNorm γ = 1, β = 0; one seed gives the same model.
 */
import * as tf from '@tensorflow/tfjs';
import { check, positiveInt } from '../errors.js';
import { Rng } from '../engine/random.js';
import { MultiHeadSelfAttention, vitWeightInit } from './attention.js';
import { Gelu } from './gelu.js';
import { LayerNorm } from './layer-norm.js';
import { LocallyEnhancedFeedForward } from './leff.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** LayerNorm ε of timm's ViT (`partial(nn.LayerNorm, eps=1e-6)`). */
export const VIT_LAYER_NORM_EPS = 1e-6;

function optionalSeed(seed: unknown): number | undefined {
  if (seed !== undefined) check(typeof seed === 'number' && Number.isInteger(seed), 'seed', seed, 'an integer');
  return seed as number | undefined;
}

export interface PatchEmbeddingArgs extends LayerArgs {
  patchSize: number;
  embedDim: number;
  seed?: number;
}

/** Images [B, H, W, C] → tokens [B, (H/p)(W/p), D]; H and W must be multiples of p. */
export class PatchEmbedding extends tf.layers.Layer {
  static readonly className = 'PatchEmbedding';
  readonly patchSize: number;
  readonly embedDim: number;
  private readonly seed?: number;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: PatchEmbeddingArgs) {
    super(args);
    this.patchSize = positiveInt(args.patchSize, 'patchSize');
    this.embedDim = positiveInt(args.embedDim, 'embedDim');
    this.seed = optionalSeed(args.seed);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, h, w, c] = inputShape as tf.Shape;
    check(typeof h === 'number' && typeof w === 'number' && h % this.patchSize === 0 && w % this.patchSize === 0, 'inputSize', `${h}×${w}`, `multiples of the patch size ${this.patchSize}`);
    const p = this.patchSize;
    this.kernel = this.addWeight('kernel', [p, p, c as number, this.embedDim], 'float32', vitWeightInit(this.seed));
    this.bias = this.addWeight('bias', [this.embedDim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w] = inputShape as tf.Shape;
    return [b, ((h as number) / this.patchSize) * ((w as number) / this.patchSize), this.embedDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const y = tf.add(tf.conv2d(x, this.kernel.read() as tf.Tensor4D, this.patchSize, 'valid'), this.bias.read()) as tf.Tensor4D;
      const [b, gh, gw, d] = y.shape;
      return tf.reshape(y, [b, gh * gw, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), patchSize: this.patchSize, embedDim: this.embedDim, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(PatchEmbedding);

export interface ClassTokenPositionEmbeddingArgs extends LayerArgs {
  seed?: number;
}

/** Tokens [B, N, D] → [B, N+1, D]: the class token first, then position embeddings added. */
export class ClassTokenPositionEmbedding extends tf.layers.Layer {
  static readonly className = 'ClassTokenPositionEmbedding';
  private readonly seed?: number;
  private classToken!: tf.LayerVariable;
  private positions!: tf.LayerVariable;

  constructor(args: ClassTokenPositionEmbeddingArgs = {}) {
    super(args);
    this.seed = optionalSeed(args.seed);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, n, d] = inputShape as tf.Shape;
    check(typeof n === 'number' && typeof d === 'number', `${this.name} input`, `shape [${(inputShape as tf.Shape).join(', ')}]`, 'tokens [batch, tokens, channels] of known size');
    this.classToken = this.addWeight('class_token', [1, 1, d], 'float32', tf.initializers.randomNormal({ stddev: 1e-6, seed: this.seed }));
    this.positions = this.addWeight('position_embedding', [1, n + 1, d], 'float32', vitWeightInit(this.seed === undefined ? undefined : this.seed + 1));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, n, d] = inputShape as tf.Shape;
    return [b, (n as number) + 1, d];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const cls = tf.tile(this.classToken.read(), [x.shape[0], 1, 1]);
      return tf.add(tf.concat([cls, x], 1), this.positions.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(ClassTokenPositionEmbedding);

export interface DropPathArgs extends LayerArgs {
  /** Probability of dropping the branch of a sample, in [0, 1). */
  rate: number;
  seed?: number;
}

/** Stochastic depth on a residual branch [B, …]; see the module comment. */
export class DropPath extends tf.layers.Layer {
  static readonly className = 'DropPath';
  readonly rate: number;
  private readonly seed?: number;
  private readonly rng?: Rng;

  constructor(args: DropPathArgs) {
    super(args);
    check(typeof args.rate === 'number' && args.rate >= 0 && args.rate < 1, 'dropPath', args.rate, 'a rate in [0, 1)');
    this.rate = args.rate;
    this.seed = optionalSeed(args.seed);
    if (this.seed !== undefined) this.rng = new Rng(this.seed);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training || this.rate === 0) return tf.clone(x);
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const shape = [x.shape[0], ...x.shape.slice(1).map(() => 1)];
      const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', this.rng?.int(2 ** 31)), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(DropPath);

/** Tokens [B, N, D] → the class token [B, D] (the first token). */
export class ClassTokenSelect extends tf.layers.Layer {
  static readonly className = 'ClassTokenSelect';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, , d] = inputShape as tf.Shape;
    return [b, d];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      return tf.reshape(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [x.shape[0], x.shape[2]]);
    });
  }
}
tf.serialization.registerClass(ClassTokenSelect);

export interface TransformerBlockOptions {
  numHeads: number;
  /** MLP hidden width as a multiple of the token width (default 4). */
  mlpRatio?: number;
  /** Stochastic-depth rate of this block's two branches (default 0). */
  dropPath?: number;
  /** Seed source of this block's initialisers and drop-path masks. */
  rng?: Rng;
  /** Multi-attention scaling in the attention layer (see ./attention.ts; default false). */
  mas?: boolean;
  /** LEVT: the locally-enhanced feed-forward of ./leff.ts instead of the MLP (default false). */
  localEnhancement?: boolean;
}

function nextSeed(rng?: Rng): number | undefined {
  return rng?.int(2 ** 31);
}

function residual(x: tf.SymbolicTensor, branch: tf.SymbolicTensor, rate: number, name: string, rng?: Rng): tf.SymbolicTensor {
  const dropped = rate > 0 ? (new DropPath({ rate, seed: nextSeed(rng), name: `${name}_drop_path` }).apply(branch) as tf.SymbolicTensor) : branch;
  return tf.layers.add({ name: `${name}_add` }).apply([x, dropped]) as tf.SymbolicTensor;
}

/**
 * A pre-norm ViT block on tokens [B, N, D]; layers named
 * `${name}_norm1|attn|norm2|fc1|fc2`, or `${name}_leff` in place of fc1/fc2
 * for the LEVT block (`localEnhancement`).
 */
export function transformerBlock(x: tf.SymbolicTensor, name: string, options: TransformerBlockOptions): tf.SymbolicTensor {
  const dim = x.shape[2] as number;
  const hidden = Math.round(dim * (options.mlpRatio ?? 4));
  const rate = options.dropPath ?? 0;
  const rng = options.rng;
  const norm1 = new LayerNorm({ epsilon: VIT_LAYER_NORM_EPS, name: `${name}_norm1` }).apply(x) as tf.SymbolicTensor;
  const attn = new MultiHeadSelfAttention({ numHeads: options.numHeads, mas: options.mas, seed: nextSeed(rng), name: `${name}_attn` }).apply(norm1) as tf.SymbolicTensor;
  const x1 = residual(x, attn, rate, `${name}_attn`, rng);
  const norm2 = new LayerNorm({ epsilon: VIT_LAYER_NORM_EPS, name: `${name}_norm2` }).apply(x1) as tf.SymbolicTensor;
  let mlp: tf.SymbolicTensor;
  if (options.localEnhancement) {
    mlp = new LocallyEnhancedFeedForward({ hiddenDim: hidden, seed: nextSeed(rng), name: `${name}_leff` }).apply(norm2) as tf.SymbolicTensor;
  } else {
    const fc1 = tf.layers.dense({ units: hidden, kernelInitializer: vitWeightInit(nextSeed(rng)), name: `${name}_fc1` }).apply(norm2) as tf.SymbolicTensor;
    const activated = new Gelu({ name: `${name}_gelu` }).apply(fc1) as tf.SymbolicTensor;
    mlp = tf.layers.dense({ units: dim, kernelInitializer: vitWeightInit(nextSeed(rng)), name: `${name}_fc2` }).apply(activated) as tf.SymbolicTensor;
  }
  return residual(x1, mlp, rate, `${name}_mlp`, rng);
}

export interface VitConfig {
  inputSize: number;
  inChannels: number;
  patchSize: number;
  numClasses: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio?: number;
  /** Stochastic-depth rate of the last block (default 0). */
  dropPath?: number;
  /** Multi-attention scaling in every block (default false). */
  mas?: boolean;
  /** LEVT blocks: locally-enhanced feed-forward in every block (default false). */
  localEnhancement?: boolean;
  seed?: number;
  name?: string;
}

/** The plain ViT of {@link VitConfig}: layers `patch_embed`, `tokens`, `block{i}_*`, `norm`, `head`; logits [B, numClasses]. */
export function buildVit(config: VitConfig): tf.LayersModel {
  const { inputSize, inChannels, patchSize, numClasses, embedDim, depth, numHeads } = config;
  const rng = config.seed === undefined ? undefined : new Rng(config.seed);
  const image = tf.input({ shape: [inputSize, inputSize, inChannels], name: 'image' });
  const patches = new PatchEmbedding({ patchSize, embedDim, seed: nextSeed(rng), name: 'patch_embed' }).apply(image) as tf.SymbolicTensor;
  let x = new ClassTokenPositionEmbedding({ seed: nextSeed(rng), name: 'tokens' }).apply(patches) as tf.SymbolicTensor;
  for (let i = 0; i < depth; i++) {
    const dropPath = depth > 1 ? ((config.dropPath ?? 0) * i) / (depth - 1) : (config.dropPath ?? 0);
    x = transformerBlock(x, `block${i}`, { numHeads, mlpRatio: config.mlpRatio, dropPath, rng, mas: config.mas, localEnhancement: config.localEnhancement });
  }
  const normed = new LayerNorm({ epsilon: VIT_LAYER_NORM_EPS, name: 'norm' }).apply(x) as tf.SymbolicTensor;
  const cls = new ClassTokenSelect({ name: 'class_token' }).apply(normed) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, kernelInitializer: vitWeightInit(nextSeed(rng)), name: 'head' }).apply(cls) as tf.SymbolicTensor;
  return tf.model({ inputs: image, outputs: logits, name: config.name ?? 'vit' });
}

/**
 * The attention maps of every {@link MultiHeadSelfAttention} layer of `model`
 * for input `x`, in layer order, each [B, H, N, N]: the layers' input tokens
 * are computed by one sub-model, then each layer recomputes its maps.
 */
export function vitAttentionMaps(model: tf.LayersModel, x: tf.Tensor): Array<{ layer: string; maps: tf.Tensor4D }> {
  const layers = model.layers.filter((l): l is MultiHeadSelfAttention => l instanceof MultiHeadSelfAttention);
  check(layers.length > 0, 'model', model.name, 'a model with multi-head self-attention layers');
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.input as tf.SymbolicTensor) });
  const tokens = probe.predict(x);
  const list = (Array.isArray(tokens) ? tokens : [tokens]) as tf.Tensor3D[];
  const maps = layers.map((l, i) => ({ layer: l.name, maps: l.attentionMaps(list[i]) }));
  tf.dispose(list);
  return maps;
}
