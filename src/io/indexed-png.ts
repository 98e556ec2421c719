/**
 * Indexed-colour PNG files (PNG specification, ISO/IEC 15948, colour type 3):
 * one byte per pixel indexes a palette of up to 256 RGB colours. This is how
 * Pascal VOC stores its `SegmentationClass` masks, and how wavecv writes
 * predicted masks: the file shows the data set's colours in any viewer and
 * still holds the class index of every pixel. sharp decodes palette PNGs to
 * RGB only, so reading goes through the colours (src/data/segmentation);
 * writing is done here, with Node's zlib (deflate and CRC-32), atomically.
 */
import { crc32, deflateSync } from 'node:zlib';
import { check } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/** RGB colours, index i at position i. */
export type Palette = ReadonlyArray<readonly [number, number, number]>;

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * PNG bytes of `indices` (`height × width`, row-major, values 0…255) with
 * `palette`; every index must have a colour.
 */
export function encodeIndexedPng(indices: ArrayLike<number>, width: number, height: number, palette: Palette): Uint8Array {
  check(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0, 'size', `${width}×${height}`, 'positive integer width and height');
  check(indices.length === width * height, 'indices', `${indices.length} values`, `width × height = ${width * height} values`);
  check(palette.length >= 1 && palette.length <= 256, 'palette', `${palette.length} colours`, '1 to 256 colours');
  const rows = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    rows[y * (width + 1)] = 0; // filter type None
    for (let x = 0; x < width; x++) {
      const v = indices[y * width + x];
      if (!(Number.isInteger(v) && v >= 0 && v < palette.length)) check(false, 'indices', v, `palette indices in [0, ${palette.length})`);
      rows[y * (width + 1) + 1 + x] = v;
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (indexed), deflate, adaptive filtering, no interlace
  const colours = new Uint8Array(palette.length * 3);
  palette.forEach((rgb, i) => {
    check(rgb.length === 3 && rgb.every((c) => Number.isInteger(c) && c >= 0 && c <= 255), `palette[${i}]`, rgb, 'three integers 0…255');
    colours.set(rgb, i * 3);
  });
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('PLTE', colours), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Writes {@link encodeIndexedPng}'s bytes to `path` atomically. */
export function writeIndexedPng(path: string, indices: ArrayLike<number>, width: number, height: number, palette: Palette): void {
  writeFileAtomic(path, encodeIndexedPng(indices, width, height, palette));
}
