// Publishing a trained LocalizationNet: export a verified ONNX file, log it as a run artifact,
// upload it to the blob store as heimdall-models/models/<name>/v<version>.onnx and register it
// as a model version in the tracker with its evaluation metrics.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type ExportResult, exportLocalizationNet, localizationMetadata, type MetadataInfo } from '../export/export.js';
import type { InputBatch } from '../export/ort.js';
import type { LocalizationNet } from '../model/localization-net.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import { type ActiveRun, registerModel } from '../track/run.js';
import type { ModelVersion, Tracker } from '../track/types.js';

/** The registry name of quickstart and training models (the blob key follows it). */
export const DEFAULT_MODEL_NAME = 'localization';

export const modelBlobKey = (name: string, version: string) => `heimdall-models/models/${name}/v${version}.onnx`;
/** A radio-map model's files (radio-map.json and, when kept, its network) in the blob store. */
export const radioMapBlobKey = (name: string, version: string, file: string) =>
  `heimdall-models/models/${name}/v${version}/${file}`;

export interface PublishedModel {
  name: string;
  version: string;
  onnxPath: string;
  blobKey: string;
  export: ExportResult;
  /** The int8 variant (same inputs/outputs, ≈ 2.4× faster at batch 1), when asked for and within tolerance. */
  int8?: { onnxPath: string; blobKey: string; export: ExportResult };
  /**
   * Why the int8 variant was not kept, when asked for: it failed its accuracy check, or the
   * network has no spectrogram trunk (nothing to quantize; the export refuses int8).
   */
  int8Error?: string;
}

/** The version the next registration of `name` will get (1 for a new model). */
async function nextVersion(tracker: Tracker, name: string): Promise<string> {
  if ((await tracker.getRegisteredModel(name)) === undefined) return '1';
  const versions = await tracker.listModelVersions(name);
  return String(versions.reduce((m, v) => Math.max(m, Number(v.version)), 0) + 1);
}

/** The version of `name` this run already registered from `artifact`, if any. */
async function registeredFrom(
  tracker: Tracker,
  name: string,
  runId: string,
  artifact: string,
): Promise<ModelVersion | undefined> {
  if ((await tracker.getRegisteredModel(name)) === undefined) return undefined;
  return (await tracker.listModelVersions(name)).find((v) => v.runId === runId && v.source.endsWith(`/${artifact}`));
}

export async function publishModel(
  net: LocalizationNet,
  o: {
    tracker: Tracker;
    run: ActiveRun;
    blobs: BlobStore;
    /** Where the .onnx file is written (its folder also holds the run's other artifacts). */
    onnxPath: string;
    metadata: Omit<MetadataInfo, 'modelVersion' | 'trainingRunId'>;
    verifyBatch?: InputBatch;
    /** Also export an int8 variant, calibrated on this batch (e.g. validation transmissions). */
    int8CalibrationBatch?: InputBatch;
    name?: string;
    log?: (line: string) => void;
  },
): Promise<PublishedModel> {
  const name = o.name ?? DEFAULT_MODEL_NAME;
  // The version goes into the file's metadata, so the file is written for the version the next
  // registration should get. Workers training side by side can register in between: then the file
  // is written again for the version the registry gave, under the same artifact path.
  const exportAs = async (version: string) => {
    const metadata = localizationMetadata(net, { ...o.metadata, modelVersion: version, trainingRunId: o.run.runId });
    const exported = await exportLocalizationNet(net, {
      path: o.onnxPath,
      metadata,
      ...(o.verifyBatch ? { verifyBatch: o.verifyBatch } : {}),
    });
    await o.run.logArtifact(o.onnxPath, 'model');
    return { metadata, exported };
  };
  const artifact = `model/${basename(o.onnxPath)}`;
  // A run resumed after it had registered (its process killed between registration and the end)
  // keeps the version it has: one run, one model version.
  const already = await registeredFrom(o.tracker, name, o.run.runId, artifact);
  const expected = already?.version ?? (await nextVersion(o.tracker, name));
  let { metadata, exported } = await exportAs(expected);
  // The blob goes in before the registration, so a registered version always has its model blob
  // (predict's copy when the tracker is a server), whenever the process dies.
  await o.blobs.put(modelBlobKey(name, expected), readFileSync(o.onnxPath));
  const tags = Object.fromEntries(Object.entries(o.metadata.metrics ?? {}).map(([k, v]) => [`metric.${k}`, String(v)]));
  const version = already?.version ?? (await registerModel(o.tracker, name, o.run.runId, artifact, tags)).version;
  if (already !== undefined) o.log?.(`    ${name} v${version} was registered for this run by an earlier attempt: finishing it`);
  if (version !== expected) {
    o.log?.(`    ${name} v${expected} was taken by a registration running at the same time: this model is v${version}`);
    ({ metadata, exported } = await exportAs(version));
  }
  // Again after the registration: a registration running at the same time may have put its own
  // model under the version this one won.
  const blobKey = modelBlobKey(name, version);
  await o.blobs.put(blobKey, readFileSync(o.onnxPath));
  o.log?.(`    registered ${name} v${version} (run ${o.run.runId}); uploaded to ${o.blobs.location}/${blobKey}`);
  const published: PublishedModel = { name, version, onnxPath: o.onnxPath, blobKey, export: exported };
  if (o.int8CalibrationBatch !== undefined) {
    const onnxPath = o.onnxPath.replace(/\.onnx$/, '.int8.onnx');
    try {
      const q = await exportLocalizationNet(net, {
        path: onnxPath,
        metadata,
        precision: 'int8',
        calibrationBatch: o.int8CalibrationBatch,
        ...(o.verifyBatch ? { verifyBatch: o.verifyBatch } : {}),
      });
      await o.run.logArtifact(onnxPath, 'model');
      const key = modelBlobKey(name, `${version}.int8`);
      await o.blobs.put(key, readFileSync(onnxPath));
      published.int8 = { onnxPath, blobKey: key, export: q };
    } catch (err) {
      // The fp32 model stands on its own; an int8 variant outside tolerance is reported, not fatal.
      published.int8Error = err instanceof Error ? err.message : String(err);
      o.log?.(`    int8 variant not kept: ${published.int8Error}`);
    }
  }
  return published;
}
