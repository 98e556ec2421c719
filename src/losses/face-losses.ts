/**
 * The face losses of the registry (src/losses/registry.ts), with the papers'
 * defaults: `softmax` (s = 64), `cosface` (m = 0.4), `arcface` (m = 0.5),
 * `bce` and `uce` (cosine margin 0.4, bias log(10C)), `uss` / `s2s-softmax` /
 * `s2s-bce` (UniTSFace: CosFace s = 64, m = 0.4 alone in epoch 0, plus the
 * sample-to-sample loss with γ = 64, m = 0.1 from epoch 1), `epl` /
 * `epl-arcface` / `epl-uniface` (EPL with the CosFace, ArcFace or UniFace
 * base, k = 0.7, from epoch 3). Each lists the options its constructor
 * reads; see each loss's module for the paper and equations.
 */
import { BceLoss } from './bce.js';
import type { FaceLoss } from './common.js';
import { EplLoss } from './epl.js';
import { ArcFaceLoss, CosFaceLoss } from './margins.js';
import type { LossDefinition } from './loss-definition.js';
import { SoftmaxLoss } from './softmax.js';
import { UceLoss } from './uce.js';
import { SampleToSampleBceLoss, SampleToSampleSoftmaxLoss, UniTSFaceLoss, UssLoss } from './uss.js';

/** What the face task supplies to build a face loss. */
export interface FaceLossContext {
  numClasses: number;
  embeddingDim: number;
  /** Seed of the head's initial weights. */
  seed?: number;
}

/** The options of the face losses (each loss takes the subset its definition lists). */
export interface FaceLossOptions {
  /** Scale s / γ of the sample-to-class head (default 64). */
  scale?: number;
  /** Margin of the sample-to-class head (default: the method's own). */
  margin?: number;
  /** UCE / BCE / EPL-UniFace: weight λ of the negatives (default 1). */
  lambda?: number;
  /** EPL: factor k of the adaptive margin (default 0.7). */
  k?: number;
  /** EPL: first 0-based epoch of the empirical term (default 3); sample-to-sample losses: first epoch used (default 1). */
  startEpoch?: number;
}

const OPTION = {
  scale: 'scale s / γ of the head (default 64)',
  margin: "margin of the head (default: the method's own)",
  lambda: 'weight λ of the negatives (default 1)',
  k: 'factor k of the adaptive margin (default 0.7)',
  startEpoch: 'first 0-based epoch of the second term (EPL: the empirical term, default 3; USS: the sample-to-sample term, default 1)',
};

type FaceLossDefinition = LossDefinition<FaceLossContext, FaceLoss>;

function face(name: string, description: string, options: Array<keyof typeof OPTION>, create: (o: FaceLossOptions, c: FaceLossContext) => FaceLoss): FaceLossDefinition {
  return { name, kind: 'face', description, options: Object.fromEntries(options.map((k) => [k, OPTION[k]])), create: (o, c) => create(o as FaceLossOptions, c) };
}

const head = (o: FaceLossOptions, c: FaceLossContext) => ({ numClasses: c.numClasses, embeddingDim: c.embeddingDim, seed: c.seed, scale: o.scale });

function unitsFace(kind: 'uss' | 's2s-softmax' | 's2s-bce') {
  return (o: FaceLossOptions, c: FaceLossContext): FaceLoss => {
    const sampleOptions = { numClasses: c.numClasses, embeddingDim: c.embeddingDim, scale: o.scale };
    const sampleToSample = kind === 'uss' ? new UssLoss(sampleOptions) : kind === 's2s-bce' ? new SampleToSampleBceLoss(sampleOptions) : new SampleToSampleSoftmaxLoss(sampleOptions);
    return new UniTSFaceLoss({ sampleToClass: new CosFaceLoss({ ...head(o, c), margin: o.margin }), sampleToSample, startEpoch: o.startEpoch });
  };
}

function epl(base: 'cosface' | 'arcface' | 'uniface') {
  return (o: FaceLossOptions, c: FaceLossContext): FaceLoss => new EplLoss({ ...head(o, c), base, margin: o.margin, k: o.k, lambda: o.lambda, startEpoch: o.startEpoch });
}

export const FACE_LOSSES: readonly FaceLossDefinition[] = [
  face('softmax', 'normalised softmax (s = 64)', ['scale'], (o, c) => new SoftmaxLoss(head(o, c))),
  face('cosface', 'CosFace, additive cosine margin (m = 0.4)', ['scale', 'margin'], (o, c) => new CosFaceLoss({ ...head(o, c), margin: o.margin })),
  face('arcface', 'ArcFace, additive angular margin (m = 0.5)', ['scale', 'margin'], (o, c) => new ArcFaceLoss({ ...head(o, c), margin: o.margin })),
  face('bce', 'binary cross-entropy per class with a bias (m = 0.4)', ['scale', 'margin', 'lambda'], (o, c) => new BceLoss({ ...head(o, c), margin: o.margin, lambda: o.lambda })),
  face('uce', 'UniFace unified cross-entropy, learned unified threshold (m = 0.4)', ['scale', 'margin', 'lambda'], (o, c) => new UceLoss({ ...head(o, c), margin: o.margin, lambda: o.lambda })),
  face('uss', 'UniTSFace: CosFace plus the unified sample-to-sample loss from epoch 1', ['scale', 'margin', 'startEpoch'], unitsFace('uss')),
  face('s2s-softmax', 'CosFace plus a sample-to-sample softmax loss', ['scale', 'margin', 'startEpoch'], unitsFace('s2s-softmax')),
  face('s2s-bce', 'CosFace plus a sample-to-sample BCE loss', ['scale', 'margin', 'startEpoch'], unitsFace('s2s-bce')),
  face('epl', 'EPL with the CosFace base (k = 0.7, from epoch 3)', ['scale', 'margin', 'k', 'startEpoch'], epl('cosface')),
  face('epl-arcface', 'EPL with the ArcFace base', ['scale', 'margin', 'k', 'startEpoch'], epl('arcface')),
  face('epl-uniface', 'EPL with the UniFace base', ['scale', 'margin', 'k', 'lambda', 'startEpoch'], epl('uniface')),
];

/** Names of the face losses. */
export const FACE_LOSS_NAMES: readonly string[] = FACE_LOSSES.map((l) => l.name);
