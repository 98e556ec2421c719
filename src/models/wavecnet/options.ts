/**
 * Options shared by every WaveCNet constructor and encoder: the registry's
 * uniform options (`numClasses`, `inChannels`, `inputSize`), the downsampler
 * choice (`wavelet`, `bands`, `mode`), `seed` for reproducible weights,
 * `randomInit` and `padding` (where strided windows pad: TF.js's 'same' by
 * default, PyTorch's symmetric padding for imported weights, src/nn/padding.ts). Their types and ranges are declared here
 * ({@link WAVECNET_OPTIONS}) and checked by the registry before a constructor
 * runs; {@link resolveOptions} fills in the defaults and checks what depends
 * on the network (the smallest input its down-samplings take, the wavelet
 * name).
 */
import { check } from '../../errors.js';
import { resolveDownsampler, WAVELET_BANDS, type Downsampler, type WaveletBands } from '../../nn/downsample.js';
import { WeightInit } from '../../nn/init.js';
import { PADDING_STYLES, type PaddingStyle } from '../../nn/padding.js';
import { MODES } from '../../wavelets/extend.js';
import { OUTPUT_STRIDES } from '../encoders.js';
import type { OptionSpecs } from '../option-specs.js';
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
  /** Padding of the strided convolutions and pools: 'same' (default, TF.js) or 'pytorch' (symmetric, as torchvision). */
  padding?: PaddingStyle;
}

/** The options of every WaveCNet encoder (no classifier). */
export const WAVECNET_ENCODER_OPTIONS: OptionSpecs = {
  inChannels: { type: 'integer', min: 1, description: 'input channels' },
  inputSize: { type: 'integer', min: 1, description: 'input height and width' },
  wavelet: { type: 'string', description: "wavelet of the WaveCNet variant (any wavelist() name), or 'none' for the vanilla network" },
  bands: { type: 'string', values: WAVELET_BANDS, description: 'DWT bands kept when down-sampling' },
  mode: { type: 'string', values: MODES, description: 'signal-extension mode of the DWT' },
  seed: { type: 'integer', description: 'seed of the weight initialisers' },
  randomInit: { type: 'boolean', description: 'draw random initial weights (false: zeros, for weights about to be loaded)' },
  padding: { type: 'string', values: PADDING_STYLES, description: "padding of strided convolutions and pools: 'same' (TF.js, the extra row at the bottom/right) or 'pytorch' (symmetric, as the PyTorch networks whose weights wavecv import reads)" },
};

/** `outputStride` of the encoders. */
export const OUTPUT_STRIDE_OPTION: OptionSpecs = {
  outputStride: { type: 'integer', values: OUTPUT_STRIDES, description: 'stride of the last stage; 16 and 8 dilate the last one or two stages instead of down-sampling' },
};

/** The options of every WaveCNet classifier. */
export const WAVECNET_OPTIONS: OptionSpecs = {
  ...WAVECNET_ENCODER_OPTIONS,
  numClasses: { type: 'integer', min: 1, description: 'classes of the classifier' },
};

/** `width` of cnn28, the ResNets and VGG. */
export const WIDTH_OPTION: OptionSpecs = {
  width: { type: 'integer', min: 1, description: 'channels of the first stage (later stages are multiples)' },
};

export interface ResolvedOptions {
  numClasses: number;
  inChannels: number;
  inputSize: number;
  down: Downsampler;
  init: WeightInit;
  padding: PaddingStyle;
  /** Suffix for the model name: '' for vanilla, '_haar' etc. */
  suffix: string;
}

/**
 * Fills in the defaults of `options` for model `model` and checks what the
 * declared types cannot: `minSize` is the smallest input size the network's
 * down-samplings can take; the wavelet must be a known name.
 */
export function resolveOptions(
  model: string,
  options: WaveCNetOptions,
  defaults: { numClasses: number; inChannels: number; inputSize: number },
  minSize: number,
): ResolvedOptions {
  const inputSize = options.inputSize ?? defaults.inputSize;
  check(inputSize >= minSize, 'inputSize', inputSize, `at least ${minSize} for ${model}`);
  const down = resolveDownsampler(options);
  const suffix = down.wavelet === undefined ? '' : `_${down.wavelet}${down.bands === 'low' ? '' : `_${down.bands}`}`;
  return {
    numClasses: options.numClasses ?? defaults.numClasses,
    inChannels: options.inChannels ?? defaults.inChannels,
    inputSize,
    down,
    init: new WeightInit(options.seed, options.randomInit ?? true),
    padding: options.padding ?? 'same',
    suffix,
  };
}
