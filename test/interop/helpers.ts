// Shared by the interop tests: the cases of scripts/gen_pytorch_import_fixtures.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

export interface Arr {
  shape: number[];
  b64: string;
}
export interface ImportCase {
  file: string;
  model: string;
  options: Record<string, unknown>;
  input: Arr;
  output: Arr;
}

export function decode(a: Arr): tf.Tensor {
  const bytes = Buffer.from(a.b64, 'base64');
  return tf.tensor(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), a.shape);
}

export const dir = new URL('../fixtures/pytorch-import/', import.meta.url);
export const fixture = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as { cases: ImportCase[] };
export const path = (file: string) => new URL(file, dir).pathname;

/** Largest |wavecv − PyTorch| of a case's output. */
export function maxError(model: tf.LayersModel, c: ImportCase): number {
  return tf.tidy(() => {
    const y = model.predict(decode(c.input)) as tf.Tensor;
    assert.deepEqual(y.shape, c.output.shape);
    return tf.max(tf.abs(tf.sub(y, decode(c.output)))).dataSync()[0];
  });
}

