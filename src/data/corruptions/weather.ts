/**
 * The "weather" corruptions of ImageNet-C (Hendrycks & Dietterich, ICLR
 * 2019):
 *
 *   fog         x ← (x + c·F)·m/(m + c), F a plasma fractal in [0, 1] drawn
 *               per image by the diamond-square algorithm (wibble starting at
 *               100 and divided by the decay d after every level, toroidal
 *               neighbours, as the reference), m = max(x) of the clean image;
 *   brightness  HSV value V ← min(V + c, 1) with hue and saturation kept,
 *               which is exactly RGB·(V'/V) (all channels = V' where V = 0);
 *               for gray images x + c;
 *   contrast    (x − μ)·c + μ with μ the per-image, per-channel mean;
 *   snow        the reference's `snow`: a layer N(μ, s) per pixel, its
 *               `clipped_zoom` by z (filters.ts), values below t set to 0,
 *               quantised to 8 bits (⌊255·v⌋, as its PNG), motion-blurred
 *               (blur.ts, radius r, σ, angle U(−135°, −45°)) and quantised
 *               again (ImageMagick's 8-bit output, rounded); the image
 *               becomes w·x + (1−w)·max(x, 1.5·gray(x) + 0.5) (gray: ITU-R 601
 *               luma 0.299 R + 0.587 G + 0.114 B, cv2's RGB2GRAY; x itself for
 *               gray images), plus the layer and the layer rotated by 180°;
 *   frost       x·a + b·T with T a frost texture. The reference crops T from
 *               six photographs of frosted glass that are not available
 *               offline, so T here is procedural (ours, see
 *               {@link frostTexture}): bright, blue-white, with branching
 *               ice-crystal veins over a cloudy base, drawn per image;
 *               a and b are the reference's weights.
 *
 * Results are clipped to [0, 1].
 */
import type { Rng } from '../../engine/random.js';
import { check } from '../../errors.js';
import { motionBlurPlane } from './blur.js';
import { clippedZoom } from './filters.js';
import { clip01, LUMA, readPlane, writePlane, type ImageBatch } from './image.js';

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

/** ITU-R 601 luma of the RGB planes (cv2's RGB2GRAY), or the one plane of a gray image. */
export function lumaOf(planes: Float64Array[]): Float64Array {
  if (planes.length === 1) return planes[0];
  return planes[0].map((r, k) => LUMA[0] * r + LUMA[1] * planes[1][k] + LUMA[2] * planes[2][k]);
}

/** The reference's snow parameters: layer mean μ and spread s, zoom z, threshold t, motion radius r and σ, image weight w. */
export type SnowParameters = [number, number, number, number, number, number, number];

/**
 * The snow layer given its draws: `normals` (H·W standard normals) and the
 * motion-blur angle in degrees (see the module comment).
 */
export function snowLayer(height: number, width: number, p: SnowParameters, normals: ArrayLike<number>, angle: number): Float64Array {
  const [mean, spread, zoom, threshold, radius, sigma] = p;
  check(normals.length === height * width, 'normals', normals.length, `${height * width} values (one per pixel)`);
  const raw = Float64Array.from(normals, (z) => mean + spread * z);
  const zoomed = clippedZoom(raw, height, width, zoom);
  const bytes = zoomed.map((v) => Math.floor(255 * clip01(v < threshold ? 0 : v)) / 255);
  return motionBlurPlane(bytes, height, width, radius, sigma, angle).map((v) => Math.round(255 * clip01(v)) / 255);
}

/** Snow on one image's planes given its layer (see the module comment). */
export function snowPlanes(planes: Float64Array[], height: number, width: number, imageWeight: number, layer: Float64Array): Float64Array[] {
  const gray = lumaOf(planes);
  const n = height * width;
  return planes.map((plane) =>
    plane.map((x, k) => {
      const mixed = imageWeight * x + (1 - imageWeight) * Math.max(x, gray[k] * 1.5 + 0.5);
      return clip01(mixed + layer[k] + layer[n - 1 - k]);
    }),
  );
}

export function snow(images: ImageBatch, p: SnowParameters, rng: Rng): ImageBatch {
  const [n, h, w, c] = images.shape;
  const out: ImageBatch = { data: new Float32Array(images.data.length), shape: [n, h, w, c] };
  for (let i = 0; i < n; i++) {
    const normals = Float64Array.from({ length: h * w }, () => rng.normal());
    const angle = -135 + 90 * rng.next();
    const layer = snowLayer(h, w, p, normals, angle);
    const planes = Array.from({ length: c }, (_, ch) => readPlane(images, i, ch));
    snowPlanes(planes, h, w, p[6], layer).forEach((plane, ch) => writePlane(out, i, ch, plane));
  }
  return out;
}

/** Blue-white tint of the frost texture (R, G, B): ice scatters blue a little more. */
const FROST_TINT = [0.86, 0.93, 1];

/**
 * A procedural frost texture, H·W per RGB plane in [0, 1] (our substitute for
 * the reference's photographs, so only its look is the reference's): a cloudy
 * base from one plasma fractal (decay 2) and thin crystal veins from the
 * ridges of a rougher one (decay 1.6), (1 − |2F − 1|)⁸, which branch like ice
 * crystals; T = clip(0.35 + 0.35·base + 0.6·veins), tinted blue-white. Its
 * mean is about 0.55 of white, like the frost crops.
 */
export function frostTexture(height: number, width: number, rng: Rng): Float64Array[] {
  const size = nextPowerOfTwo(Math.max(height, width));
  const base = plasmaFractal(size, 2, rng);
  const rough = plasmaFractal(size, 1.6, rng);
  const t = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const vein = (1 - Math.abs(2 * rough[y * size + x] - 1)) ** 8;
      t[y * width + x] = clip01(0.35 + 0.35 * base[y * size + x] + 0.6 * vein);
    }
  }
  return FROST_TINT.map((tint) => t.map((v) => v * tint));
}

/** x·a + b·T per channel (a gray image blends with the texture's luma). */
export function frostPlanes(planes: Float64Array[], imageWeight: number, frostWeight: number, texture: Float64Array[]): Float64Array[] {
  const t = planes.length === 1 ? [lumaOf(texture)] : texture;
  return planes.map((plane, ch) => plane.map((x, k) => clip01(imageWeight * x + frostWeight * t[ch][k])));
}

export function frost(images: ImageBatch, imageWeight: number, frostWeight: number, rng: Rng): ImageBatch {
  const [n, h, w, c] = images.shape;
  const out: ImageBatch = { data: new Float32Array(images.data.length), shape: [n, h, w, c] };
  for (let i = 0; i < n; i++) {
    const texture = frostTexture(h, w, rng);
    const planes = Array.from({ length: c }, (_, ch) => readPlane(images, i, ch));
    frostPlanes(planes, imageWeight, frostWeight, texture).forEach((plane, ch) => writePlane(out, i, ch, plane));
  }
  return out;
}
