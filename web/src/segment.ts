/**
 * Segmentation of one image as the app computes it (pure TF.js, no DOM, so a
 * test runs the same code in Node): the image at its own size, in the
 * channels the model takes (grey: the mean of R, G, B), scaled to [0, 1] and
 * normalised by the model's metadata, labelled by wavecv's tiled inference
 * (`predictLabels`: any image size, overlapping tiles), then drawn over the
 * image in the palette of the data set the model was trained on
 * (`overlayLabels`, opacity 0.5, background class 0 uncoloured) — what
 * `wavecv segment IMAGE --overlay` writes.
 */
import * as tf from '@tensorflow/tfjs';
import { applyNormalization, type ModelMetadata } from '../../src/train/model-metadata.js';
import type { SegmentModelExtension } from '../../src/tasks/segment.js';
import { overlayLabels } from '../../src/tasks/segment-overlay.js';
import { predictLabels } from '../../src/tasks/segment-predict.js';
import { rgbaToImage, type Rgba } from './image-tensor.js';

/** Opacity of the class colours over the image. */
export const OVERLAY_ALPHA = 0.5;

export interface Segmentation {
  labels: Int32Array;
  /** The image with the class colours blended in, 8-bit RGB. */
  overlay: Uint8Array;
  /** Pixels of each class of the palette. */
  counts: number[];
}

export async function segmentPixels(model: tf.LayersModel, metadata: ModelMetadata<SegmentModelExtension>, pixels: Rgba): Promise<Segmentation> {
  const channels = metadata.preprocessing.inputShape[2] === 3 ? 3 : 1;
  const image = rgbaToImage(pixels, channels);
  let labels: Int32Array;
  let shown: Float32Array;
  try {
    shown = image.dataSync() as Float32Array;
    const input = applyNormalization(image, metadata.preprocessing.normalization) as tf.Tensor3D;
    try {
      labels = await predictLabels(model, input);
    } finally {
      input.dispose();
    }
  } finally {
    image.dispose();
  }
  const rgb = Uint8Array.from({ length: labels.length * 3 }, (_, i) => Math.round(255 * shown[channels === 3 ? i : Math.floor(i / 3)]));
  const { palette } = metadata.extension;
  const counts = new Array<number>(palette.length).fill(0);
  for (const label of labels) counts[label] += 1;
  return { labels, overlay: overlayLabels(rgb, labels, palette, OVERLAY_ALPHA), counts };
}
