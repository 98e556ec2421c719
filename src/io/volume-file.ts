/**
 * Volume files by extension: `.tif`/`.tiff` (multi-page TIFF stack),
 * `.v3draw` (Vaa3D raw) and `.nii`/`.nii.gz` (NIfTI-1, whole volumes only).
 *
 * The stack formats also read and write by z-slab, so a pipeline that works
 * slab by slab runs unchanged on either: a `.v3draw` input is read from disk
 * slab by slab; a TIFF input is decoded whole on opening (its pages may be
 * compressed and anywhere in the file), so streaming a volume larger than
 * memory needs a `.v3draw` input — the output may be either.
 */
import { extname } from 'node:path';
import { check } from '../errors.js';
import { readNifti, writeNifti } from './nifti.js';
import { bitDepthOf, stackSamples, type StackSamples } from './stack-volume.js';
import { readTiffStack, TiffStackWriter, writeTiffStack } from './tiff-stack.js';
import { readV3draw, V3drawReader, V3drawWriter, writeV3draw } from './v3draw.js';
import type { Volume } from './volume.js';

export const VOLUME_EXTENSIONS = ['.tif', '.tiff', '.v3draw', '.nii', '.nii.gz'] as const;
export const STACK_EXTENSIONS = ['.tif', '.tiff', '.v3draw'] as const;

/** Reads z-slabs of a stack file. */
export interface VolumeReader {
  readonly shape: [number, number, number];
  readonly bitDepth: 8 | 16;
  readSlab(z0: number, z1: number): StackSamples;
  close(): void;
}

/** Writes a stack file slab by slab (in z order); it appears at its path on `close`. */
export interface VolumeWriter {
  write(slab: StackSamples): void;
  close(): void;
  abort(): void;
}

function formatOf(path: string, argument: string, extensions: readonly string[]): 'tiff' | 'v3draw' | 'nifti' {
  const lower = path.toLowerCase();
  const extension = lower.endsWith('.nii.gz') ? '.nii.gz' : extname(lower);
  check(extensions.includes(extension), argument, path, `a volume file ending in ${extensions.join(', ')}`);
  return extension === '.v3draw' ? 'v3draw' : extension.startsWith('.nii') ? 'nifti' : 'tiff';
}

export function readVolume(path: string, argument = 'path'): Volume {
  const format = formatOf(path, argument, VOLUME_EXTENSIONS);
  return format === 'v3draw' ? readV3draw(path) : format === 'nifti' ? readNifti(path) : readTiffStack(path);
}

export function writeVolume(path: string, volume: Volume, argument = 'path'): void {
  const format = formatOf(path, argument, VOLUME_EXTENSIONS);
  if (format === 'v3draw') writeV3draw(path, volume);
  else if (format === 'nifti') writeNifti(path, volume);
  else writeTiffStack(path, volume);
}

export function openVolumeReader(path: string, argument = 'path'): VolumeReader {
  if (formatOf(path, argument, STACK_EXTENSIONS) === 'v3draw') return new V3drawReader(path);
  const { data, shape } = stackSamples(readTiffStack(path), path);
  const sliceSize = shape[1] * shape[2];
  return {
    shape,
    bitDepth: bitDepthOf(data),
    readSlab: (z0, z1) => {
      check(Number.isInteger(z0) && Number.isInteger(z1) && 0 <= z0 && z0 < z1 && z1 <= shape[0], 'slab', [z0, z1], `0 ≤ z0 < z1 ≤ ${shape[0]}`);
      return data.subarray(z0 * sliceSize, z1 * sliceSize);
    },
    close: () => undefined,
  };
}

export function openVolumeWriter(path: string, shape: [number, number, number], bitDepth: 8 | 16, argument = 'path'): VolumeWriter {
  return formatOf(path, argument, STACK_EXTENSIONS) === 'v3draw' ? new V3drawWriter(path, shape, bitDepth) : new TiffStackWriter(path, shape, bitDepth);
}
