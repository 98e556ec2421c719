/**
 * Figures as vega-lite specifications, rendered without a browser: the spec
 * is compiled by vega-lite to a vega spec, vega lays it out headless
 * (`renderer: 'none'`) and writes SVG, and sharp (librsvg) rasterises the SVG
 * to PNG. {@link writeFigure} writes the PNG and, beside it, the spec as JSON
 * (`curve.png` → `curve.vl.json`, data inline), so a figure can be restyled
 * and re-rendered with any vega-lite tool.
 *
 * Design: every spec carries its data inline (no loader, no network); a
 * single view uses `autosize: fit` so the PNG has exactly the width and height
 * the spec names (axes, title and legend inside them); a white background, as
 * the PNGs are viewed outside a page. vega-lite warnings (none are expected
 * for these specs) are not printed.
 */
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';

export type VegaLiteSpec = TopLevelSpec;

/** The vega-lite schema the specs name. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

const quiet = { level: () => quiet, error: (...args: unknown[]) => { throw new Error(args.map(String).join(' ')); }, warn: () => quiet, info: () => quiet, debug: () => quiet };

/** The figure of `spec` as an SVG string. */
export async function figureSvg(spec: VegaLiteSpec): Promise<string> {
  // a copy: vega tags the data rows it is given, and the caller's spec is written out as it is
  const view = new vega.View(vega.parse(compile(structuredClone(spec), { logger: quiet as never }).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The figure of `spec` as PNG bytes. */
export async function renderFigure(spec: VegaLiteSpec): Promise<Buffer> {
  return sharp(Buffer.from(await figureSvg(spec))).png().toBuffer();
}

/** The path of the spec written beside `png` (`a/curve.png` → `a/curve.vl.json`). */
export function specPathOf(png: string): string {
  return join(dirname(png), `${basename(png).replace(/\.png$/i, '')}.vl.json`);
}

/** Writes the PNG of `spec` to `png` and the spec to {@link specPathOf}(png), each atomically. */
export async function writeFigure(png: string, spec: VegaLiteSpec): Promise<void> {
  const bytes = await renderFigure(spec);
  writeJsonAtomic(specPathOf(png), spec);
  writeFileAtomic(png, bytes);
}

/** Single-view specs side by side in rows of `columns` (each panel keeps its own data and size). */
export function figureGrid(panels: readonly VegaLiteSpec[], columns: number, title?: string): VegaLiteSpec {
  const strip = ({ $schema: _schema, autosize: _autosize, background: _background, ...panel }: Record<string, unknown>) => panel;
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title ? { title } : {}),
    background: 'white',
    columns: Math.min(columns, panels.length),
    concat: panels.map((p) => strip(p as unknown as Record<string, unknown>)),
    resolve: { scale: { color: 'independent' } },
  } as unknown as VegaLiteSpec;
}
