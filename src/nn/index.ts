/**
 * wavecv's layer library: every model family builds on these, in 2-D (NHWC)
 * and 3-D (NDHWC), the rank read from the input tensor. Each helper applies
 * TF.js layers to a `tf.SymbolicTensor` (the functional API) and names its
 * layers after the `name` it is given; every custom layer is registered with
 * `tf.serialization`, so models save and load (Node: src/io/model-io.ts; the
 * browser: `tf.loadLayersModel` after importing this module).
 *
 * | module | what | 2-D | 3-D |
 * |---|---|---|---|
 * | norm.ts | `BatchNorm` layer / `batchNorm(x, name, {activation, frozenScale, gammaInit})`, `batchNormTraining` | ✓ | ✓ (any rank ≥ 2) |
 * | conv.ts | `conv` (padding 'same' / 'valid' / PyTorch's symmetric p, dilation, depthwise 2-D), `convBnAct`, `bnActConv`, `convOutputSize` | ✓ | ✓ |
 * | grouped-conv.ts | `GroupedConv` (PyTorch's `groups` and symmetric padding inside one layer; depthwise in 3-D too) | ✓ | ✓ |
 * | instance-norm.ts | `InstanceNorm` (per sample and channel, no affine, PyTorch's defaults) | ✓ | ✓ |
 * | hard-shrink.ts | `HardShrink` (PyTorch `nn.Hardshrink`, wavelet-band thresholding) | ✓ | ✓ (any rank) |
 * | padding.ts | `zeroPadding(x, p, name)`, `ZeroPadding3D` | ✓ | ✓ |
 * | init.ts | `WeightInit(seed)`: He fan-out, N(0, σ²), PyTorch `nn.Linear` default; `kaimingStd` | – | – |
 * | residual.ts | `basicBlock`, `bottleneckBlock` (projection shortcut, dilation, WaveCNet DWT) | ✓ | ✓ |
 * | downsample.ts | `pool` (max/avg, 'same' or symmetric padding), `downsample` / `waveletDownsample` (WaveCNet switch), `waveletPoolWithDetails`; a strided conv is `conv(…, {strides: 2})` | ✓ | ✓ |
 * | upsample.ts | `transposedConv`, `Interpolate` / `interpolate` / `resize` (nearest, bi/trilinear, PyTorch `align_corners` False or True), `ScatterEven` (zero insertion), `waveletUnpool` | ✓ | ✓ |
 * | max-unpool.ts | `MaxUnpool2D`, `MaxUnpool3D` (SegNet's un-pooling with the pool's switches) | ✓ | ✓ |
 * | warp.ts | `warp`, `integrateVelocity`, `composeFields` (spatial transformer, registration) | ✓ | ✓ |
 * | spatial-transformer.ts | `SpatialTransformer`, `FieldComposition`: warp and composition as layers (pyramids, cascades) | ✓ | ✓ |
 * | l2-normalize.ts | `l2Normalize` (embeddings) | – | – |
 * | attention.ts | `MultiHeadSelfAttention` (batched heads, maps retrievable, MAS option) | ✓ (tokens) | – |
 * | vit.ts | `PatchEmbedding`, `ClassTokenPositionEmbedding`, `DropPath`, `transformerBlock` (pre-norm, MAS / LEVT switches), `buildVit`, `vitAttentionMaps` | ✓ | – |
 * | leff.ts | `LocallyEnhancedFeedForward` (LEVT: depthwise 3×3 over the patch grid) | ✓ (tokens) | – |
 * | core.ts | `relu`, `prelu` (per channel, PyTorch's 0.25 start), `dense`, `globalAveragePool`, `countTrainableParams` | ✓ | ✓ (`relu`, `prelu`) |
 *
 * Which BatchNorm: always this `BatchNorm` (class name `WavecvBatchNorm`),
 * never `tf.layers.batchNormalization`. It has PyTorch's semantics (unbiased
 * running variance, ε = 1e-5, momentum 0.9 in TF.js's convention = PyTorch's
 * 0.1), a closed-form gradient, and one oneDNN call each way when the native
 * addon is loaded, ReLU fused (`activation: 'relu'`, what `convBnAct` does).
 * The stock layer differentiates a dozen element-wise ops on wasm and made a
 * CIFAR ResNet-18 step 1.38× PyTorch's where this one is below 1.0×.
 *
 * Example, a 3-D U-Net level:
 * ```ts
 * const init = new WeightInit(seed);
 * let x = convBnAct(input, { filters: 16, kernelSize: 3, name: 'enc1a', init });
 * const skip = convBnAct(x, { filters: 16, kernelSize: 3, name: 'enc1b', init });
 * x = pool(skip, { type: 'max', poolSize: 2, strides: 2 }, 'pool1');
 * // … deeper levels …
 * x = transposedConv(x, { filters: 16, name: 'up1', init });
 * x = tf.layers.concatenate({ name: 'cat1' }).apply([x, skip]) as tf.SymbolicTensor;
 * ```
 */
export { BatchNorm, batchNorm, batchNormTraining, BATCH_NORM_ACTIVATIONS, type BatchNormActivation, type BatchNormArgs, type BatchNormOptions } from './norm.js';
export { conv, convBnAct, bnActConv, convOutputSize, DilatedConv2D, type ConvOptions, type ConvBnActOptions } from './conv.js';
export { zeroPadding, ZeroPadding3D, padPairs, type PadPair, type ZeroPadding3DArgs } from './padding.js';
export { WeightInit, kaimingStd, type Initializer } from './init.js';
export { basicBlock, bottleneckBlock, BOTTLENECK_EXPANSION, type ResidualBlockOptions } from './residual.js';
export {
  pool,
  downsample,
  waveletDownsample,
  waveletPoolWithDetails,
  resolveDownsampler,
  isWavelet,
  WAVELET_BANDS,
  type VanillaPool,
  type Downsampler,
  type DownsamplerOptions,
  type WaveletBands,
} from './downsample.js';
export { transposedConv, Interpolate, interpolate, resize, ScatterEven, waveletUnpool, INTERPOLATION_MODES, type InterpolationMode, type InterpolateArgs, type ScatterEvenArgs, type TransposedConvOptions } from './upsample.js';
export { GroupedConv, type GroupedConvArgs } from './grouped-conv.js';
export { InstanceNorm, type InstanceNormArgs } from './instance-norm.js';
export { HardShrink } from './hard-shrink.js';
export { relu, prelu, dense, globalAveragePool, countTrainableParams } from './core.js';
export { MaxUnpool2D, MaxUnpool3D, maxPoolSwitches, maxPool3DSwitches } from './max-unpool.js';
export { warp, integrateVelocity, composeFields, checkField, displacementOf, type FieldKind, type WarpOptions, type IntegrateOptions, type Padding } from './warp.js';
export { SpatialTransformer, FieldComposition, type SpatialTransformerArgs } from './spatial-transformer.js';
export { l2Normalize, L2_NORMALIZE_EPS } from './l2-normalize.js';
export { LayerNorm, layerNorm, type LayerNormArgs } from './layer-norm.js';
export { Gelu, gelu } from './gelu.js';
export { MultiHeadSelfAttention, vitWeightInit, type MultiHeadSelfAttentionArgs } from './attention.js';
export { buildVit, transformerBlock, vitAttentionMaps, PatchEmbedding, ClassTokenPositionEmbedding, ClassTokenSelect, DropPath, VIT_LAYER_NORM_EPS, type VitConfig, type TransformerBlockOptions } from './vit.js';
export { LocallyEnhancedFeedForward, type LocallyEnhancedFeedForwardArgs } from './leff.js';
export { MixtureOfExperts, MOE_BALANCE_TERM, type MixtureOfExpertsArgs } from './moe.js';
