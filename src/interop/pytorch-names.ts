/**
 * The PyTorch module path of every wavecv layer with weights, per
 * architecture, so that a state dict saved by the PyTorch version of a
 * network loads into wavecv's (./load-state-dict.ts). Each naming follows the
 * PyTorch code the network was written after:
 *  - ResNets (`resnet18|34|50|101`, `resnet18-cifar`): torchvision's
 *    `resnet.py` (`conv1`, `bn1`, `layer1.0.conv1`, `layer1.0.downsample.0`,
 *    `fc`) for the vanilla network; for the WaveCNet variant the reference code
 *    (github.com/LiQiufu/WaveCNet `models_dwt/resnet.py`), where a strided
 *    block's DWT and convolution form a `Sequential`, so the convolution after
 *    the DWT is `conv2.1` (BasicBlock) or `conv3.1` (Bottleneck) and the
 *    shortcut is `downsample.1` (conv) and `downsample.2` (BN);
 *  - `vgg16bn`: torchvision's `vgg16_bn` (`features.<i>` counting conv, BN,
 *    ReLU and pool modules; `classifier.0|3|6`), which WaveCNet's VGG keeps
 *    (its DWT modules hold no parameters and take the pools' places);
 *  - `densenet121`: torchvision's (`features.conv0`,
 *    `features.denseblock1.denselayer1.norm1`, `features.transition1.conv`,
 *    `features.norm5`, `classifier`);
 *  - face backbones (`iresnet*`, `lresnet*e-ir`, `iresnet-tiny`): wavecv
 *    already names their layers after insightface's `iresnet.py` and the
 *    SZU `backbone.py` with `_` for `.`;
 *  - `segnet`, `unet`: the PyTorch rendering of WaveSNet's VGG16-BN
 *    encoder–decoder in scripts/wavesnet_reference.py (`enc.enc1_1.conv`,
 *    `dec.dec5_1.bn`, `up.up5`, `classifier`);
 *  - `winet`, `winet-diff`: the PyTorch rendering of WiNet in
 *    scripts/gen_winet_fixtures.py (`layer1.conv1.conv`, `up1.up`,
 *    `refine1.conv1`, `head8`).
 */
import type { TorchModuleNames } from './load-state-dict.js';

const VGG16: Array<number | 'M'> = [1, 1, 'M', 2, 2, 'M', 4, 4, 4, 'M', 8, 8, 8, 'M', 8, 8, 8, 'M'];

/** torchvision `vgg16_bn`'s `features` index of conv n (1-based): each conv brings conv, BN, ReLU; each pool one module. */
function vggFeatureIndex(conv: number): number {
  let index = 0;
  let seen = 0;
  for (const item of VGG16) {
    if (item === 'M') index += 1;
    else {
      seen += 1;
      if (seen === conv) return index;
      index += 3;
    }
  }
  return -1;
}

const resnet: TorchModuleNames = (layer, graph) => {
  const name = layer.name;
  if (name === 'stem_conv') return 'conv1';
  if (name === 'stem_bn') return 'bn1';
  if (name === 'fc') return 'fc';
  let m = /^layer(\d)_(\d+)_(\d)_(conv|bn)$/.exec(name);
  if (m) {
    const afterDwt = m[4] === 'conv' && graph.inputOf(layer)?.name === `layer${m[1]}_${m[2]}_dwt`;
    return `layer${m[1]}.${m[2]}.${m[4]}${m[3]}${afterDwt ? '.1' : ''}`;
  }
  m = /^layer(\d)_(\d+)_shortcut_(conv|bn)$/.exec(name);
  if (m) {
    const offset = graph.has(`layer${m[1]}_${m[2]}_shortcut_dwt`) ? 1 : 0;
    return `layer${m[1]}.${m[2]}.downsample.${offset + (m[3] === 'conv' ? 0 : 1)}`;
  }
  return undefined;
};

const vgg: TorchModuleNames = (layer) => {
  const m = /^conv(\d+)_(conv|bn)$/.exec(layer.name);
  if (m) return `features.${vggFeatureIndex(Number(m[1])) + (m[2] === 'bn' ? 1 : 0)}`;
  const fc = { fc1: 'classifier.0', fc2: 'classifier.3', fc3: 'classifier.6' } as Record<string, string>;
  return fc[layer.name];
};

const densenet: TorchModuleNames = (layer) => {
  const name = layer.name;
  if (name === 'classifier') return 'classifier';
  if (['conv0', 'norm0', 'norm5'].includes(name)) return `features.${name}`;
  let m = /^block(\d)_layer(\d+)_(\d)_(conv|bn)$/.exec(name);
  if (m) return `features.denseblock${m[1]}.denselayer${m[2]}.${m[4] === 'bn' ? 'norm' : 'conv'}${m[3]}`;
  m = /^transition(\d)_(conv|bn)$/.exec(name);
  if (m) return `features.transition${m[1]}.${m[2] === 'bn' ? 'norm' : 'conv'}`;
  return undefined;
};

const dotted: TorchModuleNames = (layer) => layer.name.replace(/_/g, '.');

const vggSegmentation: TorchModuleNames = (layer) => {
  let m = /^(enc|dec)(\d_\d)_(conv|bn)$/.exec(layer.name);
  if (m) return `${m[1]}.${m[1]}${m[2]}.${m[3]}`;
  m = /^up(\d)$/.exec(layer.name);
  if (m) return `up.up${m[1]}`;
  return layer.name === 'classifier' ? 'classifier' : undefined;
};

const winet: TorchModuleNames = (layer) => {
  const m = /^(layer\d|up\d)_(conv\d)$/.exec(layer.name);
  if (m) return `${m[1]}.${m[2]}.conv`;
  return layer.name.replace(/_/g, '.');
};

const NAMINGS: Record<string, TorchModuleNames> = {
  resnet18: resnet,
  resnet34: resnet,
  resnet50: resnet,
  resnet101: resnet,
  'resnet18-cifar': resnet,
  vgg16bn: vgg,
  densenet121: densenet,
  'iresnet-tiny': dotted,
  segnet: vggSegmentation,
  unet: vggSegmentation,
  winet,
  'winet-diff': winet,
};
for (const depth of [18, 34, 50, 100]) {
  NAMINGS[`iresnet${depth}`] = dotted;
  NAMINGS[`lresnet${depth}e-ir`] = dotted;
}

/** The registry names whose PyTorch weights wavecv reads. */
export const IMPORTABLE_MODELS = Object.keys(NAMINGS);

/** The PyTorch naming of registry model `name`, or undefined when wavecv has none. */
export function torchNaming(name: string): TorchModuleNames | undefined {
  return NAMINGS[name];
}
