// Blob storage for raw IQ and model files: one small interface, two backends (a local directory
// by default; S3-compatible storage such as MinIO or AWS in production).

export interface PutResult {
  key: string;
  /** SHA-256 (hex) of the stored bytes. */
  sha256: string;
  bytes: number;
}

export interface BlobStore {
  /** Where blobs live, for messages and provenance (e.g. "file:///…" or "s3://bucket/prefix"). */
  readonly location: string;
  /**
   * Stores bytes under key, atomically: readers see the old object or the whole new one, never
   * part of it. Keys are '/'-separated paths like "heimdall-raw-iq/sessions/12/torino.npy".
   */
  put(key: string, bytes: Uint8Array): Promise<PutResult>;
  /**
   * Stores the file at `path` under key, as atomically as put. A local store on the file's file
   * system takes the file in place (a hard link to its inode, made read-only: the file must never
   * be rewritten in place afterwards — writers replace files by rename); elsewhere it copies
   * (S3: streamed). With expectedSha256 the stored bytes are checked first and a mismatch throws
   * BlobIntegrityError, storing nothing.
   */
  putFile(key: string, path: string, o?: { expectedSha256?: string }): Promise<PutResult & { linked: boolean }>;
  /**
   * Reads a blob; with expectedSha256, verifies it and throws BlobIntegrityError on mismatch.
   * A missing key throws BlobNotFoundError.
   */
  get(key: string, expectedSha256?: string): Promise<Uint8Array>;
  has(key: string): Promise<boolean>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(
    readonly location: string,
    readonly key: string,
  ) {
    super(`${location}: no blob '${key}'`);
    this.name = 'BlobNotFoundError';
  }
}

export class BlobIntegrityError extends Error {
  constructor(
    readonly location: string,
    readonly key: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `${location}: blob '${key}' is corrupt: SHA-256 ${actual.slice(0, 16)}… does not match the catalog's ${expected.slice(0, 16)}…`,
    );
    this.name = 'BlobIntegrityError';
  }
}

/** Keys are relative '/'-paths of safe characters: no '..', no leading '/', no backslashes. */
export function checkBlobKey(key: string): void {
  if (
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.split('/').some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new RangeError(
      `invalid blob key '${key}': expected a relative path like 'bucket/dir/name.ext' without '..' or empty parts`,
    );
  }
  if (!/^[A-Za-z0-9._\-/=+]+$/.test(key)) throw new RangeError(`invalid blob key '${key}': use letters, digits and . _ - / = +`);
}
