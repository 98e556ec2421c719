/**
 * The "weather" corruptions of ImageNet-C (Hendrycks & Dietterich, ICLR
 * 2019) that need no external artwork (frost and snow, which use bundled
 * photographs or ImageMagick, are not included):
 *
 *   fog         x ← (x + c·F)·m/(m + c), F a plasma fractal in [0, 1] drawn
 *               per image by the diamond-square algorithm (wibble starting at
 *               100 and divided by the decay d after every level, toroidal
 *               neighbours, as the reference), m = max(x) of the clean image;
 *   brightness  HSV value V ← min(V + c, 1) with hue and saturation kept,
 *               which is exactly RGB·(V'/V) (all channels = V' where V = 0);
 *               for gray images x + c;
 *   contrast    (x − μ)·c + μ with μ the per-image, per-channel mean.
 *
 * Results are clipped to [0, 1].
 */
import type { Rng } from '../../engine/random.js';
import { check } from '../../errors.js';
import { clip01, type ImageBatch } from './image.js';

/** A size×size plasma fractal in [0, 1] (size a power of two), diamond-square with wrap-around. */
export function plasmaFractal(size: number, decay: number, rng: Rng): Float64Array {
  check(Number.isInteger(size) && size >= 2 && (size & (size - 1)) === 0, 'size', size, 'a power of two ≥ 2');
  const map = new Float64Array(size * size);
  const at = (y: number, x: number) => map[((y + size) % size) * size + ((x + size) % size)];
  let step = size;
  let wibble = 100;
  const jitter = () => wibble * wibble * (2 * rng.next() - 1);
  while (step >= 2) {
    const half = step / 2;
    for (let y = 0; y < size; y += step) {
      for (let x = 0; x < size; x += step) {
        const corners = at(y, x) + at(y + step, x) + at(y, x + step) + at(y + step, x + step);
        map[(y + half) * size + x + half] = corners / 4 + jitter();
      }
    }
    for (let y = 0; y < size; y += step) {
      for (let x = 0; x < size; x += step) {
        const top = at(y - half, x + half) + at(y + half, x + half) + at(y, x) + at(y, x + step);
        map[y * size + x + half] = top / 4 + jitter();
        const left = at(y + half, x - half) + at(y + half, x + half) + at(y, x) + at(y + step, x);
        map[(y + half) * size + x] = left / 4 + jitter();
      }
    }
    step = half;
    wibble /= decay;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (let i = 0; i < map.length; i++) map[i] = hi > lo ? (map[i] - lo) / (hi - lo) : 0;
  return map;
}

function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

export function fog(images: ImageBatch, strength: number, decay: number, rng: Rng): ImageBatch {
  const [n, h, w, c] = images.shape;
  const size = nextPowerOfTwo(Math.max(h, w));
  const per = h * w * c;
  const out = new Float32Array(images.data.length);
  for (let i = 0; i < n; i++) {
    const fractal = plasmaFractal(size, decay, rng);
    let peak = 0;
    for (let k = 0; k < per; k++) peak = Math.max(peak, images.data[i * per + k]);
    const scale = peak / (peak + strength);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const f = strength * fractal[y * size + x];
        for (let ch = 0; ch < c; ch++) {
          const k = i * per + (y * w + x) * c + ch;
          out[k] = clip01((images.data[k] + f) * scale);
        }
      }
    }
  }
  return { data: out, shape: [n, h, w, c] };
}

export function brightness(images: ImageBatch, amount: number): ImageBatch {
  const c = images.shape[3];
  const out = new Float32Array(images.data.length);
  for (let p = 0; p < images.data.length; p += c) {
    let value = 0;
    for (let ch = 0; ch < c; ch++) value = Math.max(value, images.data[p + ch]);
    const target = clip01(value + amount);
    for (let ch = 0; ch < c; ch++) out[p + ch] = value > 0 ? clip01(images.data[p + ch] * (target / value)) : target;
  }
  return { data: out, shape: [...images.shape] };
}

export function contrast(images: ImageBatch, factor: number): ImageBatch {
  const [n, h, w, c] = images.shape;
  const per = h * w * c;
  const out = new Float32Array(images.data.length);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let p = ch; p < per; p += c) sum += images.data[i * per + p];
      const mean = sum / (h * w);
      for (let p = ch; p < per; p += c) out[i * per + p] = clip01((images.data[i * per + p] - mean) * factor + mean);
    }
  }
  return { data: out, shape: [n, h, w, c] };
}
