/**
 * The noise corruptions of ImageNet-C (Hendrycks & Dietterich, ICLR 2019),
 * element-wise on [0, 1] images, each result clipped to [0, 1]:
 *
 *   gaussian  x + n,          n ~ N(0, c²)
 *   shot      Poisson(c·x)/c  (photon noise; c = photons at full intensity)
 *   impulse   each value, with probability c, replaced by 0 or 1 (equally
 *             likely): skimage.util.random_noise(mode='s&p', amount=c)
 *   speckle   x + x·n,        n ~ N(0, c²)
 *
 * Every channel value is an independent draw, as in the reference.
 */
import type { Rng } from '../../engine/random.js';
import { clip01, type ImageBatch } from './image.js';

function mapValues(images: ImageBatch, f: (v: number) => number): ImageBatch {
  const out = new Float32Array(images.data.length);
  for (let i = 0; i < out.length; i++) out[i] = clip01(f(images.data[i]));
  return { data: out, shape: [...images.shape] };
}

export function gaussianNoise(images: ImageBatch, sigma: number, rng: Rng): ImageBatch {
  return mapValues(images, (v) => v + sigma * rng.normal());
}

export function shotNoise(images: ImageBatch, photons: number, rng: Rng): ImageBatch {
  return mapValues(images, (v) => samplePoisson(v * photons, rng) / photons);
}

export function impulseNoise(images: ImageBatch, amount: number, rng: Rng): ImageBatch {
  return mapValues(images, (v) => (rng.next() < amount ? (rng.next() < 0.5 ? 1 : 0) : v));
}

export function speckleNoise(images: ImageBatch, sigma: number, rng: Rng): ImageBatch {
  return mapValues(images, (v) => v + v * sigma * rng.normal());
}

const LOG_FACTORIAL: number[] = [0];
for (let k = 1; k < 256; k++) LOG_FACTORIAL.push(LOG_FACTORIAL[k - 1] + Math.log(k));

/** log(k!) from a table below 256, Stirling's series above (error < 1e-12 there). */
function logFactorial(k: number): number {
  if (k < 256) return LOG_FACTORIAL[k];
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n ** 3) + 1 / (1260 * n ** 5);
}

/**
 * One Poisson(λ) draw: Knuth's product of uniforms for λ < 10, and for larger
 * λ the transformed rejection method with squeeze "PTRS" of W. Hörmann, "The
 * transformed rejection method for generating Poisson random variables",
 * Insurance: Mathematics and Economics 12 (1993), the same method numpy uses.
 */
export function samplePoisson(lambda: number, rng: Rng): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let product = rng.next();
    while (product > limit) {
      k++;
      product *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const logLambda = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * logLambda - logFactorial(k)) return k;
  }
}
