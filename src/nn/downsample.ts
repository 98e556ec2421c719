/**
 * The downsampler switch of WaveCNet (Li et al., "Wavelet Integrated CNNs for
 * Noise-Robust Image Classification", CVPR 2020, §3–4; TIP 2021): a network is
 * built once, and every place where it halves the resolution asks this module
 * for either the vanilla operation (max-pool, average-pool or a strided
 * convolution, decided by the caller) or the 2-D DWT that keeps
 *  - `'low'`: the low-frequency band LL only (the paper's WaveCNet),
 *  - `'average'`: (LL + LH + HL + HH) / 4 (the reference code's "ResNet_A"),
 *  - `'concat'`: all four bands stacked on channels, so the next convolution
 *    sees 4× the channels (the reference code's "ResNet_C").
 * The wavelet may be any name of `wavelist()`; the layer is `WaveletPool2D`
 * (wavelets/layers.ts), by default with periodization, which gives ⌈N/2⌉
 * outputs, the same size as a stride-2 `'same'` pooling or convolution (the
 * reference code, github.com/LiQiufu/WaveCNet, pads with zeros and truncates
 * instead).
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { wavelet as lookupWavelet } from '../wavelets/filters.js';
import { checkMode } from '../wavelets/extend.js';
import { POOL_BANDS, WaveletPool2D, type PoolBands } from '../wavelets/layers.js';

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
  lookupWavelet(name);
  return { wavelet: name, bands, mode };
}

/** True when the network is the wavelet variant. */
export function isWavelet(down: Downsampler): down is Downsampler & { wavelet: string } {
  return down.wavelet !== undefined;
}

/** The vanilla operation a wavelet pool replaces. */
export interface VanillaPool {
  type: 'max' | 'avg';
  poolSize: number;
  strides: number;
}

/**
 * Halves the resolution of `x`: the vanilla pool when `down` has no wavelet,
 * else the DWT with the chosen bands (layer named `name`).
 */
export function downsample(x: tf.SymbolicTensor, down: Downsampler, vanilla: VanillaPool, name: string): tf.SymbolicTensor {
  if (isWavelet(down)) return waveletDownsample(x, down, name);
  const config = { poolSize: vanilla.poolSize, strides: vanilla.strides, padding: 'same' as const, name };
  return (vanilla.type === 'max' ? tf.layers.maxPooling2d(config) : tf.layers.averagePooling2d(config)).apply(x) as tf.SymbolicTensor;
}

/** The DWT downsampling layer alone (for places where the vanilla net used a strided convolution). */
export function waveletDownsample(x: tf.SymbolicTensor, down: Downsampler, name: string): tf.SymbolicTensor {
  if (!isWavelet(down)) throw new WavecvError('wavelet', down.wavelet, 'a wavelet name for a wavelet downsampling layer');
  return new WaveletPool2D({ wavelet: down.wavelet, bands: down.bands, mode: down.mode, name }).apply(x) as tf.SymbolicTensor;
}
