// POST /api/v1/uploads: recordings into the blob store under a new prefix, for an import job
// (`{"kind": "import", "prefix": …}`) to catalogue. Nothing is catalogued here: the import job
// reads the files the same way `heimdall import` reads a folder. The files are staged in a private
// folder first and reach the blob store only once every one of them arrived within the limits, so
// a refused upload leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore } from '../store/blobs/index.js';
import { errors, secured } from './http.js';
import type { Api } from './model-routes.js';
import * as S from './schemas.js';
import { receiveFiles, refuseDeclaredOversize, type UploadLimitOptions, uploadLimits } from './uploads.js';

export function registerUploadRoutes(app: Api, d: { blobs: BlobStore } & UploadLimitOptions): void {
  app.post(
    '/api/v1/uploads',
    {
      config: { scope: 'write' },
      onRequest: refuseDeclaredOversize(uploadLimits(d)),
      schema: {
        summary:
          'store uploaded recordings (multipart/form-data file parts) in the blob store under a new prefix; queue an import job with it',
        consumes: ['multipart/form-data'],
        response: { 201: S.Upload, ...errors(400, 401, 403, 413) },
        ...secured,
      },
    },
    async (req, reply) => {
      // A new prefix per upload: time first so listings sort by age, random so none collide.
      const prefix = `heimdall-uploads/${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(6).toString('hex')}`;
      const dir = mkdtempSync(join(tmpdir(), 'heimdall-upload-'));
      const stored: string[] = [];
      try {
        const files = await receiveFiles(req, uploadLimits(d), dir);
        for (const f of files) {
          const key = `${prefix}/${f.name}`;
          await d.blobs.putFile(key, join(dir, f.name));
          stored.push(key);
        }
        return reply.code(201).send({ prefix, files });
      } catch (err) {
        // Half an upload is no upload: whatever reached the blob store goes (best effort).
        for (const key of stored) await d.blobs.delete(key).catch(() => undefined);
        throw err;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
