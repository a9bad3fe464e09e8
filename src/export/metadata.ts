// What an exported model carries besides its graph, so one .onnx file is enough to predict:
// the receiver network, the local frame's reference point, the feature parameters and the
// training-set normalization statistics, the σ post-processing, and provenance. Stored as ONNX
// metadata_props (string → string): plain strings as they are, everything else as JSON.
import { z } from 'zod';
import { FeatureConfigSchema, hopFor } from '../signal/features/config.js';
import { PriorSpecSchema } from '../signal/features/prior.js';

/**
 * Bumped whenever a model's inputs or metadata change meaning, so older files are refused rather
 * than misread. 1: six scalars per receiver; 2: eight (arrival time, timed) and
 * heimdall.feature_code_version.
 */
export const METADATA_FORMAT_VERSION = 2;

const Finite = z.number().finite();
const Lat = Finite.min(-90).max(90);
const Lon = Finite.min(-180).max(180);

const ReceiverSchema = z.object({
  id: z.string().min(1),
  lat: Lat,
  lon: Lon,
  altM: Finite,
  /** Position in the model's local frame (m): what the network was given. */
  east: Finite,
  north: Finite,
});

const FeatureStatsSchema = z
  .object({
    melBands: z.number().int().positive(),
    frames: z.number().int().positive(),
    melMean: z.array(Finite),
    melStd: z.array(Finite.positive()),
    scalarNames: z.array(z.string()),
    scalarMean: z.array(Finite),
    scalarStd: z.array(Finite.positive()),
    count: z.number().int().nonnegative(),
  })
  .refine((s) => s.melMean.length === s.melBands && s.melStd.length === s.melBands, 'melMean/melStd must have melBands entries')
  .refine(
    (s) => s.scalarMean.length === s.scalarNames.length && s.scalarStd.length === s.scalarNames.length,
    'scalarMean/scalarStd must have one entry per scalar name',
  );

export const ModelMetadataSchema = z
  .object({
    formatVersion: z.literal(METADATA_FORMAT_VERSION),
    /** Registry version of the model (e.g. "3"); the file is heimdall-models/models/localization/v{version}.onnx. */
    modelVersion: z.string().min(1),
    /** The tracker's run id of the training run ("" when untracked). */
    trainingRunId: z.string(),
    /** Dataset name and version the model was trained on (e.g. "quickstart-nw-italy-2m@1"). */
    dataset: z.string(),
    createdAt: z.string().datetime(),
    receivers: z.array(ReceiverSchema).min(1),
    /** Origin of the local east/north frame (the network centroid in quickstart). */
    reference: z.object({ lat: Lat, lon: Lon, altM: Finite }),
    scaleM: Finite.positive(),
    /** Strict: a setting this Heimdall does not know would be silently dropped, and features differ. */
    featureConfig: FeatureConfigSchema.strict(),
    /** FEATURE_CODE_VERSION of the code that computed the training features. */
    featureCodeVersion: z.number().int().positive(),
    featureHop: z.number().int().nonnegative(),
    featureStats: FeatureStatsSchema,
    scalarNames: z.array(z.string()).min(1),
    sigmaFloor: Finite.positive(),
    sigmaScale: Finite.positive(),
    diagonal: z.boolean(),
    /**
     * The physics prior the network corrects (stated power model, receivers, region), or null for
     * a network without one. Inference computes the prior input from it exactly as training did.
     */
    prior: PriorSpecSchema.nullable().default(null),
    /** Test-split metrics at export time (median error, coverage, …), for the registry and humans. */
    metrics: z.record(Finite).default({}),
    /**
     * Whether the graph reads mel spectrograms (input mel_spectrogram). False for a power-only
     * network (no trunk); files written before this key existed all read them.
     */
    spectrogram: z.boolean().default(true),
    /** Arithmetic of the convolutions: fp32, or int8 in QDQ form (quantize.ts). */
    precision: z.enum(['fp32', 'int8']).default('fp32'),
  })
  .superRefine((m, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    const ids = m.receivers.map((r) => r.id);
    if (new Set(ids).size !== ids.length) issue('receivers', `receiver ids must be unique, got ${ids.join(', ')}`);
    if (m.featureHop !== hopFor(m.featureConfig))
      issue('featureHop', `${m.featureHop} does not match the feature configuration's ${hopFor(m.featureConfig)}`);
    const s = m.featureStats;
    if (s.melBands !== m.featureConfig.melBands || s.frames !== m.featureConfig.frames) {
      issue(
        'featureStats',
        `statistics for ${s.melBands}×${s.frames} spectrograms, configuration makes ${m.featureConfig.melBands}×${m.featureConfig.frames}`,
      );
    }
    if (s.scalarNames.join() !== m.scalarNames.join())
      issue('scalarNames', `${m.scalarNames.join(',')} differ from the statistics' ${s.scalarNames.join(',')}`);
  });
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;
export type ModelMetadataInput = z.input<typeof ModelMetadataSchema>;

/** Metadata field → metadata_props key. Strings are stored raw; the rest as JSON. */
export const METADATA_KEYS: Record<keyof ModelMetadata, string> = {
  formatVersion: 'heimdall.format_version',
  modelVersion: 'heimdall.model_version',
  trainingRunId: 'heimdall.training_run_id',
  dataset: 'heimdall.dataset',
  createdAt: 'heimdall.created',
  receivers: 'heimdall.receivers',
  reference: 'heimdall.reference',
  scaleM: 'heimdall.scale_m',
  featureConfig: 'heimdall.feature_config',
  featureCodeVersion: 'heimdall.feature_code_version',
  featureHop: 'heimdall.feature_hop',
  featureStats: 'heimdall.feature_stats',
  scalarNames: 'heimdall.scalar_names',
  sigmaFloor: 'heimdall.sigma_floor',
  sigmaScale: 'heimdall.sigma_scale',
  diagonal: 'heimdall.diagonal',
  prior: 'heimdall.prior',
  metrics: 'heimdall.metrics',
  precision: 'heimdall.precision',
  spectrogram: 'heimdall.spectrogram',
};
const STRING_FIELDS = new Set<keyof ModelMetadata>(['modelVersion', 'trainingRunId', 'dataset', 'createdAt', 'precision']);
/** Keys older files may lack: their defaults describe those files. */
const OPTIONAL_FIELDS = new Set<keyof ModelMetadata>(['metrics', 'precision', 'prior', 'spectrogram']);
/** Written by the exporter itself: sha256 of the GraphProto bytes, so corrupted weights are caught. */
export const GRAPH_SHA256_KEY = 'heimdall.graph_sha256';

/** Validated metadata as metadata_props. Throws with the offending field named. */
export function metadataProps(input: ModelMetadataInput): Record<string, string> {
  const parsed = ModelMetadataSchema.safeParse(input);
  if (!parsed.success) throw new Error(`ONNX export: invalid metadata: ${describeIssues(parsed.error)}`);
  const m = parsed.data;
  const props: Record<string, string> = {};
  for (const [field, key] of Object.entries(METADATA_KEYS) as [keyof ModelMetadata, string][]) {
    const v = m[field];
    props[key] = STRING_FIELDS.has(field) ? String(v) : JSON.stringify(v);
  }
  return props;
}

function describeIssues(e: z.ZodError): string {
  return e.issues
    .map((i) => {
      const [field, ...rest] = i.path;
      const key = METADATA_KEYS[field as keyof ModelMetadata] ?? String(field);
      return `${key}${rest.length > 0 ? `.${rest.join('.')}` : ''}: ${i.message}`;
    })
    .join('; ');
}

/** What changed since format 1, for the refusal of older files. */
const FORMAT_CHANGES = 'eight per-receiver scalars instead of six, and a feature-code version';

/** metadata_props back to validated metadata; errors name the file and the key. */
export function parseMetadataProps(props: Record<string, string>, file: string): ModelMetadata {
  // The format version first: an older file is refused for what it is, not for a key it lacks.
  const version = props[METADATA_KEYS.formatVersion];
  if (version !== undefined && version !== String(METADATA_FORMAT_VERSION)) {
    throw new Error(
      `${file}: metadata heimdall.format_version is ${version}; this Heimdall reads version ${METADATA_FORMAT_VERSION}${
        Number(version) < METADATA_FORMAT_VERSION
          ? ` (the model's inputs changed since: ${FORMAT_CHANGES}); retrain and re-export the model with this Heimdall`
          : ' (the model is newer than this Heimdall); upgrade Heimdall'
      }`,
    );
  }
  const raw: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(METADATA_KEYS) as [keyof ModelMetadata, string][]) {
    const v = props[key];
    if (v === undefined) {
      if (OPTIONAL_FIELDS.has(field)) continue; // defaults apply
      throw new Error(`${file}: missing metadata ${key} (not a Heimdall model, or exported by an incompatible version)`);
    }
    if (STRING_FIELDS.has(field)) raw[field] = v;
    else {
      try {
        raw[field] = JSON.parse(v);
      } catch {
        throw new Error(`${file}: metadata ${key} is not valid JSON: ${v.slice(0, 80)}`);
      }
    }
  }
  const parsed = ModelMetadataSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: invalid metadata: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
