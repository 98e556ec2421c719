/**
 * DeepLabv3+ (Chen et al., "Encoder-Decoder with Atrous Separable
 * Convolution for Semantic Image Segmentation", ECCV 2018, §3 and Fig. 2) on
 * a ResNet-50/101 backbone at output stride 16, and its WaveSNet decoder
 * (Li & Shen, "Wavelet-based segmentation network", 2020, WDeepLabv3+):
 *
 * - backbone: the ResNet encoder of the layer library at output stride 16
 *   (layer4 dilated by 2 instead of strided; the reference additionally uses
 *   the multi-grid rates (1, 2, 4) in layer4, which changes no parameter; we
 *   dilate every layer4 block by 2, our simplification);
 * - ASPP (§3.1 of DeepLabv3, Chen et al. 2017): a 1×1 conv, three 3×3 convs
 *   at rates 6, 12, 18 and image pooling (global average → 1×1 conv →
 *   broadcast back), each conv-BN-ReLU with 4w channels (256 at width 64),
 *   concatenated, projected by a 1×1 conv-BN-ReLU to 4w, dropout 0.5;
 * - vanilla decoder: layer1 (stride 4) reduced by a 1×1 conv-BN-ReLU to
 *   ¾w channels (48), the ASPP output up-sampled ×4 (bilinear) and
 *   concatenated with it, two 3×3 conv-BN-ReLU (4w) with dropout 0.5 and 0.1,
 *   a 1×1 classifier, bilinear up-sampling ×4 to the input size (the
 *   dropout rates are the reference's defaults; its comments suggest
 *   (0.5, 0.25) for VOC and (0, 0.1) for Cityscapes);
 * - wavelet decoder (WDeepLabv3+): the DWT of layer2 (stride 8, 8w channels)
 *   and of layer1 (stride 4, 4w channels) is taken only for its detail bands
 *   (the low band is discarded, the backbone keeps its strided convs); each
 *   layer2 detail band is reduced to 4w channels by its own 1×1 conv (no
 *   bias, no BN); IDWT(ASPP output, reduced layer2 details) gives stride 8,
 *   a 3×3 conv-BN-ReLU follows, IDWT(·, layer1 details) gives stride 4, then
 *   the same two 3×3 conv-BN-ReLU with dropout, the classifier and ×4.
 *
 * The reference's wavelet decoder also constructs the vanilla 1×1 conv + BN
 * of the low-level branch without using it (12,384 parameters at width 64);
 * our count is of the parameters that take part in the forward pass. At width
 * 64 and 21 classes: 59,344,309 (ResNet-101) / 40,352,181 (ResNet-50)
 * vanilla and 60,204,885 (ResNet-101) with the wavelet decoder, as the
 * PyTorch reference (scripts/wavesnet_reference.py). Bilinear up-sampling
 * follows PyTorch's align_corners=False (the reference uses True; no
 * parameter depends on it). The input size must be a multiple of 16.
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { conv, convBnAct } from '../../nn/conv.js';
import { isWavelet, waveletPoolWithDetails } from '../../nn/downsample.js';
import { interpolate, waveletUnpool } from '../../nn/upsample.js';
import { resnetEncoder, RESNET_SPECS } from '../wavecnet/resnet.js';
import { resolveOptions, type WaveCNetOptions } from '../wavecnet/options.js';

export interface DeepLabOptions extends WaveCNetOptions {
  /** `resnet101` (default) or `resnet50`. */
  backbone?: string;
  /** Channels of the backbone's first stage (default 64); the head scales with it. */
  width?: number;
}

export const DEEPLAB_BACKBONES = ['resnet50', 'resnet101'] as const;

/**
 * The head of DeepLabv3+ (ASPP, decoder, the wavelet decoder's detail
 * reductions, classifier) by variable name: everything that is not the
 * backbone. The reference trains it at 10× the backbone's learning rate
 * (its `get_10x_lr_params`, after DeepLab, Chen et al. 2015, §4.1: "the
 * learning rate of the final classifier layer ×10").
 */
export const DEEPLAB_HEAD = { select: /^(aspp_|decoder_|layer2_detail\d+_reduce\/|classifier\/)/, lrMultiplier: 10 };

/** Dropout of the decoder's two 3×3 convolutions: the reference's default (p1, p2) = (0.5, 0.1). */
const DECODER_DROPOUT = [0.5, 0.1] as const;

export function buildDeepLabV3Plus(options: DeepLabOptions = {}): tf.LayersModel {
  const { backbone = 'resnet101', width = 64, ...rest } = options;
  check((DEEPLAB_BACKBONES as readonly string[]).includes(backbone), 'backbone', backbone, DEEPLAB_BACKBONES.join(' or '));
  const o = resolveOptions('deeplabv3plus', rest, { numClasses: 21, inChannels: 3, inputSize: 224 }, 16);
  check(o.inputSize % 16 === 0, 'inputSize', o.inputSize, 'a multiple of 16 (output stride 16)');
  const wavelet = isWavelet(o.down) ? o.down.wavelet : undefined;
  // The backbone is the vanilla ResNet in both variants: only the decoder uses the wavelet.
  const encoder = resnetEncoder(backbone, RESNET_SPECS[backbone], { inChannels: o.inChannels, inputSize: o.inputSize, width, seed: options.seed, randomInit: options.randomInit, padding: o.padding, outputStride: 16 });
  const [, layer1, layer2, , layer4] = encoder.stages;
  const head = 4 * width;
  const init = o.init;
  const cbr = (x: tf.SymbolicTensor, filters: number, kernelSize: number, name: string, dilation = 1) => convBnAct(x, { filters, kernelSize, dilation, name, init });
  const branches = [cbr(layer4, head, 1, 'aspp_1x1'), ...[6, 12, 18].map((rate) => cbr(layer4, head, 3, `aspp_rate${rate}`, rate))];
  const size = layer4.shape[1] as number;
  let pooled = tf.layers.globalAveragePooling2d({ name: 'aspp_pool' }).apply(layer4) as tf.SymbolicTensor;
  pooled = tf.layers.reshape({ targetShape: [1, 1, layer4.shape[3] as number], name: 'aspp_pool_map' }).apply(pooled) as tf.SymbolicTensor;
  pooled = cbr(pooled, head, 1, 'aspp_pool_conv');
  branches.push(tf.layers.upSampling2d({ size: [size, size], name: 'aspp_pool_broadcast' }).apply(pooled) as tf.SymbolicTensor);
  let x = tf.layers.concatenate({ axis: -1, name: 'aspp_concat' }).apply(branches) as tf.SymbolicTensor;
  x = cbr(x, head, 1, 'aspp_project');
  x = tf.layers.dropout({ rate: 0.5, name: 'aspp_dropout' }).apply(x) as tf.SymbolicTensor;
  if (wavelet) {
    const details2 = waveletPoolWithDetails(layer2, wavelet, 'layer2_dwt', o.down.mode).details;
    const details1 = waveletPoolWithDetails(layer1, wavelet, 'layer1_dwt', o.down.mode).details;
    const reduced = details2.map((d, i) => conv(d, { filters: head, kernelSize: 1, name: `layer2_detail${i + 1}_reduce`, init }));
    x = waveletUnpool(x, reduced, undefined, wavelet, 'idwt_stride8', o.down.mode);
    x = cbr(x, head, 3, 'decoder_stride8');
    x = waveletUnpool(x, details1, undefined, wavelet, 'idwt_stride4', o.down.mode);
  } else {
    const low = cbr(layer1, Math.round((3 * width) / 4), 1, 'decoder_low');
    x = interpolate(x, 4, 'linear', 'decoder_up4');
    x = tf.layers.concatenate({ axis: -1, name: 'decoder_concat' }).apply([x, low]) as tf.SymbolicTensor;
  }
  x = cbr(x, head, 3, 'decoder_conv1');
  x = tf.layers.dropout({ rate: DECODER_DROPOUT[0], name: 'decoder_dropout1' }).apply(x) as tf.SymbolicTensor;
  x = cbr(x, head, 3, 'decoder_conv2');
  x = tf.layers.dropout({ rate: DECODER_DROPOUT[1], name: 'decoder_dropout2' }).apply(x) as tf.SymbolicTensor;
  x = conv(x, { filters: o.numClasses, kernelSize: 1, useBias: true, name: 'classifier', init });
  const logits = interpolate(x, 4, 'linear', 'upsample_output');
  return tf.model({ inputs: encoder.input, outputs: logits, name: `deeplabv3plus_${backbone}${o.suffix}` });
}
