/**
 * insightface verification sets (`lfw.bin`, `cfp_fp.bin`, `agedb_30.bin`):
 * a pickle of `(bins, issame_list)` where `bins` holds 2·P encoded images
 * (JPEG, already aligned to 112×112) in consecutive pairs and `issame_list`
 * P booleans (insightface `recognition/arcface_torch/eval/verification.py`,
 * `load_bin`). LFW and AgeDB-30 have 6 000 pairs, CFP-FP 7 000.
 */
import { readFile } from 'node:fs/promises';
import { WavecvError } from '../../errors.js';
import { unpickle, type PickleValue } from '../../io/pickle.js';

export interface VerificationBin {
  /** 2·P encoded images; images 2i and 2i+1 form pair i. */
  images: Uint8Array[];
  /** P flags: whether pair i shows the same person. */
  issame: boolean[];
}

/** Interprets unpickled data as a verification set, checking its structure. */
export function verificationBinFromPickle(value: PickleValue, name = 'bin'): VerificationBin {
  if (!Array.isArray(value) || value.length !== 2) throw new WavecvError(name, describe(value), 'a pickled pair (bins, issame_list)');
  const [bins, flags] = value;
  if (!Array.isArray(bins)) throw new WavecvError(`${name} bins`, describe(bins), 'a list of encoded images');
  if (!Array.isArray(flags)) throw new WavecvError(`${name} issame_list`, describe(flags), 'a list of booleans');
  const images = bins.map((b, i) => {
    if (!(b instanceof Uint8Array)) throw new WavecvError(`${name} bins[${i}]`, describe(b), 'a byte string (an encoded image)');
    return b;
  });
  const issame = flags.map((f, i) => {
    if (typeof f === 'boolean') return f;
    if (f === 0 || f === 1) return f === 1;
    throw new WavecvError(`${name} issame_list[${i}]`, describe(f), 'a boolean');
  });
  if (images.length !== 2 * issame.length) throw new WavecvError(name, `${images.length} images for ${issame.length} pairs`, 'two images per pair');
  return { images, issame };
}

/** Reads an insightface verification `.bin` file. */
export async function readVerificationBin(path: string): Promise<VerificationBin> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new WavecvError('pairs', path, `a readable .bin file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return verificationBinFromPickle(unpickle(bytes, path), path);
}

function describe(value: PickleValue): string {
  if (Array.isArray(value)) return `a sequence of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
