// LocalizationNet's scalar path on power logs: it trains on a small simulated campaign, a
// correction that validation does not keep leaves the radio map's estimates exactly, a kept one
// is saved beside the map and reloads to the same estimates (a changed weights file is refused),
// and predict serves the network's estimates for a log.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { powerNetInputs, powerNetSpec } from '../../src/locate/power/net-inputs.js';
import { RadioMapLocator } from '../../src/locate/power/radio-map.js';
import { radioMapToJson } from '../../src/locate/power/radio-map-json.js';
import { FIXED_ANTENNA_M, MOBILE_ANTENNA_M, type PowerSample } from '../../src/locate/power/samples.js';
import { crossFittedEstimates, fitSelectedRadioMap } from '../../src/locate/power/select.js';
import { trainPowerNet } from '../../src/pipeline/power/net.js';
import { loadRadioMapModel, predictPowerLog, releaseRadioMapModel, servedEstimate } from '../../src/predict/power-log.js';
import { POWER_NET_FILE, powerNetEstimates, writePowerNet } from '../../src/predict/power-net.js';
import { simulatePowerCampaign } from '../../src/sim/power-campaign.js';

setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'heimdall-power-net-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const campaign = simulatePowerCampaign({ seed: 4, days: 4, transmissionsPerDay: 60, fixedReceivers: 10, mobileReceivers: 2 });
const frame = new LocalFrame(campaign.options.center);
const fixed = new Map(campaign.network.receivers.map((r) => [r.id, frame.toLocal(r)]));
/** The campaign as the estimators take it (what pipeline/power/samples.ts makes of the imported log). */
const samples: PowerSample[] = campaign.log.transmissions.map((t, i) => ({
  id: i + 1,
  readings: t.readings.map((r) => {
    const at = r.position ? frame.toLocal(r.position) : (fixed.get(r.receiver) as { east: number; north: number });
    return {
      id: r.receiver,
      ...at,
      heightM: r.position ? MOBILE_ANTENNA_M : FIXED_ANTENNA_M,
      rssDbm: r.rssDbm,
      mobile: r.position !== undefined,
    };
  }),
  truth: frame.toLocal(t.truth as { lat: number; lon: number }),
}));
const train = samples.slice(0, 160);
const val = samples.slice(160, 200);
const testSet = samples.slice(200);
const { map } = fitSelectedRadioMap(train, val, { bandwidthsM: [150], sigmaFactors: [1.2] });
const locator = new RadioMapLocator(map);
const priorsOf = (s: PowerSample[]) => s.map((x) => (x.readings.some((r) => r.rssDbm !== null) ? locator.locate(x) : undefined));
const spec = powerNetSpec(train, 3000);

test('the scalar path trains; a correction validation does not keep leaves the radio map exactly', async () => {
  assert.deepEqual(spec.receivers, [...new Set(train.flatMap((s) => s.readings.map((r) => r.id)))].sort());
  assert.equal(spec.receivers.length, 12, '10 fixed + 2 mobile receivers');
  const lines: string[] = [];
  const epochs: { epoch: number; max: number; valNll: number | undefined }[] = [];
  const trained = await trainPowerNet(
    map,
    spec,
    { train, val, trainPriors: crossFittedEstimates(train, map), valPriors: priorsOf(val) },
    {
      seed: 1,
      maxEpochs: 6,
      checkpointDir: join(dir, 'ck'),
      log: (l) => lines.push(l),
      onEpoch: (epoch, max, m) => {
        epochs.push({ epoch, max, valNll: m.val_nll });
      },
    },
  );
  assert.ok(trained.epochs >= 1 && trained.epochs <= 6);
  // Progress per epoch (what a job reports): 1, 2, … of 6, each with its validation NLL.
  assert.deepEqual(
    epochs.map((e) => [e.epoch, e.max]),
    Array.from({ length: trained.epochs }, (_, k) => [k + 1, 6]),
  );
  assert.ok(epochs.every((e) => Number.isFinite(e.valNll)));
  assert.ok(
    lines.some((l) => /validation median: radio map \d+ m, with the whole correction \d+ m/.test(l)),
    lines.join('\n'),
  );
  const priors = priorsOf(testSet);
  // Force the decision both ways: with nothing kept, the network's output IS the map's posterior.
  trained.net.scaleCorrection(0, 0);
  const out = powerNetEstimates(trained.net, spec, testSet, priors);
  out.forEach((e, i) => {
    const p = priors[i];
    if (p === undefined) return;
    assert.ok(
      Math.abs(e.east - p.east) < 0.05 && Math.abs(e.north - p.north) < 0.05,
      `sample ${i}: ${e.east},${e.north} vs ${p.east},${p.north}`,
    );
    assert.ok(Math.abs(e.cov[0][0] / p.cov[0][0] - 1) < 1e-3, `sample ${i}: σ² east ${e.cov[0][0]} vs ${p.cov[0][0]}`);
  });
  trained.net.dispose();
});

test('a kept network is saved beside the map, reloads to the same estimates, and a changed file is refused', async () => {
  const trained = await trainPowerNet(
    map,
    spec,
    { train, val, trainPriors: crossFittedEstimates(train, map), valPriors: priorsOf(val) },
    { seed: 2, maxEpochs: 3, checkpointDir: join(dir, 'ck2'), log: () => {} },
  );
  const modelDir = join(dir, 'model');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(modelDir, { recursive: true });
  const descriptor = writePowerNet(trained.net, join(modelDir, POWER_NET_FILE), {
    spec,
    sigmaFloor: 1e-3,
    correction: { position: 1, uncertainty: 1 },
  });
  const path = join(modelDir, 'radio-map.json');
  writeFileSync(path, radioMapToJson(map, frame.reference, { dataset: 'campaign@1' }, descriptor));
  const model = loadRadioMapModel(path);
  try {
    assert.ok(model.net, 'the document names a network');
    const priors = priorsOf(testSet);
    const expected = powerNetEstimates(trained.net, spec, testSet, priors, 1e-3);
    testSet.slice(0, 20).forEach((s, i) => {
      const got = servedEstimate(model, s);
      const want = expected[i] as (typeof expected)[number];
      assert.ok(Math.abs(got.east - want.east) < 1e-3 && Math.abs(got.north - want.north) < 1e-3, `sample ${i}`);
    });
    // predict on the log itself: the network's estimates, labelled as such.
    const log = { ...campaign.log, transmissions: campaign.log.transmissions.slice(200, 210) };
    const r = predictPowerLog(model, log);
    assert.equal(r.predictions.length + r.failed.length, 10);
    assert.match(r.predictions[0]?.modelVersion ?? '', /^LocalizationNet correcting a radio map fitted on campaign@1$/);
  } finally {
    releaseRadioMapModel(model);
  }
  // One changed byte in the weights: refused by checksum, naming the file.
  const weights = join(modelDir, POWER_NET_FILE);
  const bytes = readFileSync(weights);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
  writeFileSync(weights, bytes);
  assert.throws(
    () => loadRadioMapModel(path),
    /localization-net\.safetensors: its SHA-256 .* is not the one the radio map names/,
  );
  trained.net.dispose();
  // The inputs: power standardized, heard/running flags, positions over the scale; receivers not running masked.
  const x = powerNetInputs(testSet.slice(0, 1), [undefined], spec);
  const s0 = testSet[0] as PowerSample;
  const running = new Set(s0.readings.map((r) => r.id));
  for (const [k, id] of spec.receivers.entries()) assert.equal(x.mask[k], running.has(id) ? 1 : 0, id);
  assert.equal(x.prior[5], 0, 'no prior: valid 0');
});
