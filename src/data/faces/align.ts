/**
 * Five-point face alignment to the ArcFace 112×112 template, as insightface
 * `python-package/insightface/utils/face_align.py` does it: estimate the
 * similarity transform (rotation, uniform scale, translation; 4 degrees of
 * freedom) that maps the five landmarks onto the template in the
 * least-squares sense, then warp the photo with bilinear sampling and a black
 * border (`cv2.warpAffine(img, M, (112, 112), borderValue=0)`).
 *
 * The estimate is Umeyama's ("Least-squares estimation of transformation
 * parameters between two point patterns", IEEE TPAMI 13(4), 1991, Eqs. 40–42)
 * restricted to the plane. In 2-D, c·R for a rotation R and scale c ≥ 0 is
 * exactly a matrix [[a, −b], [b, a]], and the least-squares problem is linear
 * in (a, b, t): with centred source points (x, y) and centred targets (u, v),
 * a = Σ(xu + yv)/Σ(x² + y²), b = Σ(xv − yu)/Σ(x² + y²), t = μ_dst − cR μ_src.
 * That closed form is the same minimiser as Umeyama's SVD (checked against a
 * NumPy SVD implementation in `scripts/gen_face_fixtures.py`); it never yields a
 * reflection.
 *
 * Coordinates: x to the right, y down, in pixels, with pixel (i, j) centred at
 * (j, i) — OpenCV's convention (a landmark at (0, 0) is the centre of the
 * top-left pixel). OpenCV interpolates with 5-bit fixed-point weights; this
 * warp uses exact float weights, so results differ from cv2 by at most about
 * one grey level.
 */
import { check } from '../../errors.js';
import type { RgbImage } from './image.js';

export type Point = [number, number];

/**
 * The ArcFace template for a 112×112 crop: left eye, right eye, nose tip,
 * left and right mouth corners ("left" = smaller x in the image).
 */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** A 2×3 affine matrix [[m00, m01, m02], [m10, m11, m12]] mapping (x, y) → (m00 x + m01 y + m02, m10 x + m11 y + m12). */
export type Affine = [[number, number, number], [number, number, number]];

/** Least-squares similarity transform taking `source` points onto `target` points. */
export function estimateSimilarity(source: readonly Point[], target: readonly Point[]): Affine {
  check(source.length >= 2, 'source', source.length, 'at least 2 points');
  check(target.length === source.length, 'target', target.length, `${source.length} points like source`);
  for (const p of [...source, ...target]) check(Number.isFinite(p[0]) && Number.isFinite(p[1]), 'points', p, 'finite coordinates');
  const n = source.length;
  let sx = 0;
  let sy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    sx += source[i][0];
    sy += source[i][1];
    tx += target[i][0];
    ty += target[i][1];
  }
  sx /= n;
  sy /= n;
  tx /= n;
  ty /= n;
  let spread = 0;
  let dot = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) {
    const x = source[i][0] - sx;
    const y = source[i][1] - sy;
    const u = target[i][0] - tx;
    const v = target[i][1] - ty;
    spread += x * x + y * y;
    dot += x * u + y * v;
    cross += x * v - y * u;
  }
  check(spread > 1e-12, 'source', source, 'points that are not all equal');
  const a = dot / spread;
  const b = cross / spread;
  return [
    [a, -b, tx - (a * sx - b * sy)],
    [b, a, ty - (b * sx + a * sy)],
  ];
}

/** Applies an affine matrix to a point. */
export function applyAffine(m: Affine, p: Point): Point {
  return [m[0][0] * p[0] + m[0][1] * p[1] + m[0][2], m[1][0] * p[0] + m[1][1] * p[1] + m[1][2]];
}

/** The inverse of an invertible affine matrix. */
export function invertAffine(m: Affine): Affine {
  const [[a, b, c], [d, e, f]] = m;
  const det = a * e - b * d;
  check(Math.abs(det) > 1e-12, 'transform', m, 'an invertible affine matrix');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [
    [ia, ib, -(ia * c + ib * f)],
    [id, ie, -(id * c + ie * f)],
  ];
}

/** An image with any channel count, 8-bit or float, channels interleaved. */
export interface RasterImage<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  width: number;
  height: number;
  channels: number;
  data: T;
}

/**
 * `cv2.warpAffine(src, m, (width, height))` with bilinear interpolation and a
 * constant-zero border: output pixel (x, y) samples the source at m⁻¹(x, y);
 * source pixels outside the image count as 0. 8-bit input gives 8-bit output
 * (rounded and clamped), float input float output.
 */
export function warpAffine<T extends Uint8Array | Float32Array>(source: RasterImage<T>, m: Affine, width: number, height: number): RasterImage<T> {
  const { width: sw, height: sh, channels: ch, data } = source;
  check(data.length === sw * sh * ch, 'image', `${data.length} values`, `${sw}×${sh}×${ch}`);
  check(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0, 'size', [width, height], 'positive integer output size');
  const inv = invertAffine(m);
  const isByte = data instanceof Uint8Array;
  const out = (isByte ? new Uint8Array(width * height * ch) : new Float32Array(width * height * ch)) as T;
  const acc = new Float64Array(ch);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = inv[0][0] * x + inv[0][1] * y + inv[0][2];
      const py = inv[1][0] * x + inv[1][1] * y + inv[1][2];
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      acc.fill(0);
      for (let dy = 0; dy <= 1; dy++) {
        const yy = y0 + dy;
        if (yy < 0 || yy >= sh) continue;
        const wy = dy ? fy : 1 - fy;
        for (let dx = 0; dx <= 1; dx++) {
          const xx = x0 + dx;
          if (xx < 0 || xx >= sw) continue;
          const w = wy * (dx ? fx : 1 - fx);
          if (w === 0) continue;
          const base = (yy * sw + xx) * ch;
          for (let c = 0; c < ch; c++) acc[c] += w * data[base + c];
        }
      }
      const o = (y * width + x) * ch;
      for (let c = 0; c < ch; c++) out[o + c] = isByte ? Math.min(255, Math.max(0, Math.round(acc[c]))) : acc[c];
    }
  }
  return { width, height, channels: ch, data: out };
}

/** The similarity transform taking five landmarks onto the ArcFace template scaled to `size`. */
export function alignmentTransform(landmarks: readonly Point[], size = 112): Affine {
  check(landmarks.length === 5, 'landmarks', landmarks.length, '5 points (left eye, right eye, nose, left mouth, right mouth)');
  const scale = size / 112;
  return estimateSimilarity(
    landmarks,
    ARCFACE_TEMPLATE_112.map(([x, y]) => [x * scale, y * scale] as Point),
  );
}

/** Warps a photo so that its five landmarks land on the ArcFace template (a `size`×`size` crop, 112 by default). */
export function alignFace(image: RgbImage, landmarks: readonly Point[], size = 112): { face: RgbImage; transform: Affine } {
  const transform = alignmentTransform(landmarks, size);
  const warped = warpAffine({ width: image.width, height: image.height, channels: 3, data: image.data }, transform, size, size);
  return { face: { width: size, height: size, data: warped.data as Uint8Array }, transform };
}

/**
 * The five ArcFace landmarks from the 68 iBUG-300W points (0-based): eye
 * centres as the means of the eye corners (36, 39) and (42, 45), nose tip 30,
 * mouth corners 48 and 54 (Sagonas et al., "300 Faces In-the-Wild Challenge",
 * 2013, for the 68-point numbering; the ArcFace template's order is left eye,
 * right eye, nose, left and right mouth corner).
 */
export function fivePointsFrom68(points: readonly Point[]): Point[] {
  check(points.length === 68, 'landmarks', points.length, '68 points (iBUG 300-W order)');
  const mid = (i: number, j: number): Point => [(points[i][0] + points[j][0]) / 2, (points[i][1] + points[j][1]) / 2];
  return [mid(36, 39), mid(42, 45), [points[30][0], points[30][1]], [points[48][0], points[48][1]], [points[54][0], points[54][1]]];
}
