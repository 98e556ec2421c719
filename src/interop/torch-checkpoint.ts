/**
 * Reads PyTorch checkpoints written by `torch.save` (PyTorch ≥ 1.6's default
 * format): a ZIP archive `<name>/data.pkl` (the pickled object),
 * `<name>/data/<key>` (one file per storage, raw little-endian elements),
 * `<name>/byteorder` (since 1.12) and `<name>/version`. Tensors are pickled as
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
 * requires_grad, hooks)` where `storage` is a persistent id `('storage',
 * torch.FloatStorage, key, location, numel)`; `nn.Parameter`s wrap that in
 * `torch._utils._rebuild_parameter(tensor, requires_grad, hooks)`.
 *
 * Security (design decision): the pickle is read by wavecv's restricted
 * unpickler (src/io/pickle.ts) with exactly the globals a state dict and its
 * usual wrappers need — the two rebuild functions above, the storage classes,
 * `collections.OrderedDict` — each implemented here in TypeScript; any other
 * global (a class of the training code, `argparse.Namespace`, numpy scalars,
 * `posix.system`, …) is refused naming it, so a checkpoint never runs code.
 * `OrderedDict` state set by `BUILD` (the `_metadata` of `state_dict()`,
 * module versions) carries nothing wavecv uses and is dropped.
 *
 * The legacy format (PyTorch < 1.6, a bare pickle stream with a magic
 * number) and big-endian archives are refused with the way to convert them.
 */
import { readFileSync } from 'node:fs';
import { WavecvError } from '../errors.js';
import { unpickle, type PickleGlobals, type PickleValue } from '../io/pickle.js';
import { ZipArchive } from '../io/zip.js';
import { ELEMENT_BYTES, StoredTensor, TORCH_STORAGE_TYPES, type ElementType } from './tensor-data.js';

/** A storage that a persistent id resolved to. */
interface StorageRef {
  readonly pythonClass: 'torch.storage';
  dtype: ElementType;
  bytes: Uint8Array;
  key: string;
}

const isStorage = (v: PickleValue): v is PickleValue & StorageRef => v !== null && typeof v === 'object' && 'pythonClass' in v && v.pythonClass === 'torch.storage';
const isInts = (v: PickleValue): v is number[] => Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0);

/** Is `bytes` a ZIP archive (a PyTorch ≥ 1.6 checkpoint)? */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The unpickled object of a `torch.save` archive held in `bytes`; `source` names it in errors. */
export function parseTorchCheckpoint(bytes: Uint8Array, source: string): PickleValue {
  if (!isZip(bytes)) {
    const legacy = bytes.length > 2 && bytes[0] === 0x80;
    throw new WavecvError(
      source,
      legacy ? 'a PyTorch checkpoint in the legacy format (before PyTorch 1.6)' : 'a file that is neither a ZIP archive nor a pickle',
      legacy ? 'the ZIP format: re-save it with torch.save(torch.load(path), path) in PyTorch ≥ 1.6' : 'a PyTorch .pth/.pt checkpoint (torch.save, a ZIP archive) or .safetensors file',
    );
  }
  const zip = new ZipArchive(bytes, source);
  const pickles = [...zip.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) throw new WavecvError(source, `${pickles.length} <name>/data.pkl entries`, 'one, as torch.save writes');
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little') throw new WavecvError(`${source} byteorder`, order, '"little" (re-save the checkpoint on a little-endian machine)');
  }
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (id: PickleValue): PickleValue => {
    const ok = Array.isArray(id) && id.length === 5 && id[0] === 'storage' && id[1] !== null && typeof id[1] === 'object' && 'global' in id[1] && typeof id[2] === 'string';
    if (!ok) throw new WavecvError(source, 'a persistent id other than a storage', "('storage', torch.<Type>Storage, key, location, numel), as torch.save writes");
    const [, type, key] = id as [string, { global: string }, string];
    const dtype = TORCH_STORAGE_TYPES[type.global];
    if (!dtype) throw new WavecvError(source, `a storage of type ${type.global}`, `one of ${Object.keys(TORCH_STORAGE_TYPES).join(', ')}`);
    let storage = storages.get(key);
    if (!storage) {
      storage = { pythonClass: 'torch.storage', dtype, bytes: zip.read(`${prefix}data/${key}`), key };
      storages.set(key, storage);
    }
    return storage as unknown as PickleValue;
  };
  const rebuildTensor = (args: PickleValue[]): PickleValue => {
    const [storage, offset, size, stride] = args;
    if (!isStorage(storage) || typeof offset !== 'number' || !isInts(size) || !isInts(stride) || size.length !== stride.length) {
      throw new WavecvError('_rebuild_tensor_v2', 'other arguments', '(storage, offset, size, stride, requires_grad, hooks)');
    }
    return new StoredTensor(storage.dtype, size, storage.bytes, offset, stride, `${source} storage ${storage.key}`) as unknown as PickleValue;
  };
  const globals: PickleGlobals = {
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    'torch._utils._rebuild_parameter': (args) => {
      if (!(args[0] instanceof StoredTensor)) throw new WavecvError('_rebuild_parameter', 'other arguments', '(tensor, requires_grad, hooks)');
      return args[0];
    },
    'collections.OrderedDict': (args) => {
      if (args.length !== 0) throw new WavecvError('collections.OrderedDict', 'arguments', 'none (items follow with SETITEMS)');
      return new Map();
    },
  };
  for (const type of Object.keys(TORCH_STORAGE_TYPES)) {
    globals[type] = () => {
      throw new WavecvError(type, 'a call', 'only a mention in a persistent id');
    };
  }
  return unpickle(zip.read(pickles[0]), `${source} (${pickles[0]})`, { globals, persistentLoad, build: () => undefined });
}

/** Reads a `torch.save` checkpoint from `path`. */
export function readTorchCheckpoint(path: string): PickleValue {
  return parseTorchCheckpoint(readFileSync(path), path);
}

export { ELEMENT_BYTES };
