/**
 * Building blocks shared by the face backbones (IResNet, LResNet-E-IR,
 * MobileFaceNet). Each helper applies TF.js layers to a symbolic tensor and
 * names them after the PyTorch module paths of the reference code, with `_`
 * for `.`, so a weight converted from PyTorch finds its layer by name
 * (`layer1.0.conv1` → `layer1_0_conv1`).
 *
 * Padding note (a fidelity detail): PyTorch's `Conv2d(k=3, stride=2,
 * padding=1)` pads one row and column on *both* sides, while TF's `'same'`
 * padding with stride 2 on an even size pads only at the bottom and right.
 * The outputs differ, so every strided 3×3 convolution here is an explicit
 * symmetric `zeroPadding2d` followed by a `'valid'` convolution.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.js';

export type Symbolic = tf.SymbolicTensor;

type BatchNormLayer = ReturnType<typeof tf.layers.batchNormalization>;
type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
const BatchNormalizationBase = tf.layers.batchNormalization().constructor as new (args: BatchNormArgs) => BatchNormLayer;

/**
 * BatchNorm whose scale γ is fixed at 1 (PyTorch: `bn.weight.requires_grad =
 * False`, used for the embedding BN of IResNet and LResNet-E-IR). TF.js 4.22's
 * own `scale: false` option crashes in training mode (`normalization.js` reads
 * `this.gamma` unconditionally), so this layer keeps γ as a weight and marks it
 * non-trainable after `build`; the class is registered, so saved models load
 * with γ frozen again.
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
 * BatchNorm as in PyTorch: ε = 1e-5, running-average momentum 0.1 (TF's 0.9).
 * `frozenScale` keeps γ = 1 (see {@link FrozenScaleBatchNormalization}).
 */
export function batchNorm(x: Symbolic, name: string, options: { frozenScale?: boolean; gammaZero?: boolean } = {}): Symbolic {
  const args: BatchNormArgs = { name, axis: -1, epsilon: 1e-5, momentum: 0.9, gammaInitializer: options.gammaZero ? 'zeros' : 'ones' };
  const layer = options.frozenScale ? new FrozenScaleBatchNormalization(args) : tf.layers.batchNormalization(args);
  return layer.apply(x) as Symbolic;
}

/** Per-channel PReLU with slopes initialised to 0.25 (PyTorch's `nn.PReLU(C)`). */
export function prelu(x: Symbolic, name: string): Symbolic {
  const rank = x.shape.length;
  return tf.layers
    .prelu({ name, sharedAxes: rank === 4 ? [1, 2] : undefined, alphaInitializer: tf.initializers.constant({ value: 0.25 }) })
    .apply(x) as Symbolic;
}

/** How convolution kernels are initialised. */
export type KernelInit =
  /** N(0, σ) with a fixed σ (insightface IResNet uses σ = 0.1). */
  | { kind: 'normal'; stddev: number }
  /** N(0, gain²/fan_in): PyTorch `kaiming_normal_(mode='fan_in')`. */
  | { kind: 'fanIn'; gain: number }
  /** N(0, 2/fan_out): PyTorch `kaiming_normal_(mode='fan_out', nonlinearity='relu')`. */
  | { kind: 'fanOut' };

function kernelInitializer(init: KernelInit, fanIn: number, fanOut: number, rng: Rng): ReturnType<typeof tf.initializers.randomNormal> {
  const seed = rng.seed();
  const stddev = init.kind === 'normal' ? init.stddev : init.kind === 'fanIn' ? init.gain / Math.sqrt(fanIn) : Math.sqrt(2 / fanOut);
  return tf.initializers.randomNormal({ mean: 0, stddev, seed });
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

/** A bias-free convolution with PyTorch-style symmetric padding. */
export function conv(x: Symbolic, spec: ConvSpec, init: KernelInit, rng: Rng): Symbolic {
  const inChannels = x.shape[x.shape.length - 1] as number;
  const stride = spec.stride ?? 1;
  const pad = spec.pad ?? 0;
  let input = x;
  if (pad > 0) input = tf.layers.zeroPadding2d({ padding: pad, name: `${spec.name}_pad` }).apply(x) as Symbolic;
  const area = spec.kernel * spec.kernel;
  if (spec.depthwise) {
    return tf.layers
      .depthwiseConv2d({
        name: spec.name,
        kernelSize: spec.kernel,
        strides: stride,
        padding: 'valid',
        useBias: spec.useBias ?? false,
        depthMultiplier: 1,
        depthwiseInitializer: kernelInitializer(init, area, area, rng),
      })
      .apply(input) as Symbolic;
  }
  return tf.layers
    .conv2d({
      name: spec.name,
      filters: spec.filters,
      kernelSize: spec.kernel,
      strides: stride,
      padding: 'valid',
      useBias: spec.useBias ?? false,
      kernelInitializer: kernelInitializer(init, inChannels * area, spec.filters * area, rng),
    })
    .apply(input) as Symbolic;
}

export function add(a: Symbolic, b: Symbolic, name: string): Symbolic {
  return tf.layers.add({ name }).apply([a, b]) as Symbolic;
}

/** Spatial size after a 'valid' convolution with symmetric padding. */
export function convOutSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}
