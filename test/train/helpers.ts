/** Small models and data shared by the trainer tests. */
import * as tf from '@tensorflow/tfjs';
import { ImageArrayDataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/engine/random.js';
import { withSeededRandom } from '../../src/engine/seed.js';
import type { Objective } from '../../src/train/trainer.js';

/** A dense net with BatchNorm and dropout over 4×4×1 inputs, 3 classes. */
export function tinyModel(seed: number, dropout = 0.2): tf.LayersModel {
  return withSeededRandom(seed, () => {
    const input = tf.input({ shape: [4, 4, 1] });
    let x = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 16 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    if (dropout > 0) x = tf.layers.dropout({ rate: dropout }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3 }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  });
}

/** Images whose class is which third of the image is brightest, plus noise. */
export function tinyDataset(n: number, seed: number): ImageArrayDataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 16);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.int(3);
    labels[i] = label;
    for (let p = 0; p < 16; p++) images[i * 16 + p] = 0.3 * rng.next() + (Math.floor(p / 6) === label ? 0.7 : 0);
  }
  return new ImageArrayDataset(images, [n, 4, 4, 1], labels, ['a', 'b', 'c']);
}

/** Softmax cross-entropy with an accuracy metric. */
export function crossEntropy(): Objective {
  return {
    compute(outputs, batch) {
      const logits = outputs as tf.Tensor2D;
      const labels = batch.label;
      const onehot = tf.oneHot(labels as tf.Tensor1D, logits.shape[1]);
      const loss = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
      return { loss, metrics: { accuracy } };
    },
  };
}

export function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => w.read().dataSync() as Float32Array);
}
