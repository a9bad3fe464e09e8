// A minimal protocol-buffers wire-format writer and reader: just what ONNX files need (varints,
// length-delimited fields, fixed 32-bit floats). ONNX is protobuf; a hand-written codec of ~150
// lines keeps a code generator and a protobuf runtime out of the dependencies.
//
// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3 and 4, groups, are refused).

/** A malformed or truncated protobuf message; `offset` is the byte where reading failed. */
export class ProtobufError extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
    readonly truncated: boolean,
  ) {
    super(`${problem} at byte ${offset}`);
    this.name = 'ProtobufError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Builds one message; nested messages are written into their own writer and embedded. */
export class ProtoWriter {
  readonly #chunks: Uint8Array[] = [];
  #buf = new Uint8Array(256);
  #pos = 0;
  #length = 0;

  get length(): number {
    return this.#length + this.#pos;
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    this.#flush();
    if (n > this.#buf.length) this.#buf = new Uint8Array(Math.max(n, 2 * this.#buf.length));
  }

  #flush(): void {
    if (this.#pos === 0) return;
    this.#chunks.push(this.#buf.slice(0, this.#pos));
    this.#length += this.#pos;
    this.#pos = 0;
  }

  /** Appends bytes as they are; payloads above 64 bytes (weights) are kept by reference. */
  #raw(b: Uint8Array): void {
    if (b.byteLength <= 64) {
      this.#reserve(b.byteLength);
      this.#buf.set(b, this.#pos);
      this.#pos += b.byteLength;
    } else {
      this.#flush();
      this.#chunks.push(b);
      this.#length += b.byteLength;
    }
  }

  #varint(v: bigint | number): void {
    // Negative int64s are written as their 64-bit two's complement (10 bytes), as protobuf does.
    let x = BigInt.asUintN(64, BigInt(v));
    this.#reserve(10);
    while (x >= 0x80n) {
      this.#buf[this.#pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.#buf[this.#pos++] = Number(x);
  }

  #tag(field: number, wire: number): void {
    this.#varint((field << 3) | wire);
  }

  /** An int32/int64/enum/bool field. */
  int(field: number, v: number | bigint): this {
    this.#tag(field, 0);
    this.#varint(v);
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, v: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.#raw(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(b.byteLength);
    this.#raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, encoder.encode(s));
  }

  /** An embedded message. */
  message(field: number, m: ProtoWriter): this {
    this.#tag(field, 2);
    this.#varint(m.length);
    for (const c of m.chunks()) this.#raw(c);
    return this;
  }

  /** A packed repeated int64 field (e.g. AttributeProto.ints, TensorProto.dims when packed). */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.#varint(v);
    return this.message(field, inner);
  }

  /** The message as chunks, without a final copy (a 45 MB model is written chunk by chunk). */
  chunks(): Uint8Array[] {
    this.#flush();
    return [...this.#chunks];
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks()) {
      out.set(c, off);
      off += c.byteLength;
    }
    return out;
  }
}

/** One field as read: varints as bigint, fixed32/fixed64 as their raw bytes, the rest as a view. */
export interface ProtoField {
  field: number;
  wire: 0 | 1 | 2 | 5;
  /** Absolute offset of the field's tag in the buffer being read (for error messages). */
  offset: number;
  varint: bigint;
  /** Payload of a length-delimited or fixed field (a view, no copy). */
  bytes: Uint8Array;
}

/**
 * Reads every field of the message in `buf[start, end)`. Throws a ProtobufError naming the byte
 * where a tag, a varint or a payload runs past the end (`truncated`) or is invalid.
 */
export function readFields(buf: Uint8Array, start = 0, end = buf.byteLength): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = start;
  const varint = (): bigint => {
    let x = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new ProtobufError(pos, 'varint runs past the end of the data', true);
      const b = buf[pos++] as number;
      x |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return x;
      shift += 7n;
    }
    throw new ProtobufError(pos, 'varint longer than 10 bytes', false);
  };
  const payload = (n: number, at: number): Uint8Array => {
    if (pos + n > end) {
      throw new ProtobufError(end, `field at byte ${at} needs ${n} bytes but only ${end - pos} remain`, true);
    }
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  while (pos < end) {
    const offset = pos;
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new ProtobufError(offset, 'field number 0 (not a protobuf message)', false);
    if (wire === 0) out.push({ field, wire, offset, varint: varint(), bytes: new Uint8Array(0) });
    else if (wire === 1) out.push({ field, wire, offset, varint: 0n, bytes: payload(8, offset) });
    else if (wire === 5) out.push({ field, wire, offset, varint: 0n, bytes: payload(4, offset) });
    else if (wire === 2) {
      const n = varint();
      if (n > BigInt(end - pos)) {
        throw new ProtobufError(end, `field ${field} at byte ${offset} declares ${n} bytes but only ${end - pos} remain`, true);
      }
      out.push({ field, wire, offset, varint: 0n, bytes: payload(Number(n), offset) });
    } else throw new ProtobufError(offset, `unsupported wire type ${wire} for field ${field}`, false);
  }
  return out;
}

/** Offset of a view inside the buffer it was cut from (for nested readFields). */
export function viewStart(buf: Uint8Array, view: Uint8Array): number {
  return view.byteOffset - buf.byteOffset;
}

export function decodeString(f: ProtoField): string {
  if (f.wire !== 2) throw new ProtobufError(f.offset, `field ${f.field} should be a string`, false);
  try {
    return decoder.decode(f.bytes);
  } catch {
    throw new ProtobufError(f.offset, `field ${f.field} is not valid UTF-8`, false);
  }
}

/** Values of a repeated int64 field, packed or not. */
export function decodeInts(fields: ProtoField[]): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.wire === 0) out.push(Number(BigInt.asIntN(64, f.varint)));
    else if (f.wire === 2) {
      for (const g of readFieldsOfPacked(f.bytes, f.offset)) out.push(g);
    } else throw new ProtobufError(f.offset, `field ${f.field} should be an integer`, false);
  }
  return out;
}

function readFieldsOfPacked(bytes: Uint8Array, at: number): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < bytes.byteLength) {
    let x = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.byteLength) throw new ProtobufError(at, 'packed varint runs past its field', true);
      const b = bytes[pos++] as number;
      x |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(Number(BigInt.asIntN(64, x)));
  }
  return out;
}
