// ONNX export checked by running the file in onnxruntime-node: every model
// family the export covers (classification, face, segmentation; Haar and
// longer wavelets, every band choice, vanilla pools and padding) gives
// wavecv's outputs to 1e-4 (relative to max(1, max |output|)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { createModel } from '../../src/models/index.js';
import { modelToOnnx } from '../../src/interop/onnx/export-model.js';
import { WavecvError } from '../../src/errors.js';
import { interpolate } from '../../src/nn/upsample.js';
import { MaxUnpool2D } from '../../src/nn/max-unpool.js';

/** Random BN statistics and affine parameters, so that every batch norm does something. */
function randomiseNorms(model: tf.LayersModel, seed: number): void {
  let s = seed;
  for (const layer of model.layers) {
    if (!/BatchNorm/.test(layer.getClassName())) continue;
    const weights = layer.getWeights();
    const next = weights.map((w, i) => tf.tidy(() => (i === 0 || i === 3 ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', s++) : tf.randomNormal(w.shape, 0, 0.1, 'float32', s++))));
    layer.setWeights(next);
    tf.dispose(next);
  }
}

/**
 * Runs the exported model in onnxruntime on NCHW input; returns the largest
 * |ONNX − wavecv| relative to the output's scale max(1, max |wavecv|) (deep
 * random networks reach logits in the hundreds, where float32 sums in another
 * order differ by more than 1e-4 absolute).
 */
export async function onnxError(model: tf.LayersModel, bytes: Uint8Array, x: tf.Tensor4D): Promise<number> {
  const session = await ort.InferenceSession.create(bytes);
  const nchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]));
  const feed = { [session.inputNames[0]]: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) };
  nchw.dispose();
  const result = (await session.run(feed))[session.outputNames[0]];
  await session.release();
  return tf.tidy(() => {
    let expected = model.predict(x) as tf.Tensor;
    if (expected.rank === 4) expected = tf.transpose(expected, [0, 3, 1, 2]);
    assert.deepEqual(result.dims, expected.shape);
    const scale = Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]);
    return tf.max(tf.abs(tf.sub(tf.tensor(result.data as Float32Array, expected.shape), expected))).dataSync()[0] / scale;
  });
}

const CASES: Array<[string, Record<string, unknown>]> = [
  ['resnet18', { width: 4, inputSize: 32, numClasses: 10, wavelet: 'haar' }],
  ['resnet18', { width: 4, inputSize: 32, numClasses: 10 }],
  ['resnet18-cifar', { width: 4, inputSize: 16, wavelet: 'db2', bands: 'average' }],
  ['cnn28', { width: 4, wavelet: 'bior3.3', bands: 'concat' }],
  ['vgg16bn', { width: 4, hidden: 16, inputSize: 32, numClasses: 10, wavelet: 'haar' }],
  ['densenet121', { inputSize: 32, numClasses: 10, padding: 'pytorch' }],
  ['iresnet-tiny', {}],
  ['lresnet18e-ir', { inputSize: 16, widths: [4, 4, 8, 8], embeddingSize: 8, zeroInitResidual: false }],
  ['mobilefacenet', { inputSize: 16, width: 0.0625, embeddingSize: 8 }],
  ['segnet', { width: 2, inputSize: 32, numClasses: 3, wavelet: 'haar' }],
  ['segnet', { width: 2, inputSize: 32, numClasses: 3 }],
  ['unet', { width: 2, inputSize: 32, numClasses: 3, wavelet: 'db2' }],
  ['unet', { width: 2, inputSize: 32, numClasses: 3 }],
  ['deeplabv3plus', { backbone: 'resnet50', width: 2, inputSize: 32, numClasses: 3 }],
  ['deeplabv3plus', { backbone: 'resnet50', width: 2, inputSize: 32, numClasses: 3, wavelet: 'haar' }],
];

for (const [name, options] of CASES) {
  test(`ONNX export of ${name} ${JSON.stringify(options)} runs in onnxruntime with wavecv's outputs (1e-4 of their scale)`, async () => {
    await initEngine();
    const model = createModel(name, { seed: 3, ...options });
    randomiseNorms(model, 11);
    const shape = model.inputs[0].shape.slice(1) as number[];
    const x = tf.randomUniform([2, ...shape], 0, 1, 'float32', 5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const bytes = modelToOnnx(model).encode(model.name, 'test', '');
    assert.equal(tf.memory().numTensors, before, 'export leaks no tensors');
    const error = await onnxError(model, bytes, x);
    assert.ok(error < 1e-4, `max |ONNX − wavecv| / scale = ${error}`);
    x.dispose();
    model.dispose();
  });
}

test('layers without a translation are refused naming them', async () => {
  await initEngine();
  const input = tf.input({ shape: [8, 8, 3] });
  const model = tf.model({ inputs: input, outputs: tf.layers.cropping2D({ cropping: 1, name: 'crop' }).apply(input) as tf.SymbolicTensor });
  assert.throws(() => modelToOnnx(model), (e: unknown) => e instanceof WavecvError && /layer crop \(Cropping2D\)/.test(e.message));
  model.dispose();
});

test('up-sampling layers (bilinear and nearest UpSampling2D, nearest and align-corners bilinear Interpolate) and NHWC reshapes export with their coordinate rules', async () => {
  await initEngine();
  const input = tf.input({ shape: [5, 6, 3] });
  let y = tf.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }).apply(input) as tf.SymbolicTensor;
  y = interpolate(y, 2, 'nearest', 'nearest_x2');
  y = interpolate(y, 3, 'linear', 'aligned_x3', true);
  y = tf.layers.reshape({ targetShape: [90, 72, 3] }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.reshape({ targetShape: [180, 54, 2] }).apply(tf.layers.flatten().apply(y) as tf.SymbolicTensor) as tf.SymbolicTensor;
  y = tf.layers.upSampling2d({ size: [1, 2] }).apply(y) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: y });
  const x = tf.randomUniform([2, 5, 6, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const error = await onnxError(model, modelToOnnx(model).encode(model.name, 'test', ''), x);
  assert.ok(error < 1e-4, `max |ONNX − wavecv| / scale = ${error}`);
  x.dispose();
  model.dispose();
});

test('max-unpooling exports as MaxPool indices feeding MaxUnpool, with the first maximum of tied windows', async () => {
  await initEngine();
  const input = tf.input({ shape: [6, 8, 3] });
  const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(input) as tf.SymbolicTensor;
  const values = tf.layers.conv2d({ filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }), biasInitializer: 'ones' }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: new MaxUnpool2D({ name: 'unpool' }).apply([values, input]) as tf.SymbolicTensor });
  // Values in {0, 1, 2}: most windows hold tied maxima.
  const x = tf.tidy(() => tf.round(tf.randomUniform([2, 6, 8, 3], 0, 2, 'float32', 9))) as tf.Tensor4D;
  const error = await onnxError(model, modelToOnnx(model).encode(model.name, 'test', ''), x);
  assert.ok(error < 1e-4, `max |ONNX − wavecv| / scale = ${error}`);
  x.dispose();
  model.dispose();
});
