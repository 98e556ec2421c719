/**
 * SegNet's up-sampling (Badrinarayanan et al., "SegNet", TPAMI 2017, §3 and
 * Fig. 3): each value of the decoder's feature map goes back to the position
 * inside its 2×2 window where the matching encoder max-pool found its
 * maximum, and the other three positions are zero — PyTorch's
 * `MaxUnpool2d(2, 2)` fed with the indices of `MaxPool2d(2, 2,
 * return_indices=True)`.
 *
 * Instead of carrying indices between layers, {@link MaxUnpool2D} takes the
 * tensor that was pooled and finds the positions again (our choice: TF.js
 * layers pass tensors, not index tuples, and a saved model stays plain
 * layers). Within a window the first maximum in row-major order wins, as
 * PyTorch's pooling keeps the first maximum it meets; windows of equal values
 * (ReLU zeros) therefore send the value to their top-left position only. The
 * positions are constants for the gradient (as indices are in PyTorch): the
 * gradient flows to the decoder's values, none to the pooled tensor. Sizes
 * must be even. {@link MaxUnpool3D} does the same over 2×2×2 windows of NDHWC
 * volumes (PyTorch's `MaxUnpool3d(2, 2)`).
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';

/** What both unpooling layers share: two inputs `[values, pooled]`, the output shaped as `pooled`. */
abstract class UnpoolToPooledShape extends tf.layers.Layer {
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = inputShape as tf.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new WavecvError(`${this.name} inputs`, shapes.length, '2 tensors [values, pooled input]');
    return shapes[1];
  }
}

/** One-hot `[B, H, W, C]` marking the first maximum of every 2×2 window of `x`. */
export function maxPoolSwitches(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    // [B, h, 2, w, 2, C] → [B, h, w, 2·2, C]: the window's positions in row-major order on axis 3
    const windows = tf.reshape(tf.transpose(tf.reshape(x, [b, h / 2, 2, w / 2, 2, c]), [0, 1, 3, 2, 4, 5]), [b, h / 2, w / 2, 4, c]);
    const first = tf.oneHot(tf.argMax(windows, 3), 4); // [B, h, w, C, 4]
    const positions = tf.reshape(tf.transpose(first, [0, 1, 2, 4, 3]), [b, h / 2, w / 2, 2, 2, c]);
    return tf.reshape(tf.transpose(positions, [0, 1, 3, 2, 4, 5]), [b, h, w, c]).toFloat() as tf.Tensor4D;
  });
}

/** Inputs `[values [B, h, w, C], pooled [B, 2h, 2w, C]]` → `[B, 2h, 2w, C]`; see the module comment. */
export class MaxUnpool2D extends UnpoolToPooledShape {
  static readonly className = 'MaxUnpool2D';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [values, pooled] = inputs as tf.Tensor4D[];
      const [, h, w, c] = pooled.shape;
      if (h % 2 !== 0 || w % 2 !== 0 || values.shape[1] * 2 !== h || values.shape[2] * 2 !== w || values.shape[3] !== c) {
        throw new WavecvError(`${this.name} inputs`, `[${values.shape.join(', ')}] and [${pooled.shape.join(', ')}]`, 'values [B, h, w, C] and the pooled input [B, 2h, 2w, C] (even sizes)');
      }
      const switches = maxPoolSwitches(pooled);
      const spread = tf.depthToSpace(tf.tile(values, [1, 1, 1, 4]), 2);
      return tf.mul(spread, switches);
    });
  }
}
tf.serialization.registerClass(MaxUnpool2D);

/**
 * `pooled` [B, D, H, W, C] (even sizes) as its 2×2×2 windows `[B·d·h·w, 8, C]`
 * (d = D/2, …), the window's positions in (depth, row, column) row-major
 * order on axis 1 — PyTorch's order within a `MaxPool3d` window. One rank-6
 * transpose: column and channel stay together as the last axis (2C).
 */
function toWindows(x: tf.Tensor5D): tf.Tensor3D {
  const [b, d, h, w, c] = x.shape;
  const split = tf.reshape(x, [(b * d) / 2, 2, h / 2, 2, w / 2, 2 * c]);
  return tf.reshape(tf.transpose(split, [0, 2, 4, 1, 3, 5]), [(b * d * h * w) / 8, 8, c]);
}

/** The inverse of {@link toWindows}: `[B·d·h·w, 8, C]` back to `shape` [B, D, H, W, C]. */
function fromWindows(windows: tf.Tensor3D, shape: readonly number[]): tf.Tensor5D {
  const [b, d, h, w, c] = shape;
  const split = tf.reshape(windows, [(b * d) / 2, h / 2, w / 2, 2, 2, 2 * c]);
  return tf.reshape(tf.transpose(split, [0, 3, 1, 4, 2, 5]), [b, d, h, w, c]) as tf.Tensor5D;
}

/** One-hot `[B, D, H, W, C]` marking the first maximum (row-major) of every 2×2×2 window of `x`. */
export function maxPool3DSwitches(x: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => fromWindows(windowSwitches(x), x.shape));
}

/** {@link maxPool3DSwitches} in the window layout `[B·d·h·w, 8, C]`. */
function windowSwitches(x: tf.Tensor5D): tf.Tensor3D {
  return tf.tidy(() => {
    const first = tf.oneHot(tf.argMax(toWindows(x), 1), 8); // [N, C, 8]
    return tf.transpose(tf.cast(first, 'float32'), [0, 2, 1]) as tf.Tensor3D;
  });
}

/**
 * Inputs `[values [B, d, h, w, C], pooled [B, 2d, 2h, 2w, C]]` → `[B, 2d, 2h,
 * 2w, C]`: PyTorch's `MaxUnpool3d(2, 2)` fed with the indices of
 * `MaxPool3d(2, 2, return_indices=True)`, the up-sampling of the 3-D SegNet
 * in Li et al., "3D WaveUNet", Bioinformatics 38(3):809, 2022 (its
 * `Neuron_SegNet` baseline). As {@link MaxUnpool2D}: the positions are found
 * again from the pooled tensor (first maximum in window order wins), they are
 * constants for the gradient, and the gradient of the values is dy gathered
 * at each window's switch. Each value is placed in the window layout (a
 * broadcast multiply by the one-hot switches) and moved back with one
 * transpose.
 */
export class MaxUnpool3D extends UnpoolToPooledShape {
  static readonly className = 'MaxUnpool3D';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [values, pooled] = inputs as tf.Tensor5D[];
      const [b, d, h, w, c] = pooled.shape;
      const halves = [d, h, w].every((n, i) => n % 2 === 0 && values.shape[i + 1] * 2 === n);
      if (pooled.rank !== 5 || values.rank !== 5 || !halves || values.shape[0] !== b || values.shape[4] !== c) {
        throw new WavecvError(`${this.name} inputs`, `[${values.shape.join(', ')}] and [${pooled.shape.join(', ')}]`, 'values [B, d, h, w, C] and the pooled input [B, 2d, 2h, 2w, C]');
      }
      const switches = windowSwitches(pooled);
      return fromWindows(tf.mul(switches, tf.reshape(values, [(b * d * h * w) / 8, 1, c])), pooled.shape);
    });
  }
}
tf.serialization.registerClass(MaxUnpool3D);
