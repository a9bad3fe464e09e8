// POST /api/v1/uploads: recordings into the blob store under a new prefix, for an import job
// (`{"kind": "import", "prefix": …}`) to catalogue. Nothing is catalogued here: the import job
// reads the files the same way `heimdall import` reads a folder.
import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../store/blobs/index.js';
import { errors, secured } from './http.js';
import type { Api } from './model-routes.js';
import * as S from './schemas.js';
import { fileTooLarge, receiveFiles, uploadLimit } from './uploads.js';

export function registerUploadRoutes(app: Api, d: { blobs: BlobStore; uploadLimit?: number }): void {
  app.post(
    '/api/v1/uploads',
    {
      config: { scope: 'write' },
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
      const files: { name: string; bytes: number }[] = [];
      await receiveFiles(req, uploadLimit(d), async (name, file) => {
        const chunks: Buffer[] = [];
        for await (const chunk of file) chunks.push(chunk as Buffer);
        // Past the limit the stream ends early, marked truncated: nothing of it is stored.
        if ((file as { truncated?: boolean }).truncated) throw fileTooLarge(uploadLimit(d));
        const bytes = Buffer.concat(chunks);
        await d.blobs.put(`${prefix}/${name}`, bytes);
        files.push({ name, bytes: bytes.byteLength });
      });
      return reply.code(201).send({ prefix, files });
    },
  );
}
