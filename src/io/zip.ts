/**
 * A reader of ZIP archives held in memory (PKWARE APPNOTE 6.3: end of central
 * directory record §4.3.16, ZIP64 end record and locator §4.3.14–15, central
 * directory headers §4.3.12, local headers §4.3.7, ZIP64 extra field
 * §4.5.3), for PyTorch checkpoints (`torch.save` writes a ZIP archive of
 * uncompressed entries since PyTorch 1.6, with ZIP64 records when large).
 *
 * Entries are listed from the central directory and their data read through
 * their local header; methods 0 (stored, returned as a view without copying)
 * and 8 (deflate, inflated with node:zlib) are supported. Encrypted entries,
 * multi-disk archives and other methods are refused with a
 * {@link WavecvError} naming the archive and the entry.
 */
import { inflateRawSync } from 'node:zlib';
import { WavecvError } from '../errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
  flags: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The entries of ZIP archive `bytes` and a reader of their data. */
export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly name = 'zip',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  private fail(what: string): never {
    throw new WavecvError(this.name, what, 'a ZIP archive (as torch.save writes)');
  }

  private u64(at: number): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('a ZIP64 size beyond 2^53');
    return Number(v);
  }

  private readCentralDirectory(): void {
    const { view, bytes } = this;
    let eocd = -1;
    // The record is 22 bytes plus a comment of at most 65 535 bytes, at the end.
    for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
      if (view.getUint32(at, true) === EOCD) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) this.fail('no end-of-central-directory record');
    if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) this.fail('a multi-disk archive');
    let count = view.getUint16(eocd + 10, true);
    let offset = view.getUint32(eocd + 16, true);
    if (count === 0xffff || offset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) this.fail('a ZIP64 archive without its locator');
      const record = this.u64(locator + 8);
      if (view.getUint32(record, true) !== ZIP64_EOCD) this.fail('a ZIP64 locator pointing at no ZIP64 record');
      count = this.u64(record + 32);
      offset = this.u64(record + 48);
    }
    let at = offset;
    for (let i = 0; i < count; i++) {
      if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) this.fail(`a damaged central directory (entry ${i} at byte ${at})`);
      const flags = view.getUint16(at + 8, true);
      const method = view.getUint16(at + 10, true);
      let compressedSize = view.getUint32(at + 20, true);
      let size = view.getUint32(at + 24, true);
      const nameLength = view.getUint16(at + 28, true);
      const extraLength = view.getUint16(at + 30, true);
      const commentLength = view.getUint16(at + 32, true);
      let headerOffset = view.getUint32(at + 42, true);
      const name = new TextDecoder('utf-8').decode(bytes.subarray(at + 46, at + 46 + nameLength));
      // ZIP64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = view.getUint16(extra, true);
        const length = view.getUint16(extra + 2, true);
        if (id === 0x0001) {
          let field = extra + 4;
          if (size === 0xffffffff) (size = this.u64(field)), (field += 8);
          if (compressedSize === 0xffffffff) (compressedSize = this.u64(field)), (field += 8);
          if (headerOffset === 0xffffffff) headerOffset = this.u64(field);
        }
        extra += 4 + length;
      }
      this.entries.set(name, { name, method, compressedSize, size, headerOffset, flags });
      at = extraEnd + commentLength;
    }
  }

  /** The data of entry `name` (stored entries are views into the archive). */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) this.fail(`no entry ${name}`);
    const { view } = this;
    const at = entry.headerOffset;
    if (at + 30 > this.bytes.length || view.getUint32(at, true) !== LOCAL) this.fail(`a damaged local header of ${name}`);
    if (entry.flags & 1) this.fail(`an encrypted entry ${name}`);
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) this.fail(`entry ${name} cut short (truncated file)`);
    const raw = this.bytes.subarray(start, end);
    if (entry.method === 0) return raw;
    if (entry.method === 8) {
      const out = inflateRawSync(raw);
      if (out.length !== entry.size) this.fail(`entry ${name} inflating to ${out.length} bytes instead of ${entry.size}`);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    return this.fail(`entry ${name} compressed with method ${entry.method} (only stored and deflate are read)`);
  }
}
