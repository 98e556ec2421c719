/**
 * Puts a PyTorch state dict into a wavecv model: for every layer with
 * weights, in the model's order, the PyTorch module path that holds its
 * parameters (given by the architecture's naming, ./pytorch-names.ts) and
 * the conversion of each parameter to TF.js's layout:
 *  - convolutions (2-D, 3-D, grouped): weight [O, I, k…] → kernel [k…, I, O];
 *    transposed convolutions: weight [I, O, k…] → kernel [k…, O, I] (the
 *    same axis permutation), or → [k…, I, O] where wavecv builds the
 *    transposed convolution as a plain one (the 3-D WaveUNet's k = 1,
 *    stride-2 up-sampling is a scatter to even positions then a 1×1×1 conv);
 *    depthwise: weight [C, 1, kh, kw] → [kh, kw, C, 1];
 *  - fully connected: weight [O, I] → kernel [I, O]; when the layer reads a
 *    flattened feature map (through dropouts), PyTorch flattened it C, H, W
 *    and TF.js H, W, C, so the rows are reordered as well;
 *  - batch norm: weight, bias, running_mean, running_var → γ, β, moving mean,
 *    moving variance (`num_batches_tracked` only counts steps and is ignored);
 *  - PReLU: weight [C] → α (reshaped to the layer's [1, 1, C]);
 *  - a 1×1(×1) convolution also reads an `nn.Linear` weight [O, I] (the same
 *    values as [O, I, 1, 1]): MobileFaceNet's last linear layer is a 1×1
 *    convolution in wavecv and an `nn.Linear` in the common PyTorch code;
 *  - multi-head self-attention (src/nn/attention.ts): `qkv.weight` [3D, D]
 *    and `proj.weight` [D, D] transposed as fully connected layers, their
 *    biases as they are (timm's fused q, k, v rows, which wavecv's qkv
 *    columns follow);
 *  - class token and position embeddings: timm's top-level `cls_token`
 *    [1, 1, D] and `pos_embed` [1, N + 1, D] as they are;
 *  - every bias as it is.
 * A naming may list parameters its PyTorch code holds but never uses in the
 * forward pass (`unused`, e.g. WaveSNet's WDeepLabv3+ builds the vanilla
 * decoder's low-level 1×1 conv and BN and ignores them): they are skipped
 * and counted with `num_batches_tracked`.
 * Everything is checked before any weight is written: the first parameter
 * the model needs that the file lacks, or holds in another shape, is named
 * (a checkpoint of another architecture or width fails there), and so is the
 * first parameter of the file that no layer takes.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';
import type { StateDict } from './state-dict.js';

/**
 * A layer's PyTorch module path ('' for parameters at the top level of the
 * module), or undefined for a layer without a PyTorch counterpart (then it
 * must have no weights); `unused` matches the parameters the PyTorch code
 * holds but never uses, `transposedAsConv` the wavecv layers that are plain
 * convolutions standing for a PyTorch transposed one (see the module comment).
 */
export type TorchModuleNames = ((layer: tf.layers.Layer, graph: LayerGraph) => string | undefined) & { unused?: RegExp; transposedAsConv?: RegExp };

/** What a naming function may ask about the model's graph. */
export interface LayerGraph {
  /** The name of the layer whose output `layer` reads (its first input). */
  inputOf(layer: tf.layers.Layer): tf.layers.Layer | undefined;
  has(name: string): boolean;
}

type Conversion = {
  torch: string;
  convert: (values: Float32Array, shape: number[], target: number[]) => Float32Array;
  torchShape: (target: number[]) => number[];
  /** Another shape the file may hold the same values in (a Linear's [O, I] for a 1×1 convolution's [O, I, 1, 1]). */
  alsoShape?: (target: number[]) => number[] | undefined;
};

/** Reorders `values` of `shape` by axis permutation `perm` (output axis i is input axis perm[i]). */
export function permute(values: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const strides = perm.map((p) => inStrides[p]);
  const out = new Float32Array(values.length);
  const index = new Array(rank).fill(0);
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = values[at];
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      at += strides[axis];
      if (index[axis] < outShape[axis]) break;
      at -= strides[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

const inverse = (perm: number[]) => perm.map((_, i) => perm.indexOf(i));
const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Permutation taking PyTorch's [O, I, k…] (or [I, O, k…]) to TF.js's [k…, I, O] (or [k…, O, I]). */
const kernelPerm = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1, 0];

function permuted(torch: string, perm: number[]): Conversion {
  const back = inverse(perm);
  return {
    torch,
    torchShape: (target) => back.map((p) => target[p]),
    convert: (values, shape) => permute(values, shape, perm),
  };
}

/** A convolution's kernel; a 1×1(×1) (not transposed) convolution's also read from a Linear weight [O, I]. */
function convKernel(torch: string, rank: number, kind: string): Conversion {
  const c = permuted(torch, kernelPerm(rank));
  if (kind.includes('Transpose')) return c;
  return { ...c, alsoShape: (target) => (target.slice(0, rank - 2).every((k) => k === 1) ? c.torchShape(target).slice(0, 2) : undefined) };
}

/** Parameter `p` of module `m` ('' is the top level). */
const at = (m: string, p: string) => (m ? `${m}.${p}` : p);

const asIs = (torch: string): Conversion => ({ torch, torchShape: (target) => target, convert: (values) => values });

/** The flattened map a dense layer reads ([H, W, C]), if any, looking through dropouts. */
function flattenedMap(layer: tf.layers.Layer, graph: LayerGraph): number[] | undefined {
  let source = graph.inputOf(layer);
  while (source && source.getClassName() === 'Dropout') source = graph.inputOf(source);
  if (!source || source.getClassName() !== 'Flatten') return undefined;
  const spatial = (source.input as tf.SymbolicTensor).shape.slice(1) as number[];
  return spatial.length === 3 && spatial[0] * spatial[1] > 1 ? spatial : undefined;
}

/** How each weight of `layer` (by its short name) comes from module `m`. */
function conversions(layer: tf.layers.Layer, m: string, graph: LayerGraph, transposedAsConv: boolean): Map<string, Conversion> {
  const kind = layer.getClassName();
  const out = new Map<string, Conversion>();
  for (const weight of layer.weights) {
    const short = weight.originalName.split('/').pop()!;
    const rank = weight.shape.length;
    let c: Conversion | undefined;
    if (short === 'kernel' && kind === 'Dense') {
      const map = flattenedMap(layer, graph);
      if (!map) c = permuted(at(m, 'weight'), [1, 0]);
      else {
        const [h, w, ch] = map;
        // PyTorch rows are (c, y, x); TF.js rows (y, x, c): weight [O, C·H·W] → [O, C, H, W] → [H, W, C, O].
        c = {
          torch: at(m, 'weight'),
          torchShape: (target) => [target[1], target[0]],
          convert: (values, shape) => permute(values, [shape[0], ch, h, w], [2, 3, 1, 0]),
        };
      }
    } else if (short === 'kernel' && transposedAsConv) c = permuted(at(m, 'weight'), [...kernelPerm(rank).slice(0, -2), 0, 1]);
    else if (short === 'kernel') c = convKernel(at(m, 'weight'), rank, kind);
    else if (short === 'depthwise_kernel') c = permuted(at(m, 'weight'), [2, 3, 0, 1]);
    else if (short === 'bias') c = asIs(at(m, 'bias'));
    else if (short === 'gamma') c = asIs(at(m, 'weight'));
    else if (short === 'beta') c = asIs(at(m, 'bias'));
    else if (short === 'moving_mean') c = asIs(at(m, 'running_mean'));
    else if (short === 'moving_variance') c = asIs(at(m, 'running_var'));
    else if (short === 'qkv_kernel' || short === 'proj_kernel') c = permuted(at(m, `${short.slice(0, -7)}.weight`), [1, 0]);
    else if (short === 'qkv_bias' || short === 'proj_bias') c = asIs(at(m, `${short.slice(0, -5)}.bias`));
    else if (short === 'class_token') c = asIs(at(m, 'cls_token'));
    else if (short === 'position_embedding') c = asIs(at(m, 'pos_embed'));
    else if (short === 'alpha') c = { torch: at(m, 'weight'), torchShape: (target) => [target.reduce((a, b) => a * b, 1)], convert: (values) => values };
    if (!c) throw new WavecvError('model', `${layer.name}/${short} (${kind})`, 'a layer whose weights wavecv knows how to read from PyTorch');
    out.set(weight.originalName, c);
  }
  return out;
}

/** The graph queries of `model`. */
export function layerGraph(model: tf.LayersModel): LayerGraph {
  const names = new Set(model.layers.map((l) => l.name));
  return {
    inputOf: (layer) => {
      const nodes = (layer as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
      return nodes[0]?.inboundLayers[0];
    },
    has: (name) => names.has(name),
  };
}

export interface LoadReport {
  /** Parameters read from the file. */
  parameters: number;
  /** Scalars written into the model. */
  values: number;
  /** `num_batches_tracked` entries and parameters the PyTorch code never uses, skipped. */
  ignored: number;
}

/**
 * Writes the tensors of `state` into `model` (see the module comment);
 * `modelName` names the architecture in errors. Nothing is written unless
 * every parameter is found with its shape and every tensor of the file is used.
 */
export function loadStateDict(model: tf.LayersModel, state: StateDict, names: TorchModuleNames, modelName: string): LoadReport {
  const graph = layerGraph(model);
  const used = new Set<string>();
  const plan: Array<{ layer: tf.layers.Layer; values: Float32Array[] }> = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const m = names(layer, graph);
    if (m === undefined) throw new WavecvError('model', `${modelName} layer ${layer.name} (${layer.getClassName()})`, 'a layer with a PyTorch counterpart (wavecv cannot name its parameters)');
    const convert = conversions(layer, m, graph, names.transposedAsConv?.test(layer.name) ?? false);
    const values = layer.weights.map((weight) => {
      const c = convert.get(weight.originalName)!;
      const tensor = state.tensors.get(c.torch);
      const expected = c.torchShape(weight.shape as number[]);
      if (!tensor) {
        throw new WavecvError('weights', `no parameter ${c.torch} in ${state.source}${state.found ? ` (under '${state.found}')` : ''}`, `every parameter of ${modelName}; ${c.torch} of shape [${expected.join(', ')}] is the first missing (wavecv layer ${weight.originalName}; is the checkpoint of another architecture?)`);
      }
      const linear = c.alsoShape?.(weight.shape as number[]);
      const readAs = linear && same(tensor.shape, linear) ? expected : tensor.shape;
      if (!same(readAs, expected)) {
        throw new WavecvError('weights', `parameter ${c.torch} of shape [${tensor.shape.join(', ')}] in ${state.source}`, `shape [${expected.join(', ')}] for ${modelName} (wavecv layer ${weight.originalName}; another width, depth or number of classes?)`);
      }
      used.add(c.torch);
      return c.convert(tensor.values(), readAs, weight.shape as number[]);
    });
    plan.push({ layer, values });
  }
  let ignored = 0;
  for (const name of state.tensors.keys()) {
    if (used.has(name)) continue;
    if (name.endsWith('num_batches_tracked') || names.unused?.test(name)) {
      ignored++;
      continue;
    }
    throw new WavecvError('weights', `parameter ${name} in ${state.source}, which no layer of ${modelName} takes`, `only the parameters of ${modelName} (is the checkpoint of a deeper or other architecture?)`);
  }
  let total = 0;
  for (const { layer, values } of plan) {
    const tensors = values.map((v, i) => tf.tensor(v, layer.weights[i].shape as number[]));
    layer.setWeights(tensors);
    tf.dispose(tensors);
    total += values.reduce((a, v) => a + v.length, 0);
  }
  return { parameters: used.size, values: total, ignored };
}
