/**
 * Segmentation data on disk: pairs of an image file and a mask file, read
 * with sharp (libvips, in libuv's thread pool, so decoding overlaps with the
 * training step through the DataLoader's prefetch). Batches hold `image`
 * (float32 `[B, H, W, C]`, values in [0, 1]) and `mask` (int32
 * `[B, H, W, 1]`, class indices, {@link IGNORE_INDEX} for pixels left out of
 * loss and metrics; channels-last like the image, so that the augmentations
 * of src/data/augment.ts move image and mask together).
 *
 * A {@link MaskEncoding} says how a mask file stores labels: grey values
 * mapped through a 256-entry table (CamVid's values, Cityscapes' labelIds,
 * plain index masks) or RGB colours looked up in a palette (VOC). A value
 * or colour the table does not know is an error naming the file, the value
 * and the pixel.
 *
 * Choices (ours):
 *  - every image and mask header is read when the data are opened, so
 *    unreadable files and an image and mask of different sizes are reported
 *    before training starts, naming both files;
 *  - images of different sizes are an error unless `size` is given; then each
 *    pair is resized so that its shorter side is `size` and the centre
 *    `size × size` is kept (the reference code's fixed-scale crop for
 *    validation; images with Lanczos-3, masks with nearest neighbour so no
 *    new labels appear);
 *  - decoded images and masks are cached in memory (uint8) while the whole
 *    split fits in `cacheBytes` (default 1 GiB).
 *
 * Each layout (VOC, CamVid, Cityscapes, image/mask folders) has a reader, a
 * {@link SegmentationSource} exported by its module; src/data/readers.ts
 * lists them and opens a folder with the first that recognises it.
 */
import sharp from 'sharp';
import { check, WavecvError } from '../../errors.js';
import type { Palette } from '../../io/indexed-png.js';
import { IGNORE_INDEX } from '../../metrics/segmentation.js';
import { hostTensor, type Dataset, type HostBatch } from '../dataset.js';

/** How a mask file stores labels. */
export type MaskEncoding =
  /** Grey value v → `table[v]` (a class index, the ignore index, or −1 for a value that must not occur). */
  | { kind: 'grey'; table: Int32Array; description: string }
  /** RGB colour → class index (or the ignore index); other colours are errors. */
  | { kind: 'palette'; colours: Map<number, number>; description: string };

/** A grey-value table for masks that store class indices 0…numClasses−1 and `ignoreValues` (→ ignore index). */
export function indexTable(numClasses: number, ignoreValues: number[] = [IGNORE_INDEX]): Int32Array {
  const table = new Int32Array(256).fill(-1);
  for (let v = 0; v < Math.min(256, numClasses); v++) table[v] = v;
  for (const v of ignoreValues) table[v] = IGNORE_INDEX;
  return table;
}

/** The colour → label map of a palette (index i has colour `palette[i]`), plus extra colours such as a void outline. */
export function paletteColours(palette: Palette, extra: Array<[readonly [number, number, number], number]> = []): Map<number, number> {
  const colours = new Map<number, number>();
  const key = ([r, g, b]: readonly [number, number, number]) => (r << 16) | (g << 8) | b;
  palette.forEach((rgb, i) => colours.set(key(rgb), i));
  for (const [rgb, label] of extra) colours.set(key(rgb), label);
  return colours;
}

/** One image and its mask. */
export interface SegmentationPair {
  image: string;
  mask: string;
}

export interface SegmentationFolderOptions {
  /** Resize so the shorter side is `size`, keep the centre `size × size` (see the module comment). */
  size?: number;
  /** Channels of the decoded images, 1 or 3 (default: 1 when every image is grey, else 3). */
  channels?: 1 | 3;
  /** Cache decoded pairs while a split needs at most this many bytes (default 1 GiB). */
  cacheBytes?: number;
}

/** A data set of images with per-pixel labels. */
export interface SegmentationDataset extends Dataset {
  readonly classNames: string[];
  /** Colour of each class, for masks written as PNG. */
  readonly palette: Palette;
  readonly ignoreIndex: number;
  /** `[height, width, channels]` of every sample. */
  readonly imageShape: [number, number, number];
  /** The files of sample `index` (for messages and listings). */
  pair(index: number): SegmentationPair;
  /** The label maps of the samples at `indices`, one `H × W` array each (for class statistics). */
  masks(indices: number[]): Promise<Int32Array[]>;
}

/** What a layout reader returns: training and evaluation splits and the class description. */
export interface SegmentationData {
  train: SegmentationDataset;
  test?: SegmentationDataset;
  /** Name of the evaluation split (`val`, `test`). */
  testSplit?: string;
  classNames: string[];
  palette: Palette;
  source: string;
  format: string;
}

/** A reader of one on-disk layout. */
export interface SegmentationSource {
  format: string;
  /** Short description of the layout, for the message of an unknown folder. */
  layout: string;
  detect(path: string): boolean;
  open(path: string, options: SegmentationFolderOptions): Promise<SegmentationData>;
}

interface Header {
  width: number;
  height: number;
  grey: boolean;
}

async function readHeader(path: string, what: string): Promise<Header> {
  try {
    const meta = await sharp(path).metadata();
    if (!meta.width || !meta.height || !meta.channels) throw new Error('no size in the header');
    return { width: meta.width, height: meta.height, grey: meta.channels <= 2 && meta.space !== 'srgb' };
  } catch (error) {
    throw new WavecvError(what, path, `a readable image file (${(error as Error).message})`);
  }
}

/** Pairs of files decoded with sharp; see the module comment. */
export class SegmentationFolderDataset implements SegmentationDataset {
  readonly length: number;
  readonly ignoreIndex = IGNORE_INDEX;
  private readonly imageCache?: Uint8Array;
  private readonly maskCache?: Uint8Array;
  private readonly decoded?: Uint8Array;

  private constructor(
    private readonly pairs: SegmentationPair[],
    readonly classNames: string[],
    readonly palette: Palette,
    private readonly encoding: MaskEncoding,
    readonly imageShape: [number, number, number],
    private readonly resize: boolean,
    cacheBytes: number,
  ) {
    this.length = pairs.length;
    const [h, w, c] = imageShape;
    if (this.length * h * w * (c + 1) <= cacheBytes) {
      this.imageCache = new Uint8Array(this.length * h * w * c);
      this.maskCache = new Uint8Array(this.length * h * w);
      this.decoded = new Uint8Array(this.length);
    }
  }

  /**
   * Checks every pair (readable, image and mask of one size, one size for the
   * split unless `size`) and returns the split as a data set.
   * `channels` fixes the image channels (e.g. those of the training split).
   */
  static async open(
    pairs: SegmentationPair[],
    description: { classNames: string[]; palette: Palette; encoding: MaskEncoding },
    options: SegmentationFolderOptions & { split: string },
  ): Promise<SegmentationFolderDataset> {
    check(pairs.length > 0, options.split, '0 image/mask pairs', 'at least one image with its mask');
    check(description.classNames.length >= 1 && description.classNames.length <= 255, 'classes', description.classNames.length, '1 to 255 classes');
    const size = options.size;
    if (size !== undefined) check(Number.isInteger(size) && size > 0, 'size', size, 'a positive integer');
    const cacheBytes = options.cacheBytes ?? 2 ** 30;
    check(Number.isFinite(cacheBytes) && cacheBytes >= 0, 'cacheBytes', cacheBytes, 'a number of bytes ≥ 0');
    if (options.channels !== undefined) check(options.channels === 1 || options.channels === 3, 'channels', options.channels, '1 or 3');
    let grey = true;
    let shape: [number, number] | undefined = size ? [size, size] : undefined;
    const parallel = 32;
    for (let start = 0; start < pairs.length; start += parallel) {
      const chunk = pairs.slice(start, start + parallel);
      const headers = await Promise.all(chunk.map(async (p) => [await readHeader(p.image, 'image'), await readHeader(p.mask, 'mask')] as const));
      headers.forEach(([image, mask], i) => {
        const pair = chunk[i];
        if (image.width !== mask.width || image.height !== mask.height) {
          throw new WavecvError('mask', pair.mask, `the size of its image ${pair.image} (${image.width}×${image.height}; the mask is ${mask.width}×${mask.height})`);
        }
        grey &&= image.grey;
        if (!shape) shape = [image.height, image.width];
        else if (!size && (image.height !== shape[0] || image.width !== shape[1])) {
          throw new WavecvError('image', pair.image, `${shape[1]}×${shape[0]} pixels like ${pairs[0].image} (got ${image.width}×${image.height}; pass size to resize every pair)`);
        }
      });
    }
    const channels = options.channels ?? (grey ? 1 : 3);
    return new SegmentationFolderDataset(pairs, description.classNames, description.palette, description.encoding, [shape![0], shape![1], channels], size !== undefined, cacheBytes);
  }

  pair(index: number): SegmentationPair {
    check(Number.isInteger(index) && index >= 0 && index < this.length, 'index', index, `an integer in [0, ${this.length})`);
    return this.pairs[index];
  }

  /** Decodes sample `index`: uint8 HWC pixels and uint8 labels (255 = ignore). */
  async decode(index: number): Promise<{ image: Uint8Array; mask: Uint8Array }> {
    const [height, width, channels] = this.imageShape;
    const plane = height * width;
    if (this.decoded?.[index]) {
      return { image: this.imageCache!.subarray(index * plane * channels, (index + 1) * plane * channels), mask: this.maskCache!.subarray(index * plane, (index + 1) * plane) };
    }
    const pair = this.pair(index);
    const image = await this.decodeFile(pair.image, 'image', channels, 'lanczos3');
    const mask = await this.decodeMask(pair.mask);
    if (this.decoded) {
      this.imageCache!.set(image, index * plane * channels);
      this.maskCache!.set(mask, index * plane);
      this.decoded[index] = 1;
    }
    return { image, mask };
  }

  private async decodeFile(path: string, what: string, channels: number, kernel: 'lanczos3' | 'nearest'): Promise<Uint8Array> {
    const [height, width] = this.imageShape;
    let pipeline = sharp(path);
    if (this.resize) {
      const meta = await pipeline.metadata();
      const scale = height / Math.min(meta.height!, meta.width!);
      pipeline = pipeline.resize({ width: Math.max(width, Math.round(meta.width! * scale)), height: Math.max(height, Math.round(meta.height! * scale)), kernel });
      const resized = await pipeline.raw().toBuffer({ resolveWithObject: true });
      pipeline = sharp(resized.data, { raw: { width: resized.info.width, height: resized.info.height, channels: resized.info.channels } }).extract({
        left: (resized.info.width - width) >> 1,
        top: (resized.info.height - height) >> 1,
        width,
        height,
      });
    }
    pipeline = pipeline.removeAlpha().toColourspace(channels === 1 ? 'b-w' : 'srgb');
    try {
      const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
      if (info.width !== width || info.height !== height || info.channels !== channels) {
        throw new WavecvError(what, path, `${width}×${height}×${channels} pixels like the rest of the split (decoded ${info.width}×${info.height}×${info.channels})`);
      }
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (error) {
      if (error instanceof WavecvError) throw error;
      throw new WavecvError(what, path, `a decodable image file (${(error as Error).message})`);
    }
  }

  private async decodeMask(path: string): Promise<Uint8Array> {
    const [height, width] = this.imageShape;
    const numClasses = this.classNames.length;
    const labels = new Uint8Array(height * width);
    const encoding = this.encoding;
    const at = (i: number) => `pixel (x ${i % width}, y ${Math.floor(i / width)})`;
    if (encoding.kind === 'grey') {
      const values = await this.decodeFile(path, 'mask', 1, 'nearest');
      for (let i = 0; i < values.length; i++) {
        const label = encoding.table[values[i]];
        if (label < 0) throw new WavecvError('mask', path, `${encoding.description} (value ${values[i]} at ${at(i)})`);
        labels[i] = label;
      }
    } else {
      const rgb = await this.decodeFile(path, 'mask', 3, 'nearest');
      for (let i = 0; i < labels.length; i++) {
        const colour = (rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2];
        const label = encoding.colours.get(colour);
        if (label === undefined) throw new WavecvError('mask', path, `${encoding.description} (unknown palette colour (${rgb[3 * i]}, ${rgb[3 * i + 1]}, ${rgb[3 * i + 2]}) at ${at(i)})`);
        labels[i] = label;
      }
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== IGNORE_INDEX && labels[i] >= numClasses) throw new WavecvError('mask', path, `labels in [0, ${numClasses}) or ${IGNORE_INDEX} (value ${labels[i]} at ${at(i)})`);
    }
    return labels;
  }

  async getBatch(indices: number[]): Promise<HostBatch> {
    const [height, width, channels] = this.imageShape;
    const plane = height * width;
    const samples = await Promise.all(indices.map((i) => this.decode(i)));
    const image = new Float32Array(indices.length * plane * channels);
    const mask = new Int32Array(indices.length * plane);
    samples.forEach((s, row) => {
      const offset = row * plane * channels;
      for (let k = 0; k < s.image.length; k++) image[offset + k] = s.image[k] / 255;
      mask.set(s.mask, row * plane);
    });
    return { image: hostTensor('float32', [indices.length, height, width, channels], image), mask: hostTensor('int32', [indices.length, height, width, 1], mask) };
  }

  async masks(indices: number[]): Promise<Int32Array[]> {
    const samples = await Promise.all(indices.map((i) => this.decode(i)));
    return samples.map((s) => Int32Array.from(s.mask));
  }
}
