import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { randn, tensor } from '../../src/engine/creation.js';
import { BatchNorm2d, Conv2d, Linear, Sequential } from '../../src/engine/nn/layers.js';
import { manualSeed } from '../../src/engine/runtime.js';
import { loadSafetensors, saveSafetensors } from '../../src/engine/safetensors.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'heimdall-safetensors-'));

function bytesOf(t: Tensor): Buffer {
  const a = t.toTypedArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** An independent reader written from the format description, not from our writer. */
type HeaderEntry = { dtype: string; shape: number[]; data_offsets: [number, number] };
function parseIndependently(path: string): {
  header: Record<string, HeaderEntry | undefined>;
  data: Buffer;
  headerLength: number;
} {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  return { header, data: file.subarray(8 + headerLength), headerLength };
}

describe('safetensors', () => {
  test('a model state dict round-trips bit-exactly, with dtypes, shapes and metadata', () =>
    tidy(() => {
      manualSeed(11);
      const model = new Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4), new Linear(5, 2));
      model.train();
      (model.layers[1] as BatchNorm2d).forward(randn([2, 4, 3, 3])); // non-trivial running stats
      const extra = new Map<string, Tensor>([
        ['f64', tensor([Math.PI, -0, 1e-300], [3], 'float64')],
        ['u8', tensor([0, 255, 7], [3], 'uint8')],
        ['flags', tensor([1, 0, 1, 1], [2, 2], 'bool')],
        ['i32', tensor([-5, 2 ** 30], [2], 'int32')],
      ]);
      const sd = new Map([...model.stateDict(), ...extra]);
      const path = join(dir, 'model.safetensors');
      saveSafetensors(path, sd, { format: 'pt', note: 'héimdall' });
      const loaded = loadSafetensors(path);
      assert.deepEqual([...loaded.tensors.keys()], [...sd.keys()]);
      assert.deepEqual(loaded.metadata, { format: 'pt', note: 'héimdall' });
      for (const [name, t] of sd) {
        const back = loaded.tensors.get(name) as Tensor;
        assert.equal(back.dtype, t.dtype, `${name} dtype`);
        assert.deepEqual(back.shape, t.shape, `${name} shape`);
        assert.ok(bytesOf(back).equals(bytesOf(t)), `${name} bytes`);
      }
      assert.equal(loaded.tensors.get('1.num_batches_tracked')?.item(), 1);
      for (const t of loaded.tensors.values()) t.dispose();
      model.dispose();
    }));

  test('the file follows the published layout (checked by an independent parser)', () =>
    tidy(() => {
      const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = tensor([7, 8], [2], 'int64');
      const path = join(dir, 'layout.safetensors');
      saveSafetensors(
        path,
        new Map([
          ['a', a],
          ['b', b],
        ]),
      );
      const { header, data, headerLength } = parseIndependently(path);
      assert.equal((8 + headerLength) % 8, 0, 'data section starts 8-byte aligned');
      assert.deepEqual(header.a, { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
      assert.deepEqual(header.b, { dtype: 'I64', shape: [2], data_offsets: [24, 40] });
      assert.equal(header.__metadata__, undefined);
      assert.equal(data.byteLength, 40);
      assert.deepEqual(
        Array.from(new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + 24))),
        [1, 2, 3, 4, 5, 6],
      );
      assert.equal(data.readBigInt64LE(32), 8n);
    }));

  test('writes are atomic: a failed save leaves the previous file intact and no temporary files', () =>
    tidy(() => {
      const sub = mkdtempSync(join(dir, 'atomic-'));
      const path = join(sub, 'ckpt.safetensors');
      saveSafetensors(path, new Map([['w', tensor([1, 2])]]));
      const before = readFileSync(path);
      assert.throws(
        () => saveSafetensors(path, new Map([['__metadata__', tensor([3])]])),
        /'__metadata__' is reserved and cannot name a tensor/,
      );
      assert.ok(readFileSync(path).equals(before));
      assert.deepEqual(readdirSync(sub), ['ckpt.safetensors']);
      assert.throws(() => saveSafetensors(join(sub, 'missing-dir', 'x.safetensors'), new Map()), /ENOENT/);
      assert.deepEqual(readdirSync(sub), ['ckpt.safetensors']);
    }));

  test('corrupt and truncated files give errors naming the file and the problem', () =>
    tidy(() => {
      const good = join(dir, 'good.safetensors');
      saveSafetensors(good, new Map([['weight', tensor([1, 2, 3, 4], [2, 2])]]));
      const bytes = readFileSync(good);
      const write = (name: string, content: Buffer): string => {
        const p = join(dir, name);
        writeFileSync(p, content);
        return p;
      };
      const truncated = write('truncated.safetensors', bytes.subarray(0, bytes.byteLength - 3));
      assert.throws(
        () => loadSafetensors(truncated),
        /truncated\.safetensors\): tensor 'weight' ends at byte 16 but the data section has 13 \(truncated\?\)/,
      );
      const short = write('short.safetensors', Buffer.from([1, 2, 3]));
      assert.throws(() => loadSafetensors(short), /file is 3 bytes, shorter than the 8-byte header length/);
      const huge = Buffer.from(bytes);
      huge.writeBigUInt64LE(10n ** 12n, 0);
      assert.throws(() => loadSafetensors(write('huge.safetensors', huge)), /header length 1000000000000 exceeds/);
      const badJson = Buffer.from(bytes);
      badJson.write('#', 8);
      assert.throws(() => loadSafetensors(write('badjson.safetensors', badJson)), /header is not valid JSON/);
      const header = (obj: unknown): Buffer => {
        const json = Buffer.from(JSON.stringify(obj));
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(json.byteLength));
        return Buffer.concat([len, json, Buffer.alloc(16)]);
      };
      assert.throws(
        () => loadSafetensors(write('dtype.safetensors', header({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }))),
        /tensor 'x' has unsupported dtype "F8_E4M3"/,
      );
      assert.throws(
        () => loadSafetensors(write('span.safetensors', header({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }))),
        /tensor 'x' spans 8 bytes but shape \[3\] needs 12/,
      );
      assert.throws(
        () => loadSafetensors(write('shape.safetensors', header({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }))),
        /tensor 'x' has an invalid shape/,
      );
    }));
});
