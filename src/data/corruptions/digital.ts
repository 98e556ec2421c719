/**
 * The "digital" corruptions of ImageNet-C (Hendrycks & Dietterich, ICLR 2019):
 *
 *   jpeg_compression  a real JPEG encode/decode round trip at quality q
 *                     (libjpeg quantisation tables scaled by q, 4:2:0 chroma
 *                     for colour, through sharp/libvips), after rounding to
 *                     8 bits as the reference's PIL images are;
 *   pixelate          Pillow BOX resize to ⌊c·W⌋×⌊c·H⌋ and back;
 *   elastic_transform a random affine warp (three control points at the
 *                     centre ± ⌊side/3⌋ moved by U(−a, a), bilinear,
 *                     reflect-101 borders, as cv2.warpAffine) followed by a
 *                     displacement field α·G_σ * U(−1, 1) per axis (Gaussian
 *                     truncated at 3σ, 'reflect' borders) sampled bilinearly
 *                     with 'reflect' borders (scipy map_coordinates, order 1).
 *                     α, σ, a are the reference's fractions times the image
 *                     side. Control points are (x, y) = (⌊W/2⌋ ± s, ⌊H/2⌋ ± s);
 *                     the reference builds them from (H, W), the same for the
 *                     square images it was written for;
 *   saturate          HSV saturation S ← clip(S·a + b, 0, 1) with hue and value
 *                     kept (skimage rgb2hsv/hsv2rgb): each channel becomes
 *                     V − (V − x)·S'/S; a pixel with S = 0 has hue 0 (red) in
 *                     skimage, so it becomes (V, V(1−S'), V(1−S')). A gray
 *                     image is treated as the RGB image with three equal
 *                     channels (what the reference does to a gray photo in RGB
 *                     mode) and returned as the ITU-R 601 luma of the result.
 */
import sharp from 'sharp';
import type { Rng } from '../../engine/random.js';
import { affineFromPoints, bilinearSample, boxResize, gaussianFilter, warpAffine } from './filters.js';
import { clip01, LUMA, mapPlanes, readPlane, writePlane, type ImageBatch } from './image.js';

/** How many JPEG round trips are in flight at once. */
const JPEG_CONCURRENCY = 8;

async function jpegRoundTrip(pixels: Uint8Array, height: number, width: number, channels: 1 | 3, quality: number): Promise<Uint8Array> {
  const input = sharp(pixels, { raw: { width, height, channels } });
  const encoded = await (channels === 1 ? input.toColourspace('b-w') : input).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const decoded = sharp(encoded);
  const { data, info } = await (channels === 1 ? decoded.toColourspace('b-w') : decoded.removeAlpha()).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || info.width !== width || info.height !== height) {
    throw new Error(`JPEG round trip returned ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×${channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function jpegCompression(images: ImageBatch, quality: number): Promise<ImageBatch> {
  const [n, h, w, c] = images.shape;
  const per = h * w * c;
  const out = new Float32Array(images.data.length);
  const one = async (i: number) => {
    const pixels = new Uint8Array(per);
    for (let k = 0; k < per; k++) pixels[k] = Math.round(Math.min(1, Math.max(0, images.data[i * per + k])) * 255);
    const decoded = await jpegRoundTrip(pixels, h, w, c as 1 | 3, Math.round(quality));
    for (let k = 0; k < per; k++) out[i * per + k] = decoded[k] / 255;
  };
  for (let start = 0; start < n; start += JPEG_CONCURRENCY) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(n, start + JPEG_CONCURRENCY); i++) batch.push(one(i));
    await Promise.all(batch);
  }
  return { data: out, shape: [n, h, w, c] };
}

export function pixelate(images: ImageBatch, factor: number): ImageBatch {
  const [, h, w] = images.shape;
  const smallH = Math.max(1, Math.floor(h * factor));
  const smallW = Math.max(1, Math.floor(w * factor));
  return mapPlanes(images, (plane) => boxResize(boxResize(plane, h, w, smallH, smallW), smallH, smallW, h, w));
}

/** The random inputs of one elastic transform (drawn by {@link drawElasticRandomness}). */
export interface ElasticRandomness {
  /** Offsets of the three control points, [x0, y0, x1, y1, x2, y2], in pixels. */
  pointOffsets: number[];
  /** U(−1, 1) fields (H·W, row-major) that become the x and y displacements. */
  noiseX: Float64Array;
  noiseY: Float64Array;
}

export function drawElasticRandomness(height: number, width: number, jitter: number, rng: Rng): ElasticRandomness {
  const pointOffsets = Array.from({ length: 6 }, () => jitter * (2 * rng.next() - 1));
  const noiseX = new Float64Array(height * width);
  const noiseY = new Float64Array(height * width);
  for (let k = 0; k < noiseX.length; k++) noiseX[k] = 2 * rng.next() - 1;
  for (let k = 0; k < noiseY.length; k++) noiseY[k] = 2 * rng.next() - 1;
  return { pointOffsets, noiseX, noiseY };
}

/** The deterministic part of the elastic transform, for all planes of one image. */
export function elasticTransformPlanes(planes: Float64Array[], height: number, width: number, alpha: number, sigma: number, randomness: ElasticRandomness): Float64Array[] {
  const cx = Math.floor(width / 2);
  const cy = Math.floor(height / 2);
  const s = Math.floor(Math.min(height, width) / 3);
  const source: [number, number][] = [
    [cx + s, cy + s],
    [cx + s, cy - s],
    [cx - s, cy - s],
  ];
  const o = randomness.pointOffsets;
  const target: [number, number][] = source.map(([x, y], i) => [x + o[2 * i], y + o[2 * i + 1]]);
  const matrix = affineFromPoints(source, target);
  const dx = gaussianFilter(randomness.noiseX, height, width, sigma, 'reflect', 3);
  const dy = gaussianFilter(randomness.noiseY, height, width, sigma, 'reflect', 3);
  return planes.map((plane) => {
    const warped = warpAffine(plane, height, width, matrix, 'mirror');
    const out = new Float64Array(plane.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const k = y * width + x;
        out[k] = bilinearSample(warped, height, width, y + alpha * dy[k], x + alpha * dx[k], 'reflect');
      }
    }
    return out;
  });
}

/** Elastic transform with α, σ and jitter already in pixels. */
export function elasticTransform(images: ImageBatch, alpha: number, sigma: number, jitter: number, rng: Rng): ImageBatch {
  const [n, h, w, c] = images.shape;
  const out: ImageBatch = { data: new Float32Array(images.data.length), shape: [n, h, w, c] };
  for (let i = 0; i < n; i++) {
    const randomness = drawElasticRandomness(h, w, jitter, rng);
    const planes = Array.from({ length: c }, (_, ch) => readPlane(images, i, ch));
    elasticTransformPlanes(planes, h, w, alpha, sigma, randomness).forEach((plane, ch) => writePlane(out, i, ch, plane));
  }
  return out;
}

/** The RGB pixel (r, g, b) with its HSV saturation S set to clip(S·scale + shift, 0, 1), hue and value kept. */
export function saturatePixel(r: number, g: number, b: number, scale: number, shift: number): [number, number, number] {
  const v = Math.max(r, g, b);
  const s = v > 0 ? (v - Math.min(r, g, b)) / v : 0;
  const target = Math.min(1, Math.max(0, s * scale + shift));
  if (s > 0) return [v - (v - r) * (target / s), v - (v - g) * (target / s), v - (v - b) * (target / s)];
  return [v, v * (1 - target), v * (1 - target)];
}

export function saturate(images: ImageBatch, scale: number, shift: number): ImageBatch {
  const c = images.shape[3];
  const out = new Float32Array(images.data.length);
  for (let p = 0; p < images.data.length; p += c) {
    const [r, g, b] = c === 3 ? [images.data[p], images.data[p + 1], images.data[p + 2]] : [images.data[p], images.data[p], images.data[p]];
    const [r2, g2, b2] = saturatePixel(r, g, b, scale, shift);
    if (c === 3) {
      out[p] = clip01(r2);
      out[p + 1] = clip01(g2);
      out[p + 2] = clip01(b2);
    } else {
      out[p] = clip01(LUMA[0] * r2 + LUMA[1] * g2 + LUMA[2] * b2);
    }
  }
  return { data: out, shape: [...images.shape] };
}
