/**
 * The gather at the heart of image registration: sampling an image at
 * displaced positions (Jaderberg et al. 2015, "Spatial Transformer Networks",
 * Eq. 5 bilinear sampling kernel and its partial derivatives, Eqs. 6–7), in
 * 2-D and 3-D, with its exact gradient, as two kernels (`WavecvWarp`,
 * `WavecvWarpGrad`) for the wasm and cpu backends.
 *
 * Why a kernel of our own: written with tfjs ops a trilinear warp is 8
 * gathers, 8 weight products and their sums, and its gradient 8
 * `UnsortedSegmentSum`s (every one a full pass over memory on wasm); here the
 * forward is one pass over the output voxels, and the backward one pass that
 * scatters into the image gradient and accumulates the field gradient, all in
 * float64 arithmetic on the backend's own memory (the wasm heap; the cpu
 * backend's arrays).
 *
 * Conventions (the ones `torch.nn.functional.grid_sample` has with
 * `align_corners=True` once its normalised grid is turned back into voxels,
 * which is what VoxelMorph's `SpatialTransformer` computes):
 *  - `image` is [B, (D,) H, W, C], `field` is [B, (D',) H', W', n] with n the
 *    number of spatial axes, components in the order of the spatial axes
 *    ((dz,) dy, dx), in voxels. The output [B, (D',) H', W', C] at p is
 *    `image(p + field(p))`. The output grid is the field's; it may differ from
 *    the image's (then p + field(p) is read in the image's voxel coordinates).
 *  - `linear`: (bi/tri)linear weights of the 2ⁿ neighbours; with zeros padding
 *    a neighbour outside the image contributes 0; with border padding the
 *    position is first clamped to [0, size − 1], and the field gradient along
 *    an axis is 0 where the position is clamped or on the border itself
 *    (PyTorch's `clip_coordinates_set_grad` treats the border as outside).
 *  - `nearest`: the nearest voxel, ties to even (`std::nearbyint`, as PyTorch);
 *    the field gradient is 0 (piecewise constant), the image gradient scatters.
 */
import * as tf from '@tensorflow/tfjs';
import { allocateAndView, heapBackend } from './heap.js';

export const WARP = 'WavecvWarp';
export const WARP_GRAD = 'WavecvWarpGrad';

export interface WarpAttrs {
  linear: boolean;
  border: boolean;
}

/** Sizes of one warp: a 2-D warp is a 3-D one with depth 1 and no z component. */
export interface WarpGeometry extends WarpAttrs {
  batch: number;
  /** Spatial sizes of the image [D, H, W] (D = 1 in 2-D). */
  inSize: [number, number, number];
  /** Spatial sizes of the field and output [D', H', W']. */
  outSize: [number, number, number];
  channels: number;
  /** Number of spatial axes (field components): 2 or 3. */
  axes: 2 | 3;
}

type Writable = { [i: number]: number };

/** Ties to even, as C's `nearbyint` in the default rounding mode. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Position along an axis of size n: clamped to [0, n − 1] for border padding. */
function clampCoordinate(c: number, n: number, border: boolean): number {
  return border ? Math.min(Math.max(c, 0), n - 1) : c;
}

/** The factor (0 or 1) the gradient of a coordinate gets through the border clamp (the border itself counts as outside). */
function clampGradient(c: number, n: number, border: boolean): number {
  return border && (c <= 0 || c >= n - 1) ? 0 : 1;
}

/**
 * Calls `visit(b, o, z, y, x)` for every output voxel with its sampling
 * position (z = 0 in 2-D); `o` is the flat output voxel index.
 */
function forEachPosition(field: ArrayLike<number>, g: WarpGeometry, visit: (b: number, o: number, z: number, y: number, x: number) => void): void {
  const [d, h, w] = g.outSize;
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++, o++) {
          const f = o * g.axes;
          if (g.axes === 3) visit(b, o, z + field[f], y + field[f + 1], x + field[f + 2]);
          else visit(b, o, 0, y + field[f], x + field[f + 1]);
        }
      }
    }
  }
}

/** `out` (overwritten) = image sampled at p + field(p). */
export function warpForward(image: ArrayLike<number>, field: ArrayLike<number>, g: WarpGeometry, out: Writable): void {
  const [nz, ny, nx] = g.inSize;
  const C = g.channels;
  const zCorners = g.axes === 3 ? 2 : 1;
  const { linear, border } = g;
  forEachPosition(field, g, (b, o, pz, py, px) => {
    const imageBase = b * nz * ny * nx;
    const outBase = o * C;
    for (let c = 0; c < C; c++) out[outBase + c] = 0;
    const cz = clampCoordinate(pz, nz, border);
    const cy = clampCoordinate(py, ny, border);
    const cx = clampCoordinate(px, nx, border);
    if (!linear) {
      const iz = roundHalfEven(cz);
      const iy = roundHalfEven(cy);
      const ix = roundHalfEven(cx);
      if (iz < 0 || iz >= nz || iy < 0 || iy >= ny || ix < 0 || ix >= nx) return;
      const src = (imageBase + (iz * ny + iy) * nx + ix) * C;
      for (let c = 0; c < C; c++) out[outBase + c] = image[src + c];
      return;
    }
    const z0 = Math.floor(cz);
    const y0 = Math.floor(cy);
    const x0 = Math.floor(cx);
    const tz = cz - z0;
    const ty = cy - y0;
    const tx = cx - x0;
    for (let a = 0; a < zCorners; a++) {
      const iz = z0 + a;
      if (iz < 0 || iz >= nz) continue;
      const wz = zCorners === 1 ? 1 : a ? tz : 1 - tz;
      for (let bb = 0; bb < 2; bb++) {
        const iy = y0 + bb;
        if (iy < 0 || iy >= ny) continue;
        const wzy = wz * (bb ? ty : 1 - ty);
        for (let cc = 0; cc < 2; cc++) {
          const ix = x0 + cc;
          if (ix < 0 || ix >= nx) continue;
          const w = wzy * (cc ? tx : 1 - tx);
          if (w === 0) continue;
          const src = (imageBase + (iz * ny + iy) * nx + ix) * C;
          for (let c = 0; c < C; c++) out[outBase + c] += w * image[src + c];
        }
      }
    }
  });
}

/**
 * The adjoint pass: `dImage` (overwritten) gets Σ weight · dy scattered onto
 * the neighbours, `dField` (overwritten) the derivative of the output with
 * respect to the position, contracted with dy over channels.
 */
export function warpBackward(image: ArrayLike<number>, field: ArrayLike<number>, dy: ArrayLike<number>, g: WarpGeometry, dImage: Writable, dField: Writable): void {
  const [nz, ny, nx] = g.inSize;
  const C = g.channels;
  const zCorners = g.axes === 3 ? 2 : 1;
  const { linear, border, axes } = g;
  const imageSize = g.batch * nz * ny * nx * C;
  for (let i = 0; i < imageSize; i++) dImage[i] = 0;
  forEachPosition(field, g, (b, o, pz, py, px) => {
    const imageBase = b * nz * ny * nx;
    const outBase = o * C;
    const fieldBase = o * axes;
    for (let d = 0; d < axes; d++) dField[fieldBase + d] = 0;
    const cz = clampCoordinate(pz, nz, border);
    const cy = clampCoordinate(py, ny, border);
    const cx = clampCoordinate(px, nx, border);
    if (!linear) {
      const iz = roundHalfEven(cz);
      const iy = roundHalfEven(cy);
      const ix = roundHalfEven(cx);
      if (iz < 0 || iz >= nz || iy < 0 || iy >= ny || ix < 0 || ix >= nx) return;
      const dst = (imageBase + (iz * ny + iy) * nx + ix) * C;
      for (let c = 0; c < C; c++) dImage[dst + c] += dy[outBase + c];
      return;
    }
    const z0 = Math.floor(cz);
    const y0 = Math.floor(cy);
    const x0 = Math.floor(cx);
    const tz = cz - z0;
    const ty = cy - y0;
    const tx = cx - x0;
    let gz = 0;
    let gy = 0;
    let gx = 0;
    for (let a = 0; a < zCorners; a++) {
      const iz = z0 + a;
      if (iz < 0 || iz >= nz) continue;
      const wz = zCorners === 1 ? 1 : a ? tz : 1 - tz;
      const dwz = a ? 1 : -1;
      for (let bb = 0; bb < 2; bb++) {
        const iy = y0 + bb;
        if (iy < 0 || iy >= ny) continue;
        const wy = bb ? ty : 1 - ty;
        const dwy = bb ? 1 : -1;
        for (let cc = 0; cc < 2; cc++) {
          const ix = x0 + cc;
          if (ix < 0 || ix >= nx) continue;
          const wx = cc ? tx : 1 - tx;
          const dwx = cc ? 1 : -1;
          const w = wz * wy * wx;
          const src = (imageBase + (iz * ny + iy) * nx + ix) * C;
          let dot = 0;
          for (let c = 0; c < C; c++) {
            const g0 = dy[outBase + c];
            dImage[src + c] += w * g0;
            dot += image[src + c] * g0;
          }
          gz += dwz * wy * wx * dot;
          gy += wz * dwy * wx * dot;
          gx += wz * wy * dwx * dot;
        }
      }
    }
    if (axes === 3) {
      dField[fieldBase] = gz * clampGradient(pz, nz, border);
      dField[fieldBase + 1] = gy * clampGradient(py, ny, border);
      dField[fieldBase + 2] = gx * clampGradient(px, nx, border);
    } else {
      dField[fieldBase] = gy * clampGradient(py, ny, border);
      dField[fieldBase + 1] = gx * clampGradient(px, nx, border);
    }
  });
}

/** The {@link WarpGeometry} of an image and a field (shapes checked by the caller). */
export function warpGeometry(imageShape: number[], fieldShape: number[], attrs: WarpAttrs): WarpGeometry {
  const axes = (fieldShape.length - 2) as 2 | 3;
  const spatial = (s: number[]): [number, number, number] => (axes === 3 ? [s[1], s[2], s[3]] : [1, s[1], s[2]]);
  return { ...attrs, batch: imageShape[0], inSize: spatial(imageShape), outSize: spatial(fieldShape), channels: imageShape[imageShape.length - 1], axes };
}

interface HostBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * Runs `compute` on views of `inputs` and fresh float32 outputs: on the wasm
 * heap in place, on cpu through its arrays.
 */
function runOnHost(backendName: string, backend: unknown, kernel: string, inputs: tf.TensorInfo[], outputShapes: number[][], compute: (views: ArrayLike<number>[], outs: Float32Array[]) => void): tf.TensorInfo[] {
  if (backendName === 'wasm') {
    const { outputs, views } = allocateAndView(heapBackend(backend, kernel), inputs, outputShapes);
    compute(views.slice(0, inputs.length), views.slice(inputs.length) as Float32Array[]);
    return outputs;
  }
  const host = backend as HostBackend;
  const outs = outputShapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
  compute(inputs.map((t) => host.readSync(t.dataId) as Float32Array), outs);
  return outs.map((values, i) => host.makeTensorInfo(outputShapes[i], 'float32', values));
}

/** `WavecvWarp` (inputs image, field; float32) for `backendName` ('wasm' or 'cpu'). */
export function warpKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: WARP,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { image, field } = inputs as { image: tf.TensorInfo; field: tf.TensorInfo };
      const g = warpGeometry(image.shape, field.shape, attrs as unknown as WarpAttrs);
      const outShape = [...field.shape.slice(0, -1), g.channels];
      return runOnHost(backendName, backend, WARP, [image, field], [outShape], ([i, f], [out]) => warpForward(i, f, g, out))[0];
    },
  };
}

/** `WavecvWarpGrad` (inputs image, field, dy; outputs dImage, dField) for `backendName`. */
export function warpGradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: WARP_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { image, field, dy } = inputs as { image: tf.TensorInfo; field: tf.TensorInfo; dy: tf.TensorInfo };
      const g = warpGeometry(image.shape, field.shape, attrs as unknown as WarpAttrs);
      return runOnHost(backendName, backend, WARP_GRAD, [image, field, dy], [image.shape, field.shape], ([i, f, d], [di, df]) => warpBackward(i, f, d, g, di, df));
    },
  };
}

/** The gradient of `WavecvWarp`: one `WavecvWarpGrad` call gives both partials. */
export const warpGradConfig: tf.GradConfig = {
  kernelName: WARP,
  inputsToSave: ['image', 'field'],
  gradFunc: (dy, saved, attrs) => {
    const [image, field] = saved;
    const [dImage, dField] = tf.engine().runKernel(WARP_GRAD, { image, field, dy: dy as tf.Tensor }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { image: () => dImage, field: () => dField };
  },
};
