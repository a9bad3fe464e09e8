// Route schemas (TypeBox): at once the request validation, the handlers' TypeScript types and the
// OpenAPI document served at /openapi.json.
import { type Static, Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  { error: Type.String({ description: 'what went wrong, naming the input' }) },
  { $id: 'Error' },
);

export const JobStatus = Type.Union(
  ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)),
  { description: 'queued → running → succeeded | failed | cancelled' },
);

export const Job = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.Literal('train'),
    status: JobStatus,
    dataset: Type.String(),
    config: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
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

export const CreateJob = Type.Object(
  {
    kind: Type.Literal('train', { description: 'only training jobs so far' }),
    dataset: Type.String({ minLength: 1, maxLength: 200, description: 'NAME or NAME@VERSION' }),
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'training configuration (the schema of `heimdall train --config`, docs/TRAINING.md)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const JobId = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const JobListQuery = Type.Object(
  {
    status: Type.Optional(JobStatus),
    kind: Type.Optional(Type.Literal('train')),
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
