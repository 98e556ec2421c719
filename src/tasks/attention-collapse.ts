/**
 * Attention collapse in deep ViTs, with and without MAS (multi-attention
 * scaling, src/nn/attention.ts): the diagnostic of DeepViT (Zhou et al.,
 * "DeepViT: Towards Deeper Vision Transformer", arXiv 2103.11886, §3, eq. 2),
 * the cosine similarity of the attention maps of two blocks,
 *
 *   M^{l,l+1} = mean over samples b, heads h and query tokens t of
 *               cos(A^l_{b,h,t,:}, A^{l+1}_{b,h,t,:}),
 *
 * for every pair of neighbouring blocks l, l+1 (DeepViT reports that above
 * ~depth 17 neighbouring maps become near-identical, cosine > 0.9: the
 * blocks stop learning new attention). With MAS the maps are the re-weighted
 * ones Â that the layer applies to V.
 *
 * Setting (ours, and why): the models are *trained*, not freshly
 * initialised. At ViT initialisation (truncated normal, std 0.02) the
 * attention logits are close to 0 and every map is close to uniform, so all
 * maps are alike — cosine ≈ 1 with and without MAS, and MAS is the identity
 * at step 0 — which says nothing about collapse; the untrained similarities
 * are measured too and reported to show it. Both models (MAS off, on) are
 * built with the same seed, trained with the same data order, optimiser and
 * step budget on Fashion-MNIST (the installed Debian data set), and measured
 * on the same fixed test batch. Cost of MAS: the parameter difference
 * (H² per block) and the mean time of a training step of each model.
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
import { lineChartSpec } from '../plot/line-chart.js';
import type { VegaLiteSpec } from '../plot/vega.js';
import { Trainer } from '../train/trainer.js';

/** Mean cosine similarity of the maps of each pair of neighbouring blocks (maps [B, H, N, N] per block, in block order). */
export function neighbourMapSimilarity(maps: readonly tf.Tensor4D[]): number[] {
  check(maps.length >= 2, 'maps', maps.length, 'the maps of at least two blocks');
  const out: number[] = [];
  for (let l = 0; l + 1 < maps.length; l++) {
    const s = tf.tidy(() => {
      const a = maps[l];
      const b = maps[l + 1];
      const dot = tf.sum(tf.mul(a, b), -1);
      const norms = tf.mul(tf.norm(a, 'euclidean', -1), tf.norm(b, 'euclidean', -1));
      return tf.mean(tf.div(dot, tf.maximum(norms, 1e-12)));
    });
    out.push(s.dataSync()[0]);
    s.dispose();
  }
  return out;
}

export interface AttentionCollapseOptions {
  /** Blocks of the ViT (default 24). */
  depth?: number;
  embedDim?: number;
  numHeads?: number;
  patchSize?: number;
  /** Training steps of each model (default 300). */
  steps?: number;
  batchSize?: number;
  /** Adam learning rate (default 5e-4). */
  lr?: number;
  /** Test images the maps are measured on (default 64). */
  probe?: number;
  seed?: number;
  /** A classification data alias or folder (default fashion-mnist). */
  data?: string;
  onProgress?: (line: string) => void;
}

export interface AttentionCollapseSide {
  mas: boolean;
  parameters: number;
  /** Mean milliseconds of a training step (forward, backward, update). */
  stepMs: number;
  /** Similarity of blocks l, l+1 for l = 0 … depth−2. */
  untrained: number[];
  trained: number[];
  /** Top-1 accuracy on the probe batch after training. */
  probeAccuracy: number;
}

export interface AttentionCollapseReport {
  settings: Required<Omit<AttentionCollapseOptions, 'onProgress'>>;
  plain: AttentionCollapseSide;
  mas: AttentionCollapseSide;
}

function similarities(model: tf.LayersModel, x: tf.Tensor): number[] {
  const maps = vitAttentionMaps(model, x);
  try {
    return neighbourMapSimilarity(maps.map((m) => m.maps));
  } finally {
    tf.dispose(maps.map((m) => m.maps));
  }
}

/** Trains the ViT with and without MAS and measures neighbouring-block map similarity before and after; see the module comment. */
export async function measureAttentionCollapse(options: AttentionCollapseOptions = {}): Promise<AttentionCollapseReport> {
  const settings = {
    depth: options.depth ?? 24,
    embedDim: options.embedDim ?? 64,
    numHeads: options.numHeads ?? 4,
    patchSize: options.patchSize ?? 4,
    steps: options.steps ?? 300,
    batchSize: options.batchSize ?? 32,
    lr: options.lr ?? 5e-4,
    probe: options.probe ?? 64,
    seed: options.seed ?? 0,
    data: options.data ?? 'fashion-mnist',
  };
  const data = await openClassificationData(settings.data);
  const test = data.test ?? data.train;
  const [size, , channels] = data.train.imageShape;
  check(size % settings.patchSize === 0, 'patchSize', settings.patchSize, `a divisor of the image size ${size}`);
  const normalization = await channelStatistics(subsetDataset(data.train, Array.from({ length: Math.min(4096, data.train.length) }, (_, i) => i)) as ClassificationDataset);
  const probeBatch = await normalize(normalization)(await test.getBatch(Array.from({ length: Math.min(settings.probe, test.length) }, (_, i) => i)), new Rng(0));
  const probe = tf.tensor(probeBatch.image.data, probeBatch.image.shape);
  const probeLabels = Int32Array.from(probeBatch.label.data);
  const side = async (mas: boolean): Promise<AttentionCollapseSide> => {
    const model = withSeededRandom(deriveSeed(settings.seed, SEED_STREAMS.modelInit), () =>
      buildVit({ inputSize: size, inChannels: channels, patchSize: settings.patchSize, numClasses: data.classNames.length, embedDim: settings.embedDim, depth: settings.depth, numHeads: settings.numHeads, mas, seed: settings.seed }),
    );
    try {
      const untrained = similarities(model, probe);
      const trainer = new Trainer({
        model,
        objective: classificationObjective(data.classNames.length),
        data: new DataLoader(data.train, { batchSize: settings.batchSize, seed: settings.seed, transform: normalize(normalization) }),
        optimizer: { type: 'adam', lr: settings.lr },
        maxSteps: settings.steps,
        seed: settings.seed,
        onStep: (r) => {
          if (r.step % 50 === 0) options.onProgress?.(`${mas ? 'MAS' : 'plain'}: step ${r.step}/${settings.steps}, loss ${r.loss.toFixed(3)}, ${r.ms} ms`);
        },
      });
      const result = await trainer.fit();
      trainer.dispose();
      const stepMs = (1000 * result.history.reduce((s, h) => s + h.seconds, 0)) / result.steps;
      const trained = similarities(model, probe);
      const predicted = tf.tidy(() => tf.argMax(model.predict(probe) as tf.Tensor, 1));
      const p = predicted.dataSync();
      predicted.dispose();
      const probeAccuracy = probeLabels.reduce((s, y, i) => s + (p[i] === y ? 1 : 0), 0) / probeLabels.length;
      return { mas, parameters: model.countParams(), stepMs, untrained, trained, probeAccuracy };
    } finally {
      model.dispose();
    }
  };
  try {
    const plain = await side(false);
    const mas = await side(true);
    return { settings, plain, mas };
  } finally {
    probe.dispose();
  }
}

/** The figure: similarity of neighbouring blocks against the block index, trained and untrained, with and without MAS. */
export function attentionCollapseSpec(report: AttentionCollapseReport): VegaLiteSpec {
  const x = report.plain.trained.map((_, l) => l + 1);
  return lineChartSpec(
    [
      { label: 'trained, plain attention', x, y: report.plain.trained },
      { label: 'trained, MAS', x, y: report.mas.trained },
      { label: 'untrained, plain attention', x, y: report.plain.untrained },
      { label: 'untrained, MAS (identity at init)', x, y: report.mas.untrained },
    ],
    {
      title: `Attention maps of blocks l and l+1, ${report.settings.depth}-block ViT (${report.settings.steps} steps on ${report.settings.data})`,
      xLabel: 'block l',
      yLabel: 'cosine similarity',
      yRange: [0, 1],
      width: 820,
    },
  );
}
