// File-level checks shared by the tracker and checkpoint checks: is a file at its final name whole?
// A safetensors file must hold exactly the bytes its header describes (a torn write is shorter);
// an ONNX file must decode, and its graph hash its metadata records; JSON must parse.
import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOnnx } from '../../export/read.js';

/** Why a safetensors file is not whole, or undefined when its header and size agree. */
export function safetensorsProblem(path: string): string | undefined {
  const file = readFileSync(path);
  if (file.byteLength < 8) return `${file.byteLength} bytes, shorter than the 8-byte header length`;
  const n = Number(file.readBigUInt64LE(0));
  if (8 + n > file.byteLength) return `header claims ${n} bytes but ${file.byteLength - 8} follow (torn write?)`;
  let header: Record<string, { data_offsets?: [number, number] }>;
  try {
    header = JSON.parse(file.subarray(8, 8 + n).toString('utf8'));
  } catch (err) {
    return `header is not JSON (${(err as Error).message})`;
  }
  let end = 0;
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const o = e.data_offsets;
    if (!Array.isArray(o) || o.length !== 2) return `tensor '${name}' has no data_offsets`;
    end = Math.max(end, o[1]);
  }
  const data = file.byteLength - 8 - n;
  return end === data ? undefined : `tensors end at byte ${end} of the data but the file holds ${data} (torn write?)`;
}

/** Why a file at a final name is not whole (by its extension), or undefined. */
export function fileProblem(path: string): string | undefined {
  try {
    if (path.endsWith('.safetensors')) return safetensorsProblem(path);
    if (path.endsWith('.onnx')) parseOnnx(readFileSync(path), path);
    else if (path.endsWith('.json')) JSON.parse(readFileSync(path, 'utf8'));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Temporary names the atomic writers use (util/atomic-file, the file store's staging, blob temps). */
export const isTemporary = (name: string) =>
  /\.tmp-\d+-[0-9a-f]+$/.test(name) ||
  name.startsWith('.heimdall-write') ||
  name.startsWith('.heimdall-tmp-') ||
  /~\d+-[0-9a-f]+\.tmp$/.test(name);

/** Every file under dir (recursively), as absolute paths. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}
