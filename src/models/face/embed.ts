/**
 * Embedding helpers for the face backbones.
 *
 * Flip test: the evaluation protocol of insightface `eval/verification.py`
 * and of the SZU models' `forward` (`CVI-SZU/UniFace:backbone.py`) embeds an
 * image and its horizontal mirror and uses the **sum** of the two embeddings
 * (then L2-normalised for the cosine / squared-distance score).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { l2Normalize } from '../../nn/l2-normalize.js';

export interface EmbedOptions {
  /** Add the embedding of the mirrored image (default false). */
  flip?: boolean;
  /** L2-normalise each embedding (default true). */
  normalize?: boolean;
  /** Images per forward pass (default 64). */
  batchSize?: number;
}

/**
 * Embeds a batch `[N, H, W, C]` of normalised face crops in inference mode
 * (BN running statistics, no dropout). With `flip`, returns
 * f(x) + f(mirror(x)) before normalisation. Leaves no tensors behind besides
 * the returned `[N, D]` tensor.
 */
export function embedFaces(model: tf.LayersModel, images: tf.Tensor4D, options: EmbedOptions = {}): tf.Tensor2D {
  check(images.rank === 4, 'images', images, 'a rank-4 NHWC tensor');
  const batchSize = options.batchSize ?? 64;
  check(Number.isInteger(batchSize) && batchSize > 0, 'batchSize', batchSize, 'a positive integer');
  const n = images.shape[0];
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const batch = images.slice([start, 0, 0, 0], [size, -1, -1, -1]);
      let e = model.predict(batch) as tf.Tensor2D;
      if (options.flip) e = tf.add(e, model.predict(tf.reverse(batch, 2)) as tf.Tensor2D);
      parts.push(e);
    }
    const all = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
    return options.normalize === false ? all : l2Normalize(all);
  });
}

/**
 * A model that shares the weights of `model` and returns
 * `[activations of layerName, embedding]`, for losses and explanations that
 * look at an inner convolutional layer (ECLoss's target layer). The face
 * backbones name their stage outputs `stage1` … `stage4`.
 */
export function featureModel(model: tf.LayersModel, layerName: string): tf.LayersModel {
  const names = model.layers.map((l) => l.name);
  check(names.includes(layerName), 'layer', layerName, `a layer of ${model.name} (stages: ${names.filter((n) => n.startsWith('stage')).join(', ')})`);
  const layer = model.getLayer(layerName);
  return tf.model({ inputs: model.inputs, outputs: [layer.output as tf.SymbolicTensor, model.outputs[0]], name: `${model.name}_features` });
}
