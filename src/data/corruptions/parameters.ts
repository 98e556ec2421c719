/**
 * Severity parameters of the corruptions, copied as numbers from the two
 * reference generators of Hendrycks & Dietterich (ICLR 2019):
 *
 * - `imagenet`: ImageNet-C (`create_c/make_imagenet_c.py` and
 *   `imagenet_c/corruptions.py`, images of 224×224);
 * - `cifar`: CIFAR-10-C (`create_c/make_cifar_c.py`, 32×32), whose values are
 *   milder where tiny images would otherwise be destroyed (noise scales,
 *   blur radii, JPEG qualities, pixelation factors, elastic amplitudes).
 *
 * `parameterSetFor` picks `cifar` for images whose larger side is at most 64
 * pixels (so Fashion-MNIST's 28×28 and CIFAR's 32×32 use the CIFAR-10-C
 * values) and `imagenet` otherwise; that threshold is our choice. Sizes that
 * the references hard-code (the fog fractal's 256 or 32, the elastic
 * transform's 32 or 244) are expressed here relative to the image side so
 * they adapt to any size and reproduce the reference values at 32 and 224.
 */
import { WavecvError } from '../../errors.js';

export type ParameterSet = 'cifar' | 'imagenet';

export interface CorruptionParameters {
  gaussian_noise: number[];
  shot_noise: number[];
  impulse_noise: number[];
  speckle_noise: number[];
  gaussian_blur: number[];
  /** [disk radius, anti-alias σ] */
  defocus_blur: [number, number][];
  /** [radius, σ] of ImageMagick's MotionBlurImage */
  motion_blur: [number, number][];
  /** [fog strength, fractal wibble decay] */
  fog: [number, number][];
  brightness: number[];
  contrast: number[];
  jpeg_compression: number[];
  pixelate: number[];
  /** [α, σ, affine jitter] as fractions of the image side (times `elasticSideScale`) */
  elastic_transform: [number, number, number][];
  /** Factor on the image side for the elastic parameters (1, or 244/224 for ImageNet-C). */
  elasticSideScale: number;
  /** [Gaussian σ, largest shift d, sweeps] */
  glass_blur: [number, number, number][];
  /** zoom factors numpy.arange(start, stop, step): [start, stop, step] */
  zoom_blur: [number, number, number][];
  /** [layer mean, layer spread, zoom, threshold, motion radius, motion σ, image weight] */
  snow: [number, number, number, number, number, number, number][];
  /** [image weight, frost weight] */
  frost: [number, number][];
  /** [layer mean, layer spread, layer σ, threshold, strength (water) or mud σ, 0 = water / 1 = mud] */
  spatter: [number, number, number, number, number, number][];
  /** [saturation scale, saturation shift] */
  saturate: [number, number][];
}

export const PARAMETERS: Record<ParameterSet, CorruptionParameters> = {
  cifar: {
    gaussian_noise: [0.04, 0.06, 0.08, 0.09, 0.1],
    shot_noise: [500, 250, 100, 75, 50],
    impulse_noise: [0.01, 0.02, 0.03, 0.05, 0.07],
    speckle_noise: [0.06, 0.1, 0.12, 0.16, 0.2],
    gaussian_blur: [0.4, 0.6, 0.7, 0.8, 1],
    defocus_blur: [[0.3, 0.4], [0.4, 0.5], [0.5, 0.6], [1, 0.2], [1.5, 0.1]],
    motion_blur: [[6, 1], [6, 1.5], [6, 2], [8, 2], [9, 2.5]],
    fog: [[0.2, 3], [0.5, 3], [0.75, 2.5], [1, 2], [1.5, 1.75]],
    brightness: [0.05, 0.1, 0.15, 0.2, 0.3],
    contrast: [0.75, 0.5, 0.4, 0.3, 0.15],
    jpeg_compression: [80, 65, 58, 50, 40],
    pixelate: [0.95, 0.9, 0.85, 0.75, 0.65],
    elastic_transform: [[0, 0, 0.08], [0.05, 0.2, 0.07], [0.08, 0.06, 0.06], [0.1, 0.04, 0.05], [0.1, 0.03, 0.03]],
    elasticSideScale: 1,
    glass_blur: [[0.05, 1, 1], [0.25, 1, 1], [0.4, 1, 1], [0.25, 1, 2], [0.4, 1, 2]],
    zoom_blur: [[1, 1.06, 0.01], [1, 1.11, 0.01], [1, 1.16, 0.01], [1, 1.21, 0.01], [1, 1.26, 0.01]],
    snow: [[0.1, 0.2, 1, 0.6, 8, 3, 0.95], [0.1, 0.2, 1, 0.5, 10, 4, 0.9], [0.15, 0.3, 1.75, 0.55, 10, 4, 0.9], [0.25, 0.3, 2.25, 0.6, 12, 6, 0.85], [0.3, 0.3, 1.25, 0.65, 14, 12, 0.8]],
    frost: [[1, 0.2], [1, 0.3], [0.9, 0.4], [0.85, 0.4], [0.75, 0.45]],
    spatter: [[0.62, 0.1, 0.7, 0.7, 0.5, 0], [0.65, 0.1, 0.8, 0.7, 0.5, 0], [0.65, 0.3, 1, 0.69, 0.5, 0], [0.65, 0.1, 0.7, 0.69, 0.6, 1], [0.65, 0.1, 0.5, 0.68, 0.6, 1]],
    saturate: [[0.3, 0], [0.1, 0], [1.5, 0], [2, 0.1], [2.5, 0.2]],
  },
  imagenet: {
    gaussian_noise: [0.08, 0.12, 0.18, 0.26, 0.38],
    shot_noise: [60, 25, 12, 5, 3],
    impulse_noise: [0.03, 0.06, 0.09, 0.17, 0.27],
    speckle_noise: [0.15, 0.2, 0.35, 0.45, 0.6],
    gaussian_blur: [1, 2, 3, 4, 6],
    defocus_blur: [[3, 0.1], [4, 0.5], [6, 0.5], [8, 0.5], [10, 0.5]],
    motion_blur: [[10, 3], [15, 5], [15, 8], [15, 12], [20, 15]],
    fog: [[1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]],
    brightness: [0.1, 0.2, 0.3, 0.4, 0.5],
    contrast: [0.4, 0.3, 0.2, 0.1, 0.05],
    jpeg_compression: [25, 18, 15, 10, 7],
    pixelate: [0.6, 0.5, 0.4, 0.3, 0.25],
    elastic_transform: [[2, 0.7, 0.1], [2, 0.08, 0.2], [0.05, 0.01, 0.02], [0.07, 0.01, 0.02], [0.12, 0.01, 0.02]],
    elasticSideScale: 244 / 224,
    glass_blur: [[0.7, 1, 2], [0.9, 2, 1], [1, 2, 3], [1.1, 3, 2], [1.5, 4, 2]],
    zoom_blur: [[1, 1.11, 0.01], [1, 1.16, 0.01], [1, 1.21, 0.02], [1, 1.26, 0.02], [1, 1.31, 0.03]],
    snow: [[0.1, 0.3, 3, 0.5, 10, 4, 0.8], [0.2, 0.3, 2, 0.5, 12, 4, 0.7], [0.55, 0.3, 4, 0.9, 12, 8, 0.7], [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65], [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55]],
    frost: [[1, 0.4], [0.8, 0.6], [0.7, 0.7], [0.65, 0.7], [0.6, 0.75]],
    spatter: [[0.65, 0.3, 4, 0.69, 0.6, 0], [0.65, 0.3, 3, 0.68, 0.6, 0], [0.65, 0.3, 2, 0.68, 0.5, 0], [0.65, 0.3, 1, 0.65, 1.5, 1], [0.67, 0.4, 1, 0.65, 1.5, 1]],
    saturate: [[0.3, 0], [0.1, 0], [2, 0], [5, 0.1], [20, 0.2]],
  },
};

/** `cifar` for images whose larger side is ≤ 64 pixels, else `imagenet`. */
export function parameterSetFor(height: number, width: number): ParameterSet {
  return Math.max(height, width) <= 64 ? 'cifar' : 'imagenet';
}

export function resolveParameterSet(choice: ParameterSet | 'auto' | undefined, height: number, width: number): ParameterSet {
  if (choice === undefined || choice === 'auto') return parameterSetFor(height, width);
  if (choice !== 'cifar' && choice !== 'imagenet') throw new WavecvError('parameterSet', choice, "'auto', 'cifar' or 'imagenet'");
  return choice;
}
