/**
 * Encoders: the convolutional trunk of a classification network with its
 * stage outputs exposed, for U-Nets, DeepLab and detectors (Ronneberger et
 * al. 2015 and Chen et al. 2018 read skip features at strides 2–16; a feature
 * pyramid reads strides 4–32, Lin et al., CVPR 2017).
 *
 * Contract: `createEncoder(name, options)` returns an {@link Encoder}:
 * `input` (NHWC), `stages` (the last tensor at each resolution, finest first),
 * their `strides` relative to the input (2, 4, 8, 16, 32 for the ImageNet
 * layouts; a stage stays at the previous stride when `outputStride` turned its
 * down-sampling into dilation) and `channels`. Options are declared and checked
 * as the models' (./option-specs.ts); every encoder takes
 * {@link OUTPUT_STRIDES} through `outputStride` (default 32). Weights are
 * initialised exactly as in the classification model of the same name and
 * seed, so the classifier is its encoder plus a head, with the same weights.
 */
import type * as tf from '@tensorflow/tfjs';
import { WavecvError } from '../errors.js';
import { validateOptions, type OptionSpecs } from './option-specs.js';

/** The output strides an encoder can be built at (32: none dilated; 16: the last stage dilated; 8: the last two). */
export const OUTPUT_STRIDES = [8, 16, 32] as const;
export type OutputStride = (typeof OUTPUT_STRIDES)[number];

export interface Encoder {
  input: tf.SymbolicTensor;
  /** Stage outputs, finest first. */
  stages: tf.SymbolicTensor[];
  /** Stride of each stage relative to the input. */
  strides: number[];
  /** Channels of each stage. */
  channels: number[];
}

export interface EncoderOptions {
  inChannels?: number;
  inputSize?: number;
  outputStride?: OutputStride;
  [option: string]: unknown;
}

export interface EncoderEntry {
  name: string;
  description: string;
  options: OptionSpecs;
  create: (options: EncoderOptions) => Encoder;
}

const entries = new Map<string, EncoderEntry>();

export function registerEncoder(entry: EncoderEntry): void {
  if (entries.has(entry.name)) throw new Error(`encoder ${entry.name} registered twice`);
  entries.set(entry.name, entry);
}

/** Builds encoder `name` after checking `options` against its declared options. */
export function createEncoder(name: string, options: EncoderOptions = {}): Encoder {
  const entry = entries.get(name);
  if (!entry) throw new WavecvError('encoder', name, `a registered encoder name (${[...entries.keys()].join(', ')})`);
  validateOptions(`${name} encoder`, entry.options, options);
  return entry.create(options);
}

export function listEncoders(): EncoderEntry[] {
  return [...entries.values()];
}
