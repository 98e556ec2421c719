/**
 * Reading and writing images with sharp (libvips): files in any format sharp
 * decodes (PNG, JPEG, WebP, TIFF, GIF, AVIF, SVG) become HWC tensors, and
 * tensors become PNG files, written atomically (src/io/atomic.ts).
 */
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { WavecvError, check } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/** Decoded pixels, row-major HWC, 8 bits per channel. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export interface ReadImageOptions {
  /** 1 (luminance), 3 (RGB) or 4 (RGBA); default: as stored (grey, grey + alpha, RGB or RGBA). */
  channels?: 1 | 3 | 4;
}

export interface ReadImageTensorOptions extends ReadImageOptions {
  /** `'float32'` (default): values in [0, 1]; `'int32'`: the 8-bit values 0…255. */
  dtype?: 'float32' | 'int32';
}

/** Decodes the image file at `path` to 8-bit pixels, converting to `channels` when given. */
export async function readImageData(path: string, options: ReadImageOptions = {}): Promise<RawImage> {
  const { channels } = options;
  check(channels === undefined || channels === 1 || channels === 3 || channels === 4, 'channels', channels, '1, 3 or 4');
  try {
    let pipeline = sharp(path, { failOn: 'error' });
    // sharp outputs sRGB unless told otherwise: a grey file stays grey only through 'b-w'
    const stored = channels ?? (await pipeline.metadata()).channels;
    if (channels === 1) pipeline = pipeline.greyscale().removeAlpha();
    else if (channels === 3) pipeline = pipeline.toColourspace('srgb').removeAlpha();
    else if (channels === 4) pipeline = pipeline.toColourspace('srgb').ensureAlpha();
    else if (stored <= 2) pipeline = pipeline.toColourspace('b-w');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    throw new WavecvError('image', path, `a readable image file (PNG, JPEG, WebP, TIFF, GIF, AVIF or SVG): ${(error as Error).message}`);
  }
}

/** The image at `path` as a `[height, width, channels]` tensor: float32 in [0, 1], or int32 0…255. */
export async function readImage(path: string, options: ReadImageTensorOptions = {}): Promise<tf.Tensor3D> {
  const dtype = options.dtype ?? 'float32';
  check(dtype === 'float32' || dtype === 'int32', 'dtype', dtype, "'float32' or 'int32'");
  const image = await readImageData(path, options);
  const shape: [number, number, number] = [image.height, image.width, image.channels];
  if (dtype === 'int32') return tf.tensor3d(Int32Array.from(image.data), shape, 'int32');
  const values = new Float32Array(image.data.length);
  for (let i = 0; i < values.length; i++) values[i] = image.data[i] / 255;
  return tf.tensor3d(values, shape, 'float32');
}

/**
 * 8-bit pixels of a `[height, width, channels]` tensor (channels 1–4): a
 * float32 tensor is read as [0, 1] and an int32 one as 0…255; values outside
 * are clipped. Read back asynchronously.
 */
export async function tensorToImage(image: tf.Tensor3D): Promise<RawImage> {
  check(image.rank === 3 && image.shape[2] >= 1 && image.shape[2] <= 4, 'image', image, 'a [height, width, channels] tensor with 1 to 4 channels');
  const [height, width, channels] = image.shape;
  const values = await image.data();
  const scale = image.dtype === 'float32' ? 255 : 1;
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(values[i] * scale)));
  return { data, width, height, channels };
}

/** PNG bytes of an image (a tensor as in {@link tensorToImage}, or raw pixels). */
export async function encodePng(image: tf.Tensor3D | RawImage): Promise<Uint8Array> {
  const raw = image instanceof tf.Tensor ? await tensorToImage(image) : image;
  check(raw.data.length === raw.width * raw.height * raw.channels, 'image', `${raw.data.length} bytes`, `width × height × channels = ${raw.width * raw.height * raw.channels} bytes`);
  const channels = raw.channels as 1 | 2 | 3 | 4;
  let pipeline = sharp(Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), { raw: { width: raw.width, height: raw.height, channels } });
  if (channels <= 2) pipeline = pipeline.toColourspace('b-w');
  const png = await pipeline.png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Writes `image` as a PNG file at `path` (atomically: temporary name, then rename). */
export async function writePng(path: string, image: tf.Tensor3D | RawImage): Promise<void> {
  writeFileAtomic(path, await encodePng(image));
}
