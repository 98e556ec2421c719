/**
 * A confusion matrix as a vega-lite heatmap (./vega.ts renders and writes
 * it): one cell per (true class, predicted class), coloured by the share of
 * the true class's pixels (or samples) predicted as that class — each row
 * normalised to sum to 1, so rare classes are as readable as common ones —
 * and labelled with that share in percent; the raw counts stay in the data
 * (`count`) for restyling. Rows of classes absent from the truth are left
 * empty (share null).
 */
import { VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega.js';

/** One cell of the figure's data. */
export interface ConfusionCell {
  truth: string;
  predicted: string;
  count: number;
  /** count / (pixels of the true class); null for a class absent from the truth. */
  share: number | null;
}

/** The cells of a row-major `[truth][prediction]` matrix of `classNames.length`² counts. */
export function confusionCells(matrix: ArrayLike<number>, classNames: readonly string[]): ConfusionCell[] {
  const n = classNames.length;
  const cells: ConfusionCell[] = [];
  for (let t = 0; t < n; t++) {
    let rowTotal = 0;
    for (let p = 0; p < n; p++) rowTotal += matrix[t * n + p];
    for (let p = 0; p < n; p++) cells.push({ truth: classNames[t], predicted: classNames[p], count: matrix[t * n + p], share: rowTotal > 0 ? matrix[t * n + p] / rowTotal : null });
  }
  return cells;
}

/**
 * The vega-lite spec of the confusion matrix: a square grid of `size` pixels
 * (default 480; the figure adds the axes, title and legend around it — a
 * fitted size would squeeze the cells, as the class labels vary in length).
 */
export function confusionMatrixSpec(matrix: ArrayLike<number>, classNames: readonly string[], title: string, size = 480): VegaLiteSpec {
  const order = [...classNames];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    width: size,
    height: size,
    background: 'white',
    data: { values: confusionCells(matrix, classNames) },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted class' },
      y: { field: 'truth', type: 'nominal', sort: order, title: 'true class' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', title: 'share of row', scale: { domain: [0, 1], scheme: 'blues' } } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'share', type: 'quantitative', format: '.0%' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  } as VegaLiteSpec;
}
