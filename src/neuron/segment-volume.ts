/**
 * Segmenting a volume file cube by cube and writing the mask slab by slab
 * (the 3D WaveUNet inference of Li et al., Bioinformatics 38(3):809, 2022,
 * Sec. 2.4, with the cube tiling and assembly of ./cubes.ts), so that a
 * volume larger than the memory allowed can be processed: the input is read
 * one cube-deep z-slab at a time (from disk for `.v3draw`), the output
 * written as soon as slices are final.
 *
 * `maxMemory` (bytes) bounds the assembly's own working set
 * ({@link streamingBytes}: input slab, accumulators, one batch of cubes); the
 * batch size is lowered to fit, and a volume whose single slab does not fit
 * is refused before anything is read. The process's peak resident memory
 * (sampled after every batch and slab) is reported, model and runtime
 * included, so the bound can be checked against what the machine saw.
 *
 * The mask is written as 8-bit 0/255 (`or`: the reference's OR of cube
 * labels; `mean`: averaged foreground probability ≥ 0.5), or as the averaged
 * probability scaled to 0–255 with `probabilities`.
 */
import { check } from '../errors.js';
import { openVolumeReader, openVolumeWriter } from '../io/volume-file.js';
import { assembleCubes, planCubes, streamingBytes, type AssemblyMode, type CubePredictor, type Shape3 } from './cubes.js';

export interface SegmentVolumeOptions {
  input: string;
  output: string;
  predict: CubePredictor;
  cube: Shape3;
  stride?: Shape3;
  mode?: AssemblyMode;
  batchSize?: number;
  /** Bytes the assembly may hold (default: unbounded). */
  maxMemory?: number;
  /** Intensity normalisation of the raw samples before `predict` (default: none). */
  normalise?: (value: number) => number;
  /** Write the averaged probability ×255 instead of a 0/255 mask (mode `mean` only). */
  probabilities?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface SegmentVolumeReport {
  shape: Shape3;
  cubes: number;
  batchSize: number;
  /** The assembly's working set in bytes (input slab, accumulators, one batch). */
  workingSetBytes: number;
  /** Largest resident set size seen while segmenting (bytes). */
  peakRssBytes: number;
  foregroundVoxels: number;
  seconds: number;
}

export async function segmentVolumeFile(options: SegmentVolumeOptions): Promise<SegmentVolumeReport> {
  const start = performance.now();
  const mode = options.mode ?? 'or';
  check(!options.probabilities || mode === 'mean', 'probabilities', true, "mode 'mean' (OR assembly gives labels, not probabilities)");
  const reader = openVolumeReader(options.input, 'input');
  try {
    const grid = planCubes(reader.shape, options.cube, options.stride);
    let batchSize = options.batchSize ?? 1;
    check(Number.isInteger(batchSize) && batchSize > 0, 'batchSize', batchSize, 'a positive integer');
    if (options.maxMemory !== undefined) {
      check(Number.isFinite(options.maxMemory) && options.maxMemory > 0, 'max-memory', options.maxMemory, 'a positive number of bytes');
      while (batchSize > 1 && streamingBytes(grid, batchSize) > options.maxMemory) batchSize--;
      const need = streamingBytes(grid, 1);
      check(need <= options.maxMemory, 'max-memory', `${(options.maxMemory / 2 ** 20).toFixed(1)} MiB`, `at least ${(need / 2 ** 20).toFixed(1)} MiB for one ${grid.cube[0]}-slice slab of ${reader.shape[1]}×${reader.shape[2]} and one cube`);
    }
    let peak = process.memoryUsage().rss;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const writer = openVolumeWriter(options.output, reader.shape, 8, 'out');
    let foreground = 0;
    try {
      await assembleCubes({
        grid,
        mode,
        batchSize,
        source: (z0, z1) => {
          const raw = reader.readSlab(z0, z1);
          const values = new Float32Array(raw.length);
          const f = options.normalise;
          for (let i = 0; i < raw.length; i++) values[i] = f ? f(raw[i]) : raw[i];
          sample();
          return values;
        },
        predict: async (cubes) => {
          const out = await options.predict(cubes);
          sample();
          return out;
        },
        sink: (_, values) => {
          const slab = new Uint8Array(values.length);
          for (let i = 0; i < values.length; i++) {
            const v = values[i];
            slab[i] = options.probabilities ? Math.round(255 * Math.min(1, Math.max(0, v))) : (mode === 'or' ? v > 0 : v >= 0.5) ? 255 : 0;
            if (mode === 'or' ? v > 0 : v >= 0.5) foreground++;
          }
          writer.write(slab);
          sample();
        },
        onProgress: options.onProgress,
      });
      writer.close();
    } catch (error) {
      writer.abort();
      throw error;
    }
    return { shape: reader.shape, cubes: grid.count, batchSize, workingSetBytes: streamingBytes(grid, batchSize), peakRssBytes: peak, foregroundVoxels: foreground, seconds: (performance.now() - start) / 1000 };
  } finally {
    reader.close();
  }
}
