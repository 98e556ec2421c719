/**
 * Wavelet layers for TF.js networks: DWT and IDWT in 1-D, 2-D and 3-D, the
 * WaveCNet down-sampler (`WaveletPool2D/3D`) and the WaveSNet up-sampler
 * (`WaveletUnpool2D/3D`).
 *
 *  - WaveCNet: Q. Li, L. Shen, S. Guo, Z. Lai, "Wavelet Integrated CNNs for
 *    Noise-Robust Image Classification", CVPR 2020, §3 (the DWT/IDWT layers,
 *    eqs. 3–8) and §4 (down-sampling by keeping the low band); the reference
 *    code also averages the four bands ("ResNet_A") or stacks them on the
 *    channels ("ResNet_C").
 *  - WaveSNet: Q. Li, L. Shen, "Wavelet-based segmentation network", 2020: the
 *    encoder keeps the detail bands of each DWT and the decoder up-samples by
 *    the IDWT of (decoder features as the low band, stored details).
 *
 * Layout is channels-last: NWC (1-D), NHWC (2-D), NDHWC (3-D). All layers are
 * weightless, registered with `tf.serialization.registerClass`, use TF.js ops
 * only (no Node modules) and so save with the model and load in a browser.
 *
 * Band order and names follow PyWavelets (our convention):
 *  - 1-D: `[cA, cD]`;
 *  - 2-D: `[LL, cH, cV, cD]` = pywt `dwt2`'s `(cA, (cH, cV, cD))`, where `cH` is
 *    the detail along H (axis 1; dwtn key `'da'`) and `cV` the detail along W
 *    (`'ad'`). WaveCNet's code names its outputs `(LL, LH, HL, HH)` with its LH
 *    low-pass along H and high-pass along W, so WaveCNet LH = pywt `cV` and
 *    WaveCNet HL = pywt `cH` (`DWT_2D` in the reference code,
 *    github.com/LiQiufu/WaveCNet, `DWT_IDWT/DWT_IDWT_layer.py`);
 *  - 3-D: the 8 bands in the order of pywt `dwtn` keys `'aaa', 'aad', 'ada',
 *    'add', 'daa', 'dad', 'dda', 'ddd'` (axes D, H, W).
 * With `concat: true` a DWT layer returns one tensor with the bands stacked on
 * the channel axis in that order (`[…, band·C + c]`), the layout of WaveCNet's
 * `torch.cat((LL, LH, HL, HH), dim=1)` up to the naming above; the IDWT layers
 * accept either the list or the stacked tensor (the list is faster on wasm,
 * where splitting channels copies).
 *
 * Boundary mode: default `periodization` (our choice for networks: `⌈N/2⌉`
 * coefficients, the size of a stride-2 'same' pooling). Values equal pywt's
 * `mode='periodization'`, including odd sizes, which are extended by their
 * last sample. The IDWT gives `2n` samples, so an odd size comes back one
 * larger; `WaveletUnpool` takes an optional last input whose spatial size it
 * crops to (the feature map that went into the matching pool), and its
 * gradient then pads the cropped sample with zero. Periodization runs on the
 * package's one periodization engine, strided depthwise convolutions with
 * exact adjoint gradients (filter-bank-conv.ts; the functional `dwt2`/`dwtn`
 * run on it too). The other eight pywt modes use the kernels of the
 * functional `dwtn`/`idwtn` (multidim.ts; also exact adjoints): bands have
 * `⌊(N + L − 1)/2⌋` samples and the IDWT gives `2n − L + 2`, cropped the same
 * way by `WaveletUnpool`. Arguments are checked once, in the constructor
 * (wavelet, mode) and in `call` (ranks, band shapes); the kernels trust them.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { checkMode, type Mode } from './extend.js';
import { analysisOp, synthesisOp } from './filter-bank-conv.js';
import type { FilterList } from './filter-bank-types.js';
import { wavelet as lookupWavelet, type Wavelet } from './filters.js';
import { type AxesPlan, axesPlan, checkSynthesisPlan, dwtnTensor, idwtnTensor } from './multidim.js';
import { bandKeys } from './periodization.js';
import { cropTo, dwtCoeffLen, synthesisLength } from './transform.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;

/** Options shared by every wavelet layer. */
export interface WaveletLayerArgs extends LayerArgs {
  /** Any name of `wavelist()` (default `'haar'`). */
  wavelet?: string;
  /** Boundary mode, any of pywt's nine (default `'periodization'`). */
  mode?: string;
}

export interface DwtLayerArgs extends WaveletLayerArgs {
  /** Return one tensor with the bands stacked on the channel axis instead of a list (default false). */
  concat?: boolean;
}

export const POOL_BANDS = ['low', 'average', 'concat'] as const;
export type PoolBands = (typeof POOL_BANDS)[number];

export interface WaveletPoolArgs extends WaveletLayerArgs {
  /**
   * `'low'` (default): the low band (WaveCNet); `'average'`: the mean of all
   * bands (2-D: (LL + LH + HL + HH)/4); `'concat'`: all bands stacked on the
   * channels (2^d · C channels).
   */
  bands?: PoolBands;
  /**
   * Also return the detail bands, for a matching `WaveletUnpool` (WaveSNet):
   * the output is then the list `[low, ...details]` in the band order above.
   * Only with `bands: 'low'`.
   */
  returnDetails?: boolean;
}

/** Product order over axes (first axis most significant) → pywt band order, for 2-D `[aa, ad, da, dd]` → `[aa, da, ad, dd]`. */
function pywtOrder(dims: number): number[] {
  return dims === 2 ? [0, 2, 1, 3] : Array.from({ length: 2 ** dims }, (_, i) => i);
}

function spatialShape(shape: tf.Shape, dims: number): (number | null)[] {
  return shape.slice(1, dims + 1);
}


function asList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

function shapeList(inputShape: tf.Shape | tf.Shape[]): tf.Shape[] {
  return Array.isArray(inputShape[0]) ? (inputShape as tf.Shape[]) : [inputShape as tf.Shape];
}

/** Base of all wavelet layers: the wavelet, the mode and the number of spatial axes. */
abstract class WaveletLayer extends tf.layers.Layer {
  readonly waveletName: string;
  readonly mode: Mode;
  protected readonly wave: Wavelet;
  /** The transform over the spatial axes, validated once here (the numeric path of the modes other than periodization). */
  private readonly plan: AxesPlan;

  constructor(
    protected readonly dims: number,
    args: WaveletLayerArgs,
  ) {
    super(args);
    this.waveletName = args.wavelet ?? 'haar';
    this.wave = lookupWavelet(this.waveletName);
    this.mode = checkMode(args.mode ?? 'periodization');
    this.plan = axesPlan(this.wave, this.mode, Array.from({ length: dims }, (_, i) => i + 1));
  }

  protected checkRank(shape: tf.Shape, argument: string): void {
    if (shape.length !== this.dims + 2) {
      throw new WavecvError(`${this.name} ${argument}`, `shape [${shape.map((s) => s ?? 'null').join(', ')}]`, `rank ${this.dims + 2} (batch, ${this.dims} spatial axes, channels; channels last)`);
    }
  }

  /** Band size along an axis of `n` samples (`null` when unknown). */
  protected bandSize(n: number | null): number | null {
    return n === null ? null : dwtCoeffLen(n, this.wave, this.mode);
  }

  /** Output size along an axis of the IDWT of bands of `n` samples. */
  protected synthesisSize(n: number | null): number | null {
    return n === null ? null : synthesisLength(n, this.wave.decLen, this.mode);
  }

  /**
   * All bands of `x` in product order. With `filters` (periodization only) the
   * analysis uses those filters instead of (decLo, decHi) (one filter: one band).
   */
  protected analysis(x: tf.Tensor, filters?: FilterList): tf.Tensor[] {
    this.checkRank(x.shape, 'input');
    if (this.mode === 'periodization') return analysisOp(x, filters ?? [this.wave.decLo, this.wave.decHi], this.dims, 'extend');
    const bands = dwtnTensor(x.dtype === 'float32' ? x : tf.cast(x, 'float32'), this.plan);
    return bandKeys(this.dims).map((k) => bands[k]);
  }

  /** Bands in pywt order → IDWT, cropped to `sizes` (each the full size or one less) when given. */
  protected synthesis(bands: tf.Tensor[], sizes?: number[]): tf.Tensor {
    const product = pywtOrder(this.dims).map((i) => bands[i]);
    const shape = product[0].shape;
    if (product.some((b) => !tf.util.arraysEqual(b.shape, shape))) {
      throw new WavecvError(`${this.name} bands`, product.map((b) => `[${b.shape.join(', ')}]`), 'tensors of one shape');
    }
    if (sizes) {
      const full = shape.slice(1, this.dims + 1).map((n) => this.synthesisSize(n) as number);
      sizes.forEach((s, i) => check(s === full[i] || s === full[i] - 1, `sizes[${i}]`, s, `${full[i]} or ${full[i] - 1} (the IDWT size, or one less)`));
    }
    if (this.mode === 'periodization') return synthesisOp(product, [this.wave.recLo, this.wave.recHi], this.dims, sizes, 'crop');
    checkSynthesisPlan(product[0], this.plan, `${this.name} bands`);
    const y = idwtnTensor(new Map(bandKeys(this.dims).map((k, i) => [k, product[i]])), this.plan);
    return sizes ? cropTo(y, [y.shape[0], ...sizes, y.shape[this.dims + 1]]) : y;
  }

  /** Splits the input of an inverse layer into its `2^d` bands (a list, or one tensor with the bands on the channels). */
  protected bandsOf(inputs: tf.Tensor[], count: number): tf.Tensor[] {
    if (inputs.length === count) return inputs;
    if (inputs.length === 1) {
      const channels = inputs[0].shape[this.dims + 1];
      if (channels % count !== 0) throw new WavecvError(`${this.name} input`, inputs[0], `${count} band tensors, or one tensor whose channels are ${count} × C`);
      return tf.split(inputs[0], count, this.dims + 1);
    }
    throw new WavecvError(`${this.name} inputs`, inputs.length, `${count} band tensors, or one tensor with the bands stacked on the channels`);
  }

  /** The input, gradient tape and outputs of the last call that returned several bands (see {@link reuseBands}). */
  private lastBands?: { input: tf.Tensor; tape: unknown; bands: tf.Tensor[] };

  /**
   * The bands of `input` from `compute`, or those of the previous call when
   * it had the same input tensor, ran under the same gradient tape (so the
   * bands' operation is on the tape being recorded) and its bands are still
   * alive. Why: tfjs-layers' graph executor (`execute` in tfjs-layers'
   * src/engine/executor.ts) calls a layer once for every output the graph
   * uses, so a 3-D pool returning its 8 bands ran 8 times, forward and
   * backward (32 calls for the 4 pools of a 3D WaveUNet step, measured).
   * Wavelet layers hold no weights and do not depend on `training`, so the
   * same input tensor always gives the same bands.
   */
  protected reuseBands(input: tf.Tensor, compute: () => tf.Tensor[]): tf.Tensor[] {
    const tape = tf.engine().state.activeTape;
    const last = this.lastBands;
    if (last && last.input === input && last.tape === tape && !input.isDisposed && last.bands.every((b) => !b.isDisposed)) return last.bands;
    const bands = compute();
    this.lastBands = { input, tape, bands };
    return bands;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), wavelet: this.waveletName, mode: this.mode };
  }
}

/* ----------------------------------------------------------------------------
 * DWT / IDWT
 * ------------------------------------------------------------------------- */

/** Single-level DWT over the spatial axes: `[cA, details…]` (or stacked with `concat`). */
abstract class DwtLayer extends WaveletLayer {
  readonly concat: boolean;

  constructor(dims: number, args: DwtLayerArgs) {
    super(dims, args);
    this.concat = args.concat ?? false;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = shapeList(inputShape)[0];
    this.checkRank(shape, 'input');
    const bandShape = [shape[0], ...spatialShape(shape, this.dims).map((n) => this.bandSize(n)), shape[this.dims + 1]];
    const count = 2 ** this.dims;
    if (this.concat) return [...bandShape.slice(0, -1), shape[this.dims + 1] === null ? null : count * (shape[this.dims + 1] as number)];
    return Array.from({ length: count }, () => [...bandShape]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    void kwargs;
    const x = asList(inputs)[0];
    const ordered = () =>
      tf.tidy(() => {
        const bands = this.analysis(x);
        return pywtOrder(this.dims).map((i) => bands[i]);
      });
    if (!this.concat) return this.reuseBands(x, ordered);
    return tf.tidy(() => tf.concat(ordered(), this.dims + 1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), concat: this.concat };
  }
}

/** Single-level IDWT: bands in (list or stacked) → `2n` samples per spatial axis. */
abstract class IdwtLayer extends WaveletLayer {
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = shapeList(inputShape);
    const count = 2 ** this.dims;
    const shape = shapes[0];
    this.checkRank(shape, 'input');
    const channels = shape[this.dims + 1];
    const outChannels = shapes.length === 1 && channels !== null ? channels / count : channels;
    return [shape[0], ...spatialShape(shape, this.dims).map((n) => this.synthesisSize(n)), outChannels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    void kwargs;
    return tf.tidy(() => this.synthesis(this.bandsOf(asList(inputs), 2 ** this.dims)));
  }
}

/** 1-D DWT of NWC input: `[cA, cD]`, each `[B, ⌈W/2⌉, C]`. */
export class DWT1D extends DwtLayer {
  static className = 'DWT1D';
  constructor(args: DwtLayerArgs = {}) {
    super(1, args);
  }
}
/** 2-D DWT of NHWC input: `[LL, cH, cV, cD]`, each `[B, ⌈H/2⌉, ⌈W/2⌉, C]` (pywt `dwt2` names). */
export class DWT2D extends DwtLayer {
  static className = 'DWT2D';
  constructor(args: DwtLayerArgs = {}) {
    super(2, args);
  }
}
/** 3-D DWT of NDHWC input: 8 bands in pywt `dwtn` key order (`'aaa'` first). */
export class DWT3D extends DwtLayer {
  static className = 'DWT3D';
  constructor(args: DwtLayerArgs = {}) {
    super(3, args);
  }
}
/** 1-D IDWT: `[cA, cD]` → NWC with `2n` samples. */
export class IDWT1D extends IdwtLayer {
  static className = 'IDWT1D';
  constructor(args: WaveletLayerArgs = {}) {
    super(1, args);
  }
}
/** 2-D IDWT: `[LL, cH, cV, cD]` → NHWC with `2h × 2w`. */
export class IDWT2D extends IdwtLayer {
  static className = 'IDWT2D';
  constructor(args: WaveletLayerArgs = {}) {
    super(2, args);
  }
}
/** 3-D IDWT: 8 bands in `dwtn` key order → NDHWC with `2d × 2h × 2w`. */
export class IDWT3D extends IdwtLayer {
  static className = 'IDWT3D';
  constructor(args: WaveletLayerArgs = {}) {
    super(3, args);
  }
}

/* ----------------------------------------------------------------------------
 * WaveCNet pooling and WaveSNet unpooling
 * ------------------------------------------------------------------------- */

abstract class PoolLayer extends WaveletLayer {
  readonly bands: PoolBands;
  readonly returnDetails: boolean;

  constructor(dims: number, args: WaveletPoolArgs) {
    super(dims, args);
    this.bands = args.bands ?? 'low';
    check((POOL_BANDS as readonly string[]).includes(this.bands), 'bands', this.bands, `one of ${POOL_BANDS.join(', ')}`);
    this.returnDetails = args.returnDetails ?? false;
    check(!this.returnDetails || this.bands === 'low', 'returnDetails', this.returnDetails, "false unless bands is 'low' (the unpooling needs the low band and the details)");
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = shapeList(inputShape)[0];
    this.checkRank(shape, 'input');
    const channels = shape[this.dims + 1];
    const count = 2 ** this.dims;
    const bandShape = [shape[0], ...spatialShape(shape, this.dims).map((n) => this.bandSize(n)), channels];
    if (this.returnDetails) return Array.from({ length: count }, () => [...bandShape]);
    if (this.bands === 'concat') return [...bandShape.slice(0, -1), channels === null ? null : count * channels];
    return bandShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    void kwargs;
    return tf.tidy(() => {
      const x = asList(inputs)[0];
      const { decLo, decHi } = this.wave;
      const periodized = this.mode === 'periodization';
      if (this.bands === 'low' && !this.returnDetails) return this.analysis(x, periodized ? [decLo] : undefined)[0];
      if (this.bands === 'average') {
        // the mean of the 2^d bands is the separable filter (decLo + decHi)/2 along every axis
        if (periodized) return this.analysis(x, [decLo.map((v, i) => (v + decHi[i]) / 2)])[0];
        return tf.div(tf.addN(this.analysis(x)), 2 ** this.dims);
      }
      const ordered = () => {
        const all = this.analysis(x);
        return pywtOrder(this.dims).map((i) => all[i]);
      };
      return this.returnDetails ? this.reuseBands(x, ordered) : tf.concat(ordered(), this.dims + 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bands: this.bands, returnDetails: this.returnDetails };
  }
}

abstract class UnpoolLayer extends WaveletLayer {
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = shapeList(inputShape);
    const count = 2 ** this.dims;
    this.checkInputCount(shapes.length);
    const low = shapes[0];
    this.checkRank(low, 'low band');
    const spatial = shapes.length === count + 1 ? spatialShape(shapes[count], this.dims) : spatialShape(low, this.dims).map((n) => this.synthesisSize(n));
    return [low[0], ...spatial, low[this.dims + 1]];
  }

  private checkInputCount(n: number): void {
    const count = 2 ** this.dims;
    if (n !== count && n !== count + 1) {
      throw new WavecvError(`${this.name} inputs`, n, `${count} tensors [low, ${count - 1} details] or ${count + 1} with the pooled layer's input last (to crop odd sizes)`);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    void kwargs;
    return tf.tidy(() => {
      const list = asList(inputs);
      const count = 2 ** this.dims;
      this.checkInputCount(list.length);
      const bands = list.slice(0, count);
      const sizes = list.length > count ? (list[count].shape.slice(1, this.dims + 1) as number[]) : undefined;
      return this.synthesis(bands, sizes);
    });
  }
}

/**
 * WaveCNet down-sampling of NHWC input by the 2-D DWT: the low band
 * `[B, ⌈H/2⌉, ⌈W/2⌉, C]` (default), the mean of the four bands, the four bands
 * stacked (`4C` channels), or — with `returnDetails` — `[LL, cH, cV, cD]` for a
 * {@link WaveletUnpool2D}.
 */
export class WaveletPool2D extends PoolLayer {
  static className = 'WaveletPool2D';
  constructor(args: WaveletPoolArgs = {}) {
    super(2, args);
  }
}
/** {@link WaveletPool2D} for NDHWC volumes (8 bands). */
export class WaveletPool3D extends PoolLayer {
  static className = 'WaveletPool3D';
  constructor(args: WaveletPoolArgs = {}) {
    super(3, args);
  }
}
/**
 * WaveSNet up-sampling: the 2-D IDWT of inputs `[low, cH, cV, cD]`, where
 * `low` is usually the decoder's features and the details come from the
 * matching `WaveletPool2D({returnDetails: true})`; an optional fifth input
 * (the tensor that was pooled) sets the output size, cropping odd sizes.
 */
export class WaveletUnpool2D extends UnpoolLayer {
  static className = 'WaveletUnpool2D';
  constructor(args: WaveletLayerArgs = {}) {
    super(2, args);
  }
}
/** {@link WaveletUnpool2D} for NDHWC volumes: inputs `[low, 7 details]` (+ optional size reference). */
export class WaveletUnpool3D extends UnpoolLayer {
  static className = 'WaveletUnpool3D';
  constructor(args: WaveletLayerArgs = {}) {
    super(3, args);
  }
}

for (const layer of [DWT1D, DWT2D, DWT3D, IDWT1D, IDWT2D, IDWT3D, WaveletPool2D, WaveletPool3D, WaveletUnpool2D, WaveletUnpool3D]) {
  tf.serialization.registerClass(layer);
}
