/**
 * Registers the WaveSNet segmentation family (Li & Shen, "Wavelet-based
 * segmentation network", 2020) with the model registry: `segnet` and `unet`
 * on a VGG16-BN encoder, vanilla or with any wavelet (`wavelet`: DWT
 * down-sampling that stores the details, IDWT up-sampling that puts them
 * back). Options: numClasses, inChannels, inputSize (multiple of 32), width,
 * wavelet, mode, seed, randomInit. Outputs are per-pixel logits.
 */
import { registerModel } from '../registry.js';
import { WAVECNET_OPTIONS, WIDTH_OPTION } from '../wavecnet/options.js';
import { buildVggSegmentation, type VggSegmentationOptions } from './vgg-segmentation.js';

const FAMILY = 'wavesnet';
const options = { ...WAVECNET_OPTIONS, ...WIDTH_OPTION };
const smallOptions = { width: 2, inputSize: 32, numClasses: 3 };

registerModel({
  name: 'segnet',
  family: FAMILY,
  description: 'SegNet, VGG16-BN encoder, max-unpooling (wavelet: DWT/IDWT with the stored details); option width (default 64)',
  options,
  smallOptions,
  create: (options) => buildVggSegmentation('segnet', options as VggSegmentationOptions),
});

registerModel({
  name: 'unet',
  family: FAMILY,
  description: 'U-Net, VGG16-BN encoder, transposed-conv up-sampling + skip concatenation (wavelet: IDWT with the stored details + skip); option width (default 64)',
  options,
  smallOptions,
  create: (options) => buildVggSegmentation('unet', options as VggSegmentationOptions),
});
