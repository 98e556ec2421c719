/**
 * The blur corruptions of ImageNet-C (Hendrycks & Dietterich, ICLR 2019),
 * per channel plane:
 *
 *   gaussian  skimage.filters.gaussian(σ = c): sampled Gaussian truncated at
 *             4σ, 'nearest' borders;
 *   defocus   correlation with an anti-aliased disk (see
 *             {@link defocusKernel}), reflect-101 borders as cv2.filter2D;
 *   motion    ImageMagick's MotionBlurImage(radius, σ, angle) as the
 *             reference calls it: a one-sided line of 2⌈radius⌉+1 taps with
 *             weights exp(−i²/2σ²) (normalised), tap i sampling the pixel
 *             at round(i·cos θ, i·sin θ) from the output pixel, edge pixels
 *             repeated beyond the border; θ ~ U(−45°, 45°) per image.
 */
import type { Rng } from '../../engine/random.js';
import { check } from '../../errors.js';
import { correlate2d, defocusKernel, gaussianFilter } from './filters.js';
import { mapPlanes, readPlane, writePlane, type ImageBatch } from './image.js';

export function gaussianBlur(images: ImageBatch, sigma: number): ImageBatch {
  return mapPlanes(images, (plane, h, w) => gaussianFilter(plane, h, w, sigma, 'nearest'));
}

export function defocusBlur(images: ImageBatch, radius: number, aliasBlur: number): ImageBatch {
  const kernel = defocusKernel(radius, aliasBlur);
  return mapPlanes(images, (plane, h, w) => correlate2d(plane, h, w, kernel, 'mirror'));
}

/** Motion blur of one plane along `angleDegrees` (0° = towards +x, 90° = towards +y). */
export function motionBlurPlane(plane: Float64Array, height: number, width: number, radius: number, sigma: number, angleDegrees: number): Float64Array {
  check(radius > 0, 'radius', radius, 'a positive number');
  check(sigma > 0, 'sigma', sigma, 'a positive number');
  const taps = 2 * Math.ceil(radius) + 1;
  const weights = new Float64Array(taps);
  let total = 0;
  for (let i = 0; i < taps; i++) {
    weights[i] = Math.exp((-i * i) / (2 * sigma * sigma));
    total += weights[i];
  }
  const theta = (angleDegrees * Math.PI) / 180;
  const dx = new Int32Array(taps);
  const dy = new Int32Array(taps);
  for (let i = 0; i < taps; i++) {
    weights[i] /= total;
    dx[i] = Math.ceil(i * Math.cos(theta) - 0.5);
    dy[i] = Math.ceil(i * Math.sin(theta) - 0.5);
  }
  const out = new Float64Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = 0; i < taps; i++) {
        const sy = Math.min(height - 1, Math.max(0, y + dy[i]));
        const sx = Math.min(width - 1, Math.max(0, x + dx[i]));
        acc += weights[i] * plane[sy * width + sx];
      }
      out[y * width + x] = acc;
    }
  }
  return out;
}

export function motionBlur(images: ImageBatch, radius: number, sigma: number, rng: Rng): ImageBatch {
  const [n, h, w, c] = images.shape;
  const out: ImageBatch = { data: new Float32Array(images.data.length), shape: [n, h, w, c] };
  for (let i = 0; i < n; i++) {
    const angle = -45 + 90 * rng.next();
    for (let ch = 0; ch < c; ch++) writePlane(out, i, ch, motionBlurPlane(readPlane(images, i, ch), h, w, radius, sigma, angle));
  }
  return out;
}
