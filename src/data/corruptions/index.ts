/**
 * ImageNet-C-style corruptions in TypeScript (Hendrycks & Dietterich,
 * "Benchmarking Neural Network Robustness to Common Corruptions and
 * Perturbations", ICLR 2019): the 15 ImageNet-C corruptions and the 4 extra
 * (validation) ones, in four families, 5 severities each, on float images in
 * [0, 1] (NHWC, gray or RGB), seeded.
 *
 *   noise    gaussian_noise, shot_noise, impulse_noise, speckle_noise*
 *   blur     gaussian_blur*, defocus_blur, motion_blur, glass_blur, zoom_blur
 *   weather  fog, brightness, contrast, snow, frost, spatter*
 *   digital  jpeg_compression, pixelate, elastic_transform, saturate*
 *
 * (* the paper's extras.) Each extra sits in the family the paper pairs it
 * with (its validation set has one per family: speckle noise, Gaussian blur,
 * spatter, saturate). Names follow the reference code (and the
 * `imagecorruptions` package). Severity parameters come from ImageNet-C, or
 * from CIFAR-10-C for images of at most 64 pixels a side (see
 * `parameters.ts`). `frost` blends procedural frost textures instead of the
 * reference's photographs (weather.ts).
 *
 * The same seed, images and corruption give the same output; images are
 * corrupted one after another from one random stream, so the result for an
 * image depends on its position in the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.js';
import { check, WavecvError } from '../../errors.js';
import { defocusBlur, gaussianBlur, glassBlur, motionBlur, zoomBlur } from './blur.js';
import { elasticTransform, jpegCompression, pixelate, saturate } from './digital.js';
import { checkImageBatch, imagesFromTensor, imagesToTensor, type ImageBatch } from './image.js';
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from './noise.js';
import { PARAMETERS, resolveParameterSet, type ParameterSet } from './parameters.js';
import { brightness, contrast, fog, frost, snow } from './weather.js';
import { spatter } from './spatter.js';

export const CORRUPTION_FAMILIES = {
  noise: ['gaussian_noise', 'shot_noise', 'impulse_noise', 'speckle_noise'],
  blur: ['gaussian_blur', 'defocus_blur', 'motion_blur', 'glass_blur', 'zoom_blur'],
  weather: ['fog', 'brightness', 'contrast', 'snow', 'frost', 'spatter'],
  digital: ['jpeg_compression', 'pixelate', 'elastic_transform', 'saturate'],
} as const;

export type CorruptionFamily = keyof typeof CORRUPTION_FAMILIES;
export type CorruptionName = (typeof CORRUPTION_FAMILIES)[CorruptionFamily][number];

/**
 * All corruption names: the first 13 implemented, then the 6 added later. The
 * order is kept fixed because the robustness evaluation seeds each corruption
 * by its index here, so adding corruptions must not change earlier results.
 */
export const CORRUPTIONS: readonly CorruptionName[] = [
  'gaussian_noise',
  'shot_noise',
  'impulse_noise',
  'speckle_noise',
  'gaussian_blur',
  'defocus_blur',
  'motion_blur',
  'fog',
  'brightness',
  'contrast',
  'jpeg_compression',
  'pixelate',
  'elastic_transform',
  'glass_blur',
  'zoom_blur',
  'snow',
  'frost',
  'spatter',
  'saturate',
];

export const SEVERITIES = [1, 2, 3, 4, 5] as const;

export function corruptionFamily(name: CorruptionName): CorruptionFamily {
  for (const [family, members] of Object.entries(CORRUPTION_FAMILIES)) if ((members as readonly string[]).includes(name)) return family as CorruptionFamily;
  throw new WavecvError('corruption', name, `one of ${CORRUPTIONS.join(', ')}`);
}

export function checkCorruptionName(name: string, argument = 'corruption'): asserts name is CorruptionName {
  check((CORRUPTIONS as readonly string[]).includes(name), argument, name, `one of ${CORRUPTIONS.join(', ')}`);
}

export interface CorruptOptions {
  /** Seed of the random stream (default 0); ignored when `rng` is given. */
  seed?: number;
  /** A random stream to draw from (advanced by the call). */
  rng?: Rng;
  /** Which reference's severity table to use; default by image size. */
  parameterSet?: ParameterSet | 'auto';
}

/** The parameter(s) the corruption uses at a severity, as listed in the reference. */
export function corruptionParameter(name: CorruptionName, severity: number, parameterSet: ParameterSet): number | number[] {
  checkCorruptionName(name);
  check(Number.isInteger(severity) && severity >= 1 && severity <= 5, 'severity', severity, 'an integer from 1 to 5');
  const value = PARAMETERS[parameterSet][name][severity - 1];
  return Array.isArray(value) ? [...value] : value;
}

/**
 * Corrupts a batch with one corruption at one severity (1 = mildest,
 * 5 = strongest) and returns a new batch; the input is not modified.
 */
export async function corrupt(images: ImageBatch, name: CorruptionName, severity: number, options: CorruptOptions = {}): Promise<ImageBatch> {
  checkImageBatch(images);
  checkCorruptionName(name);
  check(Number.isInteger(severity) && severity >= 1 && severity <= 5, 'severity', severity, 'an integer from 1 to 5');
  const [, h, w] = images.shape;
  const set = resolveParameterSet(options.parameterSet, h, w);
  const p = PARAMETERS[set];
  const s = severity - 1;
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  switch (name) {
    case 'gaussian_noise':
      return gaussianNoise(images, p.gaussian_noise[s], rng);
    case 'shot_noise':
      return shotNoise(images, p.shot_noise[s], rng);
    case 'impulse_noise':
      return impulseNoise(images, p.impulse_noise[s], rng);
    case 'speckle_noise':
      return speckleNoise(images, p.speckle_noise[s], rng);
    case 'gaussian_blur':
      return gaussianBlur(images, p.gaussian_blur[s]);
    case 'defocus_blur':
      return defocusBlur(images, p.defocus_blur[s][0], p.defocus_blur[s][1]);
    case 'motion_blur':
      return motionBlur(images, p.motion_blur[s][0], p.motion_blur[s][1], rng);
    case 'fog':
      return fog(images, p.fog[s][0], p.fog[s][1], rng);
    case 'brightness':
      return brightness(images, p.brightness[s]);
    case 'contrast':
      return contrast(images, p.contrast[s]);
    case 'jpeg_compression':
      return jpegCompression(images, p.jpeg_compression[s]);
    case 'pixelate':
      return pixelate(images, p.pixelate[s]);
    case 'elastic_transform': {
      const side = Math.min(h, w) * p.elasticSideScale;
      const [alpha, sigma, jitter] = p.elastic_transform[s];
      return elasticTransform(images, alpha * side, sigma * side, jitter * side, rng);
    }
    case 'glass_blur':
      return glassBlur(images, p.glass_blur[s][0], p.glass_blur[s][1], p.glass_blur[s][2], rng);
    case 'zoom_blur':
      return zoomBlur(images, p.zoom_blur[s][0], p.zoom_blur[s][1], p.zoom_blur[s][2]);
    case 'snow':
      return snow(images, p.snow[s], rng);
    case 'frost':
      return frost(images, p.frost[s][0], p.frost[s][1], rng);
    case 'spatter':
      return spatter(images, p.spatter[s], rng);
    case 'saturate':
      return saturate(images, p.saturate[s][0], p.saturate[s][1]);
  }
}

/** {@link corrupt} on a [N, H, W, C] tensor in [0, 1]; returns a new tensor (the input is kept). */
export async function corruptTensor(x: tf.Tensor4D, name: CorruptionName, severity: number, options: CorruptOptions = {}): Promise<tf.Tensor4D> {
  return imagesToTensor(await corrupt(await imagesFromTensor(x), name, severity, options));
}

/**
 * Parses a corruption list as the CLI takes it: `all`, a family name
 * (`noise`, `blur`, `weather`, `digital`) or comma-separated names and
 * families, in any mix.
 */
export function parseCorruptionList(spec: string): CorruptionName[] {
  const chosen = new Set<CorruptionName>();
  for (const raw of spec.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (raw === 'all') CORRUPTIONS.forEach((c) => chosen.add(c));
    else if (raw in CORRUPTION_FAMILIES) CORRUPTION_FAMILIES[raw as CorruptionFamily].forEach((c) => chosen.add(c));
    else {
      checkCorruptionName(raw, 'corruptions');
      chosen.add(raw);
    }
  }
  check(chosen.size > 0, 'corruptions', spec, `'all', a family (${Object.keys(CORRUPTION_FAMILIES).join(', ')}) or names (${CORRUPTIONS.join(', ')})`);
  return CORRUPTIONS.filter((c) => chosen.has(c));
}

export { type ImageBatch, checkImageBatch, imagesFromTensor, imagesToTensor, sliceImages, psnr } from './image.js';
export { PARAMETERS, parameterSetFor, type ParameterSet, type CorruptionParameters } from './parameters.js';
export { plasmaFractal } from './weather.js';
export { samplePoisson } from './noise.js';

/**
 * Additive Gaussian noise of standard deviation `sigma` (clipped to [0, 1]),
 * for sweeps over noise strengths outside the five severities.
 */
export function addGaussianNoise(images: ImageBatch, sigma: number, options: { seed?: number; rng?: Rng } = {}): ImageBatch {
  checkImageBatch(images);
  check(Number.isFinite(sigma) && sigma >= 0, 'sigma', sigma, 'a non-negative standard deviation (pixel values in [0, 1])');
  return gaussianNoise(images, sigma, options.rng ?? new Rng(options.seed ?? 0));
}
