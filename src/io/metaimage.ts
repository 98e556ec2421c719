/**
 * MetaImage (ITK's `.mha` / `.mhd`) reading: a text header of `Key = Value`
 * lines, then the voxels, either in the same file (`ElementDataFile = LOCAL`,
 * `.mha`) or in the file it names (`.mhd` + `.raw`, or `.zraw` when
 * `CompressedData = True`, zlib). Format as documented with ITK's MetaIO.
 *
 * Decisions: the layout is {@link Volume}'s (file order, `shape` slowest axis
 * first); the affine is built from `TransformMatrix` (ITK's direction, stored
 * column by column) × `ElementSpacing` plus `Offset`, all in ITK's LPS world
 * coordinates — nothing is flipped to RAS; one-component images only (a
 * multi-component file is refused naming `ElementNumberOfChannels`); listed
 * slice files (`LIST`, `%d` patterns) are refused.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { check, WavecvError } from '../errors.js';
import { bytesPerVoxel, voxelsFromBytes, type Volume, type VoxelType } from './volume.js';

const MET_TYPES: Record<string, VoxelType> = {
  MET_UCHAR: 'uint8',
  MET_CHAR: 'int8',
  MET_SHORT: 'int16',
  MET_USHORT: 'uint16',
  MET_INT: 'int32',
  MET_UINT: 'uint32',
  MET_LONG: 'int32',
  MET_ULONG: 'uint32',
  MET_FLOAT: 'float32',
  MET_DOUBLE: 'float64',
};

function numbers(fields: Map<string, string>, key: string, source: string, count?: number): number[] | undefined {
  const text = fields.get(key);
  if (text === undefined) return undefined;
  const values = text.trim().split(/\s+/).map(Number);
  check(values.every(Number.isFinite) && (count === undefined || values.length === count), `${source}: ${key}`, text, count === undefined ? 'numbers' : `${count} numbers`);
  return values;
}

function isTrue(fields: Map<string, string>, key: string): boolean {
  return /^true$/i.test(fields.get(key)?.trim() ?? '');
}

/** Reads a `.mha` or `.mhd` file. */
export function readMetaImage(path: string): Volume {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new WavecvError('file', path, `a readable MetaImage file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const fields = new Map<string, string>();
  let position = 0;
  let dataFile: string | undefined;
  while (position < bytes.length && dataFile === undefined) {
    let end = bytes.indexOf(10, position);
    if (end < 0) end = bytes.length;
    const line = new TextDecoder('latin1').decode(bytes.subarray(position, end)).replace(/\r$/, '');
    position = end + 1;
    const match = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    check(match !== null || line.trim() === '', path, line.slice(0, 60), 'MetaImage header lines "Key = Value"');
    if (!match) continue;
    fields.set(match[1], match[2].trim());
    if (match[1] === 'ElementDataFile') dataFile = match[2].trim();
  }
  check(dataFile !== undefined, path, 'a header without ElementDataFile', 'a MetaImage header ending with "ElementDataFile = …"');
  const ndims = Number(fields.get('NDims'));
  check(Number.isInteger(ndims) && ndims >= 1, `${path}: NDims`, fields.get('NDims'), 'a positive integer');
  const dims = numbers(fields, 'DimSize', path, ndims);
  check(dims !== undefined && dims.every((n) => Number.isInteger(n) && n > 0), `${path}: DimSize`, fields.get('DimSize'), `${ndims} positive integers`);
  const elementType = fields.get('ElementType') ?? '';
  const dataType = MET_TYPES[elementType];
  check(dataType !== undefined, `${path}: ElementType`, elementType, `one of ${Object.keys(MET_TYPES).join(', ')}`);
  const channels = Number(fields.get('ElementNumberOfChannels') ?? 1);
  check(channels === 1, `${path}: ElementNumberOfChannels`, channels, '1 (one-component images)');
  check(!/^LIST/i.test(dataFile) && !dataFile.includes('%'), `${path}: ElementDataFile`, dataFile, 'LOCAL or one data file');
  const msb = isTrue(fields, 'BinaryDataByteOrderMSB') || isTrue(fields, 'ElementByteOrderMSB');
  let raw = dataFile === 'LOCAL' ? bytes.subarray(position) : readData(resolve(dirname(path), dataFile), path);
  if (isTrue(fields, 'CompressedData')) {
    try {
      raw = inflateSync(raw);
    } catch (error) {
      throw new WavecvError(path, `compressed data that does not inflate (${(error as Error).message})`, 'complete zlib data');
    }
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const needed = count * bytesPerVoxel(dataType);
  check(raw.length >= needed, path, `a truncated file (${raw.length} bytes of voxel data)`, `${needed} bytes for ${dims.join('×')} ${dataType} voxels`);
  const spacing = numbers(fields, 'ElementSpacing', path, ndims) ?? new Array(ndims).fill(1);
  const offset = numbers(fields, 'Offset', path, ndims) ?? numbers(fields, 'Position', path, ndims) ?? new Array(ndims).fill(0);
  const direction = numbers(fields, 'TransformMatrix', path, ndims * ndims) ?? numbers(fields, 'Orientation', path, ndims * ndims);
  return {
    data: voxelsFromBytes(raw, 0, count, dataType, !msb),
    shape: [...dims].reverse(),
    spacing,
    affine: metaAffine(spacing, offset, direction),
    dataType,
    slope: 1,
    intercept: 0,
  };
}

function readData(file: string, header: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new WavecvError(`${header}: ElementDataFile`, file, `a readable data file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** 4×4 affine of ITK's geometry: world = D · diag(spacing) · index + offset (D read column by column). */
function metaAffine(spacing: number[], offset: number[], direction: number[] | undefined): number[][] {
  const n = spacing.length;
  const affine: number[][] = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? 1 : 0)));
  for (let r = 0; r < Math.min(n, 3); r++) {
    for (let c = 0; c < Math.min(n, 3); c++) {
      const d = direction ? direction[c * n + r] : r === c ? 1 : 0;
      affine[r][c] = d * spacing[c];
    }
    affine[r][3] = offset[r];
  }
  return affine;
}
