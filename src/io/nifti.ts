/**
 * NIfTI-1 (`.nii`, `.nii.gz`) reading and writing. The header is parsed by the
 * npm `nifti-reader-js` reader; the voxels are taken from the bytes after
 * `vox_offset` here, with the checks the reader leaves out (data type,
 * truncation). NIfTI-2 headers are read too; writing produces NIfTI-1.
 *
 * Decisions (written once here):
 *  - Layout is {@link Volume}'s: voxels in file order, `shape` slowest axis
 *    first (`[nz, ny, nx]`), no transpose.
 *  - Affine precedence as nibabel's `get_best_affine`: the sform when
 *    `sform_code > 0`, else the qform when `qform_code > 0`, else the pixdim
 *    scaling (the NIfTI-1 standard's methods 3, 2 and 1). The sform rows are
 *    read from the raw header so that writing a volume back keeps them.
 *  - Stored values are kept in their type; `scl_slope`/`scl_inter` are kept as
 *    `slope`/`intercept` (slope 0 means "unscaled", as the standard says).
 *  - Writing: little-endian, `vox_offset` 352, no extensions; every other
 *    header field (qform, codes, units, description, intent) is taken from the
 *    `template` when one is given (e.g. the fixed image a warped image now lives
 *    on), so a round trip keeps header, affine and data type. A 1-D or 2-D
 *    volume gets pixdim 1 on the spatial axes it lacks (as nibabel writes
 *    them, and as the sform's unit diagonal there says): ITK (elastix) takes
 *    the direction cosines from the sform divided by pixdim and refuses a 0
 *    there. Atomic: the file
 *    appears whole or not at all. `.gz` in the name means gzip.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { check, WavecvError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { bytesPerVoxel, checkVolumeShape, spacingAffine, voxelsFromBytes, type Volume, type VoxelType } from './volume.js';

/** NIfTI `datatype` codes of the voxel types we read and write. */
const NIFTI_TYPES: Record<number, VoxelType> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
};
const NIFTI_TYPE_NAMES: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'rgb24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};
const SUPPORTED = 'uint8, int8, int16, uint16, int32, uint32, float32 or float64 voxels';

export type NiftiHeader = nifti.NIFTI1 | nifti.NIFTI2;

/** A {@link Volume} read from NIfTI, with its parsed header (the template for writing). */
export interface NiftiVolume extends Volume {
  header: NiftiHeader;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Parses NIfTI bytes (`source` names them in errors). */
export function parseNifti(bytes: Uint8Array, source = 'NIfTI data'): NiftiVolume {
  let buffer = toArrayBuffer(bytes);
  if (nifti.isCompressed(buffer)) {
    try {
      buffer = nifti.decompress(buffer) as ArrayBuffer;
    } catch (error) {
      throw new WavecvError(source, `gzip data that does not decompress (${(error as Error).message})`, 'a complete .nii.gz file');
    }
  }
  check(buffer.byteLength >= 348 && nifti.isNIFTI(buffer), source, `${buffer.byteLength} bytes without a NIfTI header`, 'a NIfTI-1 or NIfTI-2 file (348-byte header, magic "n+1")');
  const header = nifti.readHeader(buffer);
  const code = header.datatypeCode;
  const dataType = NIFTI_TYPES[code];
  if (!dataType) {
    throw new WavecvError(`${source}: datatype`, `${code} (${NIFTI_TYPE_NAMES[code] ?? 'unknown'})`, SUPPORTED);
  }
  check(header.numBitsPerVoxel === 8 * bytesPerVoxel(dataType), `${source}: bitpix`, header.numBitsPerVoxel, `${8 * bytesPerVoxel(dataType)} for ${dataType}`);
  const rank = header.dims[0];
  check(Number.isInteger(rank) && rank >= 1 && rank <= 7, `${source}: dim[0]`, rank, 'a rank from 1 to 7');
  const fileDims = header.dims.slice(1, rank + 1);
  check(fileDims.every((n) => n > 0), `${source}: dim`, fileDims, 'positive sizes');
  const count = fileDims.reduce((a, b) => a * b, 1);
  const offset = Math.max(Math.floor(header.vox_offset), header instanceof nifti.NIFTI2 ? 540 : 348);
  const needed = offset + count * bytesPerVoxel(dataType);
  check(buffer.byteLength >= needed, source, `a truncated file (${buffer.byteLength} bytes)`, `${needed} bytes: header up to vox_offset ${offset} then ${fileDims.join('×')} ${dataType} voxels`);
  const data = voxelsFromBytes(new Uint8Array(buffer), offset, count, dataType, header.littleEndian);
  const slope = header.scl_slope;
  const scaled = Number.isFinite(slope) && slope !== 0;
  return {
    data,
    shape: [...fileDims].reverse(),
    spacing: header.pixDims.slice(1, rank + 1).map(Math.abs),
    affine: bestAffine(header, new DataView(buffer)),
    dataType,
    slope: scaled ? slope : 1,
    intercept: scaled && Number.isFinite(header.scl_inter) ? header.scl_inter : 0,
    header,
  };
}

/** nibabel's precedence: sform, else qform, else pixdim (see the module comment). */
function bestAffine(header: NiftiHeader, view: DataView): number[][] {
  if (header.sform_code > 0) {
    if (header instanceof nifti.NIFTI1) {
      const rows = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => view.getFloat32(280 + (r * 4 + c) * 4, header.littleEndian)));
      return [...rows, [0, 0, 0, 1]];
    }
    if (header.qform_code <= header.sform_code) return header.affine.map((row) => [...row]);
  }
  if (header.qform_code > 0) return header.getQformMat().map((row) => [...row]);
  return spacingAffine(header.pixDims.slice(1, 4).map(Math.abs));
}

/** Reads a `.nii` or `.nii.gz` file. */
export function readNifti(path: string): NiftiVolume {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new WavecvError('file', path, `a readable NIfTI file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseNifti(bytes, path);
}

const TYPE_CODES = Object.fromEntries(Object.entries(NIFTI_TYPES).map(([code, type]) => [type, Number(code)])) as Record<VoxelType, number>;

/** The NIfTI-1 bytes (uncompressed) of `volume`, header fields from `template` where given. */
export function encodeNifti(volume: Volume, template?: NiftiHeader): Uint8Array {
  checkVolumeShape(volume.shape, volume.data.length, 'volume.shape');
  check(volume.shape.length <= 7, 'volume.shape', volume.shape, 'at most 7 axes');
  const header = new nifti.NIFTI1();
  if (template instanceof nifti.NIFTI1) Object.assign(header, template);
  else if (template) {
    for (const key of ['qform_code', 'sform_code', 'quatern_b', 'quatern_c', 'quatern_d', 'qoffset_x', 'qoffset_y', 'qoffset_z', 'xyzt_units', 'description', 'intent_code', 'intent_name', 'dim_info'] as const) {
      (header as unknown as Record<string, unknown>)[key] = template[key];
    }
  } else {
    header.qform_code = 0;
    header.sform_code = 2;
    header.xyzt_units = 2;
  }
  if (header.sform_code <= 0) header.sform_code = 2;
  const fileDims = [...volume.shape].reverse();
  header.littleEndian = true;
  header.dims = [fileDims.length, ...fileDims, ...new Array(7 - fileDims.length).fill(1)];
  header.datatypeCode = TYPE_CODES[volume.dataType];
  header.numBitsPerVoxel = 8 * bytesPerVoxel(volume.dataType);
  const qfac = template ? (template.pixDims[0] === -1 ? -1 : 1) : 1;
  header.pixDims = [qfac, ...fileDims.map((_, i) => volume.spacing[i] ?? 1), ...Array.from({ length: 7 - fileDims.length }, (_, i) => (fileDims.length + i < 3 ? 1 : 0))];
  header.vox_offset = 352;
  header.scl_slope = volume.slope === 1 && volume.intercept === 0 ? 0 : volume.slope;
  header.scl_inter = header.scl_slope === 0 ? 0 : volume.intercept;
  header.affine = volume.affine.map((row) => [...row]);
  header.magic = 'n+1';
  header.extensionFlag = [0, 0, 0, 0];
  header.extensions = [];
  header.description = header.description.slice(0, 79);
  header.intent_name = header.intent_name.slice(0, 15);
  const head = new Uint8Array(header.toArrayBuffer(false));
  const data = new Uint8Array(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength);
  const out = new Uint8Array(352 + data.byteLength);
  out.set(head.subarray(0, 352));
  out.set(data, 352);
  return out;
}

/** Writes `volume` to `path` (`.nii` or `.nii.gz`), atomically (see the module comment). */
export function writeNifti(path: string, volume: Volume, template?: NiftiHeader): void {
  check(/\.nii(\.gz)?$/i.test(path), 'path', path, 'a file name ending in .nii or .nii.gz');
  const bytes = encodeNifti(volume, template);
  writeFileAtomic(path, /\.gz$/i.test(path) ? gzipSync(bytes) : bytes);
}

