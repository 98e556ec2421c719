/**
 * The exact GELU activation, GELU(x) = x·Φ(x) with Φ the standard normal CDF
 * (Hendrycks & Gimpel, "Gaussian Error Linear Units", arXiv 1606.08415, §2;
 * PyTorch's `F.gelu` default, the ViT MLP's activation), as one op with its
 * own gradient dy·(Φ(x) + x·φ(x)), φ the normal density.
 *
 * Where wavecv's native addon is loaded (wasm in Node) forward and gradient
 * are one oneDNN pass each (`src/engine/kernels/native-gelu.ts`); elsewhere
 * the same function as tfjs ops, Φ(x) = ½(1 + erf(x/√2)). Either way only x
 * is kept for the backward pass, where `tf.layers.dense({activation: 'gelu'})`
 * keeps every intermediate of its five-op composition (on the largest
 * activations of a ViT, the MLP's hidden layer). {@link Gelu} is the layer.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeGelu, NATIVE_GELU, NATIVE_GELU_GRAD } from '../engine/kernels/native-gelu.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Φ(x) = ½(1 + erf(x/√2)). */
function normalCdf(x: tf.Tensor): tf.Tensor {
  return tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** The exact GELU of `x`; see the module comment. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const native = hasNativeGelu() && x.dtype === 'float32';
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    const value = native ? (tf.engine().runKernel(NATIVE_GELU, { x: input }) as tf.Tensor) : tf.mul(input, normalCdf(input));
    const gradFunc = (dy: tf.Tensor, [xs]: tf.Tensor[]): tf.Tensor => {
      if (native) return tf.engine().runKernel(NATIVE_GELU_GRAD, { x: xs, dy }) as tf.Tensor;
      const density = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(xs))));
      return tf.mul(dy, tf.add(normalCdf(xs), tf.mul(xs, density)));
    };
    return { value, gradFunc };
  });
  return op(x);
}

/** The exact GELU as a layer without weights. */
export class Gelu extends tf.layers.Layer {
  static readonly className = 'WavecvGelu';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return gelu(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}
tf.serialization.registerClass(Gelu);
