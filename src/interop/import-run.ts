/**
 * `wavecv import`: a PyTorch checkpoint becomes a normal wavecv run folder —
 * `model/` (TF.js layers format, with the typed metadata of
 * src/train/run-folder.ts) and `config.json` — so every command that reads
 * a trained run (`eval robustness`, `explain`, `verify`, `eval verification`,
 * `segment`, `eval segment`, `export`) reads it.
 *
 * The task follows the model's family: WaveCNets and ViTs → `classify`, face
 * backbones → `face`, WaveSNets → `segment`. Preprocessing (design
 * decision): PyTorch checkpoints do not record it, so it is given
 * (`mean`/`std`) or defaults to the convention of the code the family comes
 * from: torchvision's ImageNet statistics for classification and
 * segmentation, insightface's (x − 0.5)/0.5 for faces. Class names default to
 * `class0 … classN−1`, a segmentation palette to the VOC colour map.
 * Registration networks (WiNet, WiNet-Diff, VoxelMorph) → `register`: the
 * run's registration description comes from the model itself — size from its
 * input, field kind (displacement or velocity, 7 squarings) from the
 * registry — and the conventions of WiNet's reference code: scans min–max
 * scaled to [0, 1] each, and the training loss recorded as the reference's
 * (NCC, window 9, λ = 2, l2), which a checkpoint does not hold. The 3-D
 * WaveUNet is read by {@link importWeights} in the API; its runs carry a
 * volume description of their own that a checkpoint cannot supply, so the
 * command refuses it.
 */
import { join, resolve } from 'node:path';
import { defaultPalette } from '../data/segmentation/palettes.js';
import { check, WavecvError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { saveModel } from '../io/model-io.js';
import { modelEntry, type ModelOptions } from '../models/registry.js';
import { MODEL_METADATA_FORMAT, MODEL_METADATA_VERSION, setModelMetadata, type ModelMetadata } from '../train/run-folder.js';
import { importWeights } from './import-weights.js';
import { DEFAULT_REGISTRATION_LOSS } from '../losses/registration.js';
import { registrationField } from '../models/winet/index.js';

const TASKS: Record<string, string> = { wavecnet: 'classify', vit: 'classify', face: 'face', wavesnet: 'segment', registration: 'register' };

/** Per-channel statistics of the code each family comes from (see the module comment). */
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const INSIGHTFACE = { mean: [0.5], std: [0.5] };

export interface ImportRunOptions {
  weights: string;
  model: string;
  options?: ModelOptions;
  out: string;
  classNames?: string[];
  mean?: number[];
  std?: number[];
}

export interface ImportRunResult {
  outDir: string;
  task: string;
  parameters: number;
  values: number;
  /** Where the state dict was in the file and whether a `module.` prefix was removed. */
  found: string;
  strippedPrefix: boolean;
  inputShape: number[];
  outputShape: number[];
}

export async function importRun(o: ImportRunOptions): Promise<ImportRunResult> {
  const entry = modelEntry(o.model);
  const task = TASKS[entry.family];
  if (!task) throw new WavecvError('model', o.model, `a classification, face, segmentation or registration model (the ${entry.family} family's runs need settings a checkpoint does not hold; use importWeights from the API)`);
  if (task === 'register') check(o.mean === undefined && o.std === undefined, 'mean', o.mean ?? o.std, 'nothing for a registration model (scans are min–max scaled)');
  const stats = o.mean || o.std ? { mean: o.mean ?? [0], std: o.std ?? [1] } : task === 'face' ? INSIGHTFACE : IMAGENET;
  const { model, options, state, report } = importWeights(o.weights, o.model, o.options ?? {});
  try {
    const inputShape = model.inputs[0].shape.slice(1) as number[];
    const outputShape = model.outputs[0].shape.slice(1) as number[];
    const channels = inputShape[inputShape.length - 1];
    const normalization = task === 'register' ? { mean: [0], std: [1] } : channels !== 3 && stats.mean.length === 3 ? { mean: [stats.mean[0]], std: [stats.std[0]] } : stats;
    check(normalization.mean.length === normalization.std.length && (normalization.mean.length === 1 || normalization.mean.length === channels), 'mean', normalization.mean, `1 or ${channels} values, as many as std`);
    const classes = task === 'face' || task === 'register' ? undefined : outputShape[outputShape.length - 1];
    if (o.classNames) check(classes !== undefined && o.classNames.length === classes, 'class-names', o.classNames, `${classes ?? 'no'} names (the model's outputs)`);
    const classNames = classes === undefined ? undefined : (o.classNames ?? Array.from({ length: classes }, (_, i) => `class${i}`));
    const extension: Record<string, unknown> =
      task === 'face'
        ? { loss: 'imported', flip: false }
        : task === 'segment'
          ? { palette: defaultPalette(classes!), ignoreIndex: 255, dataFormat: 'imported' }
          : task === 'register'
            ? { size: inputShape.slice(0, -1), field: registrationField(o.model), integrationSteps: 7, loss: DEFAULT_REGISTRATION_LOSS }
            : {};
    const imported = { weights: resolve(o.weights), found: state.found, strippedPrefix: state.strippedPrefix, parameters: report.parameters, ignored: report.ignored };
    const metadata: ModelMetadata = {
      format: MODEL_METADATA_FORMAT,
      version: MODEL_METADATA_VERSION,
      task,
      model: { name: o.model, options: options as Record<string, unknown> },
      preprocessing: task === 'register' ? { inputShape, intensity: 'minmax', normalization } : { inputShape, normalization },
      classNames,
      thresholds: {},
      training: { steps: 0, seed: 0 },
      extension: { ...extension, imported },
    };
    setModelMetadata(model, metadata);
    const outDir = resolve(o.out);
    await saveModel(model, join(outDir, 'model'));
    writeJsonAtomic(join(outDir, 'config.json'), { task, imported, model: o.model, modelOptions: options, preprocessing: metadata.preprocessing, classNames });
    return { outDir, task, parameters: report.parameters, values: report.values, found: state.found, strippedPrefix: state.strippedPrefix, inputShape, outputShape };
  } finally {
    model.dispose();
  }
}
