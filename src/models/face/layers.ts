/**
 * Building blocks shared by the face backbones (IResNet, LResNet-E-IR,
 * MobileFaceNet), on the layer library (src/nn/): convolutions with
 * PyTorch-style symmetric padding (every strided 3×3 convolution is an
 * explicit zero padding then a 'valid' convolution, so outputs equal
 * PyTorch's) and wavecv's `BatchNorm` (PyTorch semantics, native oneDNN
 * path); the per-channel PReLU and the output-size rule are the layer
 * library's (`nn/core.ts` `prelu`, `nn/conv.ts` `convOutputSize`). Each helper names its layers after the PyTorch module
 * paths of the reference code, with `_` for `.`, so a weight converted from
 * PyTorch finds its layer by name (`layer1.0.conv1` → `layer1_0_conv1`).
 *
 * Saved models from before the switch to wavecv's BatchNorm hold TF.js's
 * `BatchNormalization` (registered by TF.js) and our
 * {@link FrozenScaleBatchNormalization}; both still load, with the same
 * weights, and compute the same function.
 */
import * as tf from '@tensorflow/tfjs';
import { conv as libraryConv } from '../../nn/conv.js';
import { kaimingStd, type WeightInit } from '../../nn/init.js';
import { batchNorm as libraryBatchNorm } from '../../nn/norm.js';

export type Symbolic = tf.SymbolicTensor;

type BatchNormLayer = ReturnType<typeof tf.layers.batchNormalization>;
type StockBatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
const BatchNormalizationBase = tf.layers.batchNormalization().constructor as new (args: StockBatchNormArgs) => BatchNormLayer;

/**
 * The frozen-scale BatchNorm of face models saved before they used wavecv's
 * `BatchNorm` (whose `frozenScale` option replaces it): TF.js's layer with γ
 * marked non-trainable after `build`. Kept registered so those models load.
 */
export class FrozenScaleBatchNormalization extends BatchNormalizationBase {
  static className = 'FrozenScaleBatchNormalization';

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    super.build(inputShape);
    const gamma = (this as unknown as { gamma: { trainable: boolean } }).gamma;
    gamma.trainable = false;
  }
}
tf.serialization.registerClass(FrozenScaleBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * BatchNorm as in PyTorch (ε = 1e-5, running-average momentum 0.1, TF's
 * 0.9): `frozenScale` keeps γ = 1 (`bn.weight.requires_grad = False`),
 * `gammaZero` starts γ at 0 (zero-init residual).
 */
export function batchNorm(x: Symbolic, name: string, options: { frozenScale?: boolean; gammaZero?: boolean } = {}): Symbolic {
  return libraryBatchNorm(x, name, { frozenScale: options.frozenScale, gammaInit: options.gammaZero ? 'zeros' : 'ones' });
}

/** How convolution kernels are initialised. */
export type KernelInit =
  /** N(0, σ) with a fixed σ (insightface IResNet uses σ = 0.1). */
  | { kind: 'normal'; stddev: number }
  /** N(0, gain²/fan_in): PyTorch `kaiming_normal_(mode='fan_in')`. */
  | { kind: 'fanIn'; gain: number }
  /** N(0, 2/fan_out): PyTorch `kaiming_normal_(mode='fan_out', nonlinearity='relu')`. */
  | { kind: 'fanOut' };

function kernelStd(init: KernelInit, fanIn: number, fanOut: number): number {
  if (init.kind === 'normal') return init.stddev;
  return init.kind === 'fanIn' ? kaimingStd(fanIn, init.gain) : kaimingStd(fanOut);
}

export interface ConvSpec {
  filters: number;
  kernel: number;
  stride?: number;
  /** Symmetric zero padding applied before a 'valid' convolution. */
  pad?: number;
  name: string;
  depthwise?: boolean;
  useBias?: boolean;
}

/** A bias-free convolution with PyTorch-style symmetric padding; kernels from N(0, σ²) of `init`, seeded by `weights`. */
export function conv(x: Symbolic, spec: ConvSpec, init: KernelInit, weights: WeightInit): Symbolic {
  const inChannels = x.shape[x.shape.length - 1] as number;
  const area = spec.kernel * spec.kernel;
  const std = spec.depthwise ? kernelStd(init, area, area) : kernelStd(init, inChannels * area, spec.filters * area);
  return libraryConv(x, {
    filters: spec.filters,
    kernelSize: spec.kernel,
    strides: spec.stride ?? 1,
    padding: spec.pad ?? 0,
    depthwise: spec.depthwise,
    useBias: spec.useBias ?? false,
    kernelInitializer: weights.normal(std),
    init: weights,
    name: spec.name,
  });
}

export function add(a: Symbolic, b: Symbolic, name: string): Symbolic {
  return tf.layers.add({ name }).apply([a, b]) as Symbolic;
}
