// A model whose inputs differ from what this code computes is refused when loaded (and never
// written by the exporter), with the difference named: older metadata formats, other scalar
// names, another feature-code version, input shapes its feature configuration does not make.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { exportLocalizationNet } from '../../src/export/export.js';
import { decodeModel, encodeGraph, encodeModel } from '../../src/export/onnx/model-proto.js';
import { readOnnxMetadata } from '../../src/export/read.js';
import { loadModel } from '../../src/predict/model.js';
import { FEATURE_CODE_VERSION } from '../../src/signal/features/code-version.js';
import { hopFor } from '../../src/signal/features/config.js';
import { SCALAR_NAMES } from '../../src/signal/features/scalars.js';
import { fakeStats, makeNet, metadataFor } from './fixtures.js';

setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'heimdall-contract-'));
const path = join(dir, 'model.onnx');
let bytes: Buffer;
const CODE = `[${SCALAR_NAMES.join(', ')}]`;
const OLD_SCALARS = SCALAR_NAMES.slice(0, 6);

before(async () => {
  const net = makeNet({ seed: 21 });
  await exportLocalizationNet(net, { path, metadata: metadataFor(net) });
  bytes = readFileSync(path);
  net.dispose();
});

/** The exported model with its metadata changed by `edit` (graph and checksum untouched). */
function withMetadata(name: string, edit: (m: Record<string, string>) => void): string {
  const m = decodeModel(bytes);
  const metadata = { ...m.metadata };
  edit(metadata);
  const out = join(dir, `${name}.onnx`);
  writeFileSync(out, encodeModel({ ...m, metadata }, encodeGraph(m.graph)));
  return out;
}

/** Metadata as a model trained on six scalars would carry (consistent in itself). */
function sixScalars(m: Record<string, string>): void {
  m['heimdall.scalar_names'] = JSON.stringify(OLD_SCALARS);
  const s = JSON.parse(m['heimdall.feature_stats'] as string);
  s.scalarNames = OLD_SCALARS;
  s.scalarMean = s.scalarMean.slice(0, 6);
  s.scalarStd = s.scalarStd.slice(0, 6);
  m['heimdall.feature_stats'] = JSON.stringify(s);
}

test('the exported model declares this code’s contract and loads', async () => {
  const md = readOnnxMetadata(path);
  assert.equal(md.formatVersion, 2);
  assert.equal(md.featureCodeVersion, FEATURE_CODE_VERSION);
  assert.deepEqual(md.scalarNames, [...SCALAR_NAMES]);
  const m = await loadModel(path);
  await m.release();
});

test('a model of the previous metadata format (six scalars, no feature-code version) is refused at read', async () => {
  const old = withMetadata('format-1', (m) => {
    sixScalars(m);
    m['heimdall.format_version'] = '1';
    delete m['heimdall.feature_code_version'];
  });
  await assert.rejects(
    loadModel(old),
    new RegExp(
      `^Error: ${old}: metadata heimdall\\.format_version is 1; this Heimdall reads version 2 \\(the model's inputs changed since: eight per-receiver scalars instead of six, and a feature-code version\\); retrain and re-export the model with this Heimdall$`,
    ),
  );
});

test('six scalar names (in the current format) are refused, both lists named', async () => {
  const six = withMetadata('six-scalars', sixScalars);
  const escaped = (s: string) => s.replace(/[[\]()]/g, '\\$&');
  await assert.rejects(
    loadModel(six),
    new RegExp(
      `^Error: ${six}: the model was exported with scalars ${escaped(`[${OLD_SCALARS.join(', ')}]`)} but this Heimdall computes ${escaped(CODE)}; retrain it with this Heimdall \\(heimdall quickstart, or your training run\\) and re-export it$`,
    ),
  );
  // The same names in another order are as wrong.
  const swapped = withMetadata('swapped-scalars', (m) => {
    const names: string[] = [...SCALAR_NAMES];
    [names[0], names[1]] = [names[1] as string, names[0] as string];
    m['heimdall.scalar_names'] = JSON.stringify(names);
    const s = JSON.parse(m['heimdall.feature_stats'] as string);
    s.scalarNames = names;
    m['heimdall.feature_stats'] = JSON.stringify(s);
  });
  await assert.rejects(
    loadModel(swapped),
    /exported with scalars \[rssi_dbm, rssi_dbfs, .*\] but this Heimdall computes \[rssi_dbfs, rssi_dbm,/,
  );
});

test('a model trained on another feature-code version is refused', async () => {
  const older = withMetadata('code-1', (m) => {
    m['heimdall.feature_code_version'] = '1';
  });
  await assert.rejects(
    loadModel(older),
    new RegExp(
      `^Error: ${older}: the model was trained on features of feature-code version 1 but this Heimdall computes version ${FEATURE_CODE_VERSION} \\(the spectrogram or scalar code changed\\); retrain it`,
    ),
  );
});

test('a feature configuration that does not make the graph’s inputs, or that this Heimdall does not know, is refused', async () => {
  // 64 mel bands in the metadata (statistics and hop consistent with it), a graph taking 128.
  const bands = withMetadata('mel-64', (m) => {
    const c = { ...JSON.parse(m['heimdall.feature_config'] as string), melBands: 64 };
    m['heimdall.feature_config'] = JSON.stringify(c);
    m['heimdall.feature_hop'] = String(hopFor(c));
    const s = JSON.parse(m['heimdall.feature_stats'] as string);
    s.melBands = 64;
    s.melMean = s.melMean.slice(0, 64);
    s.melStd = s.melStd.slice(0, 64);
    m['heimdall.feature_stats'] = JSON.stringify(s);
  });
  await assert.rejects(
    loadModel(bands),
    new RegExp(
      `^Error: ${bands}: the graph's input 'mel_spectrogram' has shape \\[N, 4, 128, 32\\] but its metadata \\(4 receivers, 64 mel bands × 32 frames, 9 scalars\\) makes \\[N, 4, 64, 32\\]; the file is inconsistent, re-export it$`,
    ),
  );
  // A setting this code does not know would be dropped silently and the features would differ.
  const unknown = withMetadata('window', (m) => {
    m['heimdall.feature_config'] = JSON.stringify({ ...JSON.parse(m['heimdall.feature_config'] as string), window: 'blackman' });
  });
  await assert.rejects(
    loadModel(unknown),
    /invalid metadata: heimdall\.feature_config: Unrecognized key\(s\) in object: 'window'/,
  );
});

test('the exporter refuses to write a model with statistics of other scalars', async () => {
  const net = makeNet({ seed: 22 });
  const stats = fakeStats();
  stats.scalarNames = [...OLD_SCALARS];
  stats.scalarMean = stats.scalarMean.slice(0, 6);
  stats.scalarStd = stats.scalarStd.slice(0, 6);
  await assert.rejects(
    exportLocalizationNet(net, { path: join(dir, 'six.onnx'), metadata: metadataFor(net, { featureStats: stats }) }),
    /ONNX export to .*six\.onnx: the model was exported with scalars \[rssi_dbfs, rssi_dbm, rssi_dbm_known, snr_db, freq_offset_hz, heard\] but this Heimdall computes/,
  );
  net.dispose();
});
