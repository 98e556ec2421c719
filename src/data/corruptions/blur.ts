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
 *             repeated beyond the border; θ ~ U(−45°, 45°) per image;
 *   glass     the reference's `glass_blur`: Gaussian blur σ ('nearest'),
 *             quantised to 8 bits (⌊255·v⌋), then `iterations` sweeps over
 *             the rows h = H−d … d+1 and columns w = W−d … d+1 (descending)
 *             that draw (dx, dy) uniform in [−d, d−1] each and set pixel
 *             (h, w) to pixel (h+dy, w+dx) — the reference writes this as a
 *             tuple swap of numpy views, whose second assignment re-reads the
 *             already overwritten pixel, so it copies rather than swaps; we
 *             reproduce that, all channels of a pixel together — then the
 *             same Gaussian blur again;
 *   zoom      the mean of the image and its `clipped_zoom`s (central crop
 *             scaled back up by each factor of numpy.arange(start, stop,
 *             step), linear interpolation as scipy.ndimage.zoom, order 1).
 */
import type { Rng } from '../../engine/random.js';
import { check } from '../../errors.js';
import { clippedZoom, correlate2d, defocusKernel, gaussianFilter, numpyArange } from './filters.js';
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

/**
 * Glass blur of one image's channel planes given its random draws: `draws`
 * holds (dx, dy) for every visited pixel of every sweep, in visiting order
 * (see the module comment). Returns new planes (values in [0, 1]).
 */
export function glassBlurPlanes(planes: Float64Array[], height: number, width: number, sigma: number, maxDelta: number, iterations: number, draws: ArrayLike<number>): Float64Array[] {
  check(Number.isInteger(maxDelta) && maxDelta >= 1 && height > 2 * maxDelta && width > 2 * maxDelta, 'maxDelta', maxDelta, `an integer ≥ 1 below half of the ${height}×${width} image`);
  check(draws.length === glassBlurDrawCount(height, width, maxDelta, iterations), 'draws', draws.length, `${glassBlurDrawCount(height, width, maxDelta, iterations)} values (dx, dy per visited pixel)`);
  const quantised = planes.map((p) => gaussianFilter(p, height, width, sigma, 'nearest').map((v) => Math.floor(v * 255)));
  let k = 0;
  for (let it = 0; it < iterations; it++) {
    for (let h = height - maxDelta; h > maxDelta; h--) {
      for (let w = width - maxDelta; w > maxDelta; w--) {
        const dx = draws[k++];
        const dy = draws[k++];
        const from = (h + dy) * width + w + dx;
        for (const q of quantised) q[h * width + w] = q[from];
      }
    }
  }
  return quantised.map((q) => gaussianFilter(q.map((v) => v / 255), height, width, sigma, 'nearest'));
}

/** How many random integers {@link glassBlurPlanes} consumes. */
export function glassBlurDrawCount(height: number, width: number, maxDelta: number, iterations: number): number {
  return 2 * iterations * Math.max(0, height - 2 * maxDelta) * Math.max(0, width - 2 * maxDelta);
}

export function glassBlur(images: ImageBatch, sigma: number, maxDelta: number, iterations: number, rng: Rng): ImageBatch {
  const [n, h, w, c] = images.shape;
  const out: ImageBatch = { data: new Float32Array(images.data.length), shape: [n, h, w, c] };
  const draws = new Int32Array(glassBlurDrawCount(h, w, maxDelta, iterations));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < draws.length; k++) draws[k] = rng.int(2 * maxDelta) - maxDelta;
    const planes = Array.from({ length: c }, (_, ch) => readPlane(images, i, ch));
    glassBlurPlanes(planes, h, w, sigma, maxDelta, iterations, draws).forEach((p, ch) => writePlane(out, i, ch, p));
  }
  return out;
}

/** Zoom blur of one plane with the zoom factors numpy.arange(start, stop, step). */
export function zoomBlurPlane(plane: Float64Array, height: number, width: number, start: number, stop: number, step: number): Float64Array {
  const factors = numpyArange(start, stop, step);
  const out = Float64Array.from(plane);
  for (const f of factors) {
    const zoomed = clippedZoom(plane, height, width, f);
    for (let k = 0; k < out.length; k++) out[k] += zoomed[k];
  }
  for (let k = 0; k < out.length; k++) out[k] /= factors.length + 1;
  return out;
}

export function zoomBlur(images: ImageBatch, start: number, stop: number, step: number): ImageBatch {
  return mapPlanes(images, (plane, h, w) => zoomBlurPlane(plane, h, w, start, stop, step));
}
