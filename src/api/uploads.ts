// Receiving uploaded files (multipart/form-data) for POST /api/v1/predict and /api/v1/uploads:
// every part must be a file with one plain, unique name (it becomes a file or blob name), and a
// file over the size limit fails while it streams (413), before the rest of it is stored.
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http.js';

// One path segment that is also a valid blob-key segment: no folders, no control characters, not
// hidden, not '.' or '..'.
const UPLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9._+=-]{0,254}$/;

export const UPLOAD_NAME_RULE = 'use one plain file name (letters, digits and . _ + = -; no folders, not starting with a dot)';

/** The largest uploaded file (bytes): ApiDeps.uploadLimit, default 64 MiB. */
export const uploadLimit = (d: { uploadLimit?: number }) => d.uploadLimit ?? 64 * 1024 * 1024;

export const fileTooLarge = (limit: number) => new HttpError(413, `uploaded file larger than ${limit} bytes`);

/**
 * The multipart parser's own errors (busboy/dicer): the body is malformed, which is the client's fault (400),
 * not the server's. They are plain Errors without a code, so they are told apart by their wording.
 */
const MULTIPART_PARSE_ERROR = /multipart data|Boundary not found|Malformed|terminated early/i;

/** Calls `each` for every uploaded file in order; returns the names. */
export async function receiveFiles(
  req: FastifyRequest,
  limit: number,
  each: (name: string, file: Readable) => Promise<void>,
): Promise<string[]> {
  if (!req.isMultipart()) throw new HttpError(400, 'send the files as multipart/form-data file parts');
  const names: string[] = [];
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
      if (names.includes(name)) throw new HttpError(400, `uploaded file name '${name}' appears twice`);
      names.push(name);
      await each(name, part.file);
      if (part.file.truncated) throw fileTooLarge(limit);
    }
  } catch (err) {
    if (!(err instanceof HttpError) && err instanceof Error && !('code' in err) && MULTIPART_PARSE_ERROR.test(err.message))
      throw new HttpError(400, `malformed multipart/form-data body (${err.message}); send each file as a file part`);
    throw err;
  }
  if (names.length === 0) throw new HttpError(400, 'no files uploaded');
  return names;
}
