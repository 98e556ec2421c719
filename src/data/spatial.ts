/**
 * Deterministic spatial kernels on host batches of images (NHWC) and volumes
 * (NDHWC): crop at given offsets, flip along an axis, zoom about the centre.
 * The random augmentations of augment.ts draw their parameters and call these,
 * so that one draw moves every key of a record (image and mask, fixed and
 * moving) the same way.
 *
 * Layout: a rank-4 array is `[N, H, W, C]` with spatial axes (height, width);
 * a rank-5 array is `[N, D, H, W, C]` with spatial axes (depth, height,
 * width). Internally a 2-D array is walked as a volume of depth 1, so each
 * kernel is written once for both.
 */
import { check, WavecvError } from '../errors.js';
import type { HostTensor } from './dataset.js';

export type SpatialAxis = 'depth' | 'height' | 'width';

/** How a key is resampled: linear (bilinear / trilinear) for intensities, nearest for labels and masks. */
export type Interpolation = 'linear' | 'nearest';

export interface SpatialLayout {
  batch: number;
  /** `[H, W]` or `[D, H, W]`. */
  spatial: number[];
  channels: number;
}

/** The layout of `tensor` (named `name` in errors): rank 4 (NHWC) or 5 (NDHWC). */
export function spatialLayout(tensor: HostTensor, name: string): SpatialLayout {
  const shape = tensor.shape;
  if (shape.length !== 4 && shape.length !== 5) throw new WavecvError(name, `${tensor.dtype} of shape [${shape.join(', ')}]`, 'images [N, H, W, C] or volumes [N, D, H, W, C]');
  return { batch: shape[0], spatial: shape.slice(1, -1), channels: shape[shape.length - 1] };
}

/** Index of `axis` among the spatial axes of a layout of `rank` spatial dimensions. */
export function spatialAxisIndex(axis: SpatialAxis, spatialRank: number, name: string): number {
  const names: SpatialAxis[] = spatialRank === 3 ? ['depth', 'height', 'width'] : ['height', 'width'];
  const index = names.indexOf(axis);
  if (index < 0) throw new WavecvError(name, axis, `a spatial axis of ${spatialRank}-D data (${names.join(', ')})`);
  return index;
}

/** `[D, H, W]`, with D = 1 for images. */
function asVolume(spatial: number[]): [number, number, number] {
  return spatial.length === 3 ? [spatial[0], spatial[1], spatial[2]] : [1, spatial[0], spatial[1]];
}

function emptyLike(dtype: HostTensor['dtype'], size: number): Float32Array | Int32Array {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}

/**
 * Crops every sample `i` of `tensor` to `size` (one entry per spatial axis)
 * starting at source position `starts[i·k + a]` on spatial axis `a` (`k`
 * spatial axes). Starts may be negative or run past the end: positions
 * outside the source read `fill`. Values are copied, never interpolated.
 */
export function cropAt(tensor: HostTensor, starts: ArrayLike<number>, size: number[], fill: number): HostTensor {
  const { batch, spatial, channels: c } = spatialLayout(tensor, 'tensor');
  const k = spatial.length;
  check(size.length === k && size.every((s) => Number.isInteger(s) && s > 0), 'size', size, `${k} positive integers`);
  check(starts.length === batch * k, 'starts', starts.length, `${batch * k} offsets (${k} per sample)`);
  const [d, h, w] = asVolume(spatial);
  const [od, oh, ow] = asVolume(size);
  const src = tensor.data;
  const out = emptyLike(tensor.dtype, batch * od * oh * ow * c);
  const rowLength = ow * c;
  for (let i = 0; i < batch; i++) {
    const sz0 = k === 3 ? starts[i * k] : 0;
    const sy0 = starts[i * k + k - 2];
    const sx0 = starts[i * k + k - 1];
    const xFrom = Math.min(ow, Math.max(0, -sx0));
    const xTo = Math.max(xFrom, Math.min(ow, w - sx0));
    for (let z = 0; z < od; z++) {
      const sz = z + sz0;
      for (let y = 0; y < oh; y++) {
        const sy = y + sy0;
        const rowOut = ((i * od + z) * oh + y) * rowLength;
        if (sz < 0 || sz >= d || sy < 0 || sy >= h) {
          out.fill(fill, rowOut, rowOut + rowLength);
          continue;
        }
        const rowIn = ((i * d + sz) * h + sy) * w * c;
        out.fill(fill, rowOut, rowOut + xFrom * c);
        out.set(src.subarray(rowIn + (xFrom + sx0) * c, rowIn + (xTo + sx0) * c), rowOut + xFrom * c);
        out.fill(fill, rowOut + xTo * c, rowOut + rowLength);
      }
    }
  }
  return { dtype: tensor.dtype, shape: [batch, ...size, c], data: out };
}

/** Mirrors sample `sample` of `tensor` along spatial axis `axis` (index among the spatial axes), in place. */
export function flipSample(tensor: HostTensor, sample: number, axis: number): void {
  const { spatial, channels } = spatialLayout(tensor, 'tensor');
  check(Number.isInteger(axis) && axis >= 0 && axis < spatial.length, 'axis', axis, `a spatial axis index in [0, ${spatial.length})`);
  // The sample is `outer` blocks of `length` slices of `inner` contiguous values.
  const length = spatial[axis];
  const inner = spatial.slice(axis + 1).reduce((a, b) => a * b, channels);
  const outer = spatial.slice(0, axis).reduce((a, b) => a * b, 1);
  const data = tensor.data;
  const base = sample * outer * length * inner;
  for (let o = 0; o < outer; o++) {
    const block = base + o * length * inner;
    for (let j = 0; j < length >> 1; j++) {
      const a = block + j * inner;
      const b = block + (length - 1 - j) * inner;
      for (let e = 0; e < inner; e++) {
        const t = data[a + e];
        data[a + e] = data[b + e];
        data[b + e] = t;
      }
    }
  }
}

/**
 * Per output index of one axis: the element offsets (index × `stride`) of
 * its lower and upper source taps, −1 where the tap falls outside the
 * source, and the weight of the upper tap (0 for nearest).
 */
interface AxisTaps {
  lower: Int32Array;
  upper: Int32Array;
  upperWeight: Float64Array;
}

/** Round half to even, as C's nearbyint (PyTorch's nearest grid sampling). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function axisTaps(length: number, scale: number, stride: number, interpolation: Interpolation): AxisTaps {
  const lower = new Int32Array(length);
  const upper = new Int32Array(length);
  const upperWeight = new Float64Array(length);
  const offset = (index: number): number => (index >= 0 && index < length ? index * stride : -1);
  for (let o = 0; o < length; o++) {
    // Source coordinate of output o (pixel centres, align_corners = false).
    const source = scale === 1 ? o : (o + 0.5 - length / 2) / scale + length / 2 - 0.5;
    const first = interpolation === 'nearest' ? roundHalfEven(source) : Math.floor(source);
    lower[o] = offset(first);
    upper[o] = offset(first + 1);
    upperWeight[o] = interpolation === 'nearest' ? 0 : source - first;
  }
  return { lower, upper, upperWeight };
}

/** The taps of an axis that is not resampled (the depth of an image). */
const IDENTITY_TAPS: AxisTaps = { lower: new Int32Array(1), upper: Int32Array.of(-1), upperWeight: new Float64Array(1) };

/**
 * Zooms sample `i` of `tensor` by `scales[i]` about the centre of its
 * spatial extent (the same factor on every spatial axis); the output keeps
 * the input's shape. A factor above 1 enlarges the content (and loses its
 * border), below 1 shrinks it (the uncovered border reads `fill`).
 *
 * This is PyTorch's `grid_sample(x, affine_grid(diag(1/s), align_corners=
 * False), mode, padding_mode='zeros', align_corners=False)` — output
 * position `o` samples the source at `(o + ½ − L/2)/s + L/2 − ½` on each
 * axis of length `L` — with taps outside the source reading `fill` instead
 * of 0. `'linear'` is bilinear (images) or trilinear (volumes); `'nearest'`
 * rounds halves to even as PyTorch does, and never mixes values, so masks
 * and label maps keep their labels.
 */
export function zoomAboutCentre(tensor: HostTensor, scales: ArrayLike<number>, interpolation: Interpolation, fill: number): HostTensor {
  const { batch, spatial, channels: c } = spatialLayout(tensor, 'tensor');
  check(scales.length === batch, 'scales', scales.length, `${batch} zoom factors, one per sample`);
  const [d, h, w] = asVolume(spatial);
  const src = tensor.data;
  const out = emptyLike(tensor.dtype, src.length);
  const sampleSize = d * h * w * c;
  for (let i = 0; i < batch; i++) {
    const s = scales[i];
    check(Number.isFinite(s) && s > 0, `scales[${i}]`, s, 'a positive zoom factor');
    // An image is a volume of depth 1 whose depth axis is never resampled.
    const tz = spatial.length === 3 ? axisTaps(d, s, h * w * c, interpolation) : IDENTITY_TAPS;
    const ty = axisTaps(h, s, w * c, interpolation);
    const tx = axisTaps(w, s, c, interpolation);
    const base = i * sampleSize;
    let o = base;
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++, o += c) {
          if (interpolation === 'nearest') {
            const zi = tz.lower[z];
            const yi = ty.lower[y];
            const xi = tx.lower[x];
            const from = base + zi + yi + xi;
            for (let k = 0; k < c; k++) out[o + k] = zi < 0 || yi < 0 || xi < 0 ? fill : src[from + k];
            continue;
          }
          for (let k = 0; k < c; k++) {
            let value = 0;
            for (let dz = 0; dz < 2; dz++) {
              const fz = dz ? tz.upperWeight[z] : 1 - tz.upperWeight[z];
              if (fz === 0) continue;
              const zi = dz ? tz.upper[z] : tz.lower[z];
              for (let dy = 0; dy < 2; dy++) {
                const fy = dy ? ty.upperWeight[y] : 1 - ty.upperWeight[y];
                if (fy === 0) continue;
                const yi = dy ? ty.upper[y] : ty.lower[y];
                const row = zi < 0 || yi < 0 ? -1 : base + zi + yi + k;
                const wx = tx.upperWeight[x];
                const left = row < 0 || tx.lower[x] < 0 ? fill : src[row + tx.lower[x]];
                const right = wx === 0 ? 0 : row < 0 || tx.upper[x] < 0 ? fill : src[row + tx.upper[x]];
                value += fz * fy * ((1 - wx) * left + wx * right);
              }
            }
            out[o + k] = value;
          }
        }
      }
    }
  }
  return { dtype: tensor.dtype, shape: tensor.shape.slice(), data: out };
}
