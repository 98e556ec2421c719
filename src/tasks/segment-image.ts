/**
 * `wavecv segment` as a library call: one image file → its label map, with
 * the preprocessing recorded in the model's metadata (channels, per-channel
 * normalisation) and tiled inference for any size (./segment-predict.ts);
 * the mask is written as an indexed PNG in the palette of the data set the
 * model was trained on (so it opens in colour and keeps the class indices),
 * and optionally an overlay ({@link overlayLabels}, alpha 0.5 by default).
 */
import * as tf from '@tensorflow/tfjs';
import { readImageData, writePng } from '../io/image.js';
import { writeIndexedPng, type Palette } from '../io/indexed-png.js';
import { check } from '../errors.js';
import { applyNormalization, loadRunModel } from '../train/run-folder.js';
import type { SegmentModelExtension } from './segment.js';
import { overlayLabels } from './segment-overlay.js';
import { predictLabels, type TileOptions } from './segment-predict.js';

export interface SegmentImageOptions extends TileOptions {
  model: string;
  image: string;
  out: string;
  overlay?: string;
  /** Opacity of the class colours in the overlay (default 0.5). */
  alpha?: number;
}

export interface SegmentImageResult {
  width: number;
  height: number;
  classNames: string[];
  /** Pixels of each class. */
  counts: number[];
}

export async function segmentImageFile(options: SegmentImageOptions): Promise<SegmentImageResult> {
  const alpha = options.alpha ?? 0.5;
  check(Number.isFinite(alpha) && alpha >= 0 && alpha <= 1, 'alpha', alpha, 'an opacity in [0, 1]');
  const { model, metadata } = await loadRunModel<SegmentModelExtension>(options.model, 'segment');
  try {
    const channels = metadata.preprocessing.inputShape[2] as 1 | 3;
    const raw = await readImageData(options.image, { channels });
    const image = tf.tidy(() => applyNormalization(tf.div(tf.tensor3d(Float32Array.from(raw.data), [raw.height, raw.width, channels]), 255), metadata.preprocessing.normalization) as tf.Tensor3D);
    let labels: Int32Array;
    try {
      labels = await predictLabels(model, image, options);
    } finally {
      image.dispose();
    }
    const classNames = metadata.classNames ?? [];
    const palette: Palette = metadata.extension.palette;
    writeIndexedPng(options.out, labels, raw.width, raw.height, palette);
    if (options.overlay) {
      const rgb = channels === 3 ? raw.data : Uint8Array.from({ length: raw.width * raw.height * 3 }, (_, i) => raw.data[Math.floor(i / 3)]);
      const blended = overlayLabels(rgb, labels, palette, alpha);
      await writePng(options.overlay, { data: blended, width: raw.width, height: raw.height, channels: 3 });
    }
    const counts = new Array<number>(Math.max(classNames.length, palette.length)).fill(0);
    for (const v of labels) counts[v] += 1;
    return { width: raw.width, height: raw.height, classNames, counts };
  } finally {
    model.dispose();
  }
}
