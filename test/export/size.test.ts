// The full-width network the issue sizes: ResNet-18 64-128-256-512 over 7 receivers, ≤ 50 MB,
// verified and accepted by the checker like any other export.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { onnxCheckerAvailable } from '../../src/export/checker.js';
import { exportLocalizationNet } from '../../src/export/export.js';
import { makeNet, metadataFor, SITES } from './fixtures.js';

setNumThreads(2);

test('full-width ResNet-18 LocalizationNet (7 receivers) exports under 50 MB with parity', async () => {
  const sites = [
    ...SITES,
    { id: 'echo', lat: 44.395, lon: 8.956, altM: 20 },
    { id: 'foxtrot', lat: 45.044, lon: 7.672, altM: 240 },
    { id: 'golf', lat: 45.03, lon: 7.27, altM: 800 },
  ];
  const net = makeNet({ seed: 21, widths: [64, 128, 256, 512], sites });
  const path = join(mkdtempSync(join(tmpdir(), 'heimdall-size-')), 'full.onnx');
  const r = await exportLocalizationNet(net, { path, metadata: metadataFor(net, { receivers: sites }) });
  const mb = statSync(path).size / 1e6;
  // 11.2 M float32 parameters ≈ 45 MB; batch norm folding removes its 4 vectors per layer.
  assert.ok(mb > 40 && mb <= 50, `${mb.toFixed(1)} MB`);
  assert.ok(r.maxRelDiff < 1e-4, `${r.maxRelDiff}`);
  assert.equal(r.checker.status, onnxCheckerAvailable() ? 'passed' : 'skipped');
  net.dispose();
});
