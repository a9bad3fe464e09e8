// Blob storage in a local directory: key "a/b/c.npy" is the file <root>/a/b/c.npy.
//
// put writes the bytes to a temporary file next to the target ("<name>~<random>.tmp", a name no
// valid key can have, since '~' is not allowed in keys), flushes it to disk and renames it over the
// target: rename within one folder is atomic, so readers see the old file or the whole new one.
// A failed put removes its temporary file and leaves any previous blob untouched.
//
// putFile takes a file in place when it can: a hard link to the file's inode under the temporary
// name (made read-only, fsync'd, checked against the expected SHA-256), renamed like put's. The blob
// and the original then share one immutable inode, so nothing is copied; deleting or replacing
// (by rename) the original leaves the blob intact. Where a link is refused (another file system:
// EXDEV; a file system without links; a file owned by someone else) it copies instead.
//
// Like any file system (and unlike S3), the tree cannot hold both "a/b" and "a/b/c": a put that
// needs a folder where a blob file stands (or the reverse) fails. Folders emptied by delete are
// left in place (removing them could race with a concurrent put into the same folder).
import { createHash, randomBytes } from 'node:crypto';
import { type Dirent, constants as fsConstants } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BlobIntegrityError, BlobNotFoundError, type BlobStore, checkBlobKey, type PutResult } from './blob-store.js';

/** Temporary files carry '~', which checkBlobKey refuses, so they never collide with blobs. */
const TEMP_MARK = '~';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A list prefix is '' (everything) or the start of a valid key: "bucket", "bucket/", "bucket/ses".
 * Shared by both backends so they accept and refuse the same prefixes.
 */
export function checkBlobPrefix(prefix: string): void {
  if (prefix === '') return;
  try {
    checkBlobKey(`${prefix}x`); // any completion of the prefix must be a valid key
  } catch {
    throw new RangeError(`invalid blob prefix '${prefix}': expected '' or the start of a blob key like 'bucket/dir/'`);
  }
}

/** A plain Uint8Array view (not a Buffer), so both backends return the same type. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export class LocalBlobStore implements BlobStore {
  readonly root: string;
  readonly location: string;

  constructor(rootDir: string) {
    this.root = resolve(rootDir);
    this.location = pathToFileURL(this.root).href;
  }

  /** The file holding key (validated first: errors name the key). */
  pathOf(key: string): string {
    checkBlobKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, bytes: Uint8Array): Promise<PutResult> {
    const path = this.pathOf(key);
    const sha256 = sha256Hex(bytes);
    const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
    let tempCreated = false;
    try {
      await mkdir(dirname(path), { recursive: true });
      const file = await open(temp, 'wx');
      tempCreated = true;
      try {
        await file.writeFile(bytes);
        await file.sync(); // the data must be on disk before the rename makes it visible
      } finally {
        await file.close();
      }
      await rename(temp, path);
      tempCreated = false;
    } catch (err) {
      if (tempCreated) await unlink(temp).catch(() => undefined);
      throw new Error(`${this.location}: cannot store blob '${key}': ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    await this.syncDir(dirname(path));
    return { key, sha256, bytes: bytes.byteLength };
  }

  async putFile(key: string, source: string, o: { expectedSha256?: string } = {}): Promise<PutResult & { linked: boolean }> {
    const path = this.pathOf(key);
    const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
    let tempCreated = false;
    let linked = false;
    try {
      await mkdir(dirname(path), { recursive: true });
      try {
        await link(source, temp);
        tempCreated = true;
        // Read-only, so an accidental open-for-write of either name fails instead of changing the blob.
        await chmod(temp, 0o444);
        linked = true;
      } catch (err) {
        if (tempCreated) await unlink(temp).catch(() => undefined);
        tempCreated = false;
        if (errCode(err) === 'ENOENT') throw err; // no such source: a copy would fail the same way
        await copyFile(source, temp, fsConstants.COPYFILE_EXCL);
        tempCreated = true;
        await chmod(temp, 0o444);
      }
      const file = await open(temp, 'r');
      let bytes: Buffer;
      try {
        bytes = await file.readFile();
        await file.sync(); // the data must be on disk before the rename makes it visible
      } finally {
        await file.close();
      }
      const sha256 = sha256Hex(bytes);
      if (o.expectedSha256 !== undefined && sha256 !== o.expectedSha256.toLowerCase())
        throw new BlobIntegrityError(`${this.location} (from ${source})`, key, o.expectedSha256, sha256);
      await rename(temp, path);
      tempCreated = false;
      await this.syncDir(dirname(path));
      return { key, sha256, bytes: bytes.byteLength, linked };
    } catch (err) {
      if (tempCreated) await unlink(temp).catch(() => undefined);
      if (err instanceof BlobIntegrityError) throw err;
      throw new Error(
        `${this.location}: cannot store blob '${key}' from ${source}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  /** Best effort: makes the rename itself durable (not supported on every platform). */
  private async syncDir(dir: string): Promise<void> {
    try {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // ignore: the blob is stored; only its durability across a power loss is less certain
    }
  }

  async get(key: string, expectedSha256?: string): Promise<Uint8Array> {
    const path = this.pathOf(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw new BlobNotFoundError(this.location, key);
      throw err;
    }
    if (expectedSha256 !== undefined) {
      const actual = sha256Hex(bytes);
      if (actual !== expectedSha256.toLowerCase()) throw new BlobIntegrityError(this.location, key, expectedSha256, actual);
    }
    return plainBytes(bytes);
  }

  async has(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      return (await stat(path)).isFile();
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkBlobPrefix(prefix);
    // Walk only the deepest folder the prefix fully names: "a/b/c" → folder "a/b".
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        const code = errCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw err;
      }
      for (const e of entries) {
        if (e.name.includes(TEMP_MARK)) continue; // a put in progress (or one that crashed)
        const key = keyPrefix + e.name;
        if (e.isDirectory()) {
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(join(dir, e.name), `${key}/`);
        } else if (e.isFile() && key.startsWith(prefix)) {
          keys.push(key);
        }
      }
    };
    await walk(base === '' ? this.root : join(this.root, ...base.split('/')), base === '' ? '' : `${base}/`);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      // A folder at the key's place holds other blobs, not this one: nothing to delete.
      if ((code === 'EISDIR' || code === 'EPERM') && (await stat(path).catch(() => undefined))?.isDirectory()) return;
      throw err;
    }
  }
}
