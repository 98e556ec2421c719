// NIfTI-1 reading and writing (src/io/nifti.ts) and MetaImage reading
// (src/io/metaimage.ts): round trips keep header, affine and data type; the
// real files of Debian's mricron-data and insighttoolkit4-examples read with
// their known geometry; bad files are refused with the file named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import { WavecvError } from '../../src/errors.js';
import { encodeNifti, parseNifti, readNifti, writeNifti } from '../../src/io/nifti.js';
import { readMetaImage } from '../../src/io/metaimage.js';
import { spacingAffine, volumeValues, type Volume } from '../../src/io/volume.js';
import { ITK_EXAMPLES, MRICRON_DATA, requireSystem } from '../helpers/requirements.js';

const mricron = requireSystem('mricron-data', MRICRON_DATA);
const itk = requireSystem('insighttoolkit4-examples', ITK_EXAMPLES);

const MRICRON = '/usr/share/mricron/templates';
const ITK = '/usr/share/doc/insighttoolkit4-examples/examples/Data';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-nifti-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function syntheticVolume(): Volume {
  const data = Int16Array.from({ length: 4 * 3 * 2 }, (_, i) => i * 37 - 300);
  return {
    data,
    shape: [4, 3, 2],
    spacing: [1.5, 2, 2.5],
    affine: [
      [-1.5, 0, 0, 10],
      [0, 2, 0, -20],
      [0, 0, 2.5, 30],
      [0, 0, 0, 1],
    ],
    dataType: 'int16',
    slope: 0.5,
    intercept: 3,
  };
}

test('writeNifti then readNifti keeps voxels, shape, spacing, affine, type and scaling (.nii and .nii.gz)', () => {
  withDir((dir) => {
    const volume = syntheticVolume();
    for (const name of ['v.nii', 'v.nii.gz']) {
      writeNifti(join(dir, name), volume);
      const back = readNifti(join(dir, name));
      assert.deepEqual(Array.from(back.data), Array.from(volume.data));
      assert.deepEqual(back.shape, volume.shape);
      assert.deepEqual(back.spacing, volume.spacing);
      assert.deepEqual(back.affine, volume.affine);
      assert.equal(back.dataType, 'int16');
      assert.equal(back.slope, 0.5);
      assert.equal(back.intercept, 3);
      assert.equal(volumeValues(back)[1], 0.5 * (37 - 300) + 3);
      // NIfTI stores x fastest: the file's dim[1..3] are the shape reversed
      assert.deepEqual(back.header.dims.slice(0, 4), [3, 2, 3, 4]);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['v.nii', 'v.nii.gz']);
    assert.equal(readFileSync(join(dir, 'v.nii')).length, 352 + 24 * 2);
  });
});

test('a real atlas (mricron ch2bet, HarvardOxford) reads with its geometry and rewrites byte-identical voxels and header fields', { skip: mricron || itk }, () => {
  const brain = readNifti(join(MRICRON, 'ch2bet.nii.gz'));
  assert.deepEqual(brain.shape, [181, 217, 181]);
  assert.equal(brain.dataType, 'uint8');
  assert.deepEqual(brain.affine, [
    [1, 0, 0, -90],
    [0, 1, 0, -125],
    [0, 0, 1, -71],
    [0, 0, 0, 1],
  ]);
  const atlas = readNifti(join(MRICRON, 'HarvardOxford-cort-maxprob-thr0-1mm.nii.gz'));
  assert.deepEqual(atlas.shape, [182, 218, 182]);
  assert.equal(atlas.affine[0][0], -1);
  assert.equal(Math.max(...new Set(atlas.data)), 48);
  const back = parseNifti(encodeNifti(atlas, atlas.header));
  assert.deepEqual(back.affine, atlas.affine);
  assert.equal(back.header.qform_code, atlas.header.qform_code);
  assert.equal(back.header.sform_code, atlas.header.sform_code);
  assert.equal(back.header.quatern_b, atlas.header.quatern_b);
  assert.equal(back.header.description, atlas.header.description);
  assert.equal(back.header.xyzt_units, atlas.header.xyzt_units);
  assert.ok(back.data.every((v, i) => v === atlas.data[i]));
  // the ITK example T1 uses a qform (code 2) with an oblique axis order
  const t1 = readNifti(join(ITK, 'KmeansTest_T1UCharRaw.nii.gz'));
  assert.deepEqual(t1.shape, [62, 128, 128]);
  assert.equal(t1.dataType, 'int16');
  assert.deepEqual(t1.affine[1], [0, 0, 3, -254]);
});

test('a 2-D volume is written with pixdim 1 on the third spatial axis (ITK refuses 0 there); a 3-D one leaves pixdim 4–7 at 0', () => {
  const pixdim = (volume: Volume) => {
    const bytes = encodeNifti(volume);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    return Array.from({ length: 8 }, (_, i) => view.getFloat32(76 + 4 * i, true));
  };
  const slice: Volume = { data: new Float32Array(6), shape: [2, 3], spacing: [2, 2], affine: spacingAffine([2, 2]), dataType: 'float32', slope: 1, intercept: 0 };
  assert.deepEqual(pixdim(slice), [1, 2, 2, 1, 0, 0, 0, 0]);
  const volume: Volume = { data: new Float32Array(24), shape: [2, 3, 4], spacing: [3, 2, 1], affine: spacingAffine([3, 2, 1]), dataType: 'float32', slope: 1, intercept: 0 };
  assert.deepEqual(pixdim(volume), [1, 3, 2, 1, 0, 0, 0, 0]);
});

test('bad NIfTI files are refused naming the file and what was expected, and nothing is written for a bad name', () => {
  withDir((dir) => {
    const bytes = encodeNifti(syntheticVolume());
    const truncated = join(dir, 'cut.nii');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 5));
    assert.throws(() => readNifti(truncated), (e: unknown) => e instanceof WavecvError && /cut\.nii: got "a truncated file \(395 bytes\)", expected 400 bytes/.test(e.message));
    const gz = gzipSync(bytes);
    writeFileSync(join(dir, 'cut.nii.gz'), gz.subarray(0, gz.length - 12));
    assert.throws(() => readNifti(join(dir, 'cut.nii.gz')), (e: unknown) => e instanceof WavecvError && /cut\.nii\.gz: got "gzip data that does not decompress/.test(e.message));
    const complex = bytes.slice();
    new DataView(complex.buffer).setInt16(70, 32, true);
    new DataView(complex.buffer).setInt16(72, 64, true);
    assert.throws(() => parseNifti(complex, 'c.nii'), (e: unknown) => e instanceof WavecvError && e.message === 'c.nii: datatype: got "32 (complex64)", expected uint8, int8, int16, uint16, int32, uint32, float32 or float64 voxels');
    assert.throws(() => parseNifti(new Uint8Array(400), 'zeros.nii'), /zeros\.nii: got "400 bytes without a NIfTI header"/);
    assert.throws(() => readNifti(join(dir, 'missing.nii')), /file: got ".*missing\.nii", expected a readable NIfTI file \(ENOENT\)/);
    assert.throws(() => writeNifti(join(dir, 'v.png'), syntheticVolume()), /path: got ".*v\.png", expected a file name ending in \.nii or \.nii\.gz/);
    assert.throws(() => writeNifti(join(dir, 'w.nii'), { ...syntheticVolume(), shape: [5, 3, 2] }), /volume\.shape: got \[5, 3, 2\]/);
    assert.deepEqual(readdirSync(dir).sort(), ['cut.nii', 'cut.nii.gz']);
  });
});

test('a big-endian NIfTI reads the same voxels', () => {
  const volume: Volume = { ...syntheticVolume(), slope: 1, intercept: 0 };
  const little = encodeNifti(volume);
  const big = little.slice();
  const view = new DataView(big.buffer);
  const src = new DataView(little.buffer);
  // swap every header field we read (sizeof_hdr, dims, datatype, bitpix, pixdims, vox_offset, scl, codes, srow) and the voxels
  const swap16 = (o: number) => view.setInt16(o, src.getInt16(o, true), false);
  const swap32 = (o: number) => view.setUint32(o, src.getUint32(o, true), false);
  swap32(0);
  for (let o = 40; o < 56; o += 2) swap16(o);
  for (let o = 56; o < 68; o += 4) swap32(o);
  for (const o of [68, 70, 72, 74, 120, 252, 254]) swap16(o);
  for (let o = 76; o < 148; o += 4) swap32(o);
  for (let o = 256; o < 328; o += 4) swap32(o);
  for (let o = 352; o < big.length; o += 2) swap16(o);
  const back = parseNifti(big, 'big.nii');
  assert.deepEqual(Array.from(back.data), Array.from(volume.data));
  assert.deepEqual(back.affine, volume.affine);
});

test('readMetaImage reads .mhd + .raw, compressed .zraw and .mha (LOCAL) files with their direction', { skip: itk }, () => {
  const slice = readMetaImage(join(ITK, 'BrainProtonDensitySliceBorder20.mhd'));
  assert.deepEqual(slice.shape, [257, 221]);
  assert.equal(slice.dataType, 'uint8');
  const rotated = readMetaImage(join(ITK, 'BrainProtonDensitySliceShifted13x17yDirectionPlus30.mhd'));
  assert.deepEqual(rotated.shape, [257, 221]);
  // ITK's TransformMatrix lists the direction column by column: +30° rotation
  assert.ok(Math.abs(rotated.affine[0][1] + 0.5) < 1e-7 && Math.abs(rotated.affine[1][0] - 0.5) < 1e-7);
  const shifted = readMetaImage(join(ITK, 'BrainProtonDensitySliceShifted13x17y.mhd'));
  // the .zraw holds the same image as the uncompressed shifted slice
  assert.ok(rotated.data.every((v, i) => v === shifted.data[i]));
  const stack = readMetaImage(join(ITK, 'BrainProtonDensity3Slices.mha'));
  assert.deepEqual(stack.shape, [3, 217, 181]);
  withDir((dir) => {
    const values = Uint16Array.from({ length: 6 }, (_, i) => 1000 * i + 7);
    const bigEndian = new Uint8Array(12);
    values.forEach((v, i) => new DataView(bigEndian.buffer).setUint16(2 * i, v, false));
    const header = 'ObjectType = Image\nNDims = 2\nDimSize = 3 2\nElementSpacing = 0.5 2\nOffset = 4 5\nBinaryDataByteOrderMSB = True\nCompressedData = True\nElementType = MET_USHORT\nElementDataFile = LOCAL\n';
    writeFileSync(join(dir, 'a.mha'), Buffer.concat([Buffer.from(header), deflateSync(bigEndian)]));
    const a = readMetaImage(join(dir, 'a.mha'));
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual(Array.from(a.data), Array.from(values));
    assert.deepEqual(a.affine[0], [0.5, 0, 0, 4]);
    assert.deepEqual(a.affine[1], [0, 2, 0, 5]);
    writeFileSync(join(dir, 'b.mha'), header.replace('MET_USHORT', 'MET_FLOAT').replace('CompressedData = True', 'CompressedData = False') + 'abc');
    assert.throws(() => readMetaImage(join(dir, 'b.mha')), /b\.mha: got "a truncated file \(3 bytes of voxel data\)", expected 24 bytes for 3×2 float32 voxels/);
    writeFileSync(join(dir, 'c.mha'), header.replace('MET_USHORT', 'MET_LONG_LONG'));
    assert.throws(() => readMetaImage(join(dir, 'c.mha')), /c\.mha: ElementType: got "MET_LONG_LONG", expected one of MET_UCHAR/);
    writeFileSync(join(dir, 'd.mhd'), header.replace('LOCAL', 'd.raw'));
    assert.throws(() => readMetaImage(join(dir, 'd.mhd')), /d\.mhd: ElementDataFile: got ".*d\.raw", expected a readable data file \(ENOENT\)/);
  });
});
