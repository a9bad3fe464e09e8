// Route schemas (TypeBox): at once the request validation, the handlers' TypeScript types and the
// OpenAPI document served at /openapi.json.
import { type Static, Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  { error: Type.String({ description: 'what went wrong, naming the input' }) },
  { $id: 'Error' },
);

export const JobKind = Type.Union(
  ['train', 'simulate', 'import'].map((k) => Type.Literal(k)),
  { description: 'train a model, simulate a dataset, or import recordings' },
);

export const JobStatus = Type.Union(
  ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)),
  { description: 'queued → running → succeeded | failed | cancelled' },
);

export const Job = Type.Object(
  {
    id: Type.Integer(),
    kind: JobKind,
    status: JobStatus,
    dataset: Type.Union([Type.String(), Type.Null()], { description: 'the dataset trained on, or made' }),
    config: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    request: Type.Record(Type.String(), Type.Unknown(), { description: 'what was asked, as posted' }),
    result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'what a simulate or import job made: sessions imported, duplicates, skipped files, the dataset',
    }),
    progress: Type.Number({ minimum: 0, maximum: 1, description: 'share of the maximum epochs done' }),
    epoch: Type.Union([Type.Integer(), Type.Null()]),
    metrics: Type.Union([Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    runId: Type.Union([Type.String(), Type.Null()]),
    model: Type.Union([Type.Object({ name: Type.String(), version: Type.String() }), Type.Null()]),
    attempts: Type.Integer(),
    cancelRequested: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Job' },
);
export type JobBody = Static<typeof Job>;

const NewDatasetName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$', description: 'a new dataset name' });

export const CreateTrainJob = Type.Object(
  {
    kind: Type.Literal('train'),
    dataset: Type.String({ minLength: 1, maxLength: 200, description: 'NAME or NAME@VERSION' }),
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'training configuration (the schema of `heimdall train --config`, docs/TRAINING.md)',
      }),
    ),
  },
  { additionalProperties: false, title: 'train' },
);

export const CreateSimulateJob = Type.Object(
  {
    kind: Type.Literal('simulate'),
    preset: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a preset name (docs/SIMULATOR.md)' })),
    scenario: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'a scenario: the fields of a scenario file (docs/SIMULATOR.md)',
      }),
    ),
    samples: Type.Integer({ minimum: 1, maximum: 100_000, description: 'transmissions to simulate' }),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    dataset: Type.Optional({ ...NewDatasetName, description: 'the dataset made of them (default sim-<scenario>)' }),
  },
  { additionalProperties: false, title: 'simulate' },
);

export const CreateImportJob = Type.Object(
  {
    kind: Type.Literal('import'),
    prefix: Type.String({
      minLength: 1,
      maxLength: 900,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._=+-]*(/[A-Za-z0-9][A-Za-z0-9._=+-]*)*/?$',
      description: 'a blob-store prefix holding recordings, e.g. the `prefix` of POST /api/v1/uploads',
    }),
    dataset: Type.Optional({ ...NewDatasetName, description: 'make a dataset of the imported transmissions' }),
  },
  { additionalProperties: false, title: 'import' },
);

// oneOf with a discriminator (not TypeBox's anyOf): a body is checked against the one schema its
// `kind` names, so an error names that schema's field rather than every alternative's.
const createJobKinds = Type.Union([CreateTrainJob, CreateSimulateJob, CreateImportJob]);
export const CreateJob = Type.Unsafe<Static<typeof createJobKinds>>({
  // Without `type`, Ajv applies the discriminator to objects only and lets any other JSON value (null, a
  // number, a string) through as a valid body, which was then stored as a job.
  type: 'object',
  oneOf: [CreateTrainJob, CreateSimulateJob, CreateImportJob],
  discriminator: { propertyName: 'kind' },
  description: 'a job: `kind` train, simulate or import',
});

export const Upload = Type.Object({
  prefix: Type.String({ description: 'where the files are in the blob store (give it to an import job)' }),
  files: Type.Array(Type.Object({ name: Type.String(), bytes: Type.Integer() })),
});

export const JobId = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const JobListQuery = Type.Object(
  {
    status: Type.Optional(JobStatus),
    kind: Type.Optional(JobKind),
    cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'the nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);

export const JobList = Type.Object({
  jobs: Type.Array(Type.Ref('Job')),
  nextCursor: Type.Union([Type.Integer(), Type.Null()]),
});

export const MetricHistory = Type.Object({
  epochs: Type.Array(
    Type.Object({ epoch: Type.Integer(), metrics: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])) }),
  ),
});

export const Dataset = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  seed: Type.Integer(),
  counts: Type.Object({ train: Type.Integer(), val: Type.Integer(), test: Type.Integer() }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const DatasetName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

export const Model = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.Object({ version: Type.String(), runId: Type.String(), aliases: Type.Array(Type.String()) })),
});

export const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});
