/**
 * Tensors as PyTorch files store them: raw little-endian bytes of one element
 * type, a shape, strides and an offset in elements (PyTorch's storage view,
 * `torch.Tensor.as_strided`). {@link StoredTensor.values} gathers the elements
 * in row-major (C) order and converts them to float32, the type of every
 * wavecv weight: float16 and bfloat16 widen exactly, float64 and integers
 * round to the nearest float32.
 *
 * Element types are named as in the safetensors header (`F32`, `BF16`, …);
 * PyTorch's storage classes map onto them ({@link TORCH_STORAGE_TYPES}).
 */
import { WavecvError } from '../errors.js';

export const ELEMENT_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;
export type ElementType = keyof typeof ELEMENT_BYTES;

/** `torch.<Name>Storage` → element type (the classes `torch.save` names in a checkpoint's persistent ids). */
export const TORCH_STORAGE_TYPES: Record<string, ElementType> = {
  'torch.DoubleStorage': 'F64',
  'torch.FloatStorage': 'F32',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.LongStorage': 'I64',
  'torch.IntStorage': 'I32',
  'torch.ShortStorage': 'I16',
  'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8',
  'torch.BoolStorage': 'BOOL',
};

/** A tensor of a checkpoint: element type, shape and its values on demand. */
export class StoredTensor {
  readonly pythonClass = 'torch.Tensor';

  constructor(
    readonly dtype: ElementType,
    readonly shape: number[],
    private readonly bytes: Uint8Array,
    private readonly offset = 0,
    private readonly strides: number[] = contiguousStrides(shape),
    /** Where the tensor came from, for error messages. */
    readonly source = 'tensor',
  ) {
    const elements = bytes.byteLength / ELEMENT_BYTES[dtype];
    const last = shape.some((n) => n === 0) ? -1 : offset + shape.reduce((sum, n, i) => sum + (n - 1) * strides[i], 0);
    if (!Number.isInteger(elements) || last >= elements || offset < 0) throw new WavecvError(source, `${bytes.byteLength} bytes of ${dtype} for shape [${shape.join(', ')}] at offset ${offset}`, 'a storage holding every element of the tensor');
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** The elements in row-major order, as float32. */
  values(): Float32Array {
    const read = elementReader(this.dtype, this.bytes);
    const out = new Float32Array(this.size);
    const { shape, strides } = this;
    const rank = shape.length;
    const index = new Array(rank).fill(0);
    let at = this.offset;
    for (let i = 0; i < out.length; i++) {
      out[i] = read(at);
      // Advance the multi-index (last axis fastest) and the storage position with it.
      for (let axis = rank - 1; axis >= 0; axis--) {
        index[axis]++;
        at += strides[axis];
        if (index[axis] < shape[axis]) break;
        at -= strides[axis] * shape[axis];
        index[axis] = 0;
      }
    }
    return out;
  }
}

export function contiguousStrides(shape: number[]): number[] {
  const strides = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/** Element `i` of a little-endian array of `dtype` as a number. */
function elementReader(dtype: ElementType, bytes: Uint8Array): (i: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F64':
      return (i) => view.getFloat64(8 * i, true);
    case 'F32':
      return (i) => view.getFloat32(4 * i, true);
    case 'F16':
      return (i) => halfToFloat(view.getUint16(2 * i, true));
    case 'BF16': {
      const word = new DataView(new ArrayBuffer(4));
      return (i) => {
        word.setUint32(0, view.getUint16(2 * i, true) << 16, true);
        return word.getFloat32(0, true);
      };
    }
    case 'I64':
      return (i) => Number(view.getBigInt64(8 * i, true));
    case 'I32':
      return (i) => view.getInt32(4 * i, true);
    case 'I16':
      return (i) => view.getInt16(2 * i, true);
    case 'I8':
      return (i) => view.getInt8(i);
    case 'U8':
    case 'BOOL':
      return (i) => view.getUint8(i);
  }
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
