// Saving and loading models that use every wavelet layer (model.json +
// weights.bin through src/io/model-io.ts), with identical outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine/backend.js';
import { loadModel, saveModel } from '../../src/io/model-io.js';
import { DWT1D, DWT2D, DWT3D, IDWT1D, IDWT2D, IDWT3D, WaveletPool2D, WaveletPool3D, WaveletUnpool2D, WaveletUnpool3D } from '../../src/wavelets/layers.js';

function outputsOf(model: tf.LayersModel, inputs: tf.Tensor[]): Float32Array[] {
  const out = model.predict(inputs) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  return values;
}

test('a functional model with every wavelet layer saves and loads with identical outputs and configs', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-layers-'));
  try {
    const line = tf.input({ shape: [9, 2], name: 'line' });
    const image = tf.input({ shape: [7, 6, 3], name: 'image' });
    const volume = tf.input({ shape: [4, 5, 6, 1], name: 'volume' });

    const lineBands = new DWT1D({ wavelet: 'db2', name: 'dwt1' }).apply(line) as tf.SymbolicTensor[];
    const lineBack = new IDWT1D({ wavelet: 'db2', name: 'idwt1' }).apply(lineBands) as tf.SymbolicTensor;

    const stacked = new DWT2D({ wavelet: 'bior3.3', concat: true, name: 'dwt2' }).apply(image) as tf.SymbolicTensor;
    const mixed = tf.layers.conv2d({ filters: 12, kernelSize: 1, name: 'mix', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(stacked) as tf.SymbolicTensor;
    const imageBack = new IDWT2D({ wavelet: 'bior3.3', name: 'idwt2' }).apply(mixed) as tf.SymbolicTensor;
    const details = new WaveletPool2D({ wavelet: 'sym4', returnDetails: true, name: 'pool2' }).apply(image) as tf.SymbolicTensor[];
    const low = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'decoder', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(details[0]) as tf.SymbolicTensor;
    const unpooled = new WaveletUnpool2D({ wavelet: 'sym4', name: 'unpool2' }).apply([low, ...details.slice(1), image]) as tf.SymbolicTensor;
    const averaged = new WaveletPool2D({ wavelet: 'haar', bands: 'average', name: 'avg2' }).apply(image) as tf.SymbolicTensor;

    const volumeBands = new DWT3D({ wavelet: 'haar', name: 'dwt3' }).apply(volume) as tf.SymbolicTensor[];
    const volumeBack = new IDWT3D({ wavelet: 'haar', name: 'idwt3' }).apply(volumeBands) as tf.SymbolicTensor;
    const volumeDetails = new WaveletPool3D({ wavelet: 'db2', returnDetails: true, name: 'pool3' }).apply(volume) as tf.SymbolicTensor[];
    const volumeUp = new WaveletUnpool3D({ wavelet: 'db2', name: 'unpool3' }).apply([...volumeDetails, volume]) as tf.SymbolicTensor;
    const volumeLow = new WaveletPool3D({ wavelet: 'db2', bands: 'concat', name: 'cat3' }).apply(volume) as tf.SymbolicTensor;

    const model = tf.model({ inputs: [line, image, volume], outputs: [lineBack, imageBack, unpooled, averaged, volumeBack, volumeUp, volumeLow] });
    const inputs = [tf.randomNormal([2, 9, 2], 0, 1, 'float32', 1), tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 2), tf.randomNormal([2, 4, 5, 6, 1], 0, 1, 'float32', 3)];
    const want = outputsOf(model, inputs);

    await saveModel(model, join(dir, 'model'));
    const manifest = readFileSync(join(dir, 'model', 'model.json'), 'utf8');
    for (const name of ['DWT1D', 'IDWT1D', 'DWT2D', 'IDWT2D', 'DWT3D', 'IDWT3D', 'WaveletPool2D', 'WaveletPool3D', 'WaveletUnpool2D', 'WaveletUnpool3D']) {
      assert.ok(manifest.includes(`"class_name":"${name}"`), name);
    }
    const loaded = await loadModel(join(dir, 'model'));
    const got = outputsOf(loaded, inputs);
    assert.equal(got.length, want.length);
    got.forEach((values, i) => assert.deepEqual(values, want[i], `output ${i}`));
    const config = loaded.getLayer('pool2').getConfig();
    assert.equal(config.wavelet, 'sym4');
    assert.equal(config.mode, 'periodization');
    assert.equal(config.returnDetails, true);
    assert.equal(loaded.getLayer('dwt2').getConfig().concat, true);
    assert.equal(loaded.getLayer('avg2').getConfig().bands, 'average');
    tf.dispose(inputs);
    model.layers.forEach((l) => l.dispose());
    loaded.layers.forEach((l) => l.dispose());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sequential WaveCNet-style model (conv, WaveletPool2D, conv, dense) trains a step and round-trips', async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-layers-'));
  try {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        new WaveletPool2D({ wavelet: 'db2' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
        new WaveletPool2D({ wavelet: 'haar', bands: 'concat' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 6);
    const y = tf.randomNormal([4, 3], 0, 1, 'float32', 7);
    const history = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const losses = history.history.loss as number[];
    assert.ok(losses[1] < losses[0], `loss decreased: ${losses}`);
    const want = outputsOf(model, [x]);
    await saveModel(model, join(dir, 'seq'));
    const loaded = await loadModel(join(dir, 'seq'));
    assert.deepEqual(outputsOf(loaded, [x]), want);
    tf.dispose([x, y]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
