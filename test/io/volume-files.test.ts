// Volume files: multi-page TIFF stacks (utif2) checked against libtiff through
// sharp in both directions, Vaa3D .v3draw (both header variants, slab reads),
// slab-by-slab writers that leave nothing behind when unfinished, and the
// errors for unsupported TIFF types and damaged files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { WavecvError } from '../../src/errors.js';
import { readTiffStack, TiffStackWriter, writeTiffStack } from '../../src/io/tiff-stack.js';
import { readV3draw, V3drawReader, writeV3draw } from '../../src/io/v3draw.js';
import { openVolumeReader, openVolumeWriter, readVolume, writeVolume } from '../../src/io/volume-file.js';
import { stackVolume } from '../../src/io/stack-volume.js';
import type { Volume } from '../../src/io/volume.js';

const is = (pattern: RegExp) => (e: unknown) => e instanceof WavecvError && pattern.test(e.message);
const tempDir = () => mkdtempSync(join(tmpdir(), 'wavecv-volume-'));

function ramp(shape: [number, number, number], bitDepth: 8 | 16): Volume {
  const size = shape[0] * shape[1] * shape[2];
  const data = bitDepth === 8 ? new Uint8Array(size) : new Uint16Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7919 + 13) % (bitDepth === 8 ? 256 : 65536);
  return stackVolume(data, shape);
}

test('TIFF stacks round-trip 8- and 16-bit volumes, and libtiff (sharp) reads every page of what we write', async () => {
  const dir = tempDir();
  try {
    for (const bitDepth of [8, 16] as const) {
      const volume = ramp([5, 7, 9], bitDepth);
      const path = join(dir, `v${bitDepth}.tif`);
      writeTiffStack(path, volume);
      const back = readTiffStack(path);
      assert.deepEqual(back.shape, [5, 7, 9]);
      assert.equal(back.data.constructor, volume.data.constructor);
      assert.deepEqual(Array.from(back.data), Array.from(volume.data));
      const meta = await sharp(path).metadata();
      assert.equal(meta.pages, 5);
      for (const page of [0, 3]) {
        const { data, info } = await sharp(path, { page }).toColourspace(bitDepth === 8 ? 'b-w' : 'grey16').raw({ depth: bitDepth === 8 ? 'uchar' : 'ushort' }).toBuffer({ resolveWithObject: true });
        assert.deepEqual([info.width, info.height, info.channels], [9, 7, 1]);
        const values = bitDepth === 8 ? Array.from(data) : Array.from(new Uint16Array(data.buffer, data.byteOffset, data.length / 2));
        assert.deepEqual(values, Array.from(volume.data.subarray(page * 63, (page + 1) * 63)));
      }
    }
    assert.deepEqual(readdirSync(dir).sort(), ['v16.tif', 'v8.tif']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const FIXTURES = join(fileURLToPath(new URL('../fixtures/neuron', import.meta.url)));
const fixtureSamples = (n: number, bits: number) => Array.from({ length: n }, (_, i) => (i * 1009 + 7) % 2 ** bits);

test('TIFF reading decodes stacks libtiff wrote (scripts/gen_tiff_fixtures.sh): 16-bit LZW little-endian, 8-bit deflate; big-endian files are our own (checked by libtiff above)', () => {
  const stack16 = readTiffStack(join(FIXTURES, 'stack16-lzw-le.tif'));
  assert.deepEqual(stack16.shape, [3, 6, 11]);
  assert.ok(stack16.data instanceof Uint16Array);
  assert.deepEqual(Array.from(stack16.data), fixtureSamples(198, 16));
  const stack8 = readTiffStack(join(FIXTURES, 'stack8-zip.tif'));
  assert.deepEqual(stack8.shape, [2, 5, 4]);
  assert.ok(stack8.data instanceof Uint8Array);
  assert.deepEqual(Array.from(stack8.data), fixtureSamples(40, 8));
});

test('unsupported TIFF types are refused with the tag named: RGB, float, and a non-TIFF file', () => {
  assert.throws(() => readTiffStack(join(FIXTURES, 'rgb8.tif')), is(/SamplesPerPixel \(tag 277\): got "3 .*rgb8.tif page 0.*one grey-level channel/));
  assert.throws(() => readTiffStack(join(FIXTURES, 'float32.tif')), is(/BitsPerSample \(tag 258\): got "32 .*expected 8 or 16/));
  const dir = tempDir();
  try {
    const text = join(dir, 'text.tif');
    writeFileSync(text, 'not an image at all');
    assert.throws(() => readTiffStack(text), is(/a TIFF file/));
    assert.throws(() => readTiffStack(join(dir, 'missing.tif')), is(/readable TIFF file \(ENOENT\)/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('.v3draw: round trip, the header laid out as Vaa3D documents it, big-endian and 2-byte-size headers, slab reads', () => {
  const dir = tempDir();
  try {
    const volume = ramp([4, 3, 5], 16);
    const path = join(dir, 'a.v3draw');
    writeV3draw(path, volume);
    const back = readV3draw(path);
    assert.deepEqual(back.shape, [4, 3, 5]);
    assert.deepEqual(Array.from(back.data), Array.from(volume.data));
    // A big-endian, 2-byte-size, two-channel file built by hand: channel 1 is read.
    const [sz, sy, sx] = [2, 2, 3];
    const header = Buffer.alloc(35);
    header.write('raw_image_stack_by_hpeng', 0, 'latin1');
    header.write('B', 24, 'latin1');
    header.writeUInt16BE(1, 25);
    [sx, sy, sz, 2].forEach((v, i) => header.writeUInt16BE(v, 27 + 2 * i));
    const samples = Buffer.from(Array.from({ length: 2 * sz * sy * sx }, (_, i) => i));
    writeFileSync(join(dir, 'b.v3draw'), Buffer.concat([header, samples]));
    const channel1 = readV3draw(join(dir, 'b.v3draw'), 1);
    assert.deepEqual(channel1.shape, [2, 2, 3]);
    assert.deepEqual(Array.from(channel1.data), Array.from({ length: 12 }, (_, i) => 12 + i));
    const reader = new V3drawReader(path);
    assert.deepEqual(Array.from(reader.readSlab(1, 3)), Array.from(volume.data.subarray(15, 45)));
    reader.close();
    writeFileSync(join(dir, 'cut.v3draw'), Buffer.concat([header, samples.subarray(0, 5)]));
    assert.throws(() => readV3draw(join(dir, 'cut.v3draw')), is(/complete \.v3draw file/));
    assert.throws(() => readV3draw(join(dir, 'b.v3draw'), 2), is(/channel: got 2, expected an integer from 0 to 1/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('slab writers: a volume written slab by slab equals the whole; an unfinished writer leaves no file', () => {
  const dir = tempDir();
  try {
    const volume = ramp([6, 4, 5], 8);
    for (const name of ['s.tif', 's.v3draw']) {
      const writer = openVolumeWriter(join(dir, name), [6, 4, 5], 8);
      writer.write(volume.data.subarray(0, 40));
      writer.write(volume.data.subarray(40, 120));
      writer.close();
      assert.deepEqual(Array.from(readVolume(join(dir, name)).data), Array.from(volume.data));
      const reader = openVolumeReader(join(dir, name));
      assert.deepEqual(Array.from(reader.readSlab(2, 4)), Array.from(volume.data.subarray(40, 80)));
      reader.close();
      const partial = openVolumeWriter(join(dir, `partial-${name}`), [6, 4, 5], 8);
      partial.write(volume.data.subarray(0, 20));
      assert.throws(() => partial.close(), is(/1 slices written .* 6 slices before close/));
      assert.throws(() => partial.write(volume.data.subarray(0, 7)), is(/an open writer/));
    }
    const writer = new TiffStackWriter(join(dir, 'x.tif'), [2, 2, 2], 16);
    assert.throws(() => writer.write(new Uint8Array(4)), is(/16-bit samples/));
    writer.abort();
    assert.throws(() => writeVolume(join(dir, 'x.png'), volume), is(/ending in \.tif, \.tiff, \.v3draw, \.nii, \.nii\.gz/));
    assert.throws(() => writeVolume(join(dir, 'f.tif'), { ...volume, data: new Float32Array(volume.data), dataType: 'float32' }), is(/volume type: got "float32", expected uint8 or uint16/));
    writeVolume(join(dir, 'n.nii.gz'), volume);
    assert.deepEqual(Array.from(readVolume(join(dir, 'n.nii.gz')).data), Array.from(volume.data));
    assert.deepEqual(readdirSync(dir).sort(), ['n.nii.gz', 's.tif', 's.v3draw']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
