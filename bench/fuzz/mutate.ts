// Mutations of valid inputs, driven by a source of random 32-bit integers: the bench feeds it a seeded PRNG,
// the tests a fast-check array of integers (a "tape"), so a failing case shrinks to fewer, smaller draws.
// Byte mutations hit binary headers (bit flips, truncation, insertions, 32/64-bit fields set to huge or
// boundary values, i.e. declared sizes far beyond the real ones); JSON mutations replace or delete a node of
// the parsed document with a wrong type, NaN-like value, huge number, deep nesting or long array.

import { prng } from '../../test/prng.js';

/** Random unsigned 32-bit integers. */
export type Draw = () => number;

/** A seeded PRNG (mulberry32, test/prng.ts, as unsigned 32-bit integers): the bench's source of draws. */
export function seededDraw(seed: number): Draw {
  const next = prng(seed);
  return () => next() * 4294967296;
}

/** Draws from a fixed tape (cycled; zeros when empty): the tests' source, shrinkable by fast-check. */
export function tapeDraw(tape: readonly number[]): Draw {
  let i = 0;
  return () => (tape.length === 0 ? 0 : (tape[i++ % tape.length] as number) >>> 0);
}

const below = (draw: Draw, n: number) => (n <= 0 ? 0 : draw() % n);

/** Values that break size and count fields: zero, sign bits, all ones, just past small buffers. */
const BOUNDARY_U32 = [0, 1, 2, 7, 8, 10, 16, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** One to four byte-level mutations of `input`. */
export function mutateBytes(input: Uint8Array, draw: Draw): Uint8Array {
  let b = Uint8Array.from(input);
  const count = 1 + below(draw, 4);
  for (let k = 0; k < count; k++) {
    // Mutations cluster near the start, where headers and declared sizes live, half of the time.
    const at = (n: number) => (draw() & 1 ? below(draw, Math.min(n, 64)) : below(draw, n));
    switch (below(draw, 8)) {
      case 0: {
        if (b.length === 0) break;
        const i = at(b.length);
        b[i] = (b[i] as number) ^ (1 << below(draw, 8));
        break;
      }
      case 1:
        b = b.slice(0, below(draw, b.length + 1));
        break;
      case 2: {
        const i = at(b.length + 1);
        const extra = Uint8Array.from({ length: 1 + below(draw, 16) }, () => below(draw, 256));
        const out = new Uint8Array(b.length + extra.length);
        out.set(b.subarray(0, i), 0);
        out.set(extra, i);
        out.set(b.subarray(i), i + extra.length);
        b = out;
        break;
      }
      case 3: {
        if (b.length < 4) break;
        const i = at(b.length - 3);
        new DataView(b.buffer).setUint32(i, BOUNDARY_U32[below(draw, BOUNDARY_U32.length)] as number, true);
        break;
      }
      case 4: {
        if (b.length < 8) break;
        const i = at(b.length - 7);
        new DataView(b.buffer).setBigUint64(i, BigInt(draw()) << BigInt(below(draw, 33)), true);
        break;
      }
      case 5: {
        if (b.length === 0) break;
        const i = at(b.length);
        b[i] = below(draw, 256);
        break;
      }
      case 6: {
        // Remove a run of bytes from the middle (a chunk or field gone, later ones shifted).
        if (b.length === 0) break;
        const i = at(b.length);
        const n = 1 + below(draw, 32);
        const out = new Uint8Array(b.length - Math.min(n, b.length - i));
        out.set(b.subarray(0, i), 0);
        out.set(b.subarray(i + n), i);
        b = out;
        break;
      }
      default: {
        // Duplicate a run (a repeated chunk, a longer header).
        if (b.length === 0) break;
        const i = at(b.length);
        const run = b.subarray(i, i + 1 + below(draw, 64));
        const out = new Uint8Array(b.length + run.length);
        out.set(b.subarray(0, i + run.length), 0);
        out.set(run, i + run.length);
        out.set(b.subarray(i + run.length), i + 2 * run.length);
        b = out;
      }
    }
  }
  return b;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replacement values: wrong types, JSON's stand-ins for NaN/Inf, huge and negative numbers, nesting. */
function oddValue(draw: Draw): Json {
  const picks: (() => Json)[] = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 0.5,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 2,
    () => 4294967296,
    () => 'NaN',
    () => 'Infinity',
    () => '',
    () => 'x'.repeat(below(draw, 300)),
    () => '../../etc/passwd',
    () => '2026-13-45T99:99:99Z',
    () => [],
    () => ({}),
    () => [1, 'a', null],
    () => ({ type: 'Point', coordinates: [1e308, -1e308] }),
    () => Array.from({ length: below(draw, 2000) }, () => 0),
    () => JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) as Json,
    () => JSON.parse('{"__proto__": {"polluted": true}}') as Json,
    () => ['constructor', 'prototype'],
  ];
  return (picks[below(draw, picks.length)] as () => Json)();
}

/** Every container node and key of a document, for picking one to change. */
function nodes(doc: Json, out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = []) {
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => {
      out.push({ parent: doc, key: i });
      nodes(v, out);
    });
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      out.push({ parent: doc, key: k });
      nodes(v, out);
    }
  }
  return out;
}

/** One to three structural mutations of a JSON document (replace, delete, add a key, duplicate an element). */
export function mutateJsonDoc(doc: unknown, draw: Draw): unknown {
  const root = structuredClone(doc) as Json;
  let out: Json = root;
  const count = 1 + below(draw, 3);
  for (let k = 0; k < count; k++) {
    const all = nodes(out);
    if (all.length === 0 || below(draw, 20) === 0) {
      out = oddValue(draw);
      continue;
    }
    const { parent, key } = all[below(draw, all.length)] as (typeof all)[number];
    const op = below(draw, 5);
    if (Array.isArray(parent)) {
      const i = key as number;
      if (op === 0) parent.splice(i, 1);
      else if (op === 1) parent.push(structuredClone(parent[i] as Json));
      else parent[i] = oddValue(draw);
    } else {
      const obj = parent as { [k: string]: Json };
      if (op === 0) delete obj[key as string];
      else if (op === 1) obj[`${key}_x`] = oddValue(draw);
      else obj[key as string] = oddValue(draw);
    }
  }
  return out;
}

/**
 * A mutated JSON text: mostly structural changes to the parsed seed, sometimes byte changes to the text itself
 * (broken syntax, cut documents), so both the validation and the parse errors are exercised.
 */
export function mutateJsonText(seed: Uint8Array, draw: Draw): Uint8Array {
  if (below(draw, 4) === 0) return mutateBytes(seed, draw);
  const doc = JSON.parse(Buffer.from(seed).toString('utf8')) as unknown;
  return Buffer.from(JSON.stringify(mutateJsonDoc(doc, draw)), 'utf8');
}
