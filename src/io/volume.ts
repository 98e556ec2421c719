/**
 * The in-memory form of a medical image read from a NIfTI-1 or MetaImage
 * file, shared by both readers so everything downstream sees one layout.
 *
 * Layout (our choice, the one SimpleITK's `GetArrayFromImage` uses): both
 * formats store the first file axis (x, i) fastest, so the voxels are kept in
 * file order without a copy and `shape` lists the axes slowest first —
 * `[nz, ny, nx]` for a volume, `[ny, nx]` for a slice, which is how a PNG of
 * the same slice is laid out (rows, columns). Row-major, channels last once it
 * becomes a tensor. `spacing` and `affine` keep the file's axis order
 * (x, y, z), as the formats define them.
 */
import { check } from '../errors.js';

/** Voxel types both readers accept, by their numpy names. */
export const VOXEL_TYPES = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
export type VoxelType = (typeof VOXEL_TYPES)[number];

export type VoxelArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

const ARRAY_TYPES: Record<VoxelType, { new (buffer: ArrayBufferLike, offset: number, length: number): VoxelArray; new (length: number): VoxelArray; BYTES_PER_ELEMENT: number }> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

export interface Volume {
  /** Voxels in the stored type, unscaled, x fastest (see the module comment). */
  data: VoxelArray;
  /** Axes slowest first: `[nz, ny, nx]` (trailing file axes of size 1 kept). */
  shape: number[];
  /** Voxel size along the file axes x, y, z, … (mm for NIfTI with mm units). */
  spacing: number[];
  /** 4×4 voxel (i, j, k) → world (x, y, z) matrix, row-major. */
  affine: number[][];
  dataType: VoxelType;
  /** `value = slope · stored + intercept` (NIfTI `scl_slope`/`scl_inter`; 1 and 0 when unscaled). */
  slope: number;
  intercept: number;
}

export function bytesPerVoxel(type: VoxelType): number {
  return ARRAY_TYPES[type].BYTES_PER_ELEMENT;
}

/**
 * Reads `count` voxels of `type` from `bytes` at `offset`, byte-swapping when
 * the file's byte order is not the machine's (little-endian everywhere Node
 * and browsers run). Always returns a fresh, aligned array.
 */
export function voxelsFromBytes(bytes: Uint8Array, offset: number, count: number, type: VoxelType, littleEndian: boolean): VoxelArray {
  const width = bytesPerVoxel(type);
  const copy = bytes.slice(offset, offset + count * width);
  if (!littleEndian && width > 1) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  return new ARRAY_TYPES[type](copy.buffer, 0, count);
}

/** A zeroed array of `count` voxels of `type`. */
export function allocateVoxels(type: VoxelType, count: number): VoxelArray {
  return new ARRAY_TYPES[type](count);
}

/** The voxel values as float32 with the scaling applied (`slope · stored + intercept`). */
export function volumeValues(volume: Volume): Float32Array {
  const out = new Float32Array(volume.data.length);
  const { slope, intercept } = volume;
  for (let i = 0; i < out.length; i++) out[i] = slope * volume.data[i] + intercept;
  return out;
}

/** The identity affine scaled by `spacing` (what a format without orientation implies). */
export function spacingAffine(spacing: number[]): number[][] {
  const a = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => (r === c ? (spacing[r] ?? 1) : 0)));
  return [...a, [0, 0, 0, 1]];
}

/** Checks that `shape` has `data.length` voxels (`argument` names the source in the error). */
export function checkVolumeShape(shape: number[], count: number, argument: string): void {
  const size = shape.reduce((a, b) => a * b, 1);
  check(shape.every((n) => Number.isInteger(n) && n > 0) && size === count, argument, shape, `positive sizes whose product is the ${count} voxels given`);
}
