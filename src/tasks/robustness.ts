/**
 * Robustness evaluation of trained classifiers, as in WaveCNet (Li et al.,
 * CVPR 2020 / TIP 2021), which reports accuracy on ImageNet-C and under
 * adversarial attacks:
 *
 * - clean top-1 / top-5 accuracy on the test split;
 * - top-1 / top-5 accuracy under each corruption × severity of
 *   `data/corruptions` (Hendrycks & Dietterich, ICLR 2019); every model sees
 *   the very same corrupted images (the corruption of severity s of
 *   corruption number k is seeded with deriveSeed(seed, k, s), the noise of
 *   standard deviation σ with deriveSeed(seed, 2000, round(10⁶σ)));
 * - CE, mCE, relative CE and relative mCE against a baseline model
 *   (`metrics/robustness.ts`; the baseline defaults to the first model);
 * - optionally, accuracy under additive Gaussian noise of given σ (the
 *   "noisy ImageNet" evaluation of WaveCNet, at strengths of one's choosing);
 * - FGSM and PGD (L∞) accuracy for each ε (`attacks/`).
 *
 * Writes `robustness.json` (resolved configuration and every number),
 * `robustness.md` (a Markdown table),
 * `robustness.png` (accuracy against severity, one curve per model, one
 * panel for the mean over the evaluated corruptions and one per family),
 * `noise.png` (accuracy against σ) with a noise sweep and, when attacks ran,
 * `adversarial.png` (accuracy against ε).
 *
 * The evaluated images are held in memory as float32 (N·H·W·C values, 31 MB
 * for Fashion-MNIST's 10,000 test images) together with one corrupted copy;
 * `limit` bounds N for large image folders.
 */
import * as tf from '@tensorflow/tfjs';
import { basename, join, resolve } from 'node:path';
import { adversarialAccuracy, classifierFromModel, type AttackSpec, type Classifier } from '../attacks/index.js';
import { addGaussianNoise, CORRUPTIONS, corrupt, corruptionFamily, type CorruptionFamily, type CorruptionName, type ImageBatch } from '../data/corruptions/index.js';
import type { ParameterSet } from '../data/corruptions/parameters.js';
import type { ClassificationDataset } from '../data/dataset.js';
import { openClassificationData } from '../data/readers.js';
import { engineInfo } from '../engine/backend.js';
import { check, WavecvError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
// registers the custom layers (WaveletPool2D, BatchNorm, …) that saved registry models need to load
import '../models/index.js';
import { countTopK, summarizeCorruptionErrors, type CorruptionErrorSummary } from '../metrics/index.js';
import { lineChartSpec, type Series } from '../plot/line-chart.js';
import { figureGrid, writeFigure } from '../plot/vega.js';
import { loadModel } from '../io/model-io.js';
import { findModelMetadata, resolveModelDir } from '../train/run-folder.js';
import { deriveSeed } from '../engine/seed.js';

export interface RobustnessOptions {
  /** Trained models: run folders of `wavecv train classify` or folders holding model.json. */
  models: string[];
  /** Display names (default: the folder names). */
  names?: string[];
  /** The reference of CE/mCE (one of `models`, or another run); default the first model. */
  baseline?: string;
  /** A data alias (`fashion-mnist`) or a folder; its test split is used. */
  data: string;
  /** Evaluate on the first `limit` test images only (default all). */
  limit?: number;
  corruptions?: CorruptionName[];
  severities?: number[];
  /** Standard deviations of an extra additive-Gaussian-noise sweep (default none). */
  noiseSigmas?: number[];
  parameterSet?: ParameterSet | 'auto';
  /** L∞ radii of the attacks (default none). */
  epsilons?: number[];
  /** Which attacks run for each ε (default both). */
  attacks?: Array<'fgsm' | 'pgd'>;
  pgdSteps?: number;
  pgdStepSize?: number;
  /** Attack only the first `attackLimit` evaluated images (PGD costs steps+1 passes; default all). */
  attackLimit?: number;
  batchSize?: number;
  seed?: number;
  /** Output folder; nothing is written when absent. */
  out?: string;
  onProgress?: (line: string) => void;
}

export interface AccuracyPair {
  top1: number;
  top5: number;
}

export interface ModelRobustness {
  name: string;
  path: string;
  clean: AccuracyPair;
  /** Per corruption, accuracies at the evaluated severities (in `severities` order). */
  corruptions: Record<string, { top1: number[]; top5: number[] }>;
  /** Mean top-1 accuracy over corruptions, per severity. */
  meanTop1BySeverity: number[];
  /** Mean top-1 accuracy over all corruptions and severities. */
  meanCorruptionTop1: number;
  /** Accuracy under additive Gaussian noise of each σ of `noiseSigmas` (same order). */
  gaussianNoise?: { sigma: number[]; top1: number[]; top5: number[] };
  /** CE/mCE against the baseline (undefined when the baseline has zero error somewhere it divides). */
  errors?: CorruptionErrorSummary;
  /** Top-1 accuracy under attack: adversarial.fgsm["0.03"] etc. */
  adversarial: Partial<Record<'fgsm' | 'pgd', Record<string, number>>>;
}

export interface RobustnessReport {
  config: Record<string, unknown>;
  baseline: string;
  models: ModelRobustness[];
  seconds: number;
}

interface LoadedClassifier {
  name: string;
  path: string;
  model: tf.LayersModel;
  classifier: Classifier;
}

/**
 * A classifier with the normalisation its metadata records; a TF.js model
 * without wavecv metadata (saved by other tools) takes images in [0, 1] as they are.
 */
async function loadClassifier(path: string, name: string): Promise<LoadedClassifier> {
  const dir = resolveModelDir(path);
  const model = await loadModel(dir);
  const metadata = findModelMetadata(dir);
  return { name, path: dir, model, classifier: classifierFromModel(model, metadata?.preprocessing.normalization) };
}

async function readImages(dataset: ClassificationDataset, count: number): Promise<{ images: ImageBatch; labels: Int32Array }> {
  const batch = await dataset.getBatch(Array.from({ length: count }, (_, i) => i));
  const image = batch.image;
  check(!!image && image.dtype === 'float32' && image.shape.length === 4, 'data', Object.keys(batch), 'batches with a float32 [B, H, W, C] `image`');
  const [n, h, w, c] = image.shape;
  return { images: { data: image.data as Float32Array, shape: [n, h, w, c] }, labels: Int32Array.from(batch.label.data) };
}

async function accuracies(classifier: Classifier, images: ImageBatch, labels: Int32Array, batchSize: number): Promise<AccuracyPair> {
  const [n, h, w, c] = images.shape;
  const per = h * w * c;
  let top1 = 0;
  let top5 = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const x = tf.tensor4d(images.data.subarray(start * per, end * per), [end - start, h, w, c]);
    const logits = classifier(x);
    const y = labels.subarray(start, end);
    top1 += await countTopK(logits, y, 1);
    top5 += await countTopK(logits, y, 5);
    tf.dispose([x, logits]);
  }
  return { top1: top1 / n, top5: top5 / n };
}

function checkInputShape(loaded: LoadedClassifier, imageShape: number[]): void {
  const expected = loaded.model.inputs[0].shape.slice(1);
  const matches = expected.every((d, i) => d === null || d === imageShape[i]);
  if (!matches) throw new WavecvError('model', loaded.path, `a model taking [${imageShape.join(', ')}] images like the data (it takes [${expected.join(', ')}])`);
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Runs the evaluation; see the module comment. */
export async function evaluateRobustness(options: RobustnessOptions): Promise<RobustnessReport> {
  const started = Date.now();
  check(Array.isArray(options.models) && options.models.length > 0, 'models', options.models, 'at least one model folder');
  const names = options.names ?? options.models.map((m) => basename(resolve(m)));
  check(names.length === options.models.length, 'names', names, `${options.models.length} names, one per model`);
  const corruptions = options.corruptions ?? [...CORRUPTIONS];
  const severities = options.severities ?? [1, 2, 3, 4, 5];
  severities.forEach((s) => check(Number.isInteger(s) && s >= 1 && s <= 5, 'severities', severities, 'integers from 1 to 5'));
  const noiseSigmas = options.noiseSigmas ?? [];
  noiseSigmas.forEach((v) => check(Number.isFinite(v) && v >= 0, 'noiseSigmas', noiseSigmas, 'non-negative standard deviations'));
  const epsilons = options.epsilons ?? [];
  epsilons.forEach((e) => check(Number.isFinite(e) && e >= 0 && e <= 1, 'eps', epsilons, 'L∞ radii in [0, 1]'));
  const attacks = options.attacks ?? ['fgsm', 'pgd'];
  const pgdSteps = options.pgdSteps ?? 10;
  const batchSize = options.batchSize ?? 100;
  check(Number.isInteger(batchSize) && batchSize >= 1, 'batchSize', batchSize, 'a positive integer');
  const seed = options.seed ?? 0;
  const say = options.onProgress ?? (() => {});

  const data = await openClassificationData(options.data);
  const testSet = data.test ?? data.train;
  if (!data.test) say(`data ${options.data} has no test split; evaluating on its training split`);
  const count = Math.min(options.limit ?? testSet.length, testSet.length);
  check(Number.isInteger(count) && count >= 1, 'limit', options.limit, 'a positive integer');
  const { images, labels } = await readImages(testSet, count);

  const baselinePath = options.baseline ? resolveModelDir(options.baseline) : resolveModelDir(options.models[0]);
  const loaded: LoadedClassifier[] = [];
  // every model held in memory: the evaluated ones plus a baseline that is not among them
  const all: LoadedClassifier[] = [];
  try {
    for (let i = 0; i < options.models.length; i++) {
      loaded.push(await loadClassifier(options.models[i], names[i]));
      all.push(loaded[i]);
    }
    let baseline = loaded.find((m) => m.path === baselinePath);
    if (!baseline) {
      baseline = await loadClassifier(options.baseline!, `baseline:${basename(baselinePath)}`);
      all.push(baseline);
    }
    all.forEach((m) => checkInputShape(m, images.shape.slice(1)));

    const clean: AccuracyPair[] = [];
    for (const m of all) clean.push(await accuracies(m.classifier, images, labels, batchSize));
    all.forEach((m, i) => say(`${m.name}: clean top-1 ${(100 * clean[i].top1).toFixed(2)}%  top-5 ${(100 * clean[i].top5).toFixed(2)}%`));
    const byCorruption = all.map(() => ({}) as Record<string, { top1: number[]; top5: number[] }>);
    for (const name of corruptions) {
      const index = CORRUPTIONS.indexOf(name);
      for (const s of severities) {
        const corrupted = await corrupt(images, name, s, { seed: deriveSeed(seed, index, s), parameterSet: options.parameterSet });
        for (let i = 0; i < all.length; i++) {
          const acc = await accuracies(all[i].classifier, corrupted, labels, batchSize);
          const entry = (byCorruption[i][name] ??= { top1: [], top5: [] });
          entry.top1.push(acc.top1);
          entry.top5.push(acc.top5);
        }
        await tf.nextFrame();
      }
      say(`${name}: ${all.map((m, i) => `${m.name} ${byCorruption[i][name].top1.map((a) => (100 * a).toFixed(1)).join('/')}`).join('  ')}`);
    }

    const noise = all.map(() => ({ sigma: [...noiseSigmas], top1: [] as number[], top5: [] as number[] }));
    for (let k = 0; k < noiseSigmas.length; k++) {
      const noisy = addGaussianNoise(images, noiseSigmas[k], { seed: deriveSeed(seed, 2000, Math.round(noiseSigmas[k] * 1e6)) });
      for (let i = 0; i < all.length; i++) {
        const acc = await accuracies(all[i].classifier, noisy, labels, batchSize);
        noise[i].top1.push(acc.top1);
        noise[i].top5.push(acc.top5);
      }
      say(`gaussian noise σ=${noiseSigmas[k]}: ${all.map((m, i) => `${m.name} ${(100 * noise[i].top1[k]).toFixed(2)}%`).join('  ')}`);
      await tf.nextFrame();
    }

    const attackCount = Math.min(options.attackLimit ?? count, count);
    const attackImages: ImageBatch = { data: images.data.subarray(0, attackCount * images.shape[1] * images.shape[2] * images.shape[3]), shape: [attackCount, images.shape[1], images.shape[2], images.shape[3]] };
    const attackLabels = labels.subarray(0, attackCount);
    const adversarial = all.map(() => ({}) as ModelRobustness['adversarial']);
    for (const epsilon of epsilons) {
      for (const kind of attacks) {
        const spec: AttackSpec = kind === 'fgsm' ? { kind, epsilon } : { kind, epsilon, steps: pgdSteps, stepSize: options.pgdStepSize };
        for (let i = 0; i < all.length; i++) {
          const acc = await adversarialAccuracy(all[i].classifier, attackImages, attackLabels, spec, { batchSize, seed: deriveSeed(seed, 1000, Math.round(epsilon * 1e6)) });
          (adversarial[i][kind] ??= {})[String(epsilon)] = acc;
        }
        say(`${kind.toUpperCase()} ε=${epsilon}: ${all.map((m, i) => `${m.name} ${(100 * adversarial[i][kind]![String(epsilon)]).toFixed(2)}%`).join('  ')}`);
      }
    }

    const baseIndex = all.indexOf(baseline);
    const errorsOf = (i: number) => Object.fromEntries(Object.entries(byCorruption[i]).map(([c, v]) => [c, v.top1.map((a) => 1 - a)]));
    const models: ModelRobustness[] = loaded.map((m, i) => {
      let errors: CorruptionErrorSummary | undefined;
      if (corruptions.length > 0) {
        try {
          errors = summarizeCorruptionErrors(errorsOf(i), 1 - clean[i].top1, errorsOf(baseIndex), 1 - clean[baseIndex].top1);
        } catch (error) {
          if (!(error instanceof WavecvError)) throw error;
          say(`${m.name}: CE not defined (${error.message})`);
        }
      }
      const meanTop1BySeverity = severities.map((_, k) => (corruptions.length ? mean(corruptions.map((c) => byCorruption[i][c].top1[k])) : NaN));
      return {
        name: m.name,
        path: m.path,
        clean: clean[i],
        corruptions: byCorruption[i],
        meanTop1BySeverity,
        meanCorruptionTop1: corruptions.length ? mean(meanTop1BySeverity) : NaN,
        gaussianNoise: noiseSigmas.length ? noise[i] : undefined,
        errors,
        adversarial: adversarial[i],
      };
    });
    const report: RobustnessReport = {
      config: {
        task: 'robustness',
        models: loaded.map((m) => m.path),
        names,
        baseline: baseline.path,
        data: data.source,
        split: data.test ? 'test' : 'train',
        images: count,
        corruptions,
        severities,
        noiseSigmas,
        parameterSet: options.parameterSet ?? 'auto',
        epsilons,
        attacks: epsilons.length ? attacks : [],
        pgdSteps,
        pgdStepSize: options.pgdStepSize ?? (epsilons.length ? '2.5·ε/steps' : undefined),
        attackImages: epsilons.length ? attackCount : 0,
        batchSize,
        seed,
        backend: engineInfo()?.backend,
      },
      baseline: baseline.name,
      models,
      seconds: (Date.now() - started) / 1000,
    };
    if (options.out) await writeRobustnessOutputs(report, options.out);
    return report;
  } finally {
    for (const m of all) m.model.dispose();
  }
}

/**
 * The report as a Markdown table, one row per model: clean top-1/top-5, each
 * noise σ, mean accuracy over the corruptions, mCE and relative mCE (in % of
 * the baseline), and each attack × ε. Accuracies in %.
 */
export function robustnessMarkdown(report: RobustnessReport): string {
  const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : (100 * v).toFixed(2));
  const sigmas = (report.config.noiseSigmas as number[] | undefined) ?? [];
  const corruptions = report.config.corruptions as string[];
  const epsilons = report.config.epsilons as number[];
  const attacks = (report.config.attacks as string[]).filter((k): k is 'fgsm' | 'pgd' => k === 'fgsm' || k === 'pgd');
  const header = ['model', 'clean top-1', 'clean top-5', ...sigmas.map((s) => `noise σ=${s}`)];
  if (corruptions.length) header.push(`corruptions (mean of ${corruptions.length}×${(report.config.severities as number[]).length})`, 'mCE', 'rel. mCE');
  for (const e of epsilons) for (const k of attacks) header.push(`${k.toUpperCase()} ε=${e}`);
  const rows = report.models.map((m) => {
    const row = [m.name, pct(m.clean.top1), pct(m.clean.top5), ...sigmas.map((_, k) => pct(m.gaussianNoise?.top1[k]))];
    if (corruptions.length) row.push(pct(m.meanCorruptionTop1), pct(m.errors?.mCE), pct(m.errors?.relativeMCE));
    for (const e of epsilons) for (const k of attacks) row.push(pct(m.adversarial[k]?.[String(e)]));
    return row;
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Writes robustness.json, robustness.md (the table of
 * {@link robustnessMarkdown}), robustness.png (with corruptions), noise.png
 * (with a noise sweep) and adversarial.png (with attacks) into `out`.
 */
export async function writeRobustnessOutputs(report: RobustnessReport, out: string): Promise<void> {
  writeJsonAtomic(join(out, 'robustness.json'), report);
  writeFileAtomic(join(out, 'robustness.md'), robustnessMarkdown(report));
  const severities = report.config.severities as number[];
  const corruptions = report.config.corruptions as CorruptionName[];
  if (corruptions.length > 0) {
    const panels: { title: string; members: CorruptionName[] }[] = [{ title: corruptions.length === 1 ? corruptions[0] : `mean over ${corruptions.length} corruptions`, members: corruptions }];
    const families = [...new Set(corruptions.map(corruptionFamily))] as CorruptionFamily[];
    if (families.length > 1) for (const f of families) panels.push({ title: `${f} (mean of ${corruptions.filter((c) => corruptionFamily(c) === f).length})`, members: corruptions.filter((c) => corruptionFamily(c) === f) });
    const xs = [0, ...severities];
    const specs = panels.map((panel) => {
      const series: Series[] = report.models.map((m) => ({
        label: m.name,
        x: xs,
        y: [100 * m.clean.top1, ...severities.map((_, k) => 100 * mean(panel.members.map((c) => m.corruptions[c].top1[k])))],
      }));
      return lineChartSpec(series, { title: `Top-1 accuracy: ${panel.title}`, xLabel: 'severity (0 = clean)', yLabel: 'top-1 accuracy (%)', width: 520, height: 320 });
    });
    await writeFigure(join(out, 'robustness.png'), figureGrid(specs, 2));
  }
  const sigmas = (report.config.noiseSigmas as number[] | undefined) ?? [];
  if (sigmas.length > 0) {
    const series: Series[] = report.models.map((m) => {
      const points = [{ x: 0, y: 100 * m.clean.top1 }, ...sigmas.map((s, k) => ({ x: s, y: 100 * m.gaussianNoise!.top1[k] }))].sort((a, b) => a.x - b.x);
      return { label: m.name, x: points.map((p) => p.x), y: points.map((p) => p.y) };
    });
    await writeFigure(join(out, 'noise.png'), lineChartSpec(series, { title: 'Top-1 accuracy under additive Gaussian noise', xLabel: 'noise σ (pixel values in [0, 1])', yLabel: 'top-1 accuracy (%)', width: 720, height: 440 }));
  }
  const epsilons = report.config.epsilons as number[];
  if (epsilons.length > 0) {
    const series: Series[] = [];
    for (const m of report.models) {
      for (const kind of ['fgsm', 'pgd'] as const) {
        const values = m.adversarial[kind];
        if (!values) continue;
        series.push({ label: `${m.name} ${kind.toUpperCase()}`, x: [0, ...epsilons], y: [100 * m.clean.top1, ...epsilons.map((e) => 100 * values[String(e)])] });
      }
    }
    await writeFigure(join(out, 'adversarial.png'), lineChartSpec(series, { title: 'Top-1 accuracy under L∞ attacks', xLabel: 'ε (pixel values in [0, 1])', yLabel: 'top-1 accuracy (%)', width: 720, height: 440 }));
  }
}
