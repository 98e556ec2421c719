/**
 * A restricted reader of Python pickles, for insightface's verification files
 * (`lfw.bin`, `cfp_fp.bin`, `agedb_30.bin`, …: `pickle.dump((bins,
 * issame_list), f)`, a tuple of a list of JPEG byte strings and a list of
 * booleans, read by insightface `eval/verification.py` with
 * `pickle.load(f, encoding='bytes')`) and for the `data.pkl` of PyTorch
 * checkpoints (`torch.save`: dicts, `OrderedDict`s, tensors as persistent
 * references to storages; see ./torch-checkpoint.ts).
 *
 * The opcodes follow CPython's `Lib/pickletools.py` documentation. Handled: the
 * protocol 2–5 framing (`PROTO`, `FRAME`), marks, lists and tuples, booleans,
 * `None`, small integers, floats, byte strings in all their spellings —
 * Python 2's `str` (`SHORT_BINSTRING`, `BINSTRING`, read as bytes like
 * `encoding='bytes'`), Python 3's `bytes` (`SHORT_BINBYTES`, `BINBYTES`,
 * `BINBYTES8`, `BYTEARRAY8`) and Python 3 protocol 2's
 * `_codecs.encode(str, 'latin1')` reduction — unicode strings, and the memo
 * (`PUT`/`GET` forms, `MEMOIZE`), dicts (`EMPTY_DICT`, `DICT`, `SETITEM`,
 * `SETITEMS`, as a `Map`), and — only where the caller allows them — globals,
 * `REDUCE`, `BUILD` and persistent ids (`BINPERSID`).
 *
 * Security (design decision): a global is never imported. `GLOBAL` and
 * `STACK_GLOBAL` look the dotted name up in the caller's table of
 * {@link PickleGlobals} (by default only `_codecs.encode`); `REDUCE` calls the
 * TypeScript function registered there, `BUILD` is accepted on dicts only and
 * hands its state to the table's `build`, and `BINPERSID` goes to the caller's
 * `persistentLoad`. Any other global, opcode or object construction is
 * refused with a {@link WavecvError} naming it: this reader never runs code
 * named by a file.
 */
import { WavecvError } from '../errors.js';

/** Keys of a pickled dict that the reader keeps (the hashable scalars). */
export type PickleKey = null | boolean | number | bigint | string;

/** An object made by a caller's {@link PickleGlobals} function (e.g. a tensor), tagged with its Python class. */
export interface PickleObject {
  readonly pythonClass: string;
}

/** What the reader builds: lists and tuples both become arrays, dicts `Map`s; bytes are views into the input. */
export type PickleValue = PickleKey | Uint8Array | PickleValue[] | Map<PickleKey, PickleValue> | { global: string } | PickleObject;

/** The globals a pickle may name: dotted name → the function `REDUCE` calls with the argument tuple. */
export type PickleGlobals = Record<string, (args: PickleValue[]) => PickleValue>;

export interface UnpickleOptions {
  /** Allowed globals (default: {@link CODECS_GLOBALS}). */
  globals?: PickleGlobals;
  /** Resolves `BINPERSID` ids (absent: persistent ids are refused). */
  persistentLoad?: (id: PickleValue) => PickleValue;
  /** `BUILD` on a dict made by a global: receives the dict and the state (absent: `BUILD` is refused). */
  build?: (target: Map<PickleKey, PickleValue>, state: PickleValue) => void;
}

/** `_codecs.encode(text, 'latin1')`: how Python 3 pickles `bytes` under protocol 2 (the bytes of the code points). */
export const CODECS_GLOBALS: PickleGlobals = {
  '_codecs.encode': (args) => {
    const [text, encoding] = args;
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw new WavecvError('_codecs.encode', args, 'the arguments (str, "latin1")');
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 255) throw new WavecvError('_codecs.encode', text, 'a latin1 string (code points ≤ 255)');
      out[i] = code;
    }
    return out;
  },
};

const isKey = (v: PickleValue): v is PickleKey => v === null || ['boolean', 'number', 'bigint', 'string'].includes(typeof v);
const isGlobal = (v: PickleValue): v is { global: string } => v !== null && typeof v === 'object' && !(v instanceof Map) && !Array.isArray(v) && 'global' in v;

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Parses one pickle from `bytes` (the source name goes into error messages); see the module comment for `options`. */
export function unpickle(bytes: Uint8Array, name = 'pickle', options: UnpickleOptions = {}): PickleValue {
  const globals = options.globals ?? CODECS_GLOBALS;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  let pos = 0;

  const fail = (what: string): never => {
    throw new WavecvError(name, `${what} at byte ${pos}`, `a pickle of lists, tuples, dicts, booleans, numbers and strings (protocol 2–5)${Object.keys(globals).length ? ` whose only globals are ${Object.keys(globals).join(', ')}` : ''}`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated data (need ${n} more bytes)`);
  };
  const u8 = () => {
    need(1);
    return bytes[pos++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('a length beyond 2^53');
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('an unterminated text line');
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('an empty stack or a stray mark');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no mark on the stack');
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const top = (): PickleValue[] => {
    const list = stack[stack.length - 1];
    if (!Array.isArray(list)) return fail('append to something that is not a list');
    return list;
  };
  const get = (key: number) => {
    if (!memo.has(key)) fail(`memo key ${key} that was never stored`);
    return memo.get(key)!;
  };
  const lookup = (global: string): { global: string } => {
    if (!Object.hasOwn(globals, global)) fail(`the global ${global}, which this reader does not allow`);
    return { global };
  };
  const key = (v: PickleValue): PickleKey => (isKey(v) ? v : fail('a dict key that is not a string, number, boolean or None'));
  const dictOnTop = (): Map<PickleKey, PickleValue> => {
    const dict = stack[stack.length - 1];
    if (!(dict instanceof Map)) return fail('SETITEM on something that is not a dict');
    return dict;
  };
  const peek = () => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('memoize with an empty stack');
    return v;
  };

  for (;;) {
    const opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('a protocol above 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} items on the stack`);
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        top().push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        for (const v of items) list.push(v);
        break;
      }
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = u8();
        const raw = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
        if (n > 0 && raw[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: {
        // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x55: // SHORT_BINSTRING
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x54: // BINSTRING
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), peek());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), peek());
        break;
      case 0x70: // PUT (text)
        memo.set(Number.parseInt(line(), 10), peek());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, peek());
        break;
      case 0x68: // BINGET
        stack.push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(u32()));
        break;
      case 0x67: // GET (text)
        stack.push(get(Number.parseInt(line(), 10)));
        break;
      case 0x63: // GLOBAL
        stack.push(lookup(`${line()}.${line()}`));
        break;
      case 0x93: {
        // STACK_GLOBAL
        const attr = pop();
        const module = pop();
        stack.push(lookup(`${String(module)}.${String(attr)}`));
        break;
      }
      case 0x52: {
        // REDUCE: the allowed global's TypeScript function on the argument tuple.
        const args = pop();
        const callable = pop();
        if (!isGlobal(callable) || !Array.isArray(args)) return fail('a REDUCE of something other than an allowed global and a tuple');
        try {
          stack.push(globals[callable.global](args));
        } catch (error) {
          if (error instanceof WavecvError) throw new WavecvError(name, `${callable.global}${describeArgs(args)} at byte ${opPos}`, error.expected);
          throw error;
        }
        break;
      }
      case 0x62: {
        // BUILD: state for an object a global made; only dicts (OrderedDict) and only when the caller takes it.
        const state = pop();
        const target = peek();
        if (!(target instanceof Map) || !options.build) return fail('a BUILD (object state) on something other than a dict');
        options.build(target, state);
        break;
      }
      case 0x51: {
        // BINPERSID: a reference the caller resolves (a tensor storage in a PyTorch checkpoint).
        const id = pop();
        if (!options.persistentLoad) return fail('a persistent id (BINPERSID)');
        stack.push(options.persistentLoad(id));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail('a DICT with an odd number of items');
        const dict = new Map<PickleKey, PickleValue>();
        for (let i = 0; i < items.length; i += 2) dict.set(key(items[i]), items[i + 1]);
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const k = key(pop());
        dictOnTop().set(k, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('a SETITEMS with an odd number of items');
        const dict = dictOnTop();
        for (let i = 0; i < items.length; i += 2) dict.set(key(items[i]), items[i + 1]);
        break;
      }
      default:
        pos = opPos;
        fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** A short description of a REDUCE's arguments for error messages. */
function describeArgs(args: PickleValue[]): string {
  const one = (v: PickleValue): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `(${v.length} items)` : v instanceof Map ? 'dict' : v instanceof Uint8Array ? 'bytes' : v !== null && typeof v === 'object' ? ('global' in v ? v.global : v.pythonClass) : String(v));
  return `(${args.slice(0, 4).map(one).join(', ')}${args.length > 4 ? ', …' : ''})`;
}
