/**
 * `wavecv export RUN --format onnx --out model.onnx`: the model of a
 * classification, face or segmentation run as an ONNX file, written without
 * Python (src/interop/onnx/). The graph's doc string carries, as JSON, what a
 * consumer needs besides the weights: the task, the registry model and its
 * options, the preprocessing (input in [0, 1], per-channel mean/std, applied
 * before the graph), class names and thresholds, and the layout (NCHW in;
 * NCHW or [batch, D] out). The file is written atomically
 * (src/io/atomic.ts).
 *
 * What is not exported, and why (the refusal says it): registration runs
 * (WiNet, WiNet-Diff, VoxelMorph) take two images and end in a warp, and the
 * exporter builds single-input 2-D graphs; 3-D segmentation (the 3-D
 * WaveUNet) needs 3-D convolutions and 3-D wavelet layers, which the
 * exporter does not translate; the ViTs and the forgery detectors (DTN,
 * Xception) are built of layers without a translation yet (patch embedding,
 * class token, multi-head attention, layer norm; separable convolutions and
 * the mixture of experts).
 */
import { WavecvError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import '../models/index.js';
import { modelEntry } from '../models/registry.js';
import { loadRunModel } from '../train/run-folder.js';
import { modelToOnnx } from './onnx/export-model.js';
import { ONNX_OPSET } from './onnx/graph.js';

export const EXPORT_TASKS = ['classify', 'face', 'segment'] as const;

/** Why the runs of other tasks, and the families of exported tasks without a translation, are refused. */
const NOT_EXPORTED: Record<string, string> = {
  register: 'registration networks take two images (moving, fixed) and end in a warp; the ONNX export builds single-input 2-D graphs',
  segment3d: 'the 3-D WaveUNet needs 3-D convolutions and 3-D wavelet layers, which the ONNX export does not translate',
  forgery: 'the forgery detectors use separable convolutions, a mixture of experts and transformer layers, which the ONNX export does not translate yet',
  vit: 'the ViT layers (patch embedding, class token, multi-head attention, layer norm) have no ONNX translation yet',
};

export interface OnnxExport {
  task: string;
  model: string;
  bytes: number;
  /** ONNX input and output shapes (`batch` symbolic). */
  input: Array<number | string>;
  output: Array<number | string>;
  opset: number;
}

const nchw = (shape: number[]) => (shape.length === 3 ? ['batch', shape[2], shape[0], shape[1]] : ['batch', ...shape]);

export async function exportOnnx(run: string, out: string, version = '0.1.0'): Promise<OnnxExport> {
  const { model, metadata } = await loadRunModel(run);
  try {
    if (!(EXPORT_TASKS as readonly string[]).includes(metadata.task)) {
      const why = NOT_EXPORTED[metadata.task];
      throw new WavecvError('run', run, `a ${EXPORT_TASKS.join(', ')} run (this one is ${metadata.task}${why ? `: ${why}` : ''})`);
    }
    const family = modelEntry(metadata.model.name).family;
    if (NOT_EXPORTED[family]) throw new WavecvError('run', run, `a model with an ONNX translation (${metadata.model.name}: ${NOT_EXPORTED[family]})`);
    const graph = modelToOnnx(model);
    const outShape = model.outputs[0].shape.slice(1) as number[];
    const doc = {
      wavecv: { task: metadata.task, model: metadata.model, preprocessing: metadata.preprocessing, classNames: metadata.classNames, thresholds: metadata.thresholds },
      layout: 'input NCHW float32 in the normalised scale ((x − mean)/std of [0, 1] pixels); 4-D outputs NCHW',
    };
    const bytes = graph.encode(model.name, version, JSON.stringify(doc));
    writeFileAtomic(out, bytes);
    return { task: metadata.task, model: metadata.model.name, bytes: bytes.length, input: nchw(metadata.preprocessing.inputShape), output: outShape.length === 3 ? nchw(outShape) : ['batch', ...outShape], opset: ONNX_OPSET };
  } finally {
    model.dispose();
  }
}
