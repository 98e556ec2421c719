/**
 * A minimal reader of Python pickles, enough for insightface's verification
 * files (`lfw.bin`, `cfp_fp.bin`, `agedb_30.bin`, …), which are
 * `pickle.dump((bins, issame_list), f)`: a tuple of a list of JPEG byte
 * strings and a list of booleans (insightface `eval/verification.py` reads them
 * with `pickle.load(f, encoding='bytes')`).
 *
 * The opcodes follow CPython's `Lib/pickletools.py` documentation. Handled: the
 * protocol 2–5 framing (`PROTO`, `FRAME`), marks, lists and tuples, booleans,
 * `None`, small integers, floats, byte strings in all their spellings —
 * Python 2's `str` (`SHORT_BINSTRING`, `BINSTRING`, read as bytes like
 * `encoding='bytes'`), Python 3's `bytes` (`SHORT_BINBYTES`, `BINBYTES`,
 * `BINBYTES8`, `BYTEARRAY8`) and Python 3 protocol 2's
 * `_codecs.encode(str, 'latin1')` reduction — unicode strings, and the memo
 * (`PUT`/`GET` forms, `MEMOIZE`). Anything else, in particular arbitrary
 * globals and object construction, is refused with a {@link WavecvError}: this
 * reader never runs code named by a file.
 */
import { WavecvError } from '../../errors.js';

/** What the reader builds: lists and tuples both become arrays; bytes are views into the input. */
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | PickleValue[] | { global: string };

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Parses one pickle from `bytes` (the source name goes into error messages). */
export function unpickle(bytes: Uint8Array, name = 'pickle'): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  let pos = 0;

  const fail = (what: string): never => {
    throw new WavecvError(name, `${what} at byte ${pos}`, 'a pickle of lists, tuples, booleans, numbers and byte strings (protocol 2–5)');
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
      case 0x63: {
        // GLOBAL: only _codecs.encode, which Python 3 uses for bytes under protocol 2.
        const global = `${line()}.${line()}`;
        if (global !== '_codecs.encode') fail(`the global ${global}`);
        stack.push({ global });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const attr = pop();
        const module = pop();
        const global = `${String(module)}.${String(attr)}`;
        if (global !== '_codecs.encode') fail(`the global ${global}`);
        stack.push({ global });
        break;
      }
      case 0x52: {
        // REDUCE: _codecs.encode(text, 'latin1') → the bytes of the code points.
        const args = pop();
        const callable = pop();
        const ok =
          callable !== null &&
          typeof callable === 'object' &&
          'global' in callable &&
          Array.isArray(args) &&
          typeof args[0] === 'string' &&
          (args[1] === 'latin1' || args[1] === 'latin-1');
        if (!ok) fail('a REDUCE other than _codecs.encode(str, "latin1")');
        const text = (args as string[])[0];
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const code = text.charCodeAt(i);
          if (code > 255) fail('a latin1 string with a code point above 255');
          out[i] = code;
        }
        stack.push(out);
        break;
      }
      default:
        pos = opPos;
        fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
