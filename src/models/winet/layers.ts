/**
 * The two layers WiNet (Cheng et al., "WiNet: Wavelet-based Incremental
 * Learning for Efficient Medical Image Registration", MICCAI 2024, Fig. 1)
 * adds to the layer library (`nn/`: grouped convolution, instance norm), each
 * a registered `tf.layers` class (2-D NHWC and 3-D NDHWC) so a trained model
 * saves and loads:
 *  - {@link BandInterleave}: the refinement block's input: the coarser
 *    scale's high bands up-sampled ×2 by (bi/tri)linear interpolation with
 *    `align_corners=True` (the library's `resize`), interleaved band by band
 *    with the current scale's high bands, so that group g of the following
 *    grouped convolution sees (coarse band g, current band g).
 *  - {@link NormalizedToVoxels}: the network predicts, as the reference does,
 *    a field in normalised [−1, 1] coordinates (`grid_sample` with
 *    `align_corners=True`); this multiplies component i by (size_i − 1)/2 to
 *    give the voxel units of `nn/warp.ts`, a fixed parameter-free scaling.
 * Channels of a coefficient tensor are band-major: band b, component c at
 * channel b·n + c (n = number of spatial axes), bands in PyWavelets' order —
 * the stacked layout the IDWT layers of `wavelets/layers.ts` take.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { resize } from '../../nn/upsample.js';

const single = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);

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
      const up = resize(coarseHighs, 2, 'linear', true);
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
