/**
 * Multi-page TIFF stacks (ImageJ/Fiji, Vaa3D and most microscopes save 3-D
 * images this way): one grey-level page per z-slice, 8 or 16 bits per sample.
 *
 * Decoding and IFD encoding are done by `utif2` (the maintained UTIF.js,
 * pure JavaScript, no native code, works offline). Reading accepts what
 * UTIF decodes (uncompressed, LZW, Deflate, PackBits; strips or tiles; either
 * byte order) as long as every page is one unsigned 8- or 16-bit channel of
 * the same size; anything else (RGB, 1-bit, float, differing pages) is
 * refused with a {@link WavecvError} that names the page and the tag.
 *
 * Writing streams: {@link TiffStackWriter} appends slices in order, each page
 * laid out as [IFD][pixels] with all tag values inline (single strip, no
 * rational tags), so every offset is known before the page is written and a
 * stack larger than memory can be written slab by slab. The file is written
 * under a temporary name and renamed when the last slice arrives, so a stopped
 * run never leaves a half-written stack behind. Files are big-endian ("MM"),
 * the byte order UTIF's encoder writes.
 */
import { readFileSync } from 'node:fs';
import UTIF from 'utif2';
import { check, WavecvError } from '../errors.js';
import { StagedFile } from './staged-file.js';
import { bitDepthOf, checkShape3, stackSamples, stackVolume, type StackSamples } from './stack-volume.js';
import type { Volume } from './volume.js';

type Ifd = Record<string, unknown> & { data?: Uint8Array };

const tagValue = (ifd: Ifd, tag: number): number | undefined => (ifd[`t${tag}`] as number[] | undefined)?.[0];

/** Reads a multi-page grey-level TIFF into a volume (pages are z-slices). */
export function readTiffStack(path: string): Volume {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new WavecvError('path', path, `a readable TIFF file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  check(bytes.length >= 8 && (bytes.toString('latin1', 0, 2) === 'II' || bytes.toString('latin1', 0, 2) === 'MM'), 'path', path, 'a TIFF file (starting with "II" or "MM")');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  const pages = (UTIF.decode(buffer) as unknown as Ifd[]).filter((ifd) => ifd.t256 !== undefined && (tagValue(ifd, 254) ?? 0) !== 1);
  check(pages.length > 0, 'path', path, 'a TIFF with at least one image page');
  const width = tagValue(pages[0], 256)!;
  const height = tagValue(pages[0], 257)!;
  const bitDepth = tagValue(pages[0], 258) ?? 1;
  const sliceSize = width * height;
  const data: StackSamples = bitDepth === 8 ? new Uint8Array(sliceSize * pages.length) : new Uint16Array(sliceSize * pages.length);
  pages.forEach((page, z) => {
    const where = `${path} page ${z}`;
    check(tagValue(page, 256) === width && tagValue(page, 257) === height, 'TIFF page size', `${tagValue(page, 256)}×${tagValue(page, 257)} (${where})`, `${width}×${height} like page 0`);
    const samples = tagValue(page, 277) ?? 1;
    check(samples === 1, 'TIFF SamplesPerPixel (tag 277)', `${samples} (${where})`, '1 (one grey-level channel; RGB stacks are not supported)');
    const bits = tagValue(page, 258) ?? 1;
    check((bits === 8 || bits === 16) && bits === bitDepth, 'TIFF BitsPerSample (tag 258)', `${bits} (${where})`, bits === 8 || bits === 16 ? `${bitDepth} like page 0` : '8 or 16');
    const format = tagValue(page, 339) ?? 1;
    check(format === 1, 'TIFF SampleFormat (tag 339)', `${format} (${where})`, '1 (unsigned integers; signed and floating-point samples are not supported)');
    const photometric = tagValue(page, 262) ?? 1;
    check(photometric === 0 || photometric === 1, 'TIFF PhotometricInterpretation (tag 262)', `${photometric} (${where})`, '0 or 1 (grey levels)');
    try {
      UTIF.decodeImage(buffer, page as never);
    } catch (error) {
      throw new WavecvError('TIFF page', where, `a page UTIF can decode (${String((error as Error)?.message ?? error)})`);
    }
    const raw = page.data!;
    check(raw.length >= (sliceSize * bits) / 8, 'TIFF page', where, `${(sliceSize * bits) / 8} bytes of pixels (the page is truncated or uses an unsupported compression)`);
    const max = bits === 8 ? 255 : 65535;
    const offset = z * sliceSize;
    if (bits === 8) {
      for (let i = 0; i < sliceSize; i++) data[offset + i] = photometric === 0 ? max - raw[i] : raw[i];
    } else {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < sliceSize; i++) {
        const v = view.getUint16(2 * i, true); // UTIF hands out 16-bit samples little-endian whatever the file's order
        data[offset + i] = photometric === 0 ? max - v : v;
      }
    }
    delete page.data;
  });
  return stackVolume(data, [pages.length, height, width]);
}

/** Writes a volume as a multi-page TIFF (atomically; 8- or 16-bit like its data). */
export function writeTiffStack(path: string, volume: Volume): void {
  const { data, shape } = stackSamples(volume, 'volume');
  const writer = new TiffStackWriter(path, shape, bitDepthOf(data));
  writer.write(data);
  writer.close();
}

/**
 * Writes a TIFF stack slice by slice: `write` takes any whole number of
 * slices (a slab) and `close` renames the finished file into place; slices
 * beyond the declared depth, or closing before all arrived, are refused (and
 * the partial file removed).
 */
export class TiffStackWriter {
  private readonly file: StagedFile;
  private slicesWritten = 0;

  constructor(
    private readonly path: string,
    private readonly shape: [number, number, number],
    private readonly bitDepth: 8 | 16,
  ) {
    checkShape3(shape, 'shape');
    check(bitDepth === 8 || bitDepth === 16, 'bitDepth', bitDepth, '8 or 16');
    check(shape[1] <= 65535 && shape[2] <= 65535, 'shape', shape, 'slices at most 65535×65535 (TIFF SHORT width and height)');
    const pageBytes = this.pageBytes();
    check(8 + shape[0] * (pageBytes + ifdLength()) < 2 ** 32, 'shape', shape, 'a stack under 4 GiB (classic TIFF offsets are 32-bit)');
    this.file = new StagedFile(path);
    const header = Buffer.alloc(8);
    header.write('MM', 0, 'latin1');
    header.writeUInt16BE(42, 2);
    header.writeUInt32BE(8, 4);
    this.file.append(header);
  }

  /** Appends whole slices (`k·height·width` samples of the writer's bit depth). */
  write(slab: StackSamples): void {
    const [depth, height, width] = this.shape;
    const sliceSize = height * width;
    check(this.file.isOpen, 'TiffStackWriter', this.path, 'an open writer (it was closed)');
    check(bitDepthOf(slab) === this.bitDepth, 'slab', `${bitDepthOf(slab)}-bit samples`, `${this.bitDepth}-bit samples`);
    check(slab.length % sliceSize === 0 && this.slicesWritten + slab.length / sliceSize <= depth, 'slab', `${slab.length} samples`, `whole ${height}×${width} slices, at most ${depth - this.slicesWritten} more`);
    for (let s = 0; s < slab.length / sliceSize; s++) {
      const last = this.slicesWritten === depth - 1;
      const pixelsAt = this.file.position + ifdLength();
      const ifd = encodeIfd(width, height, this.bitDepth, pixelsAt, this.pageBytes(), last ? 0 : pixelsAt + this.pageBytes());
      this.file.append(ifd);
      const slice = slab.subarray(s * sliceSize, (s + 1) * sliceSize);
      this.file.append(this.bitDepth === 8 ? slice as Uint8Array : bigEndian16(slice as Uint16Array));
      this.slicesWritten++;
    }
  }

  /** Finishes the file (all slices must have been written) and renames it into place. */
  close(): void {
    if (!this.file.isOpen) return;
    if (this.slicesWritten !== this.shape[0]) {
      this.file.discard();
      throw new WavecvError('TiffStackWriter', `${this.slicesWritten} slices written to ${this.path}`, `${this.shape[0]} slices before close`);
    }
    this.file.commit();
  }

  /** Abandons the file: the temporary is removed and nothing appears at the path. */
  abort(): void {
    this.file.discard();
  }

  private pageBytes(): number {
    return (this.shape[1] * this.shape[2] * this.bitDepth) / 8;
  }

}

/** The tags of one page, in ascending order; every value fits in its entry, so the IFD is position-independent. */
function pageTags(width: number, height: number, bitDepth: number, pixelsAt: number, pixelBytes: number): Record<string, number[]> {
  return {
    t254: [0], // NewSubfileType: a full-resolution page
    t256: [width],
    t257: [height],
    t258: [bitDepth],
    t259: [1], // no compression
    t262: [1], // BlackIsZero
    t273: [pixelsAt], // one strip
    t277: [1],
    t278: [height], // rows per strip: the whole page
    t279: [pixelBytes],
    t284: [1],
    t339: [1], // unsigned integers
  };
}

const TAG_COUNT = Object.keys(pageTags(1, 1, 8, 0, 0)).length;
const ifdLength = (): number => 2 + 12 * TAG_COUNT + 4;

/** One page's IFD encoded by UTIF (its 8-byte header dropped) with the next-IFD offset set. */
function encodeIfd(width: number, height: number, bitDepth: number, pixelsAt: number, pixelBytes: number, nextIfd: number): Uint8Array {
  const encoded = new Uint8Array(UTIF.encode([pageTags(width, height, bitDepth, pixelsAt, pixelBytes) as never]));
  const ifd = Buffer.from(encoded.subarray(8));
  check(ifd.length === ifdLength(), 'TIFF IFD', ifd.length, `${ifdLength()} bytes (all tag values inline)`);
  ifd.writeUInt32BE(nextIfd, ifd.length - 4);
  return ifd;
}

function bigEndian16(values: Uint16Array): Uint8Array {
  const bytes = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) bytes.writeUInt16BE(values[i], 2 * i);
  return bytes;
}
