/**
 * The layers WiNet (Cheng et al., "WiNet: Wavelet-based Incremental Learning
 * for Efficient Medical Image Registration", MICCAI 2024, Fig. 1) needs beyond
 * plain convolutions, each a registered `tf.layers` class (2-D NHWC and 3-D
 * NDHWC) so a trained model saves and loads:
 *  - {@link GroupedConv}: a convolution with PyTorch's `groups` and symmetric
 *    `padding` (tf.layers has neither for 3-D): the refinement blocks' grouped
 *    convolutions (one group per wavelet band), the depthwise convolution
 *    after each IDWT, and the stride-2 encoder convolutions (PyTorch pads one
 *    voxel on both sides; TF.js's 'same' would pad only after, shifting the
 *    sampling grid by a voxel).
 *  - {@link InstanceNorm}: per sample and channel over the spatial axes, no
 *    affine parameters, ε = 1e-5 (PyTorch's `InstanceNorm3d` defaults, as the
 *    reference's first encoder block uses through MONAI).
 *  - {@link BandInterleave}: the refinement block's input: the coarser
 *    scale's high bands up-sampled ×2 by (bi/tri)linear interpolation with
 *    `align_corners=True` (through the registration warp, `nn/warp.ts`, with
 *    the constant field that maps output voxel j to input position
 *    j·(n − 1)/(2n − 1)), interleaved band by band with the current scale's
 *    high bands, so that group g of the following grouped convolution sees
 *    (coarse band g, current band g).
 *  - {@link NormalizedToVoxels}: the network predicts, as the reference does,
 *    a field in normalised [−1, 1] coordinates (`grid_sample` with
 *    `align_corners=True`); this multiplies component i by (size_i − 1)/2 to
 *    give the voxel units of `nn/warp.ts`, a fixed parameter-free scaling.
 *  - {@link NearestUpsample}: ×2 nearest-neighbour up-sampling in 2-D and 3-D
 *    for the VoxelMorph U-Net baseline (`voxelmorph.ts`).
 * Channels of a coefficient tensor are band-major: band b, component c at
 * channel b·n + c (n = number of spatial axes), bands in PyWavelets' order —
 * the stacked layout the IDWT layers of `wavelets/layers.ts` take.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { Rng } from '../../engine/random.js';
import { warp } from '../../nn/warp.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;

const single = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);
const singleShape = (shape: tf.Shape | tf.Shape[]): tf.Shape => (Array.isArray(shape[0]) ? (shape[0] as tf.Shape) : (shape as tf.Shape));

export interface GroupedConvArgs extends LayerArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** Symmetric zero padding on every spatial axis, PyTorch's `padding` (default ⌊kernelSize/2⌋). */
  padding?: number;
  /** Input and output channels split into this many groups (default 1). */
  groups?: number;
  useBias?: boolean;
  /** Seed of the initial weights (PyTorch's default U(±1/√fanIn), fanIn = inChannels/groups · kernel volume). */
  seed?: number;
}

/** Convolution with groups and PyTorch padding (module comment). Kernel [k…, in/groups, filters]. */
export class GroupedConv extends tf.layers.Layer {
  static className = 'WavecvGroupedConv';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly groups: number;
  readonly useBias: boolean;
  readonly seed?: number;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: GroupedConvArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? Math.floor(args.kernelSize / 2);
    this.groups = args.groups ?? 1;
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
    check(Number.isInteger(this.filters) && this.filters > 0 && this.filters % this.groups === 0, 'filters', this.filters, `a positive multiple of groups (${this.groups})`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    const spatial = shape.length - 2;
    check(spatial === 2 || spatial === 3, 'inputShape', shape, 'NHWC or NDHWC');
    const channels = shape[shape.length - 1] as number;
    check(channels % this.groups === 0, 'inputShape', shape, `channels divisible by groups (${this.groups})`);
    const perGroup = channels / this.groups;
    const bound = 1 / Math.sqrt(perGroup * this.kernelSize ** spatial);
    const rng = this.seed === undefined ? undefined : new Rng(this.seed);
    const uniform = () => tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng?.seed() });
    this.kernel = this.addWeight('kernel', [...new Array(spatial).fill(this.kernelSize), perGroup, this.filters], 'float32', uniform());
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', uniform());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    const out = (n: number | null) => (n === null ? null : Math.floor((n + 2 * this.padding - this.kernelSize) / this.strides) + 1);
    return [shape[0], ...shape.slice(1, -1).map(out), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      let x = single(inputs);
      const spatial = x.rank - 2;
      if (this.padding > 0) x = tf.pad(x, x.shape.map((_, i) => (i === 0 || i === x.rank - 1 ? [0, 0] : [this.padding, this.padding])) as Array<[number, number]>);
      const kernel = this.kernel!.read();
      const convolve = (input: tf.Tensor, filter: tf.Tensor) =>
        spatial === 3 ? tf.conv3d(input as tf.Tensor5D, filter as tf.Tensor5D, this.strides, 'valid') : tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, this.strides, 'valid');
      let y: tf.Tensor;
      if (this.groups === 1) y = convolve(x, kernel);
      else {
        const inputsPerGroup = tf.split(x, this.groups, x.rank - 1);
        const kernels = tf.split(kernel, this.groups, kernel.rank - 1);
        y = tf.concat(inputsPerGroup.map((part, g) => convolve(part, kernels[g])), x.rank - 1);
      }
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, groups: this.groups, useBias: this.useBias };
  }
}
tf.serialization.registerClass(GroupedConv);

/** Instance normalisation without affine parameters (module comment). */
export class InstanceNorm extends tf.layers.Layer {
  static className = 'WavecvInstanceNorm';
  readonly epsilon: number;

  constructor(args: LayerArgs & { epsilon?: number } = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const axes = x.shape.slice(1, -1).map((_, i) => i + 1);
      const { mean, variance } = tf.moments(x, axes, true);
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(InstanceNorm);

/** The field (in voxels, output grid → input grid) of ×2 linear up-sampling with `align_corners=True`. */
function alignedUpsampleField(batch: number, inSize: number[]): tf.Tensor {
  const axes = inSize.length;
  const outSize = inSize.map((n) => 2 * n);
  const total = outSize.reduce((a, b) => a * b, 1);
  const values = new Float32Array(total * axes);
  const strides = outSize.map((_, k) => outSize.slice(k + 1).reduce((a, b) => a * b, 1));
  for (let p = 0; p < total; p++) {
    for (let k = 0; k < axes; k++) {
      const j = Math.floor(p / strides[k]) % outSize[k];
      values[p * axes + k] = (j * (inSize[k] - 1)) / (2 * inSize[k] - 1) - j;
    }
  }
  return tf.tile(tf.tensor(values, [1, ...outSize, axes]), [batch, ...new Array(axes + 1).fill(1)]);
}

/** Refinement-block input: up-sampled coarse highs interleaved with the current highs (module comment). */
export class BandInterleave extends tf.layers.Layer {
  static className = 'WavecvBandInterleave';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const current = (inputShape as tf.Shape[])[1];
    return [...current.slice(0, -1), 2 * (current[current.length - 1] as number)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [coarse, current] = inputs as tf.Tensor[];
      const axes = current.rank - 2;
      const highs = current.shape[current.rank - 1];
      const dropped = coarse.shape[coarse.rank - 1] - highs;
      check(dropped === 0 || dropped === axes, 'coarse', coarse, `${highs} or ${highs + axes} channels (high bands, optionally after the low band)`);
      const coarseHighs = dropped === 0 ? coarse : tf.slice(coarse, coarse.shape.map((_, i) => (i === coarse.rank - 1 ? dropped : 0)), coarse.shape.map((n, i) => (i === coarse.rank - 1 ? highs : n)));
      const field = alignedUpsampleField(coarse.shape[0], coarse.shape.slice(1, -1));
      const up = warp(coarseHighs, field, { interpolation: 'linear', padding: 'border' });
      const bands = highs / axes;
      const spatial = current.shape.slice(0, -1);
      const pairs = tf.stack([tf.reshape(up, [...spatial, bands, axes]), tf.reshape(current, [...spatial, bands, axes])], current.rank);
      return tf.reshape(pairs, [...spatial, 2 * highs]);
    });
  }
}
tf.serialization.registerClass(BandInterleave);

/** Scales a field from normalised [−1, 1] coordinates (align_corners=True) to voxels (module comment). */
export class NormalizedToVoxels extends tf.layers.Layer {
  static className = 'WavecvNormalizedToVoxels';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const field = single(inputs);
      const scale = field.shape.slice(1, -1).map((n) => (n - 1) / 2);
      return tf.mul(field, tf.tensor1d(scale));
    });
  }
}
tf.serialization.registerClass(NormalizedToVoxels);

/** Nearest-neighbour ×2 up-sampling along every spatial axis (VoxelMorph's `nn.Upsample(scale_factor=2, mode='nearest')`). */
export class NearestUpsample extends tf.layers.Layer {
  static className = 'WavecvNearestUpsample';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return shape.map((n, i) => (i === 0 || i === shape.length - 1 || n === null ? n : 2 * n));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let y = single(inputs);
      for (let axis = 1; axis < y.rank - 1; axis++) {
        const merged = y.shape.map((n, i) => (i === axis ? 2 * n : n));
        y = tf.reshape(tf.stack([y, y], axis + 1), merged);
      }
      return y;
    });
  }
}
tf.serialization.registerClass(NearestUpsample);
