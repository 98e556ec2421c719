/**
 * Verification pair lists.
 *
 * LFW `pairs.txt` (Huang et al., "Labeled Faces in the Wild", UMass TR 07-49,
 * 2007, View 2): an optional header `folds pairsPerFold` (e.g. `10 300`), then
 * one pair per line, tab- or space-separated:
 *
 *     name  n1  n2          same person: name/name_000n1.jpg vs name/name_000n2.jpg
 *     name1 n1  name2 n2    different people
 *
 * Each fold lists its matched pairs, then its mismatched pairs, so the
 * contiguous 10-fold split of the verification protocol follows the file order.
 *
 * For other data, a line may also be `pathA pathB label` with label 1 (same)
 * or 0 (different), paths relative to the image root; this generic form is my
 * addition and is recognised because its second field is not an integer.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { WavecvError } from '../../errors.js';

export interface VerificationPair {
  a: string;
  b: string;
  same: boolean;
}

export interface PairList {
  pairs: VerificationPair[];
  /** Folds announced by the header, when there is one. */
  folds?: number;
}

const INT = /^\d+$/;

/** The LFW file name of image `n` of `name`: `name/name_%04d.jpg`. */
export function lfwImagePath(name: string, n: number, extension = '.jpg'): string {
  return join(name, `${name}_${String(n).padStart(4, '0')}${extension}`);
}

/**
 * Parses a pair list; paths come back joined to `root` (unless absolute).
 * `source` names the file in error messages.
 */
export function parsePairs(text: string, root = '', source = 'pairs', extension = '.jpg'): PairList {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const pairs: VerificationPair[] = [];
  let folds: number | undefined;
  const resolvePath = (p: string) => (isAbsolute(p) || root === '' ? p : join(root, p));
  lines.forEach((line, index) => {
    if (line === '' || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    const where = `${source} line ${index + 1}`;
    if (pairs.length === 0 && folds === undefined && f.length <= 2 && f.every((x) => INT.test(x))) {
      folds = f.length === 2 ? Number(f[0]) : 1;
      return;
    }
    if (f.length === 3 && INT.test(f[1]) && INT.test(f[2])) {
      pairs.push({ a: resolvePath(lfwImagePath(f[0], Number(f[1]), extension)), b: resolvePath(lfwImagePath(f[0], Number(f[2]), extension)), same: true });
    } else if (f.length === 4 && INT.test(f[1]) && INT.test(f[3])) {
      pairs.push({ a: resolvePath(lfwImagePath(f[0], Number(f[1]), extension)), b: resolvePath(lfwImagePath(f[2], Number(f[3]), extension)), same: false });
    } else if (f.length === 3 && (f[2] === '0' || f[2] === '1')) {
      pairs.push({ a: resolvePath(f[0]), b: resolvePath(f[1]), same: f[2] === '1' });
    } else {
      throw new WavecvError(where, line, "'name n1 n2', 'name1 n1 name2 n2' (LFW pairs.txt) or 'pathA pathB 0|1'");
    }
  });
  if (pairs.length === 0) throw new WavecvError(source, 'no pairs', 'at least one pair line');
  return { pairs, folds };
}

/** Reads and parses a pair list file (see {@link parsePairs}). */
export async function readPairs(path: string, root: string, extension = '.jpg'): Promise<PairList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WavecvError('pairs', path, `a readable pairs file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parsePairs(text, root, path, extension);
}
