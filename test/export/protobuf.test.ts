// The hand-written protobuf codec: values round-trip, and bad bytes fail at a named offset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeInts, decodeString, ProtobufError, ProtoWriter, readFields } from '../../src/export/onnx/protobuf.js';

test('varints, floats, strings, packed ints and nested messages round-trip', () => {
  const ints = [0, 1, 127, 128, 300, 2 ** 40 + 3, -1, -123456789];
  const w = new ProtoWriter();
  for (const v of ints) w.int(1, v);
  w.float(2, 1.5)
    .string(3, 'σ-east µ')
    .packedInts(4, [0, -1, 1, 2 ** 33]);
  const inner = new ProtoWriter().string(1, 'inner').int(2, 42);
  w.message(5, inner).bytes(6, new Uint8Array(100).fill(7));
  const buf = w.finish();
  assert.equal(buf.byteLength, w.length);
  const f = readFields(buf);
  assert.deepEqual(decodeInts(f.filter((x) => x.field === 1)), ints);
  // -1 as int64 takes 10 bytes on the wire, exactly as protobuf writes it.
  assert.equal(buf[0], 0x08);
  const float = f.find((x) => x.field === 2);
  assert.equal(new DataView(float?.bytes.buffer as ArrayBuffer, float?.bytes.byteOffset, 4).getFloat32(0, true), 1.5);
  assert.equal(decodeString(f.find((x) => x.field === 3) as (typeof f)[number]), 'σ-east µ');
  assert.deepEqual(decodeInts(f.filter((x) => x.field === 4)), [0, -1, 1, 2 ** 33]);
  const nested = f.find((x) => x.field === 5)?.bytes as Uint8Array;
  const nf = readFields(nested);
  assert.equal(decodeString(nf[0] as (typeof nf)[number]), 'inner');
  assert.equal(nf[1]?.varint, 42n);
  assert.deepEqual([...(f.find((x) => x.field === 6)?.bytes ?? [])], new Array(100).fill(7));
});

test('a cut message names the byte where it ends; an invalid wire type or field 0 is refused', () => {
  const buf = new ProtoWriter().int(1, 8).bytes(7, new Uint8Array(1000)).finish();
  const cut = buf.subarray(0, 500);
  assert.throws(
    () => readFields(cut),
    (e: unknown) =>
      e instanceof ProtobufError &&
      e.truncated &&
      e.offset === 500 &&
      /field 7 at byte 2 declares 1000 bytes but only 495 remain at byte 500/.test(e.message),
  );
  assert.throws(
    () => readFields(new Uint8Array([0x08, 0x80])),
    (e: unknown) => e instanceof ProtobufError && e.truncated,
  );
  assert.throws(() => readFields(new Uint8Array([0x0b, 0x00])), /unsupported wire type 3 for field 1 at byte 0/);
  assert.throws(() => readFields(new Uint8Array([0x00])), /field number 0/);
});
