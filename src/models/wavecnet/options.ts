/**
 * Option parsing shared by every WaveCNet constructor: the registry's uniform
 * options (`numClasses`, `inChannels`, `inputSize`) plus the downsampler
 * choice (`wavelet`, `bands`, `mode`) and `seed` for reproducible weights.
 * Unknown options are rejected so that a misspelt option is not silently
 * ignored (our choice).
 */
import { check, positiveInt, WavecvError } from '../../errors.js';
import { resolveDownsampler, type Downsampler, type WaveletBands } from '../../nn/downsample.js';
import { WeightInit } from '../../nn/blocks.js';
import type { ModelOptions } from '../registry.js';

export interface WaveCNetOptions extends ModelOptions {
  numClasses?: number;
  inChannels?: number;
  inputSize?: number;
  /** Wavelet name for the WaveCNet variant; absent or 'none' for vanilla. */
  wavelet?: string;
  bands?: WaveletBands;
  /** DWT signal-extension mode (default 'periodization'). */
  mode?: string;
  /** Seed of the weight initialisers. */
  seed?: number;
  /** Draw random initial weights (default true); false starts from zeros, for weights about to be loaded. */
  randomInit?: boolean;
}

export interface ResolvedOptions {
  numClasses: number;
  inChannels: number;
  inputSize: number;
  down: Downsampler;
  init: WeightInit;
  /** Suffix for the model name: '' for vanilla, '_haar' etc. */
  suffix: string;
}

const COMMON = ['numClasses', 'inChannels', 'inputSize', 'wavelet', 'bands', 'mode', 'seed', 'randomInit'];

/**
 * Validates `options` of model `model` against its defaults. `extra` names
 * the family-specific options the constructor reads itself; `minSize` is the
 * smallest input size the network's downsamplings can take.
 */
export function resolveOptions(
  model: string,
  options: WaveCNetOptions,
  defaults: { numClasses: number; inChannels: number; inputSize: number },
  minSize: number,
  extra: string[] = [],
): ResolvedOptions {
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !COMMON.includes(key) && !extra.includes(key)) {
      throw new WavecvError(`${model} option`, key, `one of ${[...COMMON, ...extra].join(', ')}`);
    }
  }
  const numClasses = positiveInt(options.numClasses ?? defaults.numClasses, 'numClasses');
  const inChannels = positiveInt(options.inChannels ?? defaults.inChannels, 'inChannels');
  const inputSize = positiveInt(options.inputSize ?? defaults.inputSize, 'inputSize');
  check(inputSize >= minSize, 'inputSize', inputSize, `at least ${minSize} for ${model}`);
  if (options.seed !== undefined) check(Number.isInteger(options.seed), 'seed', options.seed, 'an integer');
  const randomInit = options.randomInit ?? true;
  check(typeof randomInit === 'boolean', 'randomInit', randomInit, 'true or false');
  const down = resolveDownsampler(options);
  const suffix = down.wavelet === undefined ? '' : `_${down.wavelet}${down.bands === 'low' ? '' : `_${down.bands}`}`;
  return { numClasses, inChannels, inputSize, down, init: new WeightInit(options.seed, randomInit), suffix };
}
