/**
 * Labels for 2-D brain slices that come without an atlas (the MRI slices of
 * ITK's registration examples): one deterministic rule applied to each image
 * on its own intensities, so both images of a pair are labelled the same way
 * and no parameter is tuned on a result.
 *
 * The rule (4-connectivity throughout):
 *  1. Threshold: the pixels split into background and foreground by 2-means
 *     clustering of all the image's intensities (`twoMeans` of
 *     `inter-subject.ts`, Lloyd's algorithm from the 25th and 75th
 *     percentiles); the threshold is the midpoint of the two centres.
 *  2. Head mask (label set `head`, 1 inside): the air is every pixel at or
 *     below the threshold that is connected to the image border through such
 *     pixels; the head is the largest connected component of the rest. It
 *     therefore includes the dark skull and ventricles enclosed by the scalp,
 *     and leaves out bright patches cut off from the head — such as the
 *     constant fill (100) that ITK's rotation wrote into the corners of
 *     `BrainProtonDensitySliceRotated10.png`.
 *  3. Tissue (the first label set): the head's pixels above the threshold,
 *     split into a darker (1) and a brighter (2) class by 2-means of their
 *     own intensities (`tissueLabels` of `inter-subject.ts`, the rule of the
 *     3-D inter-subject pair); 0 elsewhere. On T1 the classes are roughly
 *     grey and white matter; on proton density, with its reversed contrast,
 *     roughly white matter and grey matter with CSF. They are intensity
 *     classes, not an anatomical segmentation.
 */
import { check } from '../errors.js';
import { tissueLabels, twoMeans } from './inter-subject.js';

/** The 4-connected components of the set pixels of `mask` ([H, W]): a component index per pixel (-1 where unset) and each component's size. */
export function connectedComponents(mask: ArrayLike<number>, shape: number[]): { component: Int32Array; sizes: number[] } {
  check(shape.length === 2 && mask.length === shape[0] * shape[1], 'shape', shape, `two axes holding the mask's ${mask.length} pixels`);
  const [H, W] = shape;
  const component = new Int32Array(mask.length).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || component[start] >= 0) continue;
    const id = sizes.length;
    let size = 0;
    component[start] = id;
    stack.push(start);
    while (stack.length) {
      const o = stack.pop()!;
      size++;
      const y = Math.floor(o / W);
      const x = o - y * W;
      for (const n of [y > 0 ? o - W : -1, y < H - 1 ? o + W : -1, x > 0 ? o - 1 : -1, x < W - 1 ? o + 1 : -1]) {
        if (n < 0 || !mask[n] || component[n] >= 0) continue;
        component[n] = id;
        stack.push(n);
      }
    }
    sizes.push(size);
  }
  return { component, sizes };
}

/** Step 2 of the module comment: 1 on the head (the largest component of what the border's air does not reach), 0 elsewhere. */
function headMask(values: ArrayLike<number>, shape: number[], threshold: number): Uint8Array {
  const [H, W] = shape;
  const air = connectedComponents(Uint8Array.from(values, (v) => (v <= threshold ? 1 : 0)), shape);
  const outside = new Set<number>();
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) if ((y === 0 || y === H - 1 || x === 0 || x === W - 1) && air.component[y * W + x] >= 0) outside.add(air.component[y * W + x]);
  const parts = connectedComponents(Uint8Array.from(air.component, (c) => (outside.has(c) ? 0 : 1)), shape);
  check(parts.sizes.length > 0, 'image', 'all air', 'an image with a head brighter than its background');
  const largest = parts.sizes.indexOf(Math.max(...parts.sizes));
  return Uint8Array.from(parts.component, (c) => (c === largest ? 1 : 0));
}

/** The labels of the module comment for one slice [H, W]: `tissue` (0, 1 darker, 2 brighter) and the `head` mask (0/1). */
export function sliceLabels(values: Float32Array, shape: number[]): { tissue: Float32Array; head: Float32Array } {
  check(shape.length === 2 && values.length === shape[0] * shape[1], 'shape', shape, `two axes holding the slice's ${values.length} pixels`);
  const [background, foreground] = twoMeans(values);
  const threshold = (background + foreground) / 2;
  const head = headMask(values, shape, threshold);
  const bright = Float32Array.from(values, (v, o) => (head[o] && v > threshold ? v : 0));
  check(bright.filter((v) => v > 0).length >= 2, 'image', 'no foreground', 'a slice with at least two head pixels brighter than its background');
  return { tissue: tissueLabels(bright), head: Float32Array.from(head) };
}
