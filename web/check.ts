/**
 * Browser entry of the model-portability check (issue 2, point 6: a model with
 * wavelet layers saved in Node loads back in a browser). Bundled by esbuild
 * for the browser together with `index.html`; the server that hosts it also
 * serves the saved model at `model/model.json` and the input at `input.json`
 * (`{ shape, values }`). The page loads the model with `tf.loadLayersModel`
 * on the cpu backend (deterministic, no GPU needed), predicts, and writes
 * `{ backend, outputs: [{ shape, values }] }` — or `{ error }` — as JSON into
 * `<pre id="result">`, where a headless browser's DOM dump shows it.
 *
 * Importing the layer module registers the wavelet layer classes with
 * `tf.serialization`, which `loadLayersModel` needs to rebuild them; it is
 * imported directly, not through `src/index.ts`, whose other modules use
 * Node's file system.
 */
import * as tf from '@tensorflow/tfjs';
import '../src/wavelets/layers.js';

interface TensorJson {
  shape: number[];
  values: number[];
}

async function run(): Promise<unknown> {
  await tf.setBackend('cpu');
  await tf.ready();
  const response = await fetch('input.json');
  if (!response.ok) throw new Error(`input.json: HTTP ${response.status}`);
  const input = (await response.json()) as TensorJson;
  const model = await tf.loadLayersModel('model/model.json');
  const x = tf.tensor(input.values, input.shape);
  const predicted = model.predict(x);
  const outputs: TensorJson[] = [];
  for (const y of Array.isArray(predicted) ? predicted : [predicted]) {
    outputs.push({ shape: y.shape, values: Array.from(await y.data()) });
  }
  tf.dispose([x, predicted]);
  return { backend: tf.getBackend(), outputs };
}

const result = document.getElementById('result');
if (result === null) throw new Error('index.html lacks <pre id="result">');
run().then(
  (value) => {
    result.textContent = JSON.stringify(value);
  },
  (error: unknown) => {
    result.textContent = JSON.stringify({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  },
);
