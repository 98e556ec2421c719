// Shared by the interop tests: the cases of scripts/gen_pytorch_import_fixtures.py
// and scripts/gen_pytorch_import_families.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

export interface Arr {
  shape: number[];
  b64: string;
}
/** A large input both sides compute instead of storing: NHWC element i is 0.5 + 0.5 sin(0.7 i + 0.3). */
export interface FormulaInput {
  formula: 'sin';
  shape: number[];
}
export interface ImportCase {
  file: string;
  model: string;
  options: Record<string, unknown>;
  /** One input … */
  input?: Arr | FormulaInput;
  /** … or several (registration: moving, fixed). */
  inputs?: Arr[];
  output: Arr;
}

export function decode(a: Arr | FormulaInput): tf.Tensor {
  if ('formula' in a) {
    const size = a.shape.reduce((p, n) => p * n, 1);
    return tf.tensor(Float32Array.from({ length: size }, (_, i) => 0.5 + 0.5 * Math.sin(0.7 * i + 0.3)), a.shape);
  }
  const bytes = Buffer.from(a.b64, 'base64');
  return tf.tensor(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), a.shape);
}

export const dir = new URL('../fixtures/pytorch-import/', import.meta.url);
export const fixture = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as { cases: ImportCase[] };
/** The other registry families (scripts/gen_pytorch_import_families.py). */
export const families = JSON.parse(readFileSync(new URL('families.json', dir), 'utf8')) as { cases: ImportCase[] };
export const path = (file: string) => new URL(file, dir).pathname;

/** Largest |wavecv − PyTorch| of a case's output. */
export function maxError(model: tf.LayersModel, c: ImportCase): number {
  return tf.tidy(() => {
    const y = model.predict(c.inputs ? c.inputs.map(decode) : decode(c.input!)) as tf.Tensor;
    assert.deepEqual(y.shape, c.output.shape);
    return tf.max(tf.abs(tf.sub(y, decode(c.output)))).dataSync()[0];
  });
}

