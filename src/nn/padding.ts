/**
 * Explicit zero padding of the spatial axes, 2-D (NHWC) and 3-D (NDHWC).
 *
 * Why explicit: TF.js's `'same'` padding puts the odd extra row/column of a
 * strided convolution or pool at the bottom/right, while PyTorch's
 * `Conv2d(k, stride=2, padding=p)` pads p on both sides. The outputs differ
 * (by a half-pixel shift of the sampling grid), so a layer that must match
 * PyTorch is written as this padding followed by a `'valid'` convolution or
 * pool ({@link ./conv.ts}, {@link ./downsample.ts}).
 *
 * 2-D uses TF.js's `ZeroPadding2D`; TF.js has no `ZeroPadding3D`, so
 * {@link ZeroPadding3D} is ours, registered under Keras's class name with
 * Keras's config (`padding: [[front, back], [top, bottom], [left, right]]`,
 * channels-last only).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
export type PadPair = [number, number];

export interface ZeroPadding3DArgs extends LayerArgs {
  /** One number for every side, three (per axis, both sides) or three [before, after] pairs; default 1. */
  padding?: number | [number, number, number] | [PadPair, PadPair, PadPair];
}

/** Per-axis [before, after] pairs from a padding spec of `axes` spatial axes. */
export function padPairs(padding: number | number[] | PadPair[], axes: number): PadPair[] {
  const list: Array<number | PadPair> = typeof padding === 'number' ? Array(axes).fill(padding) : padding;
  check(Array.isArray(list) && list.length === axes, 'padding', padding, `a number, ${axes} numbers or ${axes} [before, after] pairs`);
  const pairs = list.map((p) => (typeof p === 'number' ? ([p, p] as PadPair) : p));
  for (const pair of pairs) {
    check(Array.isArray(pair) && pair.length === 2 && pair.every((v) => Number.isInteger(v) && v >= 0), 'padding', padding, 'non-negative integers');
  }
  return pairs;
}

/** Zero padding of the three spatial axes of NDHWC volumes (Keras `ZeroPadding3D`, channels-last). */
export class ZeroPadding3D extends tf.layers.Layer {
  static className = 'ZeroPadding3D';
  readonly padding: [PadPair, PadPair, PadPair];

  constructor(args: ZeroPadding3DArgs = {}) {
    super(args);
    this.padding = padPairs(args.padding ?? 1, 3) as [PadPair, PadPair, PadPair];
    this.inputSpec = [{ ndim: 5 }];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return shape.map((n, i) => (i === 0 || i === 4 || n === null ? n : n + this.padding[i - 1][0] + this.padding[i - 1][1]));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.pad(x, [[0, 0], ...this.padding, [0, 0]]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding };
  }
}
tf.serialization.registerClass(ZeroPadding3D);

/** Where a layer puts the padding of a strided window: TF.js's `'same'` or PyTorch's symmetric `padding=k//2`. */
export const PADDING_STYLES = ['same', 'pytorch'] as const;
export type PaddingStyle = (typeof PADDING_STYLES)[number];

/**
 * The `padding` of a convolution or pool of odd `kernelSize`, `strides` and
 * `dilation` in `style`: `'same'` for stride 1 (with an odd kernel TF.js then
 * pads ⌊k/2⌋·d on both sides, as PyTorch does) and for every stride in the
 * `'same'` style; PyTorch's symmetric ⌊k/2⌋·d for a strided window in the
 * `'pytorch'` style (a number: explicit padding, then 'valid'), so weights
 * trained in PyTorch give PyTorch's outputs. Only strided windows get an
 * explicit padding layer, which keeps the other layers as they were.
 */
export function windowPadding(style: PaddingStyle, kernelSize: number, strides: number, dilation = 1): 'same' | number {
  return style === 'pytorch' && strides > 1 ? dilation * Math.floor(kernelSize / 2) : 'same';
}

/**
 * Zero-pads the spatial axes of `x` (rank 4: NHWC, rank 5: NDHWC) by
 * `padding` (one number for every side, one per axis, or [before, after] per
 * axis); layer named `name`.
 */
export function zeroPadding(x: tf.SymbolicTensor, padding: number | number[] | PadPair[], name: string): tf.SymbolicTensor {
  const rank = x.shape.length;
  check(rank === 4 || rank === 5, 'x', x.shape, 'an NHWC (rank 4) or NDHWC (rank 5) tensor');
  const pairs = padPairs(padding, rank - 2);
  const layer = rank === 4 ? tf.layers.zeroPadding2d({ padding: pairs as [PadPair, PadPair], name }) : new ZeroPadding3D({ padding: pairs as [PadPair, PadPair, PadPair], name });
  return layer.apply(x) as tf.SymbolicTensor;
}
