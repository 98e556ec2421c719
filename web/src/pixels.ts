/**
 * The DOM side of images: decoding an uploaded file or a URL to RGBA pixels
 * (no colour management and no premultiplied alpha, so a PNG gives exactly
 * its stored bytes, as Node's decoder does) and drawing float images in
 * [0, 1] into canvases.
 */
import type { Rgba } from './image-tensor.js';

/** Decodes an image file (or a fetched blob) to its RGBA pixels. */
export async function decodeToRgba(source: Blob): Promise<Rgba> {
  const bitmap = await createImageBitmap(source, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error('no 2-D canvas context in this browser');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { width: canvas.width, height: canvas.height, data };
}

/** Fetches `url` and decodes it. */
export async function fetchRgba(url: string): Promise<Rgba> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return decodeToRgba(await response.blob());
}

/** Draws `[h, w]` values in [0, 1] with `channels` interleaved (1: grey, 3: RGB) into `canvas`, which takes the image's size; 8-bit values are round(255·v). */
export function drawFloatImage(canvas: HTMLCanvasElement, values: ArrayLike<number>, height: number, width: number, channels: number): void {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('no 2-D canvas context in this browser');
  const image = context.createImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) image.data[4 * p + k] = Math.round(255 * Math.min(1, Math.max(0, values[p * channels + (channels === 3 ? k : 0)])));
    image.data[4 * p + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
