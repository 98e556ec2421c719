/** Test helper: the first images of the bundled Fashion-MNIST subset as an ImageBatch in [0, 1]. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { ImageBatch } from '../../src/data/corruptions/index.js';

const DIR = new URL('../../data/fashion-mnist-subset/', import.meta.url);

export function demoImages(count: number, split: 'train' | 't10k' = 't10k'): { images: ImageBatch; labels: Int32Array } {
  const images = gunzipSync(readFileSync(new URL(`${split}-images-idx3-ubyte.gz`, DIR)));
  const labels = gunzipSync(readFileSync(new URL(`${split}-labels-idx1-ubyte.gz`, DIR)));
  const data = new Float32Array(count * 784);
  for (let i = 0; i < data.length; i++) data[i] = images[16 + i] / 255;
  return { images: { data, shape: [count, 28, 28, 1] }, labels: Int32Array.from(labels.subarray(8, 8 + count)) };
}

/** Gray images repeated into three slightly different channels (an RGB batch for tests). */
export function toRgb(images: ImageBatch): ImageBatch {
  const [n, h, w] = images.shape;
  const data = new Float32Array(n * h * w * 3);
  for (let p = 0; p < n * h * w; p++) {
    const v = images.data[p];
    data[3 * p] = v;
    data[3 * p + 1] = v * 0.8;
    data[3 * p + 2] = 1 - v * 0.9;
  }
  return { data, shape: [n, h, w, 3] };
}
