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
 *    `refine1.conv1`, `head8`);
 *  - `cnn28` (wavecv's own design, no outside PyTorch code): one module per
 *    conv-BN pair (`block1_1.conv`, `block1_1.bn`, …, `fc`), as the PyTorch
 *    rendering in scripts/gen_pytorch_import_families.py;
 *  - `mobilefacenet`: the most used PyTorch MobileFaceNet, InsightFace_Pytorch
 *    (TreB1eN) `model.py`: `conv1`, `conv2_dw` (Conv_block: `.conv`, `.bn`,
 *    `.prelu`), the bottleneck rows `conv_23`, `conv_3.model.<i>`, `conv_34`,
 *    `conv_4.model.<i>`, `conv_45`, `conv_5.model.<i>` (Depth_Wise: `.conv`
 *    expand, `.conv_dw`, `.project` Linear_block), `conv_6_sep`, `conv_6_dw`
 *    (the GDConv), `linear` (an `nn.Linear`, read into wavecv's 1×1 conv) and
 *    `bn` (BatchNorm1d); its forward L2-normalises the embedding, wavecv's
 *    does not (the direction, hence every cosine score, is the same);
 *  - `deeplabv3plus`: the WaveSNet reference code (github.com/LiQiufu/WaveSNet
 *    `DeepLabV3Plus/` and `WDeepLabV3Plus/`, itself after jfzhang95's
 *    pytorch-deeplab-xception): `backbone.` + torchvision's ResNet names,
 *    `aspp.aspp1` (1×1) … `aspp.aspp4` (rate 18) with `.atrous_conv`/`.bn`,
 *    `aspp.global_avg_pool.1|2`, `aspp.conv1`/`aspp.bn1`; the vanilla decoder
 *    `decoder.conv1`/`bn1` (low level) and `decoder.last_conv.0|1|4|5|8`; the
 *    wavelet decoder `decoder.conv_hl3|conv_lh3|conv_hh3` (the reductions of
 *    layer2's detail bands: HL is high-pass along the height, pywt's cH and
 *    wavecv's first detail band; LH pywt's cV; HH cD), `decoder.last_conv_0`
 *    (the 3×3 conv at stride 8) and `decoder.last_conv_1.0|1|4|5|8`. The
 *    reference's wavelet decoder also holds the vanilla `decoder.conv1`/`bn1`
 *    without using them: they are skipped. Two differences of architecture
 *    remain (src/models/wavesnet/deeplab.ts): the reference dilates layer4's
 *    blocks by the multi-grid (2, 4, 8) where wavecv follows torchvision's
 *    (1, 2, 2), and it up-samples with align_corners=True; its weights load,
 *    its outputs are not reproduced exactly;
 *  - `waveunet3d`: the PyTorch rendering of the 3-D WaveUNet in
 *    scripts/waveunet3d_reference.py (`cov3d_11_en.conv`, `cov3d_11_en.bn`,
 *    `cov3d_51.conv`, `downsampling_1`, `upsampling_4`, `cov_final`); Conv3d
 *    weights [O, I, D, H, W] become [D, H, W, I, O]; the fixed Haar kernels
 *    the reference keeps as buffers (`downsampling_1.k`) are skipped; the
 *    ConvTranspose3d up-sampling of unet-v1 / wavesnet-v2 ([I, O, 1, 1, 1])
 *    is a 1×1×1 conv in wavecv (kernel [1, 1, 1, I, O]);
 *  - `vxm-unet`: VoxelMorph's PyTorch `VxmDense` (voxelmorph
 *    `torch/networks.py`): `unet_model.encoder.<i>.0.main`,
 *    `unet_model.decoder.<i>.0.main`, `unet_model.remaining.<i>.main`,
 *    `flow` (without integration: wavecv's baseline is the displacement
 *    network, VxmDense with `int_steps=0`);
 *  - `vit-tiny`, `vit-small`: timm's `VisionTransformer` (`patch_embed.proj`,
 *    `cls_token`, `pos_embed`, `blocks.<i>.norm1`, `blocks.<i>.attn.qkv`,
 *    `blocks.<i>.attn.proj`, `blocks.<i>.norm2`, `blocks.<i>.mlp.fc1|fc2`,
 *    `norm`, `head`).
 */
import type * as tf from '@tensorflow/tfjs';
import type { LayerGraph, TorchModuleNames } from './load-state-dict.js';

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

const cnn28: TorchModuleNames = (layer) => {
  const m = /^(block\d_\d)_(conv|bn)$/.exec(layer.name);
  if (m) return `${m[1]}.${m[2]}`;
  return layer.name === 'fc' ? 'fc' : undefined;
};

/** InsightFace_Pytorch's module of bottleneck `row`, block `i` (Table 1's rows: a first strided Depth_Wise, then a Residual's `model`). */
const MOBILEFACENET_ROWS: Array<[string, string | undefined]> = [
  ['conv_23', 'conv_3'],
  ['conv_34', undefined],
  ['conv_4', 'conv_4'],
  ['conv_45', undefined],
  ['conv_5', 'conv_5'],
];
const MOBILEFACENET_PARTS: Record<string, string> = {
  expand: 'conv.conv', expand_bn: 'conv.bn', expand_prelu: 'conv.prelu',
  dw: 'conv_dw.conv', dw_bn: 'conv_dw.bn', dw_prelu: 'conv_dw.prelu',
  project: 'project.conv', project_bn: 'project.bn',
};
const MOBILEFACENET_LAYERS: Record<string, string> = {
  conv1: 'conv1.conv', conv1_bn: 'conv1.bn', conv1_prelu: 'conv1.prelu',
  conv2_dw: 'conv2_dw.conv', conv2_dw_bn: 'conv2_dw.bn', stage1: 'conv2_dw.prelu',
  conv3: 'conv_6_sep.conv', conv3_bn: 'conv_6_sep.bn', stage4: 'conv_6_sep.prelu',
  gdconv: 'conv_6_dw.conv', gdconv_bn: 'conv_6_dw.bn',
  linear: 'linear', linear_bn: 'bn',
};

const mobilefacenet: TorchModuleNames = (layer) => {
  const m = /^bottleneck(\d)_(\d+)_([a-z_]+)$/.exec(layer.name);
  if (!m) return MOBILEFACENET_LAYERS[layer.name];
  const [first, residual] = MOBILEFACENET_ROWS[Number(m[1])];
  const i = Number(m[2]);
  // Rows that repeat a stride-1 block: InsightFace_Pytorch's conv_23/conv_45 hold the strided first block apart from the Residual.
  const block = first === residual ? `${residual}.model.${i}` : i === 0 ? first : `${residual}.model.${i - 1}`;
  return `${block}.${MOBILEFACENET_PARTS[m[3]]}`;
};

const ASPP: Record<string, string> = { aspp_1x1: 'aspp.aspp1', aspp_rate6: 'aspp.aspp2', aspp_rate12: 'aspp.aspp3', aspp_rate18: 'aspp.aspp4' };
const WAVELET_DETAIL_REDUCTIONS = ['decoder.conv_hl3', 'decoder.conv_lh3', 'decoder.conv_hh3'];

const deeplab: TorchModuleNames = Object.assign(
  (layer: tf.layers.Layer, graph: LayerGraph) => {
    const name = layer.name;
    const wavelet = graph.has('decoder_stride8_conv');
    const last = wavelet ? 'decoder.last_conv_1' : 'decoder.last_conv';
    if (/^(stem|layer\d_\d+)_/.test(name)) {
      const inner = resnet(layer, graph);
      return inner === undefined ? undefined : `backbone.${inner}`;
    }
    let m = /^(aspp_(?:1x1|rate\d+))_(conv|bn)$/.exec(name);
    if (m) return `${ASPP[m[1]]}.${m[2] === 'conv' ? 'atrous_conv' : 'bn'}`;
    m = /^(aspp_pool_conv|aspp_project|decoder_low|decoder_stride8|decoder_conv1|decoder_conv2)_(conv|bn)$/.exec(name);
    if (m) {
      const bn = m[2] === 'bn' ? 1 : 0;
      const modules: Record<string, string> = {
        aspp_pool_conv: `aspp.global_avg_pool.${1 + bn}`,
        aspp_project: `aspp.${bn ? 'bn1' : 'conv1'}`,
        decoder_low: `decoder.${bn ? 'bn1' : 'conv1'}`,
        decoder_stride8: `decoder.last_conv_0.${bn}`,
        decoder_conv1: `${last}.${bn}`,
        decoder_conv2: `${last}.${4 + bn}`,
      };
      return modules[m[1]];
    }
    m = /^layer2_detail(\d)_reduce$/.exec(name);
    if (m) return WAVELET_DETAIL_REDUCTIONS[Number(m[1]) - 1];
    return name === 'classifier' ? `${last}.8` : undefined;
  },
  { unused: /^decoder\.(conv1\.weight|bn1\.(weight|bias|running_mean|running_var|num_batches_tracked))$/ },
);

const waveunet3d: TorchModuleNames = Object.assign((layer: tf.layers.Layer) => layer.name.replace(/_(conv|bn)$/, '.$1'), {
  unused: /^(down|up)sampling_\d\.k$/,
  transposedAsConv: /^upsampling_\d$/,
});

const voxelmorph: TorchModuleNames = (layer) => {
  const m = /^(enc|dec|full)(\d)$/.exec(layer.name);
  if (m) return m[1] === 'full' ? `unet_model.remaining.${m[2]}.main` : `unet_model.${m[1] === 'enc' ? 'encoder' : 'decoder'}.${m[2]}.0.main`;
  return layer.name === 'flow' ? 'flow' : undefined;
};

const vit: TorchModuleNames = (layer) => {
  const name = layer.name;
  if (name === 'patch_embed') return 'patch_embed.proj';
  if (name === 'tokens') return '';
  const m = /^block(\d+)_(norm1|norm2|attn|fc1|fc2)$/.exec(name);
  if (m) return `blocks.${m[1]}.${m[2].startsWith('fc') ? `mlp.${m[2]}` : m[2]}`;
  return name === 'norm' || name === 'head' ? name : undefined;
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
  cnn28,
  mobilefacenet,
  deeplabv3plus: deeplab,
  waveunet3d,
  'vxm-unet': voxelmorph,
  'vit-tiny': vit,
  'vit-small': vit,
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
