// Routes that serve models: the registry's models and versions, a version's ONNX file from the
// blob store, and predictions from uploaded recordings (POST /api/v1/predict) through the same
// code as `heimdall predict` (src/predict/predict-paths.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { modelBlobKey } from '../pipeline/publish-model.js';
import { type LoadedModel, loadModel } from '../predict/model.js';
import { predictionDocument, predictPaths } from '../predict/predict-paths.js';
import { type ModelResolver, resolveModelRef } from '../predict/resolve.js';
import { BlobNotFoundError, type BlobStore } from '../store/blobs/index.js';
import { isMlflowError, type Tracker } from '../track/types.js';
import { errors, HttpError, secured } from './http.js';
import * as S from './schemas.js';
import { receiveFiles, refuseDeclaredOversize, type UploadLimitOptions, uploadLimits } from './uploads.js';

export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ModelRouteDeps extends UploadLimitOptions {
  tracker: Tracker;
  blobs: BlobStore;
  /** NAME@alias (or NAME@vN) → a local .onnx file (src/pipeline/model-resolver.ts). */
  resolveModel?: ModelResolver;
}

const MODEL_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$';

/** The registry's own "no such model/version/alias" errors (the file store and MLflow say it alike). */
function isUnknownModel(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause as Error) {
    if (isMlflowError(e, 'RESOURCE_DOES_NOT_EXIST') || isMlflowError(e, 'INVALID_PARAMETER_VALUE')) return true;
  }
  return false;
}

export async function registerModelRoutes(app: Api, d: ModelRouteDeps): Promise<void> {
  app.get(
    '/api/v1/models',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'registered models, their versions and aliases',
        response: { 200: Type.Array(S.Model), ...errors(401, 403) },
        ...secured,
      },
    },
    async () =>
      Promise.all(
        (await d.tracker.listRegisteredModels()).map(async (m) => ({
          name: m.name,
          versions: (await d.tracker.listModelVersions(m.name)).map((v) => ({
            version: v.version,
            runId: v.runId,
            aliases: v.aliases,
          })),
        })),
      ),
  );

  app.get(
    '/api/v1/models/:name/versions/:version/onnx',
    {
      config: { scope: 'read' },
      schema: {
        summary: "download a model version's ONNX file (fp32, or the int8 variant when it was kept)",
        params: Type.Object({
          name: Type.String({ pattern: MODEL_NAME }),
          version: Type.String({ pattern: '^[1-9][0-9]{0,8}$' }),
        }),
        querystring: Type.Object({
          precision: Type.Union([Type.Literal('fp32'), Type.Literal('int8')], { default: 'fp32' }),
        }),
        produces: ['application/octet-stream'],
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the ONNX file' }),
          ...errors(400, 401, 403, 404),
        },
        ...secured,
      },
    },
    async (req, reply) => {
      const { name, version } = req.params;
      try {
        await d.tracker.getModelVersion(name, version);
      } catch (err) {
        if (isUnknownModel(err)) throw new HttpError(404, `no model version ${name} v${version}`);
        throw err;
      }
      const key = modelBlobKey(name, req.query.precision === 'int8' ? `${version}.int8` : version);
      let bytes: Uint8Array;
      try {
        bytes = await d.blobs.get(key);
      } catch (err) {
        if (err instanceof BlobNotFoundError)
          throw new HttpError(
            404,
            req.query.precision === 'int8'
              ? `${name} v${version} has no int8 variant (it was not asked for, or failed its accuracy check)`
              : `${name} v${version} is registered but its ONNX file is not in the blob store (${key})`,
          );
        throw err;
      }
      const file = `${name}-v${version}${req.query.precision === 'int8' ? '.int8' : ''}.onnx`;
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${file}"`)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  // Loaded models by file, kept for the next request (an onnxruntime session takes a while to make).
  const models = new Map<string, Promise<LoadedModel>>();
  app.addHook('onClose', async () => {
    for (const m of models.values()) await (await m.catch(() => undefined))?.release();
  });
  const modelFor = async (ref: string): Promise<LoadedModel> => {
    let path: string;
    try {
      path = await resolveModelRef(ref, d.resolveModel);
    } catch (err) {
      if (isUnknownModel(err)) throw new HttpError(404, (err as Error).message);
      throw new HttpError(400, (err as Error).message);
    }
    let m = models.get(path);
    if (m === undefined) {
      m = loadModel(path);
      models.set(path, m);
      m.catch(() => models.delete(path));
    }
    return m.catch((err: Error) => {
      throw new HttpError(400, `model ${ref}: ${err.message}`);
    });
  };

  app.post(
    '/api/v1/predict',
    {
      config: { scope: 'read' },
      onRequest: refuseDeclaredOversize(uploadLimits(d)),
      schema: {
        summary:
          'positions with uncertainty ellipses for uploaded recordings (multipart/form-data: the files of one or more transmissions — SigMF collections with their .sigmf-meta/.sigmf-data, .npy sets or KiwiSDR WAVs); the same document as `heimdall predict`',
        consumes: ['multipart/form-data'],
        querystring: Type.Object({
          model: Type.String({
            description: 'NAME@alias or NAME@vN (version N) from the registry',
            pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*@[A-Za-z0-9_.-]+$',
          }),
          format: Type.Union([Type.Literal('json'), Type.Literal('geojson')], { default: 'json' }),
          ignoreUnknown: Type.Boolean({
            default: false,
            description: 'leave out recordings from receivers the model does not know instead of refusing the set',
          }),
        }),
        response: {
          200: Type.Unknown({ description: 'as `heimdall predict --format json|geojson`' }),
          ...errors(400, 401, 403, 404, 413),
        },
        ...secured,
      },
    },
    async (req) => {
      if (!req.isMultipart()) throw new HttpError(400, 'send the recordings as multipart/form-data file parts');
      const model = await modelFor(req.query.model);
      const dir = mkdtempSync(join(tmpdir(), 'heimdall-predict-'));
      try {
        // Written as it arrives; past a limit the stream fails (413) before more is stored.
        await receiveFiles(req, uploadLimits(d), dir);
        const r = await predictPaths(model, [dir], { ignoreUnknown: req.query.ignoreUnknown, workers: 0 });
        // Labels name the server's temporary folder: show the uploaded names instead.
        const strip = (label: string) => label.split(`${dir}/`).join('');
        const shown = {
          predictions: r.predictions.map((p) => ({ ...p, label: strip(p.label) })),
          failed: r.failed.map((f) => ({ label: strip(f.label), error: strip(f.error) })),
        };
        const doc = predictionDocument({ path: req.query.model, metadata: model.metadata }, shown, req.query.format);
        return req.query.format === 'json' ? { ...(doc as object), warnings: r.warnings.map(strip) } : doc;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
