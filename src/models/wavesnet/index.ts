/**
 * Registers the WaveSNet segmentation family (Li & Shen, "Wavelet-based
 * segmentation network", 2020) with the model registry: `segnet` and `unet`
 * on a VGG16-BN encoder, vanilla or with any wavelet (`wavelet`: DWT
 * down-sampling that stores the details, IDWT up-sampling that puts them
 * back), and `deeplabv3plus` on a ResNet backbone whose wavelet variant
 * feeds the decoder the detail bands of layer1 and layer2 through IDWTs.
 * Options: numClasses, inChannels, inputSize (multiple of 32; 16 for
 * DeepLab), width, wavelet, mode, seed, randomInit; DeepLab also backbone.
 * Outputs are per-pixel logits at the input size.
 */
import { registerModel } from '../registry.js';
import { WAVECNET_OPTIONS, WIDTH_OPTION } from '../wavecnet/options.js';
import { buildDeepLabV3Plus, DEEPLAB_BACKBONES, DEEPLAB_HEAD, type DeepLabOptions } from './deeplab.js';
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

registerModel({
  name: 'deeplabv3plus',
  family: FAMILY,
  description: 'DeepLabv3+, ResNet-101/50 backbone at output stride 16, ASPP (wavelet: the layer1/layer2 detail bands put back by IDWTs in the decoder); options backbone (resnet101), width (default 64)',
  options: { ...options, backbone: { type: 'string', values: DEEPLAB_BACKBONES, description: 'resnet101 (default) or resnet50' } },
  smallOptions: { width: 2, inputSize: 32, numClasses: 3, backbone: 'resnet50' },
  head: DEEPLAB_HEAD,
  create: (options) => buildDeepLabV3Plus(options as DeepLabOptions),
});
