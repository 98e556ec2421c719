/**
 * Puts a PyTorch state dict into a wavecv model: for every layer with
 * weights, in the model's order, the PyTorch module path that holds its
 * parameters (given by the architecture's naming, ./pytorch-names.ts) and
 * the conversion of each parameter to TF.js's layout:
 *  - convolutions (2-D, 3-D, grouped): weight [O, I, k…] → kernel [k…, I, O];
 *    transposed convolutions: weight [I, O, k…] → kernel [k…, O, I] (the
 *    same axis permutation); depthwise: weight [C, 1, kh, kw] → [kh, kw, C, 1];
 *  - fully connected: weight [O, I] → kernel [I, O]; when the layer reads a
 *    flattened feature map (through dropouts), PyTorch flattened it C, H, W
 *    and TF.js H, W, C, so the rows are reordered as well;
 *  - batch norm: weight, bias, running_mean, running_var → γ, β, moving mean,
 *    moving variance (`num_batches_tracked` only counts steps and is ignored);
 *  - PReLU: weight [C] → α (reshaped to the layer's [1, 1, C]);
 *  - every bias as it is.
 * Everything is checked before any weight is written: the first parameter
 * the model needs that the file lacks, or holds in another shape, is named
 * (a checkpoint of another architecture or width fails there), and so is the
 * first parameter of the file that no layer takes.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';
import type { StateDict } from './state-dict.js';

/** A layer's PyTorch module path, or undefined for a layer without a PyTorch counterpart (then it must have no weights). */
export type TorchModuleNames = (layer: tf.layers.Layer, graph: LayerGraph) => string | undefined;

/** What a naming function may ask about the model's graph. */
export interface LayerGraph {
  /** The name of the layer whose output `layer` reads (its first input). */
  inputOf(layer: tf.layers.Layer): tf.layers.Layer | undefined;
  has(name: string): boolean;
}

type Conversion = { torch: string; convert: (values: Float32Array, shape: number[], target: number[]) => Float32Array; torchShape: (target: number[]) => number[] };

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
function conversions(layer: tf.layers.Layer, m: string, graph: LayerGraph): Map<string, Conversion> {
  const kind = layer.getClassName();
  const out = new Map<string, Conversion>();
  for (const weight of layer.weights) {
    const short = weight.originalName.split('/').pop()!;
    const rank = weight.shape.length;
    let c: Conversion | undefined;
    if (short === 'kernel' && kind === 'Dense') {
      const map = flattenedMap(layer, graph);
      if (!map) c = permuted(`${m}.weight`, [1, 0]);
      else {
        const [h, w, ch] = map;
        // PyTorch rows are (c, y, x); TF.js rows (y, x, c): weight [O, C·H·W] → [O, C, H, W] → [H, W, C, O].
        c = {
          torch: `${m}.weight`,
          torchShape: (target) => [target[1], target[0]],
          convert: (values, shape) => permute(values, [shape[0], ch, h, w], [2, 3, 1, 0]),
        };
      }
    } else if (short === 'kernel') c = permuted(`${m}.weight`, kernelPerm(rank));
    else if (short === 'depthwise_kernel') c = permuted(`${m}.weight`, [2, 3, 0, 1]);
    else if (short === 'bias') c = asIs(`${m}.bias`);
    else if (short === 'gamma') c = asIs(`${m}.weight`);
    else if (short === 'beta') c = asIs(`${m}.bias`);
    else if (short === 'moving_mean') c = asIs(`${m}.running_mean`);
    else if (short === 'moving_variance') c = asIs(`${m}.running_var`);
    else if (short === 'alpha') c = { torch: `${m}.weight`, torchShape: (target) => [target.reduce((a, b) => a * b, 1)], convert: (values) => values };
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
  /** `num_batches_tracked` entries skipped. */
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
    const convert = conversions(layer, m, graph);
    const values = layer.weights.map((weight) => {
      const c = convert.get(weight.originalName)!;
      const tensor = state.tensors.get(c.torch);
      const expected = c.torchShape(weight.shape as number[]);
      if (!tensor) {
        throw new WavecvError('weights', `no parameter ${c.torch} in ${state.source}${state.found ? ` (under '${state.found}')` : ''}`, `every parameter of ${modelName}; ${c.torch} of shape [${expected.join(', ')}] is the first missing (wavecv layer ${weight.originalName}; is the checkpoint of another architecture?)`);
      }
      if (!same(tensor.shape, expected)) {
        throw new WavecvError('weights', `parameter ${c.torch} of shape [${tensor.shape.join(', ')}] in ${state.source}`, `shape [${expected.join(', ')}] for ${modelName} (wavecv layer ${weight.originalName}; another width, depth or number of classes?)`);
      }
      used.add(c.torch);
      return c.convert(tensor.values(), tensor.shape, weight.shape as number[]);
    });
    plan.push({ layer, values });
  }
  let ignored = 0;
  for (const name of state.tensors.keys()) {
    if (used.has(name)) continue;
    if (name.endsWith('num_batches_tracked')) {
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
