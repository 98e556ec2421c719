/**
 * Attention collapse in deep ViTs, with and without MAS (multi-attention
 * scaling, src/nn/attention.ts): the diagnostic of DeepViT (Zhou et al.,
 * "DeepViT: Towards Deeper Vision Transformer", arXiv 2103.11886, §3, eq. 2),
 * the cosine similarity of the attention maps of two blocks,
 *
 *   M^{l,l+1} = mean over samples b, heads h and query tokens t of
 *               cos(A^l_{b,h,t,:}, A^{l+1}_{b,h,t,:}),
 *
 * for every pair of neighbouring blocks l, l+1 (DeepViT reports that in deep
 * trained ViTs neighbouring maps of the later blocks become near-identical,
 * cosine > 0.9: the blocks stop learning new attention). With MAS the maps
 * are the re-weighted ones Â that the layer applies to V.
 *
 * Two more statistics, ours, because the cosine alone cannot tell collapse
 * from near-uniform attention: a row close to uniform (1/N, …, 1/N) has
 * cosine ≈ 1 with any other near-uniform row, so untrained maps (attention
 * logits ≈ 0 under ViT's std-0.02 initialisation) score ≈ 1 without having
 * collapsed onto anything.
 * - Centred similarity: the same mean of cosines after subtracting each
 *   row's mean (Pearson's correlation of the two rows): it compares where
 *   the rows put more or less than their average weight, not their uniform
 *   part; a row that is exactly constant counts 0.
 * - Sharpness of each block's maps: 1 − H(row)/log N averaged over rows, with
 *   H the entropy of the row (negative entries of Â clipped to 0 and the row
 *   renormalised): 0 for uniform attention, 1 for attention on one token.
 *
 * Setting (ours, and why): collapse is a property of trained deep models, so
 * both models (MAS off, on) are built with the same seed and trained with
 * the same data order, optimiser and step budget; they are trained side by
 * side (two trainers running concurrently, one step each in turn), so a run
 * cut short still has both models at the same step, and the statistics are
 * taken on a fixed batch of held-out test images at step 0 and every
 * `snapshotEvery` steps (and at the step where a `signal` stops training
 * early). Cost of MAS: the parameter difference (H² per
 * block) and the median time of a training step (forward, backward, SGD
 * update), in wall-clock and in process CPU time, measured after training
 * with the two models alternating on the same batch, so both see the same
 * load on a shared machine.
 */
import * as tf from '@tensorflow/tfjs';
import { normalize } from '../data/augment.js';
import { DataLoader, subsetDataset, type ClassificationDataset } from '../data/dataset.js';
import { channelStatistics } from '../data/normalization.js';
import { openClassificationData } from '../data/readers.js';
import { Rng } from '../engine/random.js';
import { deriveSeed, SEED_STREAMS, withSeededRandom } from '../engine/seed.js';
import { check } from '../errors.js';
import { classificationObjective } from '../losses/classification.js';
import { buildVit, vitAttentionMaps } from '../nn/vit.js';
import { lineChartSpec, type Series } from '../plot/line-chart.js';
import { figureGrid, type VegaLiteSpec } from '../plot/vega.js';
import { Trainer } from '../train/trainer.js';

/** Rows of `a` minus their mean (for the centred similarity). */
function centreRows(a: tf.Tensor4D): tf.Tensor4D {
  return tf.sub(a, tf.mean(a, -1, true));
}

/**
 * Mean cosine similarity of the maps of each pair of neighbouring blocks (maps [B, H, N, N] per
 * block, in block order); `centred`: of the rows minus their means (see the module comment).
 */
export function neighbourMapSimilarity(maps: readonly tf.Tensor4D[], centred = false): number[] {
  check(maps.length >= 2, 'maps', maps.length, 'the maps of at least two blocks');
  const out: number[] = [];
  for (let l = 0; l + 1 < maps.length; l++) {
    const s = tf.tidy(() => {
      const a = centred ? centreRows(maps[l]) : maps[l];
      const b = centred ? centreRows(maps[l + 1]) : maps[l + 1];
      const dot = tf.sum(tf.mul(a, b), -1);
      const norms = tf.mul(tf.norm(a, 'euclidean', -1), tf.norm(b, 'euclidean', -1));
      return tf.mean(tf.div(dot, tf.maximum(norms, 1e-12)));
    });
    out.push(s.dataSync()[0]);
    s.dispose();
  }
  return out;
}

/** Sharpness 1 − H(row)/log N of each block's maps, averaged over rows (see the module comment). */
export function mapSharpness(maps: readonly tf.Tensor4D[]): number[] {
  return maps.map((m) => {
    const n = m.shape[3];
    check(n >= 2, 'maps', `rows of ${n} keys`, 'at least two keys per row');
    const s = tf.tidy(() => {
      const clipped = tf.relu(m);
      const p = tf.div(clipped, tf.maximum(tf.sum(clipped, -1, true), 1e-12));
      const entropy = tf.neg(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-12))), -1));
      return tf.sub(1, tf.div(tf.mean(entropy), Math.log(n)));
    });
    const v = s.dataSync()[0];
    s.dispose();
    return v;
  });
}

export interface AttentionCollapseOptions {
  /** Blocks of the ViT (default 24). */
  depth?: number;
  /** Token width D (default 32). */
  embedDim?: number;
  /** Heads H (default 4). */
  numHeads?: number;
  /** Patch side (default 7: 4×4 patches + the class token on 28×28 images). */
  patchSize?: number;
  /** Training steps of each model (default 2000). */
  steps?: number;
  /** Batch size (default 8). */
  batchSize?: number;
  /** Adam learning rate (default 5e-4). */
  lr?: number;
  /** Held-out test images the maps are measured on (default 64). */
  probe?: number;
  /** Steps between two measurements (default 250; step 0 and the last step are always measured). */
  snapshotEvery?: number;
  /** Alternating rounds of the step-time measurement (default 10). */
  timingRounds?: number;
  seed?: number;
  /** A classification data alias or folder (default fashion-mnist). */
  data?: string;
  onProgress?: (line: string) => void;
  /** Called with the report so far after every measurement (partial until `complete`). */
  onSnapshot?: (report: AttentionCollapseReport) => void;
  /** Ends training early (after the current step of each model); the last step is measured and the step times taken as usual. */
  signal?: AbortSignal;
}

/** The statistics of one model at one step, on the probe batch. */
export interface AttentionSnapshot {
  step: number;
  /** DeepViT's similarity of blocks l, l+1 for l = 0 … depth−2. */
  similarity: number[];
  /** The same on rows minus their means. */
  centredSimilarity: number[];
  /** Sharpness of blocks 0 … depth−1. */
  sharpness: number[];
  /** Mean training loss of the steps since the previous snapshot (absent at step 0). */
  trainLoss?: number;
  /** Top-1 accuracy on the probe batch. */
  probeAccuracy: number;
}

export interface AttentionCollapseSide {
  mas: boolean;
  parameters: number;
  /** Training steps applied so far. */
  trainedSteps: number;
  snapshots: AttentionSnapshot[];
  /** Median wall-clock milliseconds of a training step, measured alternating with the other model (absent until training ends). */
  stepMs?: number;
  /** The same in CPU time of the process (less sensitive than wall time to the load of a shared machine). */
  stepCpuMs?: number;
}

export interface AttentionCollapseReport {
  settings: Required<Omit<AttentionCollapseOptions, 'onProgress' | 'onSnapshot' | 'signal'>>;
  /** Whether both models finished training and the step times were measured. */
  complete: boolean;
  plain: AttentionCollapseSide;
  mas: AttentionCollapseSide;
}

function snapshotOf(model: tf.LayersModel, probe: tf.Tensor, labels: Int32Array, step: number, trainLoss?: number): AttentionSnapshot {
  const maps = vitAttentionMaps(model, probe).map((m) => m.maps);
  try {
    const predicted = tf.tidy(() => tf.argMax(model.predict(probe) as tf.Tensor, 1));
    const p = predicted.dataSync();
    predicted.dispose();
    return {
      step,
      similarity: neighbourMapSimilarity(maps),
      centredSimilarity: neighbourMapSimilarity(maps, true),
      sharpness: mapSharpness(maps),
      ...(trainLoss === undefined ? {} : { trainLoss }),
      probeAccuracy: labels.reduce((s, y, i) => s + (p[i] === y ? 1 : 0), 0) / labels.length,
    };
  } finally {
    tf.dispose(maps);
  }
}

const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

/**
 * Median wall-clock and process-CPU milliseconds of a training step (forward, backward, SGD update
 * at rate 0) of each model, the models alternating.
 */
function alternatingStepMs(models: readonly tf.LayersModel[], x: tf.Tensor, labels: tf.Tensor, rounds: number): Array<{ wall: number; cpu: number }> {
  const optimizers = models.map(() => tf.train.sgd(0));
  const times = models.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  try {
    for (let r = 0; r <= rounds; r++) {
      models.forEach((model, i) => {
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        const loss = optimizers[i].minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
        loss?.dataSync();
        loss?.dispose();
        const cpu = process.cpuUsage(cpuStarted);
        if (r === 0) return; // round 0 warms up
        times[i].wall.push(performance.now() - started);
        times[i].cpu.push((cpu.user + cpu.system) / 1000);
      });
    }
  } finally {
    optimizers.forEach((o) => o.dispose());
  }
  return times.map((t) => ({ wall: median(t.wall), cpu: median(t.cpu) }));
}

/** Trains the ViT with and without MAS side by side and measures their attention maps; see the module comment. */
export async function measureAttentionCollapse(options: AttentionCollapseOptions = {}): Promise<AttentionCollapseReport> {
  const settings = {
    depth: options.depth ?? 24,
    embedDim: options.embedDim ?? 32,
    numHeads: options.numHeads ?? 4,
    patchSize: options.patchSize ?? 7,
    steps: options.steps ?? 2000,
    batchSize: options.batchSize ?? 8,
    lr: options.lr ?? 5e-4,
    probe: options.probe ?? 64,
    snapshotEvery: options.snapshotEvery ?? 250,
    timingRounds: options.timingRounds ?? 10,
    seed: options.seed ?? 0,
    data: options.data ?? 'fashion-mnist',
  };
  check(Number.isInteger(settings.depth) && settings.depth >= 2, 'depth', settings.depth, 'at least 2 blocks (the maps of neighbouring blocks are compared)');
  for (const key of ['steps', 'batchSize', 'probe', 'snapshotEvery', 'timingRounds'] as const) check(Number.isInteger(settings[key]) && settings[key] > 0, key, settings[key], 'a positive integer');
  const data = await openClassificationData(settings.data);
  const test = data.test ?? data.train;
  const [size, , channels] = data.train.imageShape;
  check(size % settings.patchSize === 0, 'patchSize', settings.patchSize, `a divisor of the image size ${size}`);
  const normalization = await channelStatistics(subsetDataset(data.train, Array.from({ length: Math.min(4096, data.train.length) }, (_, i) => i)) as ClassificationDataset);
  const probeBatch = await normalize(normalization)(await test.getBatch(Array.from({ length: Math.min(settings.probe, test.length) }, (_, i) => i)), new Rng(0));
  const probe = tf.tensor(probeBatch.image.data, probeBatch.image.shape);
  const probeLabels = Int32Array.from(probeBatch.label.data);
  const build = (mas: boolean) =>
    withSeededRandom(deriveSeed(settings.seed, SEED_STREAMS.modelInit), () =>
      buildVit({ inputSize: size, inChannels: channels, patchSize: settings.patchSize, numClasses: data.classNames.length, embedDim: settings.embedDim, depth: settings.depth, numHeads: settings.numHeads, mas, seed: settings.seed }),
    );
  const models = [build(false), build(true)];
  const sides: AttentionCollapseSide[] = models.map((model, i) => ({ mas: i === 1, parameters: model.countParams(), trainedSteps: 0, snapshots: [snapshotOf(model, probe, probeLabels, 0)] }));
  const report = (): AttentionCollapseReport => ({ settings, complete: sides.every((s) => s.stepMs !== undefined), plain: sides[0], mas: sides[1] });
  const trainers: Trainer[] = [];
  try {
    options.onSnapshot?.(report());
    const train = async (i: number) => {
      const side = sides[i];
      let lossSum = 0;
      let lossCount = 0;
      const measure = (step: number) => {
        const snapshot = snapshotOf(models[i], probe, probeLabels, step, lossSum / lossCount);
        lossSum = 0;
        lossCount = 0;
        side.snapshots.push(snapshot);
        options.onProgress?.(`${side.mas ? 'MAS' : 'plain'}: step ${step}/${settings.steps}, loss ${snapshot.trainLoss!.toFixed(3)}, probe accuracy ${snapshot.probeAccuracy.toFixed(3)}`);
      };
      const trainer = new Trainer({
        model: models[i],
        objective: classificationObjective(data.classNames.length),
        data: new DataLoader(data.train, { batchSize: settings.batchSize, seed: settings.seed, transform: normalize(normalization) }),
        optimizer: { type: 'adam', lr: settings.lr },
        maxSteps: settings.steps,
        seed: settings.seed,
        signal: options.signal,
        onStep: (r) => {
          lossSum += r.loss;
          lossCount += 1;
          side.trainedSteps = r.step;
          if (r.step % settings.snapshotEvery !== 0 && r.step !== settings.steps) return;
          measure(r.step);
          if (sides.every((s) => s.snapshots.length === side.snapshots.length)) options.onSnapshot?.(report());
        },
      });
      trainers.push(trainer);
      await trainer.fit();
      if (lossCount > 0) measure(side.trainedSteps); // stopped by the signal between two measurements
    };
    await Promise.all([train(0), train(1)]);
    if (options.signal?.aborted) options.onSnapshot?.(report());
    const timingBatch = Math.min(settings.batchSize, probeLabels.length);
    const [x, labels] = tf.tidy(() => [tf.slice(probe, 0, timingBatch), tf.oneHot(tf.tensor1d(probeLabels.slice(0, timingBatch), 'int32'), data.classNames.length)]);
    try {
      alternatingStepMs(models, x, labels, settings.timingRounds).forEach((t, i) => {
        sides[i].stepMs = t.wall;
        sides[i].stepCpuMs = t.cpu;
      });
    } finally {
      tf.dispose([x, labels]);
    }
    const done = report();
    options.onSnapshot?.(done);
    return done;
  } finally {
    trainers.forEach((t) => t.dispose());
    models.forEach((m) => m.dispose());
    probe.dispose();
  }
}

function panel(report: AttentionCollapseReport, pick: (s: AttentionSnapshot) => number[], title: string, yLabel: string, yRange?: [number, number]): VegaLiteSpec {
  const series: Series[] = [];
  for (const side of [report.plain, report.mas]) {
    const first = side.snapshots[0];
    const last = side.snapshots[side.snapshots.length - 1];
    const name = side.mas ? 'MAS' : 'plain';
    const x = pick(first).map((_, l) => l);
    series.push({ label: `${name}, step ${last.step}`, x, y: pick(last) });
    if (last !== first) series.push({ label: `${name}, step 0`, x, y: pick(first) });
  }
  return lineChartSpec(series, { title, xLabel: yLabel === 'sharpness' ? 'block l' : 'blocks l, l+1', yLabel, yRange, width: 460, height: 340 });
}

/**
 * The figure: per block, at step 0 and at the last measured step, with and without MAS —
 * DeepViT's neighbouring-map cosine, the centred similarity (on [−1, 1]) and the sharpness of
 * the maps (these two axes fitted to the values: near 1 and near 0, differences are small).
 */
export function attentionCollapseSpec(report: AttentionCollapseReport): VegaLiteSpec {
  const s = report.settings;
  return figureGrid(
    [
      panel(report, (p) => p.similarity, 'Cosine similarity of neighbouring maps', 'cosine similarity'),
      panel(report, (p) => p.centredSimilarity, 'Centred (row-mean removed)', 'centred similarity', [-1, 1]),
      panel(report, (p) => p.sharpness, 'Sharpness 1 − H/log N', 'sharpness'),
    ],
    3,
    `Attention maps of a ${s.depth}-block ViT (D = ${s.embedDim}, ${s.numHeads} heads, patch ${s.patchSize}) on ${s.data}, held-out probe of ${s.probe}`,
  );
}
