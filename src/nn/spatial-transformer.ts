/**
 * The registration transformations of `warp.ts` as layers of the functional
 * API, for networks that warp inside their graph (coarse-to-fine pyramids and
 * cascades), 2-D (NHWC) and 3-D (NDHWC), registered with `tf.serialization`
 * so such models save and load:
 *  - {@link SpatialTransformer}: inputs `[image, field]` → `warp(image,
 *    field)`, the image sampled at p + field(p) on the field's grid
 *    (Jaderberg et al., "Spatial Transformer Networks", NeurIPS 2015, §3.3;
 *    VoxelMorph's `SpatialTransformer`, Balakrishnan et al., IEEE TMI 2019,
 *    Eq. 2). Linear interpolation; zero padding by default as VoxelMorph
 *    (`grid_sample`'s default).
 *  - {@link FieldComposition}: inputs `[a, b]` → `composeFields(a, b)`, the
 *    displacement of "warp by a, then by b", c(p) = b(p) + a(p + b(p)) — how
 *    a cascade accumulates the residual field b, predicted after warping by
 *    a (Zhao et al., "Recursive Cascaded Networks for Unsupervised Medical
 *    Image Registration", ICCV 2019, §3.1). Border padding, as `composeFields`.
 * Fields follow `warp.ts`: voxel units, channels last, components in the
 * order of the spatial axes. Both layers are weightless; their gradients are
 * the warp kernel's (with respect to the image and to the field).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../errors.js';
import { composeFields, warp, type Padding } from './warp.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

const PADDINGS: readonly Padding[] = ['zeros', 'border'];

function pair(inputs: tf.Tensor | tf.Tensor[], layer: string): [tf.Tensor, tf.Tensor] {
  check(Array.isArray(inputs) && inputs.length === 2, `${layer} inputs`, Array.isArray(inputs) ? inputs.length : 1, '2 tensors');
  return inputs as [tf.Tensor, tf.Tensor];
}

function pairShapes(inputShape: tf.Shape | tf.Shape[], layer: string): [tf.Shape, tf.Shape] {
  check(Array.isArray(inputShape[0]) && inputShape.length === 2, `${layer} inputShape`, inputShape, 'the shapes of 2 inputs');
  return inputShape as [tf.Shape, tf.Shape];
}

export interface SpatialTransformerArgs extends LayerArgs {
  /** What a position outside the image reads (default `'zeros'`). */
  padding?: Padding;
}

/** `[image, field]` → the image warped by the field, linear interpolation (module comment). */
export class SpatialTransformer extends tf.layers.Layer {
  static className = 'WavecvSpatialTransformer';
  readonly padding: Padding;

  constructor(args: SpatialTransformerArgs = {}) {
    super(args);
    this.padding = args.padding ?? 'zeros';
    check(PADDINGS.includes(this.padding), 'padding', this.padding, `one of ${PADDINGS.join(', ')}`);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [image, field] = pairShapes(inputShape, this.name);
    return [...field.slice(0, -1), image[image.length - 1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [image, field] = pair(inputs, this.name);
    return warp(image, field, { interpolation: 'linear', padding: this.padding });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding };
  }
}
tf.serialization.registerClass(SpatialTransformer);

/** `[a, b]` → the displacement of warping by a, then by b (module comment). */
export class FieldComposition extends tf.layers.Layer {
  static className = 'WavecvFieldComposition';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return pairShapes(inputShape, this.name)[1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = pair(inputs, this.name);
    return composeFields(a, b);
  }
}
tf.serialization.registerClass(FieldComposition);
