/**
 * Self-blended images (SBI; Shiohara & Yamasaki, "Detecting Deepfakes with
 * Self-Blended Images", CVPR 2022, Sec. 3): a synthetic forgery made from
 * one real face alone, so a detector can be trained without any fake data.
 * A copy of the face is altered in colour, frequency content and geometry,
 * and blended back into the face inside a soft mask over the face region:
 *
 *   I_SB = I_s ⊙ (r·M) + I_t ⊙ (1 − r·M)               (SBI, Eq. 3)
 *
 * with source I_s, target I_t, mask M ∈ [0, 1] and blend ratio r. The
 * blending boundary and the colour/scale mismatch it leaves are the generic
 * traces of face swapping that the detector then learns.
 *
 * Our reconstruction, every choice stated:
 *  - Source–target generator (SBI Sec. 3.2): two copies of the face; the
 *    colour and frequency transforms go to one of them, source (inside the
 *    mask) or target, with probability ½ each (as SBI's code does), and the
 *    source alone gets the geometric transform. The colour and frequency
 *    transforms, in this order: a per-channel RGB shift
 *    U(−20, 20)/255; a saturation factor U(0.7, 1.3) (mixing each pixel with
 *    its Rec. 601 luma); brightness and contrast U(−0.1, 0.1) each
 *    (x ↦ (x − ½)(1 + c) + ½ + b); then, with probability ½, one frequency
 *    change — a downscale to U(0.25, 0.5) of the size and back (bilinear)
 *    or an unsharp-mask sharpening x + a(x − G_σ=1 x), a ~ U(0.2, 0.6) —
 *    the colour ranges of albumentations' RGBShift/RandomBrightnessContrast
 *    and the Downscale range SBI's code uses; the hue shift of SBI is
 *    replaced by the saturation change. Values are clipped to [0, 1].
 *    Geometry: the source is scaled by U(0.95, 1.05) about the
 *    landmark centroid and shifted by U(−3%, 3%) of the crop side per axis
 *    (bilinear, zero outside), as SBI's random affine of the source.
 *  - Mask generator (SBI Sec. 3.3): the convex hull of the 68 face-api
 *    landmarks (iBUG-300W points; SBI uses 81 with the forehead), shrunk
 *    about its centroid by U(0.85, 1) (SBI deforms its hull elastically; an
 *    isotropic shrink of a convex set about an interior point stays inside
 *    it), rasterised at pixel centres, cut to the crop's interior (one pixel
 *    off every edge), then softened as M = clip(2·G_σ * H − 1, 0, 1) with a
 *    Gaussian G_σ, σ ~ U(2%, 6%) of the crop side. For a convex H and a
 *    centrally symmetric kernel, G_σ * H ≤ ½ at every point outside H (a
 *    line through the point separates it from H, and each kernel tap inside
 *    H has its mirror outside), so M is exactly 0 outside the hull and
 *    rises smoothly to 1 inside: a blurred edge that never leaks past the
 *    landmarks (SBI blurs the mask with no such bound).
 *  - Blend ratio r drawn from {0.25, 0.5, 0.75, 1, 1, 1} (SBI's code).
 *
 * Every draw comes from the given {@link Rng}, so a seed fixes the forgery.
 */
import type { Rng } from '../../engine/random.js';
import { check } from '../../errors.js';
import { gaussianFilter } from '../corruptions/filters.js';
import { warpAffine, type Affine, type Point } from '../faces/align.js';
import type { RgbImage } from '../faces/image.js';

/** The blend ratios SBI draws from (1 three times as likely). */
export const SBI_BLEND_RATIOS = [0.25, 0.5, 0.75, 1, 1, 1];

export interface SelfBlendOptions {
  /** Fixes r instead of drawing it (0 returns the target unchanged). */
  blendRatio?: number;
  /** Fixes which copy gets the colour and frequency transforms: `true` the target (outside the mask), `false` the source. */
  transformTarget?: boolean;
}

export interface SelfBlend {
  image: RgbImage;
  /** The soft mask M, one value per pixel, row-major. */
  mask: Float32Array;
  /** The hull the mask was drawn in (after the shrink), crop pixels. */
  hull: Point[];
  ratio: number;
  transformTarget: boolean;
}

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();

/** Convex hull by Andrew's monotone chain, counter-clockwise in a y-down frame as listed, without collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  check(points.length >= 3, 'points', points.length, 'at least 3 points');
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: Point, a: Point, b: Point): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  check(hull.length >= 3, 'points', points.length, 'points that are not all on one line');
  return hull;
}

/** Whether `p` lies inside or on the convex polygon `hull` (as {@link convexHull} orders it), with tolerance `eps` pixels. */
export function insideConvex(hull: readonly Point[], p: Point, eps = 0): boolean {
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const edge = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    if (cross < -eps * edge) return false;
  }
  return true;
}

/**
 * The soft blending mask: H = pixel centres inside `hull` and off the crop's
 * one-pixel border, M = clip(2·G_σ * H − 1, 0, 1) (see the module comment).
 */
export function softHullMask(hull: readonly Point[], width: number, height: number, sigma: number): Float32Array {
  check(sigma >= 0 && Number.isFinite(sigma), 'sigma', sigma, 'a blur σ ≥ 0 in pixels');
  const hard = new Float64Array(width * height);
  for (let y = 1; y < height - 1; y++) for (let x = 1; x < width - 1; x++) if (insideConvex(hull, [x, y])) hard[y * width + x] = 1;
  // 'nearest' borders repeat the zero border pixels: the same as zero padding.
  const blurred = gaussianFilter(hard, height, width, sigma, 'nearest');
  return Float32Array.from(blurred, (v) => Math.min(1, Math.max(0, 2 * v - 1)));
}

/** Per-channel planes of an 8-bit RGB image, in [0, 1]. */
function toFloat(image: RgbImage): Float32Array {
  return Float32Array.from(image.data, (v) => v / 255);
}

/** The colour and frequency transforms of the source–target generator, on a float HWC image (new array). */
function colourAndFrequency(pixels: Float32Array, width: number, height: number, rng: Rng): Float32Array {
  const out = Float32Array.from(pixels);
  const shift = [0, 1, 2].map(() => uniform(rng, -20, 20) / 255);
  const saturation = uniform(rng, 0.7, 1.3);
  const contrast = uniform(rng, -0.1, 0.1);
  const brightness = uniform(rng, -0.1, 0.1);
  for (let i = 0; i < width * height; i++) {
    const o = i * 3;
    const luma = 0.299 * out[o] + 0.587 * out[o + 1] + 0.114 * out[o + 2];
    for (let c = 0; c < 3; c++) {
      let v = out[o + c] + shift[c];
      v = luma + shift[c] + (v - luma - shift[c]) * saturation;
      v = (v - 0.5) * (1 + contrast) + 0.5 + brightness;
      out[o + c] = Math.min(1, Math.max(0, v));
    }
  }
  if (rng.next() < 0.5) return out;
  if (rng.next() < 0.5) {
    const factor = uniform(rng, 0.25, 0.5);
    const w = Math.max(2, Math.round(width * factor));
    const h = Math.max(2, Math.round(height * factor));
    const raster = { width, height, channels: 3, data: out };
    // Corner-aligned scalings down and back up (bilinear), so every sample lies inside the image.
    const down: Affine = [
      [(w - 1) / (width - 1), 0, 0],
      [0, (h - 1) / (height - 1), 0],
    ];
    const up: Affine = [
      [(width - 1) / (w - 1), 0, 0],
      [0, (height - 1) / (h - 1), 0],
    ];
    return warpAffine(warpAffine(raster, down, w, h), up, width, height).data as Float32Array;
  }
  const amount = uniform(rng, 0.2, 0.6);
  for (let c = 0; c < 3; c++) {
    const plane = new Float64Array(width * height);
    for (let i = 0; i < plane.length; i++) plane[i] = out[i * 3 + c];
    const blurred = gaussianFilter(plane, height, width, 1, 'nearest');
    for (let i = 0; i < plane.length; i++) out[i * 3 + c] = Math.min(1, Math.max(0, plane[i] + amount * (plane[i] - blurred[i])));
  }
  return out;
}

/**
 * A self-blended forgery of `face` (a crop) with its 68 landmarks in crop
 * pixels, every draw from `rng`.
 */
export function selfBlend(face: RgbImage, landmarks68: readonly Point[], rng: Rng, options: SelfBlendOptions = {}): SelfBlend {
  const { width, height } = face;
  check(face.data.length === width * height * 3, 'face', `${face.data.length} bytes`, `${width}×${height}×3 RGB`);
  check(landmarks68.length === 68, 'landmarks', landmarks68.length, '68 points (iBUG 300-W order)');
  if (options.blendRatio !== undefined) check(options.blendRatio >= 0 && options.blendRatio <= 1, 'blendRatio', options.blendRatio, 'a ratio in [0, 1]');
  const original = toFloat(face);
  const transformTarget = options.transformTarget ?? rng.next() < 0.5;
  const coloured = colourAndFrequency(original, width, height, rng);
  // The source gets the random affine about the landmark centroid (its zero
  // border stays outside the mask, which lies well inside a margin crop).
  const cx = landmarks68.reduce((s, p) => s + p[0], 0) / 68;
  const cy = landmarks68.reduce((s, p) => s + p[1], 0) / 68;
  const scale = uniform(rng, 0.95, 1.05);
  const tx = uniform(rng, -0.03, 0.03) * width;
  const ty = uniform(rng, -0.03, 0.03) * height;
  const affine: Affine = [
    [scale, 0, cx - scale * cx + tx],
    [0, scale, cy - scale * cy + ty],
  ];
  const source = warpAffine({ width, height, channels: 3, data: transformTarget ? original : coloured }, affine, width, height).data as Float32Array;
  const target = transformTarget ? coloured : original;
  // The mask: the landmark hull shrunk about its centroid, blurred inside.
  const hull68 = convexHull(landmarks68);
  const shrink = uniform(rng, 0.85, 1);
  const hcx = hull68.reduce((s, p) => s + p[0], 0) / hull68.length;
  const hcy = hull68.reduce((s, p) => s + p[1], 0) / hull68.length;
  const hull = hull68.map(([x, y]) => [hcx + shrink * (x - hcx), hcy + shrink * (y - hcy)] as Point);
  const sigma = uniform(rng, 0.02, 0.06) * Math.max(width, height);
  const mask = softHullMask(hull, width, height, sigma);
  const ratio = options.blendRatio ?? SBI_BLEND_RATIOS[rng.int(SBI_BLEND_RATIOS.length)];
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const m = ratio * mask[i];
    for (let c = 0; c < 3; c++) {
      const k = i * 3 + c;
      out[k] = Math.round(255 * Math.min(1, Math.max(0, source[k] * m + target[k] * (1 - m))));
    }
  }
  return { image: { width, height, data: out }, mask, hull, ratio, transformTarget };
}
