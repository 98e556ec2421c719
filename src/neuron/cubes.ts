/**
 * Cutting a large volume into overlapping cubes and assembling per-cube
 * predictions, as the 3D WaveUNet pipeline does (Li et al., "3D WaveUNet: 3D
 * wavelet integrated encoder-decoder network for neuron segmentation",
 * Bioinformatics 38(3):809, 2022, Sec. 2.4, whose code tiles with a stride of
 * 3/4 of the cube):
 *
 * - **Tiling.** Along each axis of size S with cube size c and stride s
 *   (default ⌊3c/4⌋: (24, 96, 96) for 32×128×128 cubes, so neighbours overlap
 *   by c − s voxels), cubes start at 0, s, 2s, … and the last one is shifted
 *   back to end exactly at the border (start S − c). An axis shorter than the
 *   cube gets one cube at 0, zero-padded past the volume — a small volume is
 *   padded, never refused.
 * - **Assembly `or`** (the reference): every cube is labelled (foreground
 *   probability > 0.5, the argmax of two classes), labels are summed into the
 *   volume and any positive count is foreground (logical OR over overlaps).
 * - **Assembly `mean`**: the foreground probabilities of all cubes covering a
 *   voxel are averaged (as MONAI's sliding-window inference does with
 *   constant weights); the result is a probability map.
 *
 * Streaming: cubes are processed one z-row of cubes at a time; each row reads
 * only the slab of slices it covers from a {@link SlabSource} and the voxels
 * no later row can touch (those before the next row's first slice) are handed
 * to the sink at once. The working set is therefore one cube-deep slab of
 * the input, one slab-and-a-stride of accumulators and a batch of cubes,
 * whatever the depth of the volume ({@link streamingBytes}). Sums are float64,
 * so averaging k equal values returns that value exactly. Padding voxels
 * outside the volume are predicted but never written.
 */
import { check } from '../errors.js';

export type Shape3 = [number, number, number];
export type AssemblyMode = 'or' | 'mean';

/** Cube start positions along one axis (see the module comment). */
export function cubeStarts(size: number, cube: number, stride: number): number[] {
  check(Number.isInteger(size) && size > 0, 'size', size, 'a positive integer');
  check(Number.isInteger(cube) && cube > 0, 'cube', cube, 'a positive integer');
  check(Number.isInteger(stride) && stride > 0 && stride <= cube, 'stride', stride, `an integer from 1 to the cube size ${cube} (cubes must overlap or touch)`);
  const starts = [0];
  while (starts[starts.length - 1] + cube < size) starts.push(Math.min(starts[starts.length - 1] + stride, size - cube));
  return starts;
}

/** The reference stride, 3/4 of the cube along each axis. */
export function defaultStride(cube: Shape3): Shape3 {
  return cube.map((c) => Math.max(1, Math.floor((3 * c) / 4))) as Shape3;
}

export interface CubeGrid {
  shape: Shape3;
  cube: Shape3;
  stride: Shape3;
  /** Starts along z, y and x. */
  starts: [number[], number[], number[]];
  /** Number of cubes. */
  count: number;
}

export function planCubes(shape: Shape3, cube: Shape3, stride: Shape3 = defaultStride(cube)): CubeGrid {
  const starts = [0, 1, 2].map((a) => cubeStarts(shape[a], cube[a], stride[a])) as [number[], number[], number[]];
  return { shape, cube, stride, starts, count: starts[0].length * starts[1].length * starts[2].length };
}

/** Reads slices `z0 ≤ z < z1` of the input as float intensities. */
export type SlabSource = (z0: number, z1: number) => Float32Array | Promise<Float32Array>;
/** Receives finished slices `z0 ≤ z < z0 + k`, in order, with no gaps. */
export type SlabSink = (z0: number, values: Float32Array) => void | Promise<void>;
/** Foreground probability of every voxel of each cube (cubes and results are `cz·cy·cx`, x fastest). */
export type CubePredictor = (cubes: Float32Array[]) => Float32Array[] | Promise<Float32Array[]>;

export interface AssembleOptions {
  grid: CubeGrid;
  source: SlabSource;
  predict: CubePredictor;
  sink: SlabSink;
  mode?: AssemblyMode;
  /** Cubes per `predict` call (default 1). */
  batchSize?: number;
  /** Called after each batch with the number of cubes done. */
  onProgress?: (done: number, total: number) => void;
}

/** Bytes the streaming assembly holds at once besides the model (float32 slab, accumulators, one batch of cubes in and out). */
export function streamingBytes(grid: CubeGrid, batchSize: number): number {
  const [, height, width] = grid.shape;
  const sliceVoxels = height * width;
  const cubeVoxels = grid.cube[0] * grid.cube[1] * grid.cube[2];
  const slab = grid.cube[0] * sliceVoxels * 4;
  const accumulators = (grid.cube[0] + grid.stride[0]) * sliceVoxels * (8 + 4);
  return slab + accumulators + 2 * batchSize * cubeVoxels * 4;
}

/** Predicts every cube of the grid and hands out the assembled volume slab by slab (see the module comment). */
export async function assembleCubes(options: AssembleOptions): Promise<void> {
  const { grid, source, predict, sink } = options;
  const mode = options.mode ?? 'or';
  const batchSize = options.batchSize ?? 1;
  check(mode === 'or' || mode === 'mean', 'mode', mode, "'or' or 'mean'");
  check(Number.isInteger(batchSize) && batchSize > 0, 'batchSize', batchSize, 'a positive integer');
  const [depth, height, width] = grid.shape;
  const [cz, cy, cx] = grid.cube;
  const sliceVoxels = height * width;
  // Accumulators per slice, created when a cube first reaches it and released when the slice is handed out.
  const sums = new Map<number, Float64Array>();
  const counts = new Map<number, Uint32Array>();
  let finished = 0;
  let done = 0;
  const zStarts = grid.starts[0];
  for (let row = 0; row < zStarts.length; row++) {
    const z0 = zStarts[row];
    const z1 = Math.min(z0 + cz, depth);
    const slab = await source(z0, z1);
    check(slab.length === (z1 - z0) * sliceVoxels, 'slab', slab.length, `${(z1 - z0) * sliceVoxels} values for slices ${z0}–${z1 - 1}`);
    for (let z = z0; z < z1; z++) {
      if (!sums.has(z)) {
        sums.set(z, new Float64Array(sliceVoxels));
        counts.set(z, new Uint32Array(sliceVoxels));
      }
    }
    const positions = grid.starts[1].flatMap((y0) => grid.starts[2].map((x0) => [y0, x0] as const));
    for (let b = 0; b < positions.length; b += batchSize) {
      const batch = positions.slice(b, b + batchSize);
      const cubes = batch.map(([y0, x0]) => {
        const cube = new Float32Array(cz * cy * cx);
        for (let z = 0; z < z1 - z0; z++) {
          for (let y = 0; y < cy && y0 + y < height; y++) {
            const from = z * sliceVoxels + (y0 + y) * width + x0;
            cube.set(slab.subarray(from, from + Math.min(cx, width - x0)), (z * cy + y) * cx);
          }
        }
        return cube;
      });
      const predictions = await predict(cubes);
      check(predictions.length === cubes.length && predictions.every((p) => p.length === cz * cy * cx), 'predictions', predictions.length, `${cubes.length} arrays of ${cz * cy * cx} probabilities`);
      batch.forEach(([y0, x0], k) => {
        const p = predictions[k];
        for (let z = 0; z < z1 - z0; z++) {
          const sum = sums.get(z0 + z)!;
          const count = counts.get(z0 + z)!;
          for (let y = 0; y < cy && y0 + y < height; y++) {
            const into = (y0 + y) * width + x0;
            const from = (z * cy + y) * cx;
            const n = Math.min(cx, width - x0);
            if (mode === 'or') {
              for (let x = 0; x < n; x++) if (p[from + x] > 0.5) sum[into + x] = 1;
            } else {
              for (let x = 0; x < n; x++) {
                sum[into + x] += p[from + x];
                count[into + x]++;
              }
            }
          }
        }
      });
      done += batch.length;
      options.onProgress?.(done, grid.count);
    }
    // Slices before the next row's start are final.
    const until = row + 1 < zStarts.length ? zStarts[row + 1] : depth;
    if (until > finished) {
      const out = new Float32Array((until - finished) * sliceVoxels);
      for (let z = finished; z < until; z++) {
        const sum = sums.get(z)!;
        const target = out.subarray((z - finished) * sliceVoxels, (z - finished + 1) * sliceVoxels);
        if (mode === 'or') target.set(sum);
        else {
          const count = counts.get(z)!;
          for (let i = 0; i < sliceVoxels; i++) target[i] = sum[i] / count[i];
        }
        sums.delete(z);
        counts.delete(z);
      }
      await sink(finished, out);
      finished = until;
    }
  }
}
