/**
 * A wavecv `tf.LayersModel` as an ONNX graph (./graph.ts), layer by layer in
 * the model's topological order. Layout (design decision): the ONNX model
 * takes NCHW input `[batch, C, H, W]` and every 4-D value inside is NCHW, the
 * convention of ONNX operators and their consumers; 4-D outputs (segmentation
 * logits) are NCHW `[batch, K, H, W]`, 2-D outputs (class logits, embeddings)
 * `[batch, D]`. Translations:
 *  - convolutions: kernel HWIO → OIHW (depthwise: `group` = C; transposed:
 *    [I, O, kh, kw]); TF.js's `'same'` becomes explicit `pads` computed from
 *    the static sizes (the odd extra row at the bottom/right, as TF.js);
 *  - batch norm → `BatchNormalization` with its running statistics and ε (its
 *    fused ReLU → `Relu`); PReLU → `PRelu` with slopes [C, 1, 1];
 *  - pools → `MaxPool`/`AveragePool` with the same explicit padding (an
 *    average excludes padding, as TF.js); global average pool →
 *    `GlobalAveragePool` + `Flatten`; explicit zero padding → `Pad`;
 *  - `Flatten` of a feature map transposes to NHWC first, since wavecv's
 *    dense layers read H, W, C order; dense → `Gemm`; `Reshape` likewise
 *    reshapes in NHWC order (transposing in and out of NCHW around it);
 *  - up-sampling by integer factors → `Resize` with the coordinate rule of
 *    the layer: wavecv's `Interpolate` (PyTorch's `align_corners=False`,
 *    src/nn/upsample.ts) in linear mode → `half_pixel` linear, whose source
 *    positions (j + ½)/s − ½ are clamped to the edges as Interpolate's, and
 *    with `alignCorners` → `align_corners` linear (source j·(n − 1)/(s·n − 1)); its
 *    nearest mode (every output s·i + k reads i) and TF.js's `UpSampling2D`
 *    (`resizeNearestNeighbor` / `resizeBilinear` without align_corners or
 *    half-pixel centres: source j/s, floored for nearest) → `asymmetric`
 *    with `floor` rounding;
 *  - SegNet's `MaxUnpool2D` (src/nn/max-unpool.ts), which finds the switches
 *    again from the tensor that was pooled, → `MaxPool` 2×2/2 of that tensor
 *    with its `Indices` output feeding `MaxUnpool`: the indices are flattened
 *    NCHW positions (storage order 0, batch and channel included), which
 *    `MaxUnpool` reads back the same way, and onnxruntime's pool keeps the
 *    first maximum of a window in row-major order, the switch wavecv takes
 *    (windows of equal values, e.g. ReLU zeros, send the value to the
 *    top-left position in both);
 *  - `WaveletPool2D` / `WaveletUnpool2D` (periodization) → fixed-filter
 *    strided convolutions (./wavelet-ops.ts); dropout → nothing.
 * A layer without a translation (3-D layers, the ViT blocks)
 * is refused naming it.
 */
import type * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../../errors.js';
import { wavelet as lookupWavelet } from '../../wavelets/filters.js';
import { permute } from '../load-state-dict.js';
import { OnnxGraph, type OnnxAttribute } from './graph.js';
import { dwt2, idwt2, type BandFilters } from './wavelet-ops.js';

type Shape = Array<number | null>;

interface LayerContext {
  g: OnnxGraph;
  layer: tf.layers.Layer;
  config: Record<string, unknown>;
  inputs: string[];
  inShapes: Shape[];
  outShapes: Shape[];
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v.length > 1 ? v[1] : v[0]] : [v as number, v as number]);

/** ONNX pads [top, left, bottom, right] of TF.js's padding for a window of `kernel` (dilated) and `strides` on `size` [H, W]. */
function windowPads(padding: unknown, size: number[], kernel: [number, number], strides: [number, number], dilation: [number, number] = [1, 1]): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw new WavecvError('padding', padding, "'same' or 'valid'");
  const totals = size.map((n, i) => Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilation[i] + 1 - n, 0));
  return [Math.floor(totals[0] / 2), Math.floor(totals[1] / 2), totals[0] - Math.floor(totals[0] / 2), totals[1] - Math.floor(totals[1] / 2)];
}

function activation(c: LayerContext, x: string, name: unknown): string {
  if (name === undefined || name === null || name === 'linear') return x;
  const ops: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };
  if (name === 'softmax') return c.g.op('Softmax', [x], { axis: 1 }, `${c.layer.name}_softmax`);
  if (!ops[name as string]) throw new WavecvError('model', `activation ${String(name)} of layer ${c.layer.name}`, `one of linear, ${Object.keys(ops).join(', ')}, softmax`);
  return c.g.op(ops[name as string], [x], {}, `${c.layer.name}_${name as string}`);
}

/** The layer's weights by short name (`kernel`, `bias`, `gamma`, …). */
function weightsOf(layer: tf.layers.Layer): Map<string, { values: Float32Array; shape: number[] }> {
  const out = new Map<string, { values: Float32Array; shape: number[] }>();
  const tensors = layer.getWeights();
  layer.weights.forEach((w, i) => out.set(w.originalName.split('/').pop()!, { values: tensors[i].dataSync() as Float32Array, shape: tensors[i].shape }));
  return out;
}

function conv(c: LayerContext, transposed: boolean, depthwise: boolean): string {
  const w = weightsOf(c.layer);
  const kernel = w.get(depthwise ? 'depthwise_kernel' : 'kernel')!;
  const [kh, kw] = kernel.shape;
  const strides = pair(c.config.strides);
  const dilations = pair(c.config.dilationRate ?? 1);
  const size = [c.inShapes[0][1]!, c.inShapes[0][2]!];
  let weight: string;
  const attributes: Record<string, OnnxAttribute> = { kernel_shape: [kh, kw], strides, dilations };
  if (depthwise) {
    const [, , channels, multiplier] = kernel.shape;
    weight = c.g.constant(`${c.layer.name}_weight`, permute(kernel.values, kernel.shape, [2, 3, 0, 1]), [channels * multiplier, 1, kh, kw]);
    attributes.group = channels;
  } else {
    // HWIO → OIHW; a transposed kernel [kh, kw, O, I] → [I, O, kh, kw] by the same permutation.
    weight = c.g.constant(`${c.layer.name}_weight`, permute(kernel.values, kernel.shape, [3, 2, 0, 1]), [kernel.shape[3], kernel.shape[2], kh, kw]);
  }
  if (transposed) {
    // TF.js's 'same' adds no padding to a transposed convolution whose kernel equals its stride.
    if (c.config.padding !== 'valid' && (kh !== strides[0] || kw !== strides[1])) throw new WavecvError('model', `transposed convolution ${c.layer.name} with 'same' padding and kernel ≠ stride`, "'valid' padding, or 'same' with kernel = stride");
    delete attributes.dilations;
  } else attributes.pads = windowPads(c.config.padding, size, [kh, kw], strides, dilations);
  const inputs = [c.inputs[0], weight];
  const bias = w.get('bias');
  if (bias) inputs.push(c.g.constant(`${c.layer.name}_bias`, bias.values, bias.shape));
  const y = c.g.op(transposed ? 'ConvTranspose' : 'Conv', inputs, attributes, c.layer.name);
  return activation(c, y, c.config.activation);
}

function batchNorm(c: LayerContext): string {
  const w = weightsOf(c.layer);
  const channels = c.inShapes[0][c.inShapes[0].length - 1]!;
  const get = (name: string, fill: number) => w.get(name)?.values ?? new Float32Array(channels).fill(fill);
  const names = (['gamma', 'beta', 'moving_mean', 'moving_variance'] as const).map((n, i) => c.g.constant(`${c.layer.name}_${n}`, get(n, i === 0 || i === 3 ? 1 : 0), [channels]));
  const y = c.g.op('BatchNormalization', [c.inputs[0], ...names], { epsilon: { f: (c.config.epsilon as number) ?? 1e-3 } }, c.layer.name);
  return activation(c, y, c.config.activation);
}

function pool(c: LayerContext, op: 'MaxPool' | 'AveragePool'): string {
  const kernel = pair(c.config.poolSize);
  const strides = pair(c.config.strides ?? c.config.poolSize);
  const pads = windowPads(c.config.padding, [c.inShapes[0][1]!, c.inShapes[0][2]!], kernel, strides);
  return c.g.op(op, [c.inputs[0]], { kernel_shape: kernel, strides, pads }, c.layer.name);
}

/** ONNX `Resize` of the NCHW input by integer `scales` [sH, sW] (see the module comment for the coordinate rules). */
function resize(c: LayerContext, scales: [number, number], mode: 'nearest' | 'linear', transform: 'half_pixel' | 'asymmetric' | 'align_corners'): string {
  if (c.inShapes[0].length !== 4) throw new WavecvError('model', `${c.layer.name} on a rank-${c.inShapes[0].length} input`, '2-D up-sampling of NHWC feature maps');
  const attributes: Record<string, OnnxAttribute> = { mode, coordinate_transformation_mode: transform };
  if (mode === 'nearest') attributes.nearest_mode = 'floor';
  const factors = c.g.constant(`${c.layer.name}_scales`, [1, 1, ...scales], [4]);
  return c.g.op('Resize', [c.inputs[0], '', factors], attributes, c.layer.name);
}

/** SegNet's max-unpooling of `values` (input 0) at the 2×2 maxima of `pooled` (input 1); see the module comment. */
function maxUnpool(c: LayerContext): string {
  const window: Record<string, OnnxAttribute> = { kernel_shape: [2, 2], strides: [2, 2] };
  const [, indices] = c.g.node('MaxPool', [c.inputs[1]], window, `${c.layer.name}_switches`, 2);
  return c.g.op('MaxUnpool', [c.inputs[0], indices], window, c.layer.name);
}

/** TF.js `Reshape` (NHWC element order) between ONNX values, NCHW when 4-D. */
function reshape(c: LayerContext): string {
  const { g, layer } = c;
  const inRank = c.inShapes[0].length;
  const outRank = c.outShapes[0].length;
  const x = inRank === 4 ? g.op('Transpose', c.inputs, { perm: [0, 2, 3, 1] }, `${layer.name}_nhwc`) : c.inputs[0];
  // 0 copies the batch dimension; the target's own −1 (if any) is inferred as in TF.js.
  const target = g.constant(`${layer.name}_shape`, [0, ...(c.config.targetShape as number[])], [outRank], 'int64');
  const y = g.op('Reshape', [x, target], {}, outRank === 4 ? `${layer.name}_nhwc_out` : layer.name);
  return outRank === 4 ? g.op('Transpose', [y], { perm: [0, 3, 1, 2] }, layer.name) : y;
}

/** Analysis bands of a wavelet pool: low, the average, or all four in pywt's order. */
function waveletBands(c: LayerContext, synthesis: boolean): BandFilters {
  const mode = c.config.mode ?? 'periodization';
  if (mode !== 'periodization') throw new WavecvError('model', `${c.layer.name} in mode ${String(mode)}`, 'wavelet layers in periodization mode (the ONNX export builds that transform)');
  const w = lookupWavelet(String(c.config.wavelet));
  const [lo, hi] = synthesis ? [w.recLo, w.recHi] : [w.decLo, w.decHi];
  return [
    [lo, lo],
    [hi, lo],
    [lo, hi],
    [hi, hi],
  ];
}

function waveletPool(c: LayerContext): string[] {
  const [, h, w, channels] = c.inShapes[0] as number[];
  const bands = c.config.bands ?? 'low';
  const all = waveletBands(c, false);
  if (bands === 'low' && !c.config.returnDetails) return dwt2(c.g, c.inputs[0], [channels, h, w], [all[0]], c.layer.name);
  if (bands === 'average') {
    const wave = lookupWavelet(String(c.config.wavelet));
    const mean = wave.decLo.map((v, i) => (v + wave.decHi[i]) / 2);
    return dwt2(c.g, c.inputs[0], [channels, h, w], [[mean, mean]], c.layer.name);
  }
  const out = dwt2(c.g, c.inputs[0], [channels, h, w], all, c.layer.name);
  return c.config.returnDetails ? out : [c.g.op('Concat', out, { axis: 1 }, c.layer.name)];
}

function waveletUnpool(c: LayerContext): string {
  const [, n, m, channels] = c.inShapes[0] as number[];
  if (c.inputs.length === 5) {
    const ref = c.inShapes[4];
    if (ref[1] !== 2 * n || ref[2] !== 2 * m) throw new WavecvError('model', `${c.layer.name} cropping to ${ref[1]}×${ref[2]}`, 'even sizes (no crop)');
  }
  return idwt2(c.g, c.inputs.slice(0, 4), [channels, n, m], waveletBands(c, true), c.layer.name);
}

/** The ONNX value(s) of one layer's output(s). */
function translate(c: LayerContext): string[] {
  const { g, layer, config, inputs } = c;
  const name = layer.name;
  const rank = c.inShapes[0]?.length;
  switch (layer.getClassName()) {
    case 'Conv2D':
    case 'WavecvDilatedConv2D':
      return [conv(c, false, false)];
    case 'DepthwiseConv2D':
      return [conv(c, false, true)];
    case 'Conv2DTranspose':
      return [conv(c, true, false)];
    case 'WavecvBatchNorm':
    case 'BatchNormalization':
    case 'FrozenScaleBatchNormalization':
      return [batchNorm(c)];
    case 'ReLU':
      if (config.maxValue !== null && config.maxValue !== undefined) throw new WavecvError('model', `ReLU ${name} with maxValue`, 'a plain ReLU');
      return [g.op('Relu', inputs, {}, name)];
    case 'Activation':
      return [activation(c, inputs[0], config.activation)];
    case 'LeakyReLU':
      return [g.op('LeakyRelu', inputs, { alpha: { f: config.alpha as number } }, name)];
    case 'PReLU': {
      const alpha = weightsOf(layer).get('alpha')!;
      const channels = alpha.values.length;
      const slope = g.constant(`${name}_slope`, alpha.values, rank === 4 ? [channels, 1, 1] : [channels]);
      if (rank === 4 && alpha.shape.slice(0, -1).some((d) => d !== 1)) throw new WavecvError('model', `PReLU ${name} with per-pixel slopes`, 'slopes shared over H and W');
      return [g.op('PRelu', [inputs[0], slope], {}, name)];
    }
    case 'Add': {
      let sum = inputs[0];
      for (let i = 1; i < inputs.length; i++) sum = g.op('Add', [sum, inputs[i]], {}, i === inputs.length - 1 ? name : `${name}_${i}`);
      return [sum];
    }
    case 'Concatenate': {
      const axis = config.axis as number;
      if (axis !== -1 && axis !== rank! - 1) throw new WavecvError('model', `Concatenate ${name} on axis ${axis}`, 'concatenation of channels');
      return [g.op('Concat', inputs, { axis: rank === 4 ? 1 : rank! - 1 }, name)];
    }
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
      return [g.op('Pad', [inputs[0], g.constant(`${name}_pads`, [0, 0, top, left, 0, 0, bottom, right], [8], 'int64')], { mode: 'constant' }, name)];
    }
    case 'MaxPooling2D':
      return [pool(c, 'MaxPool')];
    case 'AveragePooling2D':
      return [pool(c, 'AveragePool')];
    case 'GlobalAveragePooling2D':
      return [g.op('Flatten', [g.op('GlobalAveragePool', inputs, {}, `${name}_pool`)], { axis: 1 }, name)];
    case 'Flatten':
      if (rank === 2) return inputs;
      return [g.op('Flatten', [g.op('Transpose', inputs, { perm: [0, 2, 3, 1] }, `${name}_nhwc`)], { axis: 1 }, name)];
    case 'Dropout':
      return inputs;
    case 'MaxUnpool2D':
      return [maxUnpool(c)];
    case 'Reshape':
      return [reshape(c)];
    case 'WavecvInterpolate': {
      const s = config.scale as number;
      if (config.mode !== 'linear') return [resize(c, [s, s], 'nearest', 'asymmetric')];
      return [resize(c, [s, s], 'linear', config.alignCorners === true ? 'align_corners' : 'half_pixel')];
    }
    case 'UpSampling2D':
      return [resize(c, pair(config.size), config.interpolation === 'bilinear' ? 'linear' : 'nearest', 'asymmetric')];
    case 'Dense': {
      if (rank !== 2) throw new WavecvError('model', `Dense ${name} on a rank-${rank} input`, 'dense layers on flat features');
      const w = weightsOf(layer);
      const kernel = w.get('kernel')!;
      const args = [inputs[0], g.constant(`${name}_weight`, kernel.values, kernel.shape)];
      const bias = w.get('bias');
      if (bias) args.push(g.constant(`${name}_bias`, bias.values, bias.shape));
      return [activation(c, g.op('Gemm', args, {}, name), config.activation)];
    }
    case 'WaveletPool2D':
      return waveletPool(c);
    case 'WaveletUnpool2D':
      return [waveletUnpool(c)];
    default:
      throw new WavecvError('model', `layer ${name} (${layer.getClassName()})`, 'layers the ONNX export translates: convolutions, batch norm, activations, pools, max-unpooling, padding, dense, reshape, 2-D up-sampling, concatenation, addition, 2-D wavelet pools and unpools');
  }
}

interface GraphNode {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

const nchw = (shape: Shape): Array<number | string> => (shape.length === 4 ? ['batch', shape[3]!, shape[1]!, shape[2]!] : ['batch', ...(shape.slice(1) as number[])]);

/** The ONNX graph of `model` (see the module comment); one input, one output. */
export function modelToOnnx(model: tf.LayersModel): OnnxGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new WavecvError('model', `${model.name} with ${model.inputs.length} inputs and ${model.outputs.length} outputs`, 'one input and one output');
  const g = new OnnxGraph();
  const values = new Map<tf.SymbolicTensor, string>();
  const input = model.inputs[0];
  if (input.shape.length !== 4) throw new WavecvError('model', `input of shape [${input.shape.join(', ')}]`, 'an image input [batch, H, W, C]');
  values.set(input, g.input('input', nchw(input.shape)));
  for (const layer of model.layers) {
    const nodes = (layer as unknown as { inboundNodes: GraphNode[] }).inboundNodes;
    if (layer.getClassName() === 'InputLayer') continue;
    if (nodes.length !== 1) throw new WavecvError('model', `layer ${layer.name} applied ${nodes.length} times`, 'layers applied once');
    const node = nodes[0];
    const inputs = node.inputTensors.map((t) => values.get(t)!);
    const outputs = translate({ g, layer, config: layer.getConfig() as Record<string, unknown>, inputs, inShapes: node.inputTensors.map((t) => t.shape), outShapes: node.outputTensors.map((t) => t.shape) });
    node.outputTensors.forEach((t, i) => values.set(t, outputs[i]));
  }
  const output = model.outputs[0];
  const name = values.get(output)!;
  g.output(name, nchw(output.shape));
  return g;
}
