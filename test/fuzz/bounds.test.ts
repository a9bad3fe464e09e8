// Declared sizes are checked against the real ones before anything is allocated: a header claiming 10^12
// elements, a 2^63-byte header or a tensor of 10^12 elements in a file of a few hundred bytes is refused with
// a clear error, quickly and without allocating more than a little (measured, not assumed).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCase } from '../../bench/fuzz/target.js';
import { type FuzzTargets, openTargets } from '../../bench/fuzz/targets/index.js';

let fuzz: FuzzTargets;
before(async () => {
  fuzz = await openTargets(['npy', 'safetensors', 'sigmf-meta', 'kiwi-wav']);
});
after(() => fuzz.close());

const MiB = 2 ** 20;

async function refusedSmall(name: string, input: Uint8Array, message: RegExp): Promise<void> {
  const t = fuzz.targets.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no target ${name}`);
  const r = await runCase(t, input);
  assert.equal(r.outcome.kind, 'clear-error', JSON.stringify(r.outcome));
  assert.match((r.outcome as { message: string }).message, message);
  assert.ok(r.memoryGrowth < 4 * MiB, `${name}: grew ${(r.memoryGrowth / MiB).toFixed(1)} MiB`);
  assert.ok(r.ms < 250, `${name}: took ${r.ms.toFixed(0)} ms`);
}

test('.npy: a header claiming 10^12 complex64 elements in a 200-byte file is refused before allocating', async () => {
  const dict = "{'descr': '<c8', 'fortran_order': False, 'shape': (1000000000000,), }";
  const header = Buffer.from(`${dict.padEnd(117, ' ')}\n`);
  const file = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]), header]);
  await refusedSmall(
    'npy',
    Buffer.concat([file, Buffer.alloc(200 - file.length)]),
    /truncated: .* needs 8000000000000 data bytes, the file has 72/,
  );
});

test('safetensors: a 2^63-byte header length and a 10^12-element tensor in a small file are refused before allocating', async () => {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(2n ** 63n);
  await refusedSmall('safetensors', Buffer.concat([prefix, Buffer.from('{}')]), /header length 9223372036854775808 exceeds/);
  const json = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [1_000_000, 1_000_000], data_offsets: [0, 4e12] } }));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  await refusedSmall(
    'safetensors',
    Buffer.concat([head, json, Buffer.alloc(16)]),
    /tensor 'w' ends at byte 4000000000000 but the data section has 16/,
  );
});

test('SigMF: captures starting at sample 2^52 of a 512-byte dataset are refused before allocating', async () => {
  const t = fuzz.targets.find((x) => x.name === 'sigmf-meta');
  const meta = JSON.parse(Buffer.from(t?.seeds[0] as Uint8Array).toString()) as { captures: Record<string, unknown>[] };
  meta.captures = [meta.captures[0] as Record<string, unknown>, { 'core:sample_start': 2 ** 52 }];
  await refusedSmall(
    'sigmf-meta',
    Buffer.from(JSON.stringify(meta)),
    /truncated: captures\[0\] needs bytes up to \d+ but the file has 512 bytes/,
  );
});

test('KiwiSDR WAV: a file cut inside its first block is refused naming the missing bytes', async () => {
  const t = fuzz.targets.find((x) => x.name === 'kiwi-wav');
  await refusedSmall(
    'kiwi-wav',
    (t?.seeds[0] as Uint8Array).subarray(0, 36 + 2074 + 100),
    /block 1 is truncated: 100 of 2074 bytes present/,
  );
});
