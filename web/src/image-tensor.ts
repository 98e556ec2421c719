/**
 * Decoded pixels → float images in [0, 1], the one conversion every panel of
 * the app and its Node-side check use (pure TF.js, no DOM): 8-bit RGBA (as a
 * canvas's `getImageData` or sharp's raw output give it) to `[H, W, 3]`, or to
 * one grey channel as the mean of R, G and B (the grey conversion of wavecv's
 * face pipeline; alpha is ignored).
 */
import * as tf from '@tensorflow/tfjs';

/** 8-bit RGBA pixels, rows top to bottom. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** `[H, W, channels]` float32 in [0, 1] from RGBA pixels; grey is the mean of R, G, B. */
export function rgbaToImage(pixels: Rgba, channels: 1 | 3): tf.Tensor3D {
  const { width, height, data } = pixels;
  if (data.length !== width * height * 4) throw new Error(`pixels: got ${data.length} bytes, expected ${width}×${height}×4 RGBA`);
  const out = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const r = data[4 * p];
    const g = data[4 * p + 1];
    const b = data[4 * p + 2];
    if (channels === 3) {
      out[3 * p] = r / 255;
      out[3 * p + 1] = g / 255;
      out[3 * p + 2] = b / 255;
    } else {
      out[p] = (r + g + b) / 3 / 255;
    }
  }
  return tf.tensor3d(out, [height, width, channels]);
}
