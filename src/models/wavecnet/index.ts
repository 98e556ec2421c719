/**
 * Registers the WaveCNet family (Li et al., "Wavelet Integrated CNNs for
 * Noise-Robust Image Classification", CVPR 2020; TIP 2021) with the model
 * registry, and the ResNet and VGG-16-BN trunks with the encoder registry.
 * Every name builds the vanilla network by default and its WaveCNet variant
 * with the option `wavelet` (any `wavelist()` name), `bands` ('low' |
 * 'average' | 'concat', default 'low') and `mode` (default 'periodization');
 * all take `numClasses`, `inChannels`, `inputSize`, `seed` and `randomInit`;
 * cnn28, the ResNets and VGG also `width`, VGG `dropout` and `hidden`.
 *
 * Names: cnn28 (28×28×1), resnet18-cifar (32×32×3), and at ImageNet layout
 * (224×224×3, 1000 classes) vgg16bn, resnet18, resnet34, resnet50, resnet101,
 * densenet121. Example: `createModel('resnet18', { wavelet: 'bior3.3' })`.
 * Encoders: resnet18|34|50|101 and vgg16bn, with `outputStride` 8 | 16 | 32:
 * `createEncoder('resnet50', { outputStride: 16 })`.
 */
import { registerEncoder } from '../encoders.js';
import type { OptionSpecs } from '../option-specs.js';
import { registerModel } from '../registry.js';
import { buildCnn28, type Cnn28Options } from './cnn28.js';
import { buildDenseNet121 } from './densenet.js';
import { OUTPUT_STRIDE_OPTION, WAVECNET_ENCODER_OPTIONS, WAVECNET_OPTIONS, WIDTH_OPTION } from './options.js';
import { buildResNet, RESNET_SPECS, resnetEncoder, type ResNetOptions } from './resnet.js';
import { buildVgg16bn, vggEncoder, type VggOptions } from './vgg.js';

const FAMILY = 'wavecnet';

const VGG_OPTIONS: OptionSpecs = {
  ...WIDTH_OPTION,
  hidden: { type: 'integer', min: 1, description: 'units of the two hidden dense layers' },
};

registerModel({
  name: 'cnn28',
  family: FAMILY,
  description: 'small conv-BN-ReLU net for 28×28×1 (2 downsamplings, GAP, dense); option width (default 32)',
  options: { ...WAVECNET_OPTIONS, ...WIDTH_OPTION },
  smallOptions: { width: 4 },
  create: (options) => buildCnn28(options as Cnn28Options),
});

registerModel({
  name: 'resnet18-cifar',
  family: FAMILY,
  description: 'ResNet-18 for 32×32: 3×3 stride-1 stem, no pool, BasicBlocks [2,2,2,2] of 64–512 channels, GAP, FC; option width (default 64)',
  options: { ...WAVECNET_OPTIONS, ...WIDTH_OPTION },
  smallOptions: { width: 4, inputSize: 16 },
  create: (options) => buildResNet('resnet18-cifar', RESNET_SPECS['resnet18-cifar'], options as ResNetOptions),
});

for (const name of ['resnet18', 'resnet34', 'resnet50', 'resnet101']) {
  const spec = RESNET_SPECS[name];
  const layout = `${spec.block === 'basic' ? 'BasicBlocks' : 'Bottlenecks'} [${spec.layers.join(',')}]`;
  registerModel({
    name,
    family: FAMILY,
    description: `${name.replace('resnet', 'ResNet-')} at ImageNet layout (224×224, ${layout}); option width (default 64)`,
    options: { ...WAVECNET_OPTIONS, ...WIDTH_OPTION },
    smallOptions: { width: 4, inputSize: 32, numClasses: 10 },
    create: (options) => buildResNet(name, spec, options as ResNetOptions),
  });
  registerEncoder({
    name,
    description: `${name.replace('resnet', 'ResNet-')} trunk (${layout}): stem and layer1–4, strides 2–32, channels ${spec.block === 'basic' ? '64,64,128,256,512' : '64,256,512,1024,2048'} at width 64`,
    options: { ...WAVECNET_ENCODER_OPTIONS, ...WIDTH_OPTION, ...OUTPUT_STRIDE_OPTION },
    create: (options) => resnetEncoder(name, spec, options as ResNetOptions),
  });
}

registerModel({
  name: 'vgg16bn',
  family: FAMILY,
  description: 'VGG-16 with batch norm at ImageNet layout (224×224); options dropout (default 0.5), width (64), hidden (4096)',
  options: { ...WAVECNET_OPTIONS, ...VGG_OPTIONS, dropout: { type: 'number', min: 0, below: 1, description: 'dropout rate of the hidden dense layers' } },
  smallOptions: { width: 4, hidden: 16, inputSize: 32, numClasses: 10 },
  create: (options) => buildVgg16bn(options as VggOptions),
});

registerEncoder({
  name: 'vgg16bn',
  description: 'VGG-16-BN trunk: the outputs of its five pools, strides 2–32, channels 64,128,256,512,512 at width 64',
  options: { ...WAVECNET_ENCODER_OPTIONS, ...WIDTH_OPTION, ...OUTPUT_STRIDE_OPTION },
  create: (options) => vggEncoder(options as VggOptions),
});

registerModel({
  name: 'densenet121',
  family: FAMILY,
  description: 'DenseNet-121 (k=32, blocks [6,12,24,16]) at ImageNet layout (224×224)',
  options: WAVECNET_OPTIONS,
  smallOptions: { inputSize: 32, numClasses: 10 },
  create: (options) => buildDenseNet121(options),
});
