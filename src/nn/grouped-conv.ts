/**
 * A convolution with PyTorch's `groups` and symmetric `padding`, in 2-D (NHWC,
 * kernel HWIO) and 3-D (NDHWC, kernel DHWIO), the rank read from the input:
 * the input channels and the filters are split into `groups` equal parts and
 * part g of the output convolves part g of the input only (the grouped
 * convolution of Krizhevsky et al., NeurIPS 2012, §3.5, and ResNeXt, Xie et
 * al., CVPR 2017, §3.3, Eq. 3; `groups` = channels is the depthwise case).
 *
 * Why a layer of its own: TF.js's layers have no `groups` (and no depthwise
 * convolution in 3-D), and its `'same'` padding of a strided convolution pads
 * only after (bottom/right), where PyTorch's `padding=p` pads p on both sides
 * — a one-pixel shift of the sampling grid. Here the padding is applied
 * inside the layer, then each group is a `'valid'` `tf.conv2d` / `tf.conv3d`
 * (so gradients are TF.js's) and the groups' outputs are concatenated.
 *
 * Initial weights are PyTorch's `nn.Conv*d` default, U(±1/√fanIn) for kernel
 * and bias with fanIn = (channels/groups)·k^n (`kaiming_uniform_(a=√5)`
 * reduces to that bound), drawn from `seed` when it is given. Registered as
 * `WavecvGroupedConv`, the class name models saved it under since WiNet
 * introduced it.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { Rng } from '../engine/random.js';
import { convOutputSize } from './conv.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

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
  /** Seed of the initial weights (PyTorch's default U(±1/√fanIn), see the module comment). */
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
    check(Number.isInteger(this.groups) && this.groups >= 1, 'groups', this.groups, 'an integer ≥ 1');
    check(Number.isInteger(this.filters) && this.filters > 0 && this.filters % this.groups === 0, 'filters', this.filters, `a positive multiple of groups (${this.groups})`);
    check(Number.isInteger(this.kernelSize) && this.kernelSize >= 1, 'kernelSize', this.kernelSize, 'an integer ≥ 1');
    check(Number.isInteger(this.strides) && this.strides >= 1, 'strides', this.strides, 'an integer ≥ 1');
    check(Number.isInteger(this.padding) && this.padding >= 0, 'padding', this.padding, 'an integer ≥ 0');
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
    const out = (n: number | null) => (n === null ? null : convOutputSize(n, this.kernelSize, this.strides, this.padding));
    return [shape[0], ...shape.slice(1, -1).map(out), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = Array.isArray(inputs) ? inputs[0] : inputs;
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
