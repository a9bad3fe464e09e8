// predict refuses a model whose inputs differ from what this Heimdall computes, before reading
// any recording: a six-scalar model would otherwise be fed eight scalars per receiver (read as
// NaN statistics and past its input buffer) and answer confidently wrong.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { exportLocalizationNet } from '../../src/export/export.js';
import { decodeModel, encodeGraph, encodeModel } from '../../src/export/onnx/model-proto.js';
import { predictFromRecordings } from '../../src/predict/predict.js';
import { SCALAR_NAMES } from '../../src/signal/features/scalars.js';
import { makeNet, metadataFor } from '../export/fixtures.js';

setNumThreads(2);

test('predict refuses a model exported with six scalars, or by the previous metadata format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-predict-contract-'));
  const net = makeNet({ seed: 31 });
  const good = join(dir, 'model.onnx');
  await exportLocalizationNet(net, { path: good, metadata: metadataFor(net) });
  net.dispose();
  assert.deepEqual(await predictFromRecordings(good, []), [], 'the current model loads');
  const six = SCALAR_NAMES.slice(0, 6);
  const edit = (name: string, formatVersion: string) => {
    const m = decodeModel(readFileSync(good));
    const metadata: Record<string, string> = { ...m.metadata, 'heimdall.format_version': formatVersion };
    metadata['heimdall.scalar_names'] = JSON.stringify(six);
    const s = JSON.parse(metadata['heimdall.feature_stats'] as string);
    Object.assign(s, { scalarNames: six, scalarMean: s.scalarMean.slice(0, 6), scalarStd: s.scalarStd.slice(0, 6) });
    metadata['heimdall.feature_stats'] = JSON.stringify(s);
    const path = join(dir, name);
    writeFileSync(path, encodeModel({ ...m, metadata }, encodeGraph(m.graph)));
    return path;
  };
  const sixScalars = edit('six.onnx', '2');
  await assert.rejects(
    predictFromRecordings(sixScalars, []),
    (e: Error) =>
      e.message ===
      `${sixScalars}: the model was exported with scalars [${six.join(', ')}] but this Heimdall computes [${SCALAR_NAMES.join(', ')}]; retrain it with this Heimdall (heimdall quickstart, or your training run) and re-export it`,
  );
  const formatOne = edit('format-1.onnx', '1');
  await assert.rejects(
    predictFromRecordings(formatOne, []),
    /format-1\.onnx: metadata heimdall\.format_version is 1; this Heimdall reads version 2/,
  );
});
