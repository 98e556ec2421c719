/**
 * A model's parameters by PyTorch name (a `state_dict`) from a checkpoint
 * file, whatever wraps it:
 *  - `.safetensors` files are a flat name → tensor table already;
 *  - `torch.save` archives hold either the `state_dict()` itself or a dict
 *    around it; the state dict is taken from the first of the keys
 *    {@link WRAPPER_KEYS} that holds a dict of tensors (training scripts save
 *    `{'epoch', 'state_dict', 'optimizer', …}`, torchvision's reference
 *    scripts `{'model', …}`), or the top-level dict when every value is a
 *    tensor;
 *  - `module.` prefixes (`nn.DataParallel` / `DistributedDataParallel`) are
 *    removed when every name carries one.
 * The file type is read from the content, not the extension.
 */
import { readFileSync } from 'node:fs';
import { WavecvError } from '../errors.js';
import type { PickleValue } from '../io/pickle.js';
import { isSafetensors, parseSafetensors } from './safetensors.js';
import { StoredTensor } from './tensor-data.js';
import { parseTorchCheckpoint } from './torch-checkpoint.js';

/** Keys under which checkpoints keep the state dict, in the order they are tried. */
export const WRAPPER_KEYS = ['state_dict', 'model', 'model_state_dict', 'net'] as const;

export interface StateDict {
  tensors: Map<string, StoredTensor>;
  /** The file. */
  source: string;
  /** Where in the file the tensors were found (`state_dict`, `model`, … or '' for the top level). */
  found: string;
  /** Whether a `module.` prefix was removed from every name. */
  strippedPrefix: boolean;
}

function asTensorDict(value: PickleValue): Map<string, StoredTensor> | undefined {
  if (!(value instanceof Map) || value.size === 0) return undefined;
  const out = new Map<string, StoredTensor>();
  for (const [key, v] of value) {
    if (typeof key !== 'string' || !(v instanceof StoredTensor)) return undefined;
    out.set(key, v);
  }
  return out;
}

/** The state dict in an unpickled checkpoint (see the module comment). */
export function findStateDict(root: PickleValue, source: string): { tensors: Map<string, StoredTensor>; found: string } {
  const top = asTensorDict(root);
  if (top) return { tensors: top, found: '' };
  if (root instanceof Map) {
    for (const key of WRAPPER_KEYS) {
      const inner = root.has(key) ? asTensorDict(root.get(key)!) : undefined;
      if (inner) return { tensors: inner, found: key };
    }
    const keys = [...root.keys()].slice(0, 8).map(String).join(', ');
    throw new WavecvError(source, `a dict with keys ${keys}`, `a state_dict (names → tensors) or a dict holding one under ${WRAPPER_KEYS.join(', ')}`);
  }
  throw new WavecvError(source, 'a pickled object that is not a dict', 'a state_dict (names → tensors) or a dict holding one');
}

/** Removes `module.` from every name when all carry it. */
export function stripModulePrefix(tensors: Map<string, StoredTensor>): { tensors: Map<string, StoredTensor>; stripped: boolean } {
  const names = [...tensors.keys()];
  if (names.length === 0 || !names.every((n) => n.startsWith('module.'))) return { tensors, stripped: false };
  return { tensors: new Map([...tensors].map(([n, t]) => [n.slice('module.'.length), t])), stripped: true };
}

/** The state dict of a `.safetensors` file or a `torch.save` checkpoint held in `bytes`. */
export function parseStateDict(bytes: Uint8Array, source: string): StateDict {
  const { tensors, found } = isSafetensors(bytes) ? { tensors: parseSafetensors(bytes, source), found: '' } : findStateDict(parseTorchCheckpoint(bytes, source), source);
  const stripped = stripModulePrefix(tensors);
  return { tensors: stripped.tensors, source, found, strippedPrefix: stripped.stripped };
}

export function readStateDict(path: string): StateDict {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new WavecvError('weights', path, `a readable checkpoint file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseStateDict(bytes, path);
}
