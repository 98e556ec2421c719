/**
 * The picture of one registration: fixed, moving, warped, |fixed − warped|,
 * a checkerboard of fixed and warped (8 tiles across), and a regular grid
 * deformed by the displacement — side by side, grey 8-bit. A 3-D scan is
 * shown by its middle slice along the first axis (the displacement
 * components of the two in-plane axes deform the grid). Each panel is
 * scaled to its own [min, max], the difference panel to [0, max].
 */
import * as tf from '@tensorflow/tfjs';
import type { RawImage } from '../io/image.js';
import { warp } from '../nn/warp.js';

export interface RegistrationFigureInput {
  fixed: Float32Array;
  moving: Float32Array;
  warped: Float32Array;
  displacement: Float32Array;
  /** Spatial shape of all four, [H, W] or [D, H, W]. */
  shape: number[];
}

function middleSlice(values: Float32Array, shape: number[], channels: number, pick: (c: number) => boolean): { values: Float32Array; channels: number } {
  const [h, w] = shape.slice(-2);
  const plane = h * w;
  const depth = shape.length === 3 ? Math.floor(shape[0] / 2) : 0;
  const kept = Array.from({ length: channels }, (_, c) => c).filter(pick);
  const out = new Float32Array(plane * kept.length);
  for (let p = 0; p < plane; p++) kept.forEach((c, i) => (out[p * kept.length + i] = values[(depth * plane + p) * channels + c]));
  return { values: out, channels: kept.length };
}

function toBytes(values: Float32Array, lo?: number): Uint8Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (lo !== undefined) min = lo;
  const range = max - min || 1;
  return Uint8Array.from(values, (v) => Math.round((255 * (v - min)) / range));
}

/** The figure of the module comment as one grey image (6 panels of W pixels, 4-pixel gaps). */
export async function registrationFigure(input: RegistrationFigureInput): Promise<RawImage> {
  const { shape } = input;
  const axes = shape.length;
  const [h, w] = shape.slice(-2);
  const take = (values: Float32Array) => middleSlice(values, shape, 1, () => true).values;
  const fixed = take(input.fixed);
  const warped = take(input.warped);
  const difference = Float32Array.from(fixed, (v, i) => Math.abs(v - warped[i]));
  const tile = Math.max(1, Math.floor(w / 8));
  const fixedBytes = toBytes(fixed);
  const warpedBytes = toBytes(warped);
  const checker = Uint8Array.from(fixedBytes, (v, p) => ((Math.floor(Math.floor(p / w) / tile) + Math.floor((p % w) / tile)) % 2 === 0 ? v : warpedBytes[p]));
  const inPlane = middleSlice(input.displacement, shape, axes, (c) => c >= axes - 2).values;
  const step = Math.max(4, Math.floor(Math.min(h, w) / 16));
  const grid = Float32Array.from({ length: h * w }, (_, p) => (Math.floor(p / w) % step === 0 || (p % w) % step === 0 ? 1 : 0));
  const deformed = tf.tidy(() => warp(tf.tensor(grid, [1, h, w, 1]), tf.tensor(inPlane, [1, h, w, 2])));
  let deformedGrid: Float32Array;
  try {
    deformedGrid = (await deformed.data()) as Float32Array;
  } finally {
    deformed.dispose();
  }
  const panels = [fixedBytes, toBytes(take(input.moving)), warpedBytes, toBytes(difference, 0), checker, toBytes(deformedGrid, 0)];
  const gap = 4;
  const width = panels.length * w + (panels.length - 1) * gap;
  const data = new Uint8Array(width * h).fill(255);
  panels.forEach((panel, i) => {
    for (let y = 0; y < h; y++) data.set(panel.subarray(y * w, (y + 1) * w), y * width + i * (w + gap));
  });
  return { data, width, height: h, channels: 1 };
}
