/**
 * Face images in host memory: decoding (sharp/libvips: JPEG, PNG, WebP, …,
 * EXIF orientation applied), resizing, and stacking into a model input
 * normalised as the model's metadata says (no normalisation constants of
 * its own: a model's `preprocessing.normalization`, e.g. the insightface
 * (x/255 − 0.5)/0.5 of the face task, is passed in).
 */
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { check, WavecvError } from '../../errors.js';
import { checkNormalization, type Normalization } from '../normalization.js';

/** An 8-bit RGB image, rows top to bottom, channels interleaved. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes an image file or encoded bytes to 8-bit RGB. */
export async function decodeImage(source: string | Uint8Array, name = typeof source === 'string' ? source : 'image'): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(source).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion to sRGB`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw new WavecvError('image', name, `a readable image file (${(error as Error).message})`);
  }
}

/** Resizes to exactly `width`×`height` (bilinear-family resampling of libvips, no crop). */
export async function resizeImage(image: RgbImage, width: number, height = width): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * A `[N, H, W, 3]` float tensor of equally sized images: pixels / 255, then
 * `normalization` (a model's `metadata.preprocessing.normalization`).
 */
export function facesToTensor(images: RgbImage[], normalization: Normalization): tf.Tensor4D {
  check(images.length > 0, 'images', images.length, 'at least one image');
  const { mean, std } = checkNormalization(normalization, 'normalization');
  check(mean.length === 1 || mean.length === 3, 'normalization', normalization, '1 or 3 values per statistic (RGB images)');
  const { width, height } = images[0];
  const size = width * height * 3;
  const out = new Float32Array(images.length * size);
  images.forEach((image, i) => {
    check(image.width === width && image.height === height, `images[${i}]`, `${image.width}×${image.height}`, `${width}×${height} like images[0]`);
    for (let k = 0; k < size; k++) {
      const c = mean.length === 1 ? 0 : k % 3;
      out[i * size + k] = (image.data[k] / 255 - mean[c]) / std[c];
    }
  });
  return tf.tensor4d(out, [images.length, height, width, 3]);
}
