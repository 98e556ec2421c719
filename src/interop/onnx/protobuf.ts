/**
 * The few Protocol Buffers encodings an ONNX file needs (protobuf's
 * "Encoding" specification: varints, wire types 0 varint, 1 64-bit,
 * 2 length-delimited, 5 32-bit; field key = number << 3 | wire type), as a
 * writer that appends fields to a growing byte buffer. Repeated scalars are
 * written one field each (unpacked), which every proto2 and proto3 parser
 * reads; nested messages are encoded first and written as length-delimited
 * bytes.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: bigint | number): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      out.push(byte);
    } while (v > 0n);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int32/int64/enum/bool field (negative values as 10-byte two's complement, as protobuf does). */
  int(field: number, value: number | bigint | boolean): this {
    this.key(field, 0);
    this.varint(typeof value === 'boolean' ? Number(value) : value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
