/**
 * Reads `.safetensors` files (Hugging Face's format, as documented by its
 * `safetensors` library): an 8-byte little-endian header length N, N bytes of
 * JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
 * {…}}`, then the data, each tensor row-major and little-endian at
 * [8 + N + begin, 8 + N + end). Offsets are checked to lie in the file and to
 * match shape × element size; the format has no code in it at all.
 */
import { readFileSync } from 'node:fs';
import { WavecvError } from '../errors.js';
import { ELEMENT_BYTES, StoredTensor, type ElementType } from './tensor-data.js';

/** Does `bytes` start like a safetensors file (a plausible header length, then '{')? */
export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return length > 1n && length <= BigInt(bytes.length - 8) && bytes[8] === 0x7b;
}

/** The tensors of a safetensors file held in `bytes`, in header order; `source` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source: string): Map<string, StoredTensor> {
  if (!isSafetensors(bytes)) throw new WavecvError(source, 'no safetensors header', 'an 8-byte header length followed by a JSON header');
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  } catch (error) {
    throw new WavecvError(source, 'a header that is not JSON', `a JSON header (${(error as Error).message})`);
  }
  const data = bytes.subarray(8 + length);
  const tensors = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const where = `${source} ${name}`;
    if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) throw new WavecvError(`${where} dtype`, dtype, `one of ${Object.keys(ELEMENT_BYTES).join(', ')}`);
    const ok = Array.isArray(shape) && shape.every((n) => Number.isInteger(n) && n >= 0) && Array.isArray(offsets) && offsets.length === 2 && offsets.every((n) => Number.isInteger(n) && n >= 0);
    if (!ok) throw new WavecvError(where, entry, '{dtype, shape: non-negative integers, data_offsets: [begin, end]}');
    const [begin, end] = offsets!;
    const expected = shape!.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[dtype as ElementType];
    if (end - begin !== expected || end > data.length) throw new WavecvError(`${where} data_offsets`, offsets, `${expected} bytes within the ${data.length} bytes of data`);
    tensors.set(name, new StoredTensor(dtype as ElementType, shape!, data.subarray(begin, end), 0, undefined, where));
  }
  return tensors;
}

export function readSafetensors(path: string): Map<string, StoredTensor> {
  return parseSafetensors(readFileSync(path), path);
}
