/**
 * Down-sampling in 2-D (NHWC) and 3-D (NDHWC): max- or average-pooling
 * ({@link pool}, with TF.js's 'same' padding or PyTorch's symmetric padding),
 * a strided convolution (`conv` of ./conv.ts with `strides: 2`), or the
 * wavelet pool, and the downsampler switch of WaveCNet (Li et al., "Wavelet Integrated CNNs for
 * Noise-Robust Image Classification", CVPR 2020, §3–4; TIP 2021): a network is
 * built once, and every place where it halves the resolution asks this module
 * for either the vanilla operation (max-pool, average-pool or a strided
 * convolution, decided by the caller) or the 2-D DWT that keeps
 *  - `'low'`: the low-frequency band LL only (the paper's WaveCNet),
 *  - `'average'`: (LL + LH + HL + HH) / 4 (the reference code's "ResNet_A"),
 *  - `'concat'`: all four bands stacked on channels, so the next convolution
 *    sees 4× the channels (the reference code's "ResNet_C").
 * The wavelet may be any name of `wavelist()`; the layer is `WaveletPool2D`
 * or `WaveletPool3D` (wavelets/layers.ts), by default with periodization,
 * which gives ⌈N/2⌉ outputs, the same size as a stride-2 `'same'` pooling or
 * convolution (the reference code, github.com/LiQiufu/WaveCNet, pads with
 * zeros and truncates instead).
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { wavelet as lookupWavelet } from '../wavelets/filters.js';
import { checkMode } from '../wavelets/extend.js';
import { POOL_BANDS, WaveletPool2D, WaveletPool3D, type PoolBands } from '../wavelets/layers.js';
import { zeroPadding } from './padding.js';

/** The band choices of `WaveletPool2D`. */
export const WAVELET_BANDS = POOL_BANDS;
export type WaveletBands = PoolBands;

/** What a model's options say about downsampling. */
export interface DownsamplerOptions {
  /** Wavelet name (`wavelist()`); absent or `'none'` for the vanilla network. */
  wavelet?: string;
  /** Which DWT bands to keep (default `'low'`). */
  bands?: WaveletBands;
  /** Signal-extension mode of the DWT (default `'periodization'`; other pywt modes change the output sizes). */
  mode?: string;
}

/** A validated downsampler choice. */
export interface Downsampler {
  /** The wavelet name, or undefined for vanilla downsampling. */
  wavelet?: string;
  bands: WaveletBands;
  mode: string;
}

/** Validates the downsampling options of a model constructor. */
export function resolveDownsampler(options: DownsamplerOptions): Downsampler {
  const name = options.wavelet;
  const bands = options.bands ?? 'low';
  const mode = options.mode ?? 'periodization';
  check(name === undefined || typeof name === 'string', 'wavelet', name, "a wavelet name such as 'haar', 'db2' or 'bior3.3', or 'none'");
  check((WAVELET_BANDS as readonly string[]).includes(bands), 'bands', bands, `one of ${WAVELET_BANDS.join(', ')}`);
  checkMode(mode, 'mode');
  if (name === undefined || name === 'none' || name === '') return { bands, mode };
  try {
    lookupWavelet(name);
  } catch (error) {
    // Name the model option (the CLI's --wavelet), not the wavelet module's argument.
    if (error instanceof WavecvError) throw new WavecvError('wavelet', name, error.expected);
    throw error;
  }
  return { wavelet: name, bands, mode };
}

/** True when the network is the wavelet variant. */
export function isWavelet(down: Downsampler): down is Downsampler & { wavelet: string } {
  return down.wavelet !== undefined;
}

/** A max- or average-pool, the vanilla operation a wavelet pool replaces. */
export interface VanillaPool {
  type: 'max' | 'avg';
  poolSize: number;
  strides: number;
  /**
   * 'same' (default, TF.js) or PyTorch's symmetric `padding=p` (explicit zero
   * padding, then a 'valid' pool). Zeros equal PyTorch's −∞ padding of a
   * max-pool only on non-negative input (after a ReLU, where ResNet's stem
   * pool sits); an average-pool counts them, as PyTorch's `count_include_pad`.
   */
  padding?: 'same' | number;
}

/** A max- or average-pool of NHWC or NDHWC `x` (layer `name`; explicit padding `<name>_pad`). */
export function pool(x: tf.SymbolicTensor, spec: VanillaPool, name: string): tf.SymbolicTensor {
  const rank = x.shape.length;
  check(rank === 4 || rank === 5, 'x', x.shape, 'an NHWC (rank 4) or NDHWC (rank 5) tensor');
  const padding = spec.padding ?? 'same';
  const input = typeof padding === 'number' && padding > 0 ? zeroPadding(x, padding, `${name}_pad`) : x;
  const config = { poolSize: spec.poolSize, strides: spec.strides, padding: padding === 'same' ? ('same' as const) : ('valid' as const), name };
  const layer =
    rank === 4
      ? spec.type === 'max' ? tf.layers.maxPooling2d(config) : tf.layers.averagePooling2d(config)
      : spec.type === 'max' ? tf.layers.maxPooling3d(config) : tf.layers.averagePooling3d(config);
  return layer.apply(input) as tf.SymbolicTensor;
}

/**
 * Halves the resolution of `x` (NHWC or NDHWC): the vanilla pool when `down`
 * has no wavelet, else the DWT with the chosen bands (layer named `name`).
 */
export function downsample(x: tf.SymbolicTensor, down: Downsampler, vanilla: VanillaPool, name: string): tf.SymbolicTensor {
  return isWavelet(down) ? waveletDownsample(x, down, name) : pool(x, vanilla, name);
}

/** The DWT downsampling layer alone (2-D or 3-D by the rank of `x`), for places where the vanilla net used a strided convolution. */
export function waveletDownsample(x: tf.SymbolicTensor, down: Downsampler, name: string): tf.SymbolicTensor {
  if (!isWavelet(down)) throw new WavecvError('wavelet', down.wavelet, 'a wavelet name for a wavelet downsampling layer');
  const rank = x.shape.length;
  check(rank === 4 || rank === 5, 'x', x.shape, 'an NHWC (rank 4) or NDHWC (rank 5) tensor');
  const args = { wavelet: down.wavelet, bands: down.bands, mode: down.mode, name };
  return (rank === 4 ? new WaveletPool2D(args) : new WaveletPool3D(args)).apply(x) as tf.SymbolicTensor;
}

/**
 * The wavelet pool that keeps its detail bands for a matching
 * {@link waveletUnpool} (WaveSNet, Li et al., "Wavelet Integrated CNNs for
 * Noise-Robust Image Classification" / "WaveSNet", 2020: the decoder's IDWT
 * restores the details the encoder's DWT set aside): returns the low band and
 * the 3 (2-D) or 7 (3-D) detail bands in pywt's order.
 */
export function waveletPoolWithDetails(x: tf.SymbolicTensor, wavelet: string, name: string, mode = 'periodization'): { low: tf.SymbolicTensor; details: tf.SymbolicTensor[] } {
  const down = resolveDownsampler({ wavelet, mode });
  if (!isWavelet(down)) throw new WavecvError('wavelet', wavelet, 'a wavelet name (not none) for a pool that keeps its details');
  const rank = x.shape.length;
  check(rank === 4 || rank === 5, 'x', x.shape, 'an NHWC (rank 4) or NDHWC (rank 5) tensor');
  const args = { wavelet: down.wavelet, mode: down.mode, returnDetails: true, name };
  const [low, ...details] = (rank === 4 ? new WaveletPool2D(args) : new WaveletPool3D(args)).apply(x) as tf.SymbolicTensor[];
  return { low, details };
}
