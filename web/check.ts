/**
 * Browser entry of the model-portability check: models saved in Node load
 * back in a browser (a model of the wavelet layers, a WaveCNet with wavecv's
 * BatchNorm, a face backbone). Bundled by esbuild for the browser together
 * with `check.html`; the server that hosts it also serves each saved model at
 * `model/<name>/model.json` and the cases at `input.json`
 * (`{ cases: [{ model, shape, values }] }`). The page loads every model with
 * `tf.loadLayersModel` on the cpu backend (deterministic, no GPU needed),
 * predicts its input, and writes `{ backend, results: [{ outputs: [{ shape,
 * values }] }] }` — or `{ error }` — as JSON into `<pre id="result">`, where
 * a headless browser's DOM dump shows it.
 *
 * Importing wavecv's browser entry (`src/browser.ts`, published as
 * `wavecv/browser`) registers every custom layer class with
 * `tf.serialization`, which `loadLayersModel` needs to rebuild them.
 */
import * as tf from '@tensorflow/tfjs';
import '../src/browser.js';

interface TensorJson {
  shape: number[];
  values: number[];
}

interface Case extends TensorJson {
  /** Folder of the saved model under `model/`. */
  model: string;
}

async function predict(c: Case): Promise<{ outputs: TensorJson[] }> {
  const model = await tf.loadLayersModel(`model/${c.model}/model.json`);
  const x = tf.tensor(c.values, c.shape);
  const predicted = model.predict(x);
  const outputs: TensorJson[] = [];
  for (const y of Array.isArray(predicted) ? predicted : [predicted]) {
    outputs.push({ shape: y.shape, values: Array.from(await y.data()) });
  }
  tf.dispose([x, predicted]);
  model.dispose();
  return { outputs };
}

async function run(): Promise<unknown> {
  await tf.setBackend('cpu');
  await tf.ready();
  const response = await fetch('input.json');
  if (!response.ok) throw new Error(`input.json: HTTP ${response.status}`);
  const { cases } = (await response.json()) as { cases: Case[] };
  const results = [];
  for (const c of cases) results.push(await predict(c));
  return { backend: tf.getBackend(), results };
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
