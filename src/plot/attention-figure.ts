/**
 * Attention maps over an image as a vega-lite figure (./vega.ts renders and
 * writes it): the image alone, then one panel per map — the image with the
 * map's weights on the token grid laid over it as a translucent heat map
 * (rectangles of one token each, colour = weight, the scale of each panel
 * from its own smallest to its largest weight, so that the structure of a
 * nearly uniform map still shows, with its legend giving the values).
 *
 * Design: the image travels inside the spec as a PNG data URL (an `image`
 * mark stretched over the panel), so the spec stays self-contained like every
 * wavecv figure; the grid's rows run top to bottom (token k of a row-major
 * gh×gw grid is row ⌊k/gw⌋, column k mod gw), the order in which patch
 * embedding and the CNN token grid emit their tokens. Panels are laid out in
 * rows of `columns`.
 */
import sharp from 'sharp';
import type { RgbImage } from '../data/faces/image.js';
import { check } from '../errors.js';
import { figureGrid, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega.js';

export interface AttentionPanel {
  title: string;
  /** One weight per token of the grid, row-major. */
  weights: ArrayLike<number>;
}

export interface AttentionFigureOptions {
  /** Token grid [rows, columns]. */
  grid: [number, number];
  /** Width of each panel in pixels (default 200; the height follows the image's aspect). */
  panelWidth?: number;
  /** Panels per row (default 4). */
  columns?: number;
  /** Opacity of the heat map over the image (default 0.6). */
  opacity?: number;
  title?: string;
}

/** The image as a PNG data URL (for the spec's `image` marks). */
export async function imageDataUrl(image: RgbImage): Promise<string> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** The figure's spec for an image (data URL and size) and its attention panels. */
export function attentionFigureSpec(imageUrl: string, imageSize: { width: number; height: number }, panels: readonly AttentionPanel[], options: AttentionFigureOptions): VegaLiteSpec {
  const [rows, cols] = options.grid;
  check(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0, 'grid', options.grid, 'a token grid [rows, columns] of positive integers');
  panels.forEach((p, i) => check(p.weights.length === rows * cols, `panels[${i}].weights`, `${p.weights.length} values`, `one per token of the ${rows}×${cols} grid (${rows * cols})`));
  const width = options.panelWidth ?? 200;
  const height = Math.round((width * imageSize.height) / imageSize.width);
  const x = { field: 'x', type: 'quantitative', scale: { domain: [0, cols], nice: false, zero: true }, axis: null };
  const y = { field: 'y', type: 'quantitative', scale: { domain: [0, rows], nice: false, reverse: true }, axis: null };
  const imageLayer = {
    data: { values: [{ x: 0, y: 0, url: imageUrl }] },
    mark: { type: 'image', width, height, align: 'left', baseline: 'top', aspect: false, aria: false },
    encoding: { x, y, url: { field: 'url', type: 'nominal' } },
  };
  const view = (title: string, layer: unknown[]) => ({ $schema: VEGA_LITE_SCHEMA, title, width, height, view: { stroke: null }, layer });
  const heat = (p: AttentionPanel) => {
    const values = Array.from({ length: rows * cols }, (_, k) => ({ x: k % cols, x2: (k % cols) + 1, y: Math.floor(k / cols), y2: Math.floor(k / cols) + 1, weight: p.weights[k] }));
    const weights = values.map((v) => v.weight);
    const [min, max] = [Math.min(...weights), Math.max(...weights)];
    return view(p.title, [
      imageLayer,
      {
        data: { values },
        mark: { type: 'rect', opacity: options.opacity ?? 0.6 },
        encoding: {
          x,
          x2: { field: 'x2' },
          y,
          y2: { field: 'y2' },
          color: { field: 'weight', type: 'quantitative', title: 'weight', scale: { scheme: 'inferno', domain: max > min ? [min, max] : [0, Math.max(max, 1e-12)] }, legend: { orient: 'bottom', gradientLength: Math.max(60, width - 60), format: '.3~g' } },
        },
      },
    ]);
  };
  return figureGrid([view('input', [imageLayer]), ...panels.map(heat)] as unknown as VegaLiteSpec[], options.columns ?? 4, options.title);
}
