/**
 * SegNet and U-Net on a VGG16-BN encoder and their WaveSNet variants (Li &
 * Shen, "Wavelet-based segmentation network", 2020, §3: "WaveSNet replaces
 * the down-sampling with the DWT and the up-sampling with the IDWT"):
 *
 * - encoder (both): VGG-16 configuration D (Simonyan & Zisserman, ICLR 2015,
 *   Table 1) with conv3×3(+bias)-BN-ReLU, five stages of w, 2w, 4w, 8w, 8w
 *   channels (`width` w, 64 in the papers), each closed by a 2×2 max-pool —
 *   or, with `wavelet`, by the 2-D DWT whose low band goes on while the three
 *   detail bands are stored for the decoder;
 * - SegNet (Badrinarayanan et al., TPAMI 2017, §3): the decoder mirrors the
 *   encoder stage by stage; each stage first up-samples — max-unpooling with
 *   the encoder's pooling positions ({@link MaxUnpool2D}), or the IDWT of the
 *   decoder features (as low band) with the stored details (WSegNet) — then
 *   applies as many conv-BN-ReLU as the encoder stage, the last one ending on
 *   the channels of the next-shallower stage (8w,8w,8w | 8w,8w,4w | 4w,4w,2w |
 *   2w,w | w,w), and a 1×1 convolution gives the class logits. No skip
 *   concatenation;
 * - U-Net (Ronneberger et al., MICCAI 2015, with the VGG16-BN encoder of the
 *   WaveSNet code): the same decoder stages, but each up-sampling is a 2×2
 *   stride-2 transposed convolution (vanilla) or the IDWT with the stored
 *   details (wavelet), and its output is concatenated with the encoder's
 *   feature map before that pool, so the first conv of each stage takes twice
 *   the channels.
 *
 * Trainable parameters at width 64 and 21 classes equal the reference
 * code's: 29,481,429 for SegNet (vanilla and wavelet), 37,416,853 for the
 * vanilla U-Net and 34,974,165 for the wavelet U-Net (test/models/wavesnet).
 * Output: per-pixel logits `[B, H, W, numClasses]` at the input size, which
 * must be a multiple of 32 (five halvings). The DWT runs in periodization
 * mode, exact for every wavelet at even sizes (the reference's matrices are
 * exact only for Haar, whose results are the same).
 */
import * as tf from '@tensorflow/tfjs';
import { check } from '../../errors.js';
import { conv, convBnAct } from '../../nn/conv.js';
import { isWavelet } from '../../nn/downsample.js';
import { MaxUnpool2D } from '../../nn/max-unpool.js';
import { WaveletPool2D, WaveletUnpool2D } from '../../wavelets/layers.js';
import { resolveOptions, type WaveCNetOptions } from '../wavecnet/options.js';

export interface VggSegmentationOptions extends WaveCNetOptions {
  /** Channels of the first stage (default 64). */
  width?: number;
}

export type VggSegmentationKind = 'segnet' | 'unet';

/** Conv channel factors of the five stages of configuration D. */
const STAGES = [[1, 1], [2, 2], [4, 4, 4], [8, 8, 8], [8, 8, 8]];

export function buildVggSegmentation(kind: VggSegmentationKind, options: VggSegmentationOptions = {}): tf.LayersModel {
  const o = resolveOptions(kind, options, { numClasses: 21, inChannels: 3, inputSize: 224 }, 32);
  check(o.inputSize % 32 === 0, 'inputSize', o.inputSize, `a multiple of 32 (${kind} halves the resolution five times)`);
  check(o.down.bands === 'low', 'bands', o.down.bands, "'low' (the decoder puts the details back itself)");
  const width = options.width ?? 64;
  check(Number.isInteger(width) && width > 0, 'width', width, 'a positive integer');
  const wavelet = isWavelet(o.down) ? o.down.wavelet : undefined;
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.inChannels], name: 'input' });
  let x: tf.SymbolicTensor = input;
  const stored: Array<{ before: tf.SymbolicTensor; details?: tf.SymbolicTensor[] }> = [];
  STAGES.forEach((stage, s) => {
    stage.forEach((factor, i) => {
      x = convBnAct(x, { filters: factor * width, kernelSize: 3, useBias: true, name: `enc${s + 1}_${i + 1}`, init: o.init });
    });
    const before = x;
    if (wavelet) {
      const [low, ...details] = new WaveletPool2D({ wavelet, mode: o.down.mode, returnDetails: true, name: `dwt${s + 1}` }).apply(x) as tf.SymbolicTensor[];
      stored.push({ before, details });
      x = low;
    } else {
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: `pool${s + 1}` }).apply(x) as tf.SymbolicTensor;
      stored.push({ before });
    }
  });
  for (let s = STAGES.length; s >= 1; s--) {
    const { before, details } = stored[s - 1];
    const channels = before.shape[3] as number;
    if (wavelet) {
      x = new WaveletUnpool2D({ wavelet, mode: o.down.mode, name: `idwt${s}` }).apply([x, ...details!]) as tf.SymbolicTensor;
    } else if (kind === 'segnet') {
      x = new MaxUnpool2D({ name: `unpool${s}` }).apply([x, before]) as tf.SymbolicTensor;
    } else {
      x = tf.layers
        .conv2dTranspose({ filters: channels, kernelSize: 2, strides: 2, padding: 'valid', kernelInitializer: o.init.convKernel(), biasInitializer: 'zeros', name: `up${s}` })
        .apply(x) as tf.SymbolicTensor;
    }
    if (kind === 'unet') x = tf.layers.concatenate({ axis: -1, name: `skip${s}` }).apply([x, before]) as tf.SymbolicTensor;
    const stage = STAGES[s - 1];
    const next = s > 1 ? STAGES[s - 2][STAGES[s - 2].length - 1] : 1;
    const outs = [...stage.slice(1), next];
    outs.forEach((factor, i) => {
      x = convBnAct(x, { filters: factor * width, kernelSize: 3, useBias: true, name: `dec${s}_${i + 1}`, init: o.init });
    });
  }
  const logits = conv(x, { filters: o.numClasses, kernelSize: 1, useBias: true, name: 'classifier', init: o.init });
  return tf.model({ inputs: input, outputs: logits, name: `${kind}${o.suffix}` });
}
