/**
 * Registers the WaveCNet family (Li et al., "Wavelet Integrated CNNs for
 * Noise-Robust Image Classification", CVPR 2020; TIP 2021) with the model
 * registry. Every name builds the vanilla network by default and its WaveCNet
 * variant with the option `wavelet` (any `wavelist()` name), `bands`
 * ('low' | 'average' | 'concat', default 'low') and `mode` (default
 * 'periodization'); all take `numClasses`, `inChannels`, `inputSize`, `seed`
 * and `randomInit`; cnn28 and the ResNets also `width`, VGG `dropout`.
 *
 * Names: cnn28 (28×28×1), resnet18-cifar (32×32×3), and at ImageNet layout
 * (224×224×3, 1000 classes) vgg16bn, resnet18, resnet34, resnet50, resnet101,
 * densenet121. Example: `createModel('resnet18', { wavelet: 'bior3.3' })`.
 */
import { registerModel } from '../registry.js';
import { buildCnn28, type Cnn28Options } from './cnn28.js';
import { buildDenseNet121 } from './densenet.js';
import { buildResNet, RESNET_SPECS, type ResNetOptions } from './resnet.js';
import { buildVgg16bn, type VggOptions } from './vgg.js';

const FAMILY = 'wavecnet';

registerModel({
  name: 'cnn28',
  family: FAMILY,
  description: 'small conv-BN-ReLU net for 28×28×1 (2 downsamplings, GAP, dense); option width (default 32)',
  create: (options) => buildCnn28(options as Cnn28Options),
});

registerModel({
  name: 'resnet18-cifar',
  family: FAMILY,
  description: 'ResNet-18 for 32×32: 3×3 stride-1 stem, no pool, BasicBlocks [2,2,2,2] of 64–512 channels, GAP, FC; option width (default 64)',
  create: (options) => buildResNet('resnet18-cifar', RESNET_SPECS['resnet18-cifar'], options as ResNetOptions),
});

for (const name of ['resnet18', 'resnet34', 'resnet50', 'resnet101']) {
  const spec = RESNET_SPECS[name];
  registerModel({
    name,
    family: FAMILY,
    description: `${name.replace('resnet', 'ResNet-')} at ImageNet layout (224×224, ${spec.block === 'basic' ? 'BasicBlocks' : 'Bottlenecks'} [${spec.layers.join(',')}]); option width (default 64)`,
    create: (options) => buildResNet(name, spec, options as ResNetOptions),
  });
}

registerModel({
  name: 'vgg16bn',
  family: FAMILY,
  description: 'VGG-16 with batch norm at ImageNet layout (224×224); option dropout (default 0.5)',
  create: (options) => buildVgg16bn(options as VggOptions),
});

registerModel({
  name: 'densenet121',
  family: FAMILY,
  description: 'DenseNet-121 (k=32, blocks [6,12,24,16]) at ImageNet layout (224×224)',
  create: (options) => buildDenseNet121(options),
});
