/**
 * The bundled demo (`npm run demo`, `wavecv demo`): the paper's claim in
 * miniature. Li et al. ("Wavelet Integrated CNNs for Noise-Robust Image
 * Classification", CVPR 2020) replace down-sampling by the DWT's low band and
 * report better accuracy under noise. Here a vanilla `cnn28` and its wavelet
 * twin (max-pools → Haar DWT LL, same seed, same data order, same budget)
 * are trained briefly on the bundled Fashion-MNIST subset
 * (data/fashion-mnist-subset: 3000 training, 1000 test images), then
 * evaluated clean, under additive Gaussian noise of several strengths and
 * under the noise family of the corruptions at CIFAR-10-C severities.
 *
 * Outputs in `out` (default runs/demo): one classify run folder per model
 * (`vanilla/`, `<wavelet>/`: model, metrics.json, curves), the evaluation of
 * `eval robustness` (robustness.json, noise.png, robustness.png), and the
 * summary `demo.json` and `demo.png` (accuracy against noise σ next to test
 * accuracy against epoch). It overwrites the run folders of a previous demo
 * in the same `out`.
 *
 * Defaults (our choice, sized to run in a few minutes on two cores):
 * width 16, 3 epochs of Adam (lr 2e-3, cosine decay) with batches of 64,
 * noise σ ∈ {0.08, 0.12, 0.18, 0.26, 0.38} (ImageNet-C's Gaussian-noise
 * severities; the CIFAR-10-C ones, 0.04–0.10, barely touch Fashion-MNIST).
 * With so little training the two models differ by a few points either way;
 * the demo shows the pipeline and the measurement, not a verdict.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORRUPTION_FAMILIES, type CorruptionName } from '../data/corruptions/index.js';
import { engineInfo } from '../engine/backend.js';
import { check, WavecvError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { lineChartSpec } from '../plot/line-chart.js';
import { figureGrid, writeFigure } from '../plot/vega.js';
import type { ProgressReporter } from '../train/trainer.js';
import { trainClassifier, type ClassifyResult } from './classify.js';
import { evaluateRobustness, type RobustnessReport } from './robustness.js';

/** The bundled subset, located relative to this module (src/tasks or dist/tasks). */
export const DEMO_DATA = fileURLToPath(new URL('../../data/fashion-mnist-subset/', import.meta.url));

export interface DemoOptions {
  out?: string;
  /** Data folder or alias (default the bundled subset). */
  data?: string;
  model?: string;
  /** Wavelet of the second model (default 'haar'). */
  wavelet?: string;
  width?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Train / evaluate on the first n images only (default all of the subset). */
  trainLimit?: number;
  testLimit?: number;
  noiseSigmas?: number[];
  corruptions?: CorruptionName[];
  severities?: number[];
  /** Progress display for the training runs. */
  progress?: (name: string) => ProgressReporter | undefined;
  onProgress?: (line: string) => void;
}

export interface DemoModelSummary {
  name: string;
  wavelet: string | null;
  runDir: string;
  trainSeconds: number;
  testTop1ByEpoch: number[];
  clean: { top1: number; top5: number };
  gaussianNoise: { sigma: number[]; top1: number[] };
  noiseFamilyTop1BySeverity: number[];
  meanNoisyTop1: number;
}

export interface DemoReport {
  config: Record<string, unknown>;
  models: DemoModelSummary[];
  seconds: { total: number; training: number; evaluation: number };
  robustness: RobustnessReport;
}

function clearPreviousRun(dir: string): void {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  const looksLikeRun = entries.length === 0 || entries.includes('config.json') || entries.includes('checkpoints');
  if (!looksLikeRun) throw new WavecvError('out', dir, 'a folder the demo may overwrite (a previous demo run, or absent); it holds other files');
  rmSync(dir, { recursive: true, force: true });
}

/** Trains the two models and evaluates them; see the module comment. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = Date.now();
  const out = resolve(options.out ?? 'runs/demo');
  const wavelet = options.wavelet ?? 'haar';
  check(wavelet !== 'none' && wavelet !== '', 'wavelet', wavelet, 'a wavelet name for the second model (e.g. haar, db2)');
  const model = options.model ?? 'cnn28';
  const width = options.width ?? 16;
  const epochs = options.epochs ?? 3;
  const batchSize = options.batchSize ?? 64;
  const lr = options.lr ?? 2e-3;
  const seed = options.seed ?? 0;
  const data = options.data ?? DEMO_DATA;
  const noiseSigmas = options.noiseSigmas ?? [0.08, 0.12, 0.18, 0.26, 0.38];
  const corruptions = options.corruptions ?? [...CORRUPTION_FAMILIES.noise];
  const severities = options.severities ?? [1, 2, 3, 4, 5];
  const say = options.onProgress ?? (() => {});
  const variants = [
    { name: 'vanilla', wavelet: null as string | null },
    { name: wavelet, wavelet },
  ];

  const runs: ClassifyResult[] = [];
  const modelOptions = (w: string | null): Record<string, unknown> => (model === 'cnn28' ? { width, ...(w ? { wavelet: w } : {}) } : { ...(w ? { wavelet: w } : {}) });
  for (const variant of variants) {
    const dir = join(out, variant.name);
    clearPreviousRun(dir);
    say(`training ${model}${variant.wavelet ? ` with ${variant.wavelet} DWT down-sampling` : ' (vanilla, max-pool)'}: ${epochs} epochs into ${dir}`);
    const result = await trainClassifier({
      model,
      modelOptions: modelOptions(variant.wavelet),
      data,
      epochs,
      batchSize,
      optimizer: { type: 'adam', lr },
      schedule: { type: 'cosine' },
      seed,
      out: dir,
      trainLimit: options.trainLimit,
      testLimit: options.testLimit,
      progress: options.progress?.(variant.name),
    });
    say(`${variant.name}: test top-1 ${(100 * result.test.top1).toFixed(2)}% after ${result.steps} steps (${result.trainSeconds.toFixed(1)} s of training)`);
    runs.push(result);
  }
  const trainedAt = Date.now();

  const robustness = await evaluateRobustness({
    models: runs.map((r) => r.outDir),
    names: variants.map((v) => v.name),
    data,
    limit: options.testLimit,
    corruptions,
    severities,
    noiseSigmas,
    seed,
    out,
    onProgress: say,
  });
  const evaluatedAt = Date.now();

  const models: DemoModelSummary[] = robustness.models.map((m, i) => {
    const noise = m.gaussianNoise!;
    return {
      name: m.name,
      wavelet: variants[i].wavelet,
      runDir: runs[i].outDir,
      trainSeconds: runs[i].trainSeconds,
      testTop1ByEpoch: runs[i].history.filter((h) => h.eval).map((h) => h.eval!.top1),
      clean: m.clean,
      gaussianNoise: { sigma: noise.sigma, top1: noise.top1 },
      noiseFamilyTop1BySeverity: m.meanTop1BySeverity,
      meanNoisyTop1: noise.top1.reduce((a, b) => a + b, 0) / noise.top1.length,
    };
  });

  const noisePanel = lineChartSpec(
    models.map((m) => ({ label: m.name, x: [0, ...m.gaussianNoise.sigma], y: [100 * m.clean.top1, ...m.gaussianNoise.top1.map((a) => 100 * a)] })),
    { title: 'Test accuracy under Gaussian noise', xLabel: 'noise σ (pixel values in [0, 1])', yLabel: 'top-1 accuracy (%)', width: 640, height: 400 },
  );
  const epochPanel = lineChartSpec(
    models.map((m) => ({ label: m.name, x: m.testTop1ByEpoch.map((_, e) => e + 1), y: m.testTop1ByEpoch.map((a) => 100 * a) })),
    { title: 'Clean test accuracy while training', xLabel: 'epoch', yLabel: 'top-1 accuracy (%)', width: 640, height: 400 },
  );
  await writeFigure(join(out, 'demo.png'), figureGrid([noisePanel, epochPanel], 2));

  const report: DemoReport = {
    config: {
      task: 'demo',
      data,
      model,
      modelOptions: variants.map((v) => ({ name: v.name, ...modelOptions(v.wavelet) })),
      epochs,
      batchSize,
      optimizer: { type: 'adam', lr },
      schedule: 'cosine',
      seed,
      trainImages: runs[0].trainSize,
      testImages: robustness.config.images,
      noiseSigmas,
      corruptions,
      severities,
      backend: engineInfo()?.backend,
    },
    models,
    seconds: { total: (evaluatedAt - started) / 1000, training: (trainedAt - started) / 1000, evaluation: (evaluatedAt - trainedAt) / 1000 },
    robustness,
  };
  writeJsonAtomic(join(out, 'demo.json'), { ...report, robustness: 'robustness.json' });
  return report;
}
