// Receiving uploaded files (multipart/form-data) for POST /api/v1/predict and /api/v1/uploads:
// every part must be a file with one plain, unique name (it becomes a file or blob name). Files go
// to a private folder on disk as they arrive — never whole into memory — and two limits hold:
// each file (uploadLimit) and the whole request (uploadTotalLimit). A request that declares a
// larger body (Content-Length) is refused before any of it is read; one that does not (chunked)
// is cut where it passes a limit. Either way the answer is 413 and the connection is closed, so
// the rest of the body is not read either.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http.js';

// One path segment that is also a valid blob-key segment: no folders, no control characters, not
// hidden, not '.' or '..'.
const UPLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9._+=-]{0,254}$/;

export const UPLOAD_NAME_RULE = 'use one plain file name (letters, digits and . _ + = -; no folders, not starting with a dot)';

/** The most file parts one request may carry. */
export const MAX_UPLOAD_FILES = 512;

/**
 * Room for the multipart framing around the files (boundaries and part headers: well under 1 KiB
 * a part), so a request whose files are within the total limit is never refused for its framing.
 */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024 + MAX_UPLOAD_FILES * 1024;

export interface UploadLimits {
  /** The largest uploaded file, bytes. */
  fileBytes: number;
  /** The most file bytes in one request, bytes. */
  totalBytes: number;
}

export interface UploadLimitOptions {
  /** Largest uploaded file, bytes (default 64 MiB). */
  uploadLimit?: number;
  /** Most bytes of files in one request (default 16 × uploadLimit: 1 GiB by default). */
  uploadTotalLimit?: number;
}

/** The largest uploaded file (bytes): ApiDeps.uploadLimit, default 64 MiB. */
export const uploadLimit = (d: UploadLimitOptions) => d.uploadLimit ?? 64 * 1024 * 1024;

export const uploadLimits = (d: UploadLimitOptions): UploadLimits => ({
  fileBytes: uploadLimit(d),
  totalBytes: d.uploadTotalLimit ?? 16 * uploadLimit(d),
});

export const fileTooLarge = (limit: number) => new HttpError(413, `uploaded file larger than ${limit} bytes`);

/**
 * The multipart parser's own errors (busboy/dicer): the body is malformed, which is the client's fault (400),
 * not the server's. They are plain Errors without a code, so they are told apart by their wording.
 */
const MULTIPART_PARSE_ERROR = /multipart data|Boundary not found|Malformed|terminated early/i;

const totalTooLarge = (limit: number) => new HttpError(413, `uploaded files larger than ${limit} bytes in total`);

/**
 * A route's onRequest hook (after authentication): refuses with 413 a request whose declared
 * Content-Length exceeds the total limit plus the multipart framing, before its body is read.
 */
export function refuseDeclaredOversize(limits: UploadLimits) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers['content-length'];
    if (header === undefined) return; // chunked: cut while it streams (receiveFiles)
    const declared = Number(header);
    if (Number.isSafeInteger(declared) && declared <= limits.totalBytes + MULTIPART_OVERHEAD_BYTES) return;
    // Closing the connection stops the client's upload; otherwise Node would read the rest to discard it.
    reply.header('connection', 'close');
    return reply.code(413).send({
      error: `request body of ${header} bytes (Content-Length) is larger than the upload limit: ${limits.totalBytes} bytes of files in total, ${limits.fileBytes} per file`,
    });
  };
}

/**
 * Writes every uploaded file into `dir` (an empty private folder) under its own name, in order;
 * returns the names and sizes. Throws HttpError 400 for a bad name or part, 413 past a limit —
 * the caller then removes `dir`, so nothing of a refused upload stays.
 */
export async function receiveFiles(
  req: FastifyRequest,
  limits: UploadLimits,
  dir: string,
): Promise<{ name: string; bytes: number }[]> {
  if (!req.isMultipart()) throw new HttpError(400, 'send the files as multipart/form-data file parts');
  const files: { name: string; bytes: number }[] = [];
  let total = 0;
  try {
    for await (const part of req.parts()) {
      if (part.type !== 'file') throw new HttpError(400, `form field '${part.fieldname}': send options in the query`);
      const name = part.filename;
      // A part whose Content-Disposition lost its filename is still a file part to the parser.
      if (typeof name !== 'string' || !UPLOAD_NAME.test(name) || name.includes('..'))
        throw new HttpError(
          400,
          `uploaded file name '${String(name)
            .replace(/[^\x20-\x7e]/g, '?')
            .slice(0, 100)}': ${UPLOAD_NAME_RULE}`,
        );
      if (files.some((f) => f.name === name)) throw new HttpError(400, `uploaded file name '${name}' appears twice`);
      let bytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.byteLength;
          total += chunk.byteLength;
          done(total > limits.totalBytes ? totalTooLarge(limits.totalBytes) : null, chunk);
        },
      });
      // Past the per-file limit the parser skips the rest of the part and ends the stream only where
      // the part ends — after reading all of it. Failing at its 'limit' event stops at the limit.
      part.file.once('limit', () => count.destroy(fileTooLarge(limits.fileBytes)));
      // 'wx': a name already in the folder is never overwritten (the check above makes it unreachable).
      await pipeline(part.file, count, createWriteStream(join(dir, name), { flags: 'wx' }));
      if (part.file.truncated) throw fileTooLarge(limits.fileBytes);
      files.push({ name, bytes });
    }
  } catch (err) {
    if (!(err instanceof HttpError) && err instanceof Error && !('code' in err) && MULTIPART_PARSE_ERROR.test(err.message))
      throw new HttpError(400, `malformed multipart/form-data body (${err.message}); send each file as a file part`);
    throw err;
  }
  if (files.length === 0) throw new HttpError(400, 'no files uploaded');
  return files;
}
