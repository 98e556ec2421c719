/**
 * Vaa3D's raw stack format (`.v3draw`, H. Peng et al., "V3D enables real-time
 * 3D visualization and quantitative analysis of large-scale biological image
 * data sets", Nat. Biotechnol. 28:348, 2010), the input of the APP2 tracer.
 *
 * Layout (all integers in the byte order given by byte 24):
 *
 * | bytes | content |
 * |---|---|
 * | 0–23 | the ASCII key `raw_image_stack_by_hpeng` |
 * | 24 | `B` (big-endian) or `L` (little-endian) |
 * | 25–26 | sample type, 16-bit: 1 = uint8, 2 = uint16, 4 = float32 |
 * | 27–42 | sizes x, y, z, c as four 32-bit integers (the older 2-byte variant has four 16-bit integers in 27–34) |
 * | 43… | samples, channel-major, then z, then y, with x fastest |
 *
 * The two header variants are told apart as Vaa3D does, by the file size they
 * imply. We write the 4-byte variant, little-endian, one channel. Reading
 * returns one channel (the first unless asked) of uint8 or uint16 samples;
 * float32 stacks are refused (wavecv volumes hold the integer samples a
 * microscope writes). Slabs of z-slices are contiguous in the file, so
 * {@link V3drawReader} reads any range of slices without loading the rest and
 * {@link V3drawWriter} writes slab by slab, to a temporary name renamed on
 * close.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { check, WavecvError } from '../errors.js';
import { StagedFile } from './staged-file.js';
import { bitDepthOf, checkShape3, stackSamples, stackVolume, type StackSamples } from './stack-volume.js';
import type { Volume } from './volume.js';

const KEY = 'raw_image_stack_by_hpeng';
const HEADER_4BYTE = 43;
const HEADER_2BYTE = 35;

/** Reads z-slabs of one channel of a `.v3draw` file without loading the whole file. */
export class V3drawReader {
  readonly shape: [number, number, number];
  readonly bitDepth: 8 | 16;
  private readonly fd: number;
  private readonly littleEndian: boolean;
  private readonly dataOffset: number;

  constructor(readonly path: string, readonly channel = 0) {
    try {
      this.fd = openSync(path, 'r');
    } catch (error) {
      throw new WavecvError('path', path, `a readable .v3draw file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      const fileSize = fstatSync(this.fd).size;
      const header = Buffer.alloc(HEADER_4BYTE);
      readSync(this.fd, header, 0, Math.min(HEADER_4BYTE, fileSize), 0);
      check(fileSize >= HEADER_2BYTE && header.toString('latin1', 0, 24) === KEY, 'path', path, `a Vaa3D raw stack (starting with "${KEY}")`);
      const order = header.toString('latin1', 24, 25);
      check(order === 'B' || order === 'L', 'v3draw byte order', order, '"B" or "L"');
      this.littleEndian = order === 'L';
      const type = this.littleEndian ? header.readUInt16LE(25) : header.readUInt16BE(25);
      check(type === 1 || type === 2, 'v3draw sample type', type, '1 (uint8) or 2 (uint16); float32 stacks (4) are not supported');
      const bytes = type;
      const read = (at: number, size: 2 | 4): number => (size === 4 ? (this.littleEndian ? header.readUInt32LE(at) : header.readUInt32BE(at)) : this.littleEndian ? header.readUInt16LE(at) : header.readUInt16BE(at));
      const sizes = (size: 2 | 4): number[] => [0, 1, 2, 3].map((i) => (fileSize >= 27 + 4 * size ? read(27 + i * size, size) : 0));
      const fits = (s: number[], headerBytes: number): boolean => s.every((v) => v > 0) && headerBytes + s[0] * s[1] * s[2] * s[3] * bytes === fileSize;
      const four = sizes(4);
      const two = sizes(2);
      const [sx, sy, sz, sc] = fits(four, HEADER_4BYTE) ? four : fits(two, HEADER_2BYTE) ? two : [];
      check(sx !== undefined, 'path', path, `a complete .v3draw file (its ${fileSize} bytes match neither header variant's sizes [${four.join(', ')}] nor [${two.join(', ')}])`);
      this.dataOffset = fits(four, HEADER_4BYTE) ? HEADER_4BYTE : HEADER_2BYTE;
      check(Number.isInteger(channel) && channel >= 0 && channel < sc, 'channel', channel, `an integer from 0 to ${sc - 1}`);
      this.shape = [sz, sy, sx];
      this.bitDepth = type === 1 ? 8 : 16;
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  /** Slices `z0 ≤ z < z1` of the channel. */
  readSlab(z0: number, z1: number): StackSamples {
    const [depth, height, width] = this.shape;
    check(Number.isInteger(z0) && Number.isInteger(z1) && 0 <= z0 && z0 < z1 && z1 <= depth, 'slab', [z0, z1], `0 ≤ z0 < z1 ≤ ${depth}`);
    const count = (z1 - z0) * height * width;
    const bytesPer = this.bitDepth / 8;
    const raw = Buffer.alloc(count * bytesPer);
    const at = this.dataOffset + ((this.channel * depth + z0) * height * width) * bytesPer;
    let done = 0;
    while (done < raw.length) {
      const n = readSync(this.fd, raw, done, raw.length - done, at + done);
      check(n > 0, 'path', this.path, 'a file that is not truncated while reading');
      done += n;
    }
    if (this.bitDepth === 8) return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    const out = new Uint16Array(count);
    for (let i = 0; i < count; i++) out[i] = this.littleEndian ? raw.readUInt16LE(2 * i) : raw.readUInt16BE(2 * i);
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads one channel of a `.v3draw` file as a volume. */
export function readV3draw(path: string, channel = 0): Volume {
  const reader = new V3drawReader(path, channel);
  try {
    return stackVolume(reader.readSlab(0, reader.shape[0]), reader.shape);
  } finally {
    reader.close();
  }
}

/** Writes a volume as a one-channel, little-endian, 4-byte-header `.v3draw` (atomically). */
export function writeV3draw(path: string, volume: Volume): void {
  const { data, shape } = stackSamples(volume, 'volume');
  const writer = new V3drawWriter(path, shape, bitDepthOf(data));
  writer.write(data);
  writer.close();
}

/** Writes a `.v3draw` slab by slab; the file appears at its path only when `close` has seen every slice. */
export class V3drawWriter {
  private readonly file: StagedFile;
  private slicesWritten = 0;

  constructor(
    private readonly path: string,
    private readonly shape: [number, number, number],
    private readonly bitDepth: 8 | 16,
  ) {
    checkShape3(shape, 'shape');
    check(bitDepth === 8 || bitDepth === 16, 'bitDepth', bitDepth, '8 or 16');
    this.file = new StagedFile(path);
    const header = Buffer.alloc(HEADER_4BYTE);
    header.write(KEY, 0, 'latin1');
    header.write('L', 24, 'latin1');
    header.writeUInt16LE(bitDepth / 8, 25);
    [shape[2], shape[1], shape[0], 1].forEach((v, i) => header.writeUInt32LE(v, 27 + 4 * i));
    this.file.append(header);
  }

  /** Appends whole slices. */
  write(slab: StackSamples): void {
    const [depth, height, width] = this.shape;
    check(this.file.isOpen, 'V3drawWriter', this.path, 'an open writer (it was closed)');
    check(bitDepthOf(slab) === this.bitDepth, 'slab', `${bitDepthOf(slab)}-bit samples`, `${this.bitDepth}-bit samples`);
    check(slab.length % (height * width) === 0 && this.slicesWritten + slab.length / (height * width) <= depth, 'slab', `${slab.length} samples`, `whole ${height}×${width} slices, at most ${depth - this.slicesWritten} more`);
    if (slab instanceof Uint8Array) {
      this.file.append(slab);
    } else {
      const bytes = Buffer.alloc(slab.length * 2);
      for (let i = 0; i < slab.length; i++) bytes.writeUInt16LE(slab[i], 2 * i);
      this.file.append(bytes);
    }
    this.slicesWritten += slab.length / (height * width);
  }

  close(): void {
    if (!this.file.isOpen) return;
    if (this.slicesWritten !== this.shape[0]) {
      this.file.discard();
      throw new WavecvError('V3drawWriter', `${this.slicesWritten} slices written to ${this.path}`, `${this.shape[0]} slices before close`);
    }
    this.file.commit();
  }

  abort(): void {
    this.file.discard();
  }

}
