/**
 * Channel maps of a face model over the face (for models trained with
 * ECLoss, src/losses/ecloss.ts: each channel of the target layer should fire
 * on one face part). The photo's main face is detected and aligned (or the
 * image is taken as an aligned crop), the target layer's activations are
 * computed, and the `channels` channels with the strongest peaks are shown,
 * each as its ReLU'd map normalised by its own maximum, upsampled bilinearly
 * to the face and overlaid as a heat map, next to the face itself. Layout,
 * colour map and channel ranking are my choices.
 */
import * as tf from '@tensorflow/tfjs';
import sharp, { type OverlayOptions } from 'sharp';
import { resolve } from 'node:path';
import { FaceDetector } from '../data/faces/detect.js';
import { decodeImage, resizeImage } from '../data/faces/image.js';
import { check } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { featureModel } from '../models/face/embed.js';
import { loadFaceModel, prepareFace } from './face-inference.js';

export interface ExplainOptions {
  model: string;
  image: string;
  out: string;
  /** Target layer (default: the model's ECLoss layer, else its deepest stage of at least 7×7, else `stage1`). */
  layer?: string;
  /** How many channels to show (default 15). */
  channels?: number;
  align?: 'none' | 'detect';
  /** Side of each tile in the PNG (default 112). */
  tile?: number;
}

/** A blue → cyan → yellow → red ramp for v in [0, 1]. */
export function heatColor(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  const r = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 3)));
  const g = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 2)));
  const b = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 1)));
  return [255 * r, 255 * g, 255 * b];
}

export async function explainFace(options: ExplainOptions) {
  const channelsWanted = options.channels ?? 15;
  const tile = options.tile ?? 112;
  check(Number.isInteger(channelsWanted) && channelsWanted > 0, 'channels', channelsWanted, 'a positive integer');
  check(Number.isInteger(tile) && tile >= 16, 'tile', tile, 'an integer ≥ 16');
  const { model, metadata } = await loadFaceModel(options.model);
  try {
    const stages = model.layers.map((l) => l.name).filter((n) => /^stage\d$/.test(n));
    const deep = stages.filter((n) => ((model.getLayer(n).output as tf.SymbolicTensor).shape[1] ?? 0) >= 7);
    const layer = options.layer ?? metadata.extension.ecloss?.layer ?? deep[deep.length - 1] ?? 'stage1';
    const probe = featureModel(model, layer);
    const align = options.align ?? 'detect';
    const detector = align === 'detect' ? await FaceDetector.load() : undefined;
    const { input, crop, face } = await prepareFace(await decodeImage(options.image), metadata, { align, detector }, options.image);
    const [h, w, c] = metadata.preprocessing.inputShape;
    const { maps, peaks, mapShape } = tf.tidy(() => {
      const [act] = probe.predict(tf.tensor4d(input, [1, h, w, c])) as tf.Tensor[];
      const a = tf.relu(act) as tf.Tensor4D;
      const peak = tf.max(a, [0, 1, 2]);
      const up = tf.image.resizeBilinear(tf.div(a, tf.maximum(peak, 1e-12)) as tf.Tensor4D, [tile, tile]);
      return { maps: tf.keep(up), peaks: tf.keep(peak), mapShape: a.shape };
    });
    let peakValues: number[];
    let mapValues: Float32Array;
    try {
      peakValues = Array.from(await peaks.data());
      mapValues = (await maps.data()) as Float32Array;
    } finally {
      tf.dispose([maps, peaks]);
    }
    const k = mapShape[3];
    const chosen = peakValues
      .map((v, i) => ({ index: i, peak: v }))
      .filter((p) => p.peak > 0)
      .sort((p, q) => q.peak - p.peak)
      .slice(0, channelsWanted);
    const base = await resizeImage(crop, tile, tile);
    const tiles: Buffer[] = [Buffer.from(base.data)];
    for (const { index } of chosen) {
      const t = Buffer.alloc(tile * tile * 3);
      for (let p = 0; p < tile * tile; p++) {
        const v = mapValues[p * k + index];
        const [r, g, b] = heatColor(v);
        const alpha = 0.15 + 0.6 * v;
        t[p * 3] = (1 - alpha) * base.data[p * 3] + alpha * r;
        t[p * 3 + 1] = (1 - alpha) * base.data[p * 3 + 1] + alpha * g;
        t[p * 3 + 2] = (1 - alpha) * base.data[p * 3 + 2] + alpha * b;
      }
      tiles.push(t);
    }
    const cols = Math.ceil(Math.sqrt(tiles.length));
    const rows = Math.ceil(tiles.length / cols);
    const label = 14;
    const composites: OverlayOptions[] = tiles.map((t, i) => ({
      input: t,
      raw: { width: tile, height: tile, channels: 3 },
      left: (i % cols) * tile,
      top: Math.floor(i / cols) * (tile + label) + label,
    }));
    const text = tiles
      .map((_, i) => `<text x="${(i % cols) * tile + 3}" y="${Math.floor(i / cols) * (tile + label) + 11}">${i === 0 ? 'aligned face' : `channel ${chosen[i - 1].index}`}</text>`)
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * tile}" height="${rows * (tile + label)}" font-family="DejaVu Sans, sans-serif" font-size="10" fill="white">${text}</svg>`;
    composites.push({ input: Buffer.from(svg), left: 0, top: 0 });
    const png = await sharp({ create: { width: cols * tile, height: rows * (tile + label), channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite(composites)
      .png()
      .toBuffer();
    const out = resolve(options.out);
    writeFileAtomic(out, png);
    return {
      out,
      layer,
      mapSize: [mapShape[1], mapShape[2]],
      channels: k,
      eclossTrained: metadata.extension.ecloss !== undefined,
      shown: chosen,
      face: face ? { score: face.score, box: face.box } : null,
    };
  } finally {
    // `probe` shares its layers (and weights) with `model`; disposing `model` frees them.
    model.dispose();
  }
}
