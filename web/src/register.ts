/**
 * Registration of two images as the app computes it (pure TF.js, no DOM, so
 * the end-to-end test runs the same code in Node): a registration model
 * trained by `wavecv train register` in 2-D (WiNet, WiNet-Diff or the
 * VoxelMorph baseline; its metadata gives the network size and whether it
 * outputs a displacement or a velocity) maps the moving image onto the fixed
 * one, as `wavecv register` does (src/tasks/register.ts):
 *
 * - both images in grey (the mean of R, G, B) in [0, 1], each min–max scaled
 *   to [0, 1] (the registration runs' preprocessing), the network reads
 *   [moving, fixed];
 * - images of the network's size are used as they are (the bundled demo pair
 *   is written at that size); other sizes are resized (bilinear) to it — a
 *   design decision of the app, where `wavecv register` pads or crops around
 *   the centre, so that any two photos can be tried; the outputs are at the
 *   network's size;
 * - the displacement (a velocity is integrated by scaling and squaring, 7
 *   steps) warps the grey moving image linearly with zero padding;
 * - the picture is `registrationFigure` (src/plot/registration-figure.ts):
 *   fixed, moving, warped, |fixed − warped|, a checkerboard of fixed and
 *   warped, and a regular grid deformed by the displacement.
 *
 * The warp is wavecv's own kernel (src/engine/kernels/warp.ts), which exists
 * for the wasm and cpu backends: it is registered here on first use, and
 * other backends are refused with a message.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelMetadata } from '../../src/train/model-metadata.js';
import type { RegisterModelExtension } from '../../src/tasks/register.js';
import { warpKernel, WARP } from '../../src/engine/kernels/warp.js';
import { displacementOf, warp } from '../../src/nn/warp.js';
import { registrationFigure } from '../../src/plot/registration-figure.js';
import type { RawImage } from '../../src/io/image.js';
import { rgbaToImage, type Rgba } from './image-tensor.js';

export interface Registration {
  /** [H, W] of the network (every output). */
  shape: [number, number];
  fixed: Float32Array;
  moving: Float32Array;
  /** The grey moving image warped onto the fixed one. */
  warped: Float32Array;
  /** [H, W, 2] voxels, components (dy, dx). */
  displacement: Float32Array;
  /** Mean squared difference to the fixed image: of the moving image, of the warped one. */
  mseBefore: number;
  mseAfter: number;
  figure: RawImage;
}

function ensureWarpKernel(): void {
  const backend = tf.getBackend();
  if (tf.getKernel(WARP, backend)) return;
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`registration: the warp runs on the wasm or cpu backend, this page runs on ${backend} (open it with ?backend=wasm)`);
  tf.registerKernel(warpKernel(backend));
}

/** Grey [H, W] image in [0, 1] at `size`, resized when its size differs (module comment). */
function greyAt(pixels: Rgba, size: [number, number]): tf.Tensor2D {
  return tf.tidy(() => {
    let image: tf.Tensor3D = rgbaToImage(pixels, 1);
    if (pixels.height !== size[0] || pixels.width !== size[1]) image = tf.image.resizeBilinear(image, size);
    return tf.squeeze(image, [2]) as tf.Tensor2D;
  });
}

function minMax(image: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const lo = tf.min(image);
    const range = tf.sub(tf.max(image), lo);
    return tf.where(tf.greater(range, 0), tf.div(tf.sub(image, lo), range), tf.zerosLike(image));
  });
}

const mse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;

/** Registers `moving` to `fixed` with a 2-D registration model (module comment). */
export async function registerPixels(model: tf.LayersModel, metadata: ModelMetadata<RegisterModelExtension>, fixedPixels: Rgba, movingPixels: Rgba): Promise<Registration> {
  const { size, field } = metadata.extension;
  if (size.length !== 2) throw new Error(`registration model: got a ${size.length}-D network, expected a 2-D one (dims 2)`);
  ensureWarpKernel();
  const shape: [number, number] = [size[0], size[1]];
  const [fixed, moving, warped, displacement] = tf.tidy(() => {
    const f = greyAt(fixedPixels, shape);
    const m = greyAt(movingPixels, shape);
    const input = (image: tf.Tensor) => tf.reshape(minMax(image), [1, ...shape, 1]);
    const output = model.predict([input(m), input(f)]) as tf.Tensor;
    const d = displacementOf(output, field);
    const w = warp(tf.reshape(m, [1, ...shape, 1]), d);
    return [f, m, w, d].map((t) => t.dataSync() as Float32Array);
  });
  const figure = await registrationFigure({ fixed, moving, warped, displacement, shape });
  return { shape, fixed, moving, warped, displacement, mseBefore: mse(moving, fixed), mseAfter: mse(warped, fixed), figure };
}
