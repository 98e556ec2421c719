/**
 * Microscope stacks (TIFF, `.v3draw`) as {@link Volume}s: one grey-level
 * channel of unsigned 8- or 16-bit samples, shape `[depth, height, width]`
 * (z, y, x) with x fastest, so one z-slice is a contiguous run of
 * `height·width` samples and a slab of slices is a contiguous sub-array.
 * Neither format stores a voxel size wavecv relies on, so spacing is 1 and
 * the affine the identity; samples are never rescaled.
 */
import { check } from '../errors.js';
import { spacingAffine, type Volume } from './volume.js';

/** The sample arrays a stack file holds. */
export type StackSamples = Uint8Array | Uint16Array;

/** Bits per sample of stack samples (8 or 16). */
export function bitDepthOf(data: StackSamples): 8 | 16 {
  return data instanceof Uint8Array ? 8 : 16;
}

/** Checks that `shape` is three positive integers `[depth, height, width]`. */
export function checkShape3(shape: readonly number[], argument: string): asserts shape is [number, number, number] {
  check(shape.length === 3 && shape.every((s) => Number.isInteger(s) && s > 0), argument, shape, 'three positive integers [depth, height, width]');
}

/** A volume holding stack samples (unit spacing, identity affine, unscaled). */
export function stackVolume(data: StackSamples, shape: [number, number, number]): Volume {
  checkShape3(shape, 'shape');
  check(data.length === shape[0] * shape[1] * shape[2], 'data', data.length, `${shape[0] * shape[1] * shape[2]} samples for shape [${shape.join(', ')}]`);
  return { data, shape, spacing: [1, 1, 1], affine: spacingAffine([1, 1, 1]), dataType: data instanceof Uint8Array ? 'uint8' : 'uint16', slope: 1, intercept: 0 };
}

/** The samples and `[depth, height, width]` of a volume a stack file can hold (uint8 or uint16, 3-D or a 2-D slice). */
export function stackSamples(volume: Volume, argument: string): { data: StackSamples; shape: [number, number, number] } {
  check(volume.data instanceof Uint8Array || volume.data instanceof Uint16Array, `${argument} type`, volume.dataType, 'uint8 or uint16 samples (TIFF stacks and .v3draw hold unsigned 8- or 16-bit grey levels)');
  const shape = volume.shape.length === 2 ? [1, ...volume.shape] : volume.shape;
  checkShape3(shape, `${argument} shape`);
  check(volume.data.length === shape[0] * shape[1] * shape[2], `${argument} data`, volume.data.length, `${shape[0] * shape[1] * shape[2]} samples for shape [${shape.join(', ')}]`);
  return { data: volume.data, shape };
}
