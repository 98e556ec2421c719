// Figures are vega-lite specs rendered headless (vega → SVG → sharp → PNG):
// the specs hold the data and encodings asked for, the PNG decodes with the
// size the spec names, and writeFigure puts the spec beside the PNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { lineChartSpec, linePoints } from '../../src/plot/line-chart.js';
import { confusionCells, confusionMatrixSpec } from '../../src/plot/confusion-matrix.js';
import { rocSpec } from '../../src/plot/roc-figure.js';
import { figureGrid, figureSvg, renderFigure, specPathOf, writeFigure } from '../../src/plot/vega.js';
import { rocChartSpec } from '../../src/tasks/face.js';

const size = async (png: Buffer) => {
  const meta = await sharp(png).metadata();
  return [meta.format, meta.width, meta.height];
};

test('line chart: one row per finite point in series order, the encodings asked for, a PNG of the named size', async () => {
  const series = [
    { label: 'train', x: [1, 2, 3], y: [0.5, NaN, 0.7] },
    { label: 'test', x: [1, 2, 3], y: [0.4, 0.6, 0.65] },
  ];
  const spec = lineChartSpec(series, { title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', width: 400, height: 260, yRange: [0, 1] }) as any;
  assert.deepEqual(spec.data.values, [
    { series: 'train', x: 1, y: 0.5, order: 0 },
    { series: 'train', x: 3, y: 0.7, order: 2 },
    { series: 'test', x: 1, y: 0.4, order: 0 },
    { series: 'test', x: 2, y: 0.6, order: 1 },
    { series: 'test', x: 3, y: 0.65, order: 2 },
  ]);
  assert.equal(spec.mark.type, 'line');
  assert.equal(spec.mark.point, true);
  assert.deepEqual([spec.encoding.x.field, spec.encoding.x.title, spec.encoding.y.field, spec.encoding.y.title], ['x', 'epoch', 'y', 'accuracy']);
  assert.deepEqual(spec.encoding.y.scale, { domain: [0, 1] });
  assert.deepEqual(spec.encoding.color.scale.domain, ['train', 'test'], 'legend in the order given');
  assert.equal(spec.encoding.order.field, 'order');
  assert.deepEqual(await size(await renderFigure(spec)), ['png', 400, 260]);
  const svg = await figureSvg(spec);
  assert.match(svg, /Accuracy/);
  assert.match(svg, />epoch</);
  const log = lineChartSpec([{ label: 'roc', x: [0, 1e-3, 1e-1, 1], y: [0, 0.5, 0.9, 1] }], { title: 'ROC', xLabel: 'FAR', yLabel: 'TAR', logX: true }) as any;
  assert.equal(log.encoding.x.scale.type, 'log');
  assert.deepEqual(log.data.values.map((p: { x: number }) => p.x), [1e-3, 1e-1, 1], 'x = 0 left out on a log axis');
  assert.deepEqual(linePoints([{ label: 'a', x: [1, 2], y: [Infinity, 3] }]), [{ series: 'a', x: 2, y: 3, order: 1 }]);
});

test('ROC specs: the chance diagonal and the curve with AUC/EER in its label; the face ROC on a log FAR axis', async () => {
  const spec = rocSpec([{ label: 'frames', scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1] }]) as any;
  const labels = [...new Set(spec.data.values.map((p: { series: string }) => p.series))];
  assert.deepEqual(labels, ['chance', 'frames (AUC 0.750, EER 0.500)']);
  const curve = spec.data.values.filter((p: { series: string }) => p.series !== 'chance');
  assert.deepEqual([curve[0].x, curve[0].y, curve.at(-1).x, curve.at(-1).y], [0, 0, 1, 1]);
  const face = rocChartSpec({ far: [0, 0.01, 0.1, 1], tar: [0.2, 0.6, 0.9, 1] }, 'uss', 'ROC') as any;
  assert.equal(face.encoding.x.scale.type, 'log');
  assert.equal(face.data.values.length, 3);
  assert.deepEqual(await size(await renderFigure(face)), ['png', 720, 460]);
});

test('confusion matrix: cells with counts and row shares, heatmap and text layers, the grid with its axes in the PNG', async () => {
  const names = ['background', 'cat', 'dog'];
  const matrix = [8, 2, 0, 1, 3, 0, 0, 0, 0];
  const cells = confusionCells(matrix, names);
  assert.equal(cells.length, 9);
  assert.deepEqual(cells[0], { truth: 'background', predicted: 'background', count: 8, share: 0.8 });
  assert.deepEqual(cells[4], { truth: 'cat', predicted: 'cat', count: 3, share: 0.75 });
  assert.equal(cells[8].share, null, 'a class absent from the truth has no shares');
  const spec = confusionMatrixSpec(matrix, names, 'Confusion', 300) as any;
  assert.deepEqual(spec.encoding.x.sort, names);
  assert.equal(spec.layer[0].mark, 'rect');
  assert.equal(spec.layer[0].encoding.color.field, 'share');
  assert.equal(spec.layer[1].encoding.text.format, '.0%');
  const [format, width, height] = await size(await renderFigure(spec));
  assert.equal(format, 'png');
  assert.ok((width as number) > 300 && (width as number) < 600 && (height as number) > 300 && (height as number) < 600, `${width}×${height}: the 300-pixel grid with axes and legend`);
});

test('writeFigure writes the PNG and the spec beside it; a grid of panels renders both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-figures-'));
  try {
    const a = lineChartSpec([{ label: 'm', x: [0, 1, 2], y: [90, 80, 70] }], { title: 'noise', xLabel: 'σ', yLabel: '%', width: 300, height: 200 });
    const b = lineChartSpec([{ label: 'm', x: [1, 2], y: [60, 70] }], { title: 'epochs', xLabel: 'epoch', yLabel: '%', width: 300, height: 200 });
    const png = join(dir, 'demo.png');
    await writeFigure(png, figureGrid([a, b], 2));
    assert.equal(specPathOf(png), join(dir, 'demo.vl.json'));
    const written = JSON.parse(readFileSync(join(dir, 'demo.vl.json'), 'utf8'));
    assert.equal(written.concat.length, 2);
    assert.equal(written.columns, 2);
    assert.deepEqual(written.concat[1].data.values, (b as any).data.values);
    const [format, width, height] = await size(readFileSync(png));
    assert.equal(format, 'png');
    assert.ok((width as number) >= 600 && (height as number) >= 200 && (height as number) < 400, `${width}×${height}: two panels side by side`);
    assert.ok(!existsSync(join(dir, 'demo.png.tmp')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
