/**
 * The 3D WaveUNet family (Li, Zhang, Shen et al., "3D WaveUNet: 3D wavelet
 * integrated encoder-decoder network for neuron segmentation", Bioinformatics
 * 38(3):809, 2022, Sec. 2.3, Fig. 2), one builder for the variants the paper
 * compares. Layout for width w (default 4) and a cube D×H×W (multiples of 16;
 * 32×128×128 in the paper):
 *
 * - Encoder levels 1–4: two [3³ conv (with bias) → BN → ReLU], channels
 *   1→w→w, w→2w→2w, 2w→4w→4w, 4w→8w→8w, each followed by a ×½ down-sampler.
 * - Bottleneck: two such convs at 8w.
 * - Decoder levels 4–1: a ×2 up-sampler, concatenation with the encoder
 *   output of that level (except SegNet), two convs: 16w→8w→4w, 8w→4w→2w,
 *   4w→2w→w, 2w→w→w (SegNet without the concat: 8w→8w→4w, …, w→w→w).
 * - Head: 1×1×1 conv (with bias) w → classes; outputs logits.
 *
 * | variant | down | up |
 * |---|---|---|
 * | `segnet` | max-pool 2 | max-unpool at the pool's maxima ({@link MaxUnpool3D}), no concatenation |
 * | `unet-v1` | max-pool 2 | transposed conv, kernel 1, stride 2 (bias; PyTorch's placement, the library's `ScatterEven`) |
 * | `unet-v2` | 1×1×1 conv, stride 2 (bias, no BN) | trilinear ×2, align_corners |
 * | `wavesnet-v1` | DWT, keep LLL | trilinear ×2, align_corners |
 * | `wavesnet-v2` | DWT, keep LLL | transposed conv, kernel 1, stride 2 |
 * | `wavesnet-v3` | DWT, store the 7 high bands | IDWT(decoder features, stored bands) |
 * | `wavesnet-v4` | as V3 | as V3, the bands hard-shrunk (λ = 0.25) first |
 *
 * Any wavelet works in the DWT variants (periodization, so sizes halve
 * exactly). Parameter counts equal
 * the reference's PyTorch modules for the same width (test/models/waveunet3d).
 * Layers are named after the reference's modules (`cov3d_11_en_conv`, …) so
 * its weights map one to one.
 */
import * as tf from '@tensorflow/tfjs';
import { relu } from '../../nn/core.js';
import { WeightInit } from '../../nn/init.js';
import { MaxUnpool3D } from '../../nn/max-unpool.js';
import { batchNorm } from '../../nn/norm.js';
import { WaveletPool3D, WaveletUnpool3D } from '../../wavelets/layers.js';
import { HardShrink } from '../../nn/hard-shrink.js';
import { interpolate, ScatterEven } from '../../nn/upsample.js';

export const WAVEUNET3D_VARIANTS = ['segnet', 'unet-v1', 'unet-v2', 'wavesnet-v1', 'wavesnet-v2', 'wavesnet-v3', 'wavesnet-v4'] as const;
export type WaveUNet3DVariant = (typeof WAVEUNET3D_VARIANTS)[number];

export interface WaveUNet3DOptions {
  variant?: WaveUNet3DVariant;
  /** Channel width w (default 4, the reference's). */
  width?: number;
  wavelet?: string;
  numClasses?: number;
  /** Cube size [D, H, W] (default [32, 128, 128]); each a multiple of 16. */
  cube?: [number, number, number];
  /** Hard-shrinkage threshold of V4 (default 0.25). */
  shrink?: number;
  seed?: number;
}

export function buildWaveUNet3D(options: WaveUNet3DOptions = {}): tf.LayersModel {
  const variant = options.variant ?? 'wavesnet-v4';
  const width = options.width ?? 4;
  const numClasses = options.numClasses ?? 2;
  const cube = options.cube ?? [32, 128, 128];
  const wavelet = options.wavelet ?? 'haar';
  const shrink = options.shrink ?? 0.25;
  const init = new WeightInit(options.seed);

  const conv3d = (x: tf.SymbolicTensor, filters: number, kernelSize: number, name: string, strides = 1) =>
    tf.layers.conv3d({ filters, kernelSize, strides, padding: kernelSize === 1 ? 'valid' : 'same', useBias: true, kernelInitializer: init.convKernel(), biasInitializer: 'zeros', name }).apply(x) as tf.SymbolicTensor;
  const block = (x: tf.SymbolicTensor, filters: number, name: string) => relu(batchNorm(conv3d(x, filters, 3, `${name}_conv`), `${name}_bn`), `${name}_relu`);

  const input = tf.input({ shape: [...cube, 1], name: 'volume' });
  let x = input;
  const skips: tf.SymbolicTensor[] = [];
  const details: tf.SymbolicTensor[][] = [];
  const widths = [1, 2, 4, 8].map((m) => m * width);
  for (let level = 1; level <= 4; level++) {
    x = block(x, widths[level - 1], `cov3d_${level}1_en`);
    x = block(x, widths[level - 1], `cov3d_${level}2_en`);
    skips.push(x);
    const name = `downsampling_${level}`;
    if (variant === 'segnet' || variant === 'unet-v1') x = tf.layers.maxPooling3d({ poolSize: 2, strides: 2, name }).apply(x) as tf.SymbolicTensor;
    else if (variant === 'unet-v2') x = conv3d(x, widths[level - 1], 1, name, 2);
    else if (variant === 'wavesnet-v1' || variant === 'wavesnet-v2') x = new WaveletPool3D({ wavelet, name }).apply(x) as tf.SymbolicTensor;
    else {
      const [low, ...highs] = new WaveletPool3D({ wavelet, returnDetails: true, name }).apply(x) as tf.SymbolicTensor[];
      x = low;
      details.push(variant === 'wavesnet-v4' ? highs.map((h, k) => new HardShrink({ lambda: shrink, name: `shrink_${level}_${k}` }).apply(h) as tf.SymbolicTensor) : highs);
    }
  }
  x = block(x, widths[3], 'cov3d_51');
  x = block(x, widths[3], 'cov3d_52');
  for (let level = 4; level >= 1; level--) {
    const name = `upsampling_${level}`;
    const channels = x.shape[4] as number;
    if (variant === 'segnet') {
      x = new MaxUnpool3D({ name }).apply([x, skips[level - 1]]) as tf.SymbolicTensor;
    } else if (variant === 'unet-v1' || variant === 'wavesnet-v2') {
      // PyTorch's ConvTranspose3d(k 1, s 2, output_padding 1): values to even positions, then the 1×1×1 map and bias everywhere.
      x = conv3d(new ScatterEven({ name: `${name}_scatter` }).apply(x) as tf.SymbolicTensor, channels, 1, name);
    } else if (variant === 'unet-v2' || variant === 'wavesnet-v1') {
      x = interpolate(x, 2, 'linear', name, true);
    } else {
      x = new WaveletUnpool3D({ wavelet, name }).apply([x, ...details[level - 1]]) as tf.SymbolicTensor;
    }
    if (variant !== 'segnet') x = tf.layers.concatenate({ axis: -1, name: `concat_${level}` }).apply([x, skips[level - 1]]) as tf.SymbolicTensor;
    x = block(x, widths[level - 1], `cov3d_${level}1_de`);
    x = block(x, level === 1 ? widths[0] : widths[level - 2], `cov3d_${level}2_de`);
  }
  const logits = conv3d(x, numClasses, 1, 'cov_final');
  return tf.model({ inputs: input, outputs: logits, name: `waveunet3d-${variant}` });
}
