// Which scenario quickstart trains on: the preset, or your own network/scenario under a name that
// carries a hash of its content (so the catalog never mixes two networks' sessions).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { featureConfigFor, quickstartScenario } from '../../src/pipeline/quickstart.js';
import { PRESETS } from '../../src/sim/presets.js';
import { ringNetwork } from '../sim/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'heimdall-qs-scenario-'));

test('the preset keeps its name; a network file replaces the receivers under a content-hashed name', () => {
  assert.equal(quickstartScenario({ preset: 'nw-italy-2m' }).name, 'nw-italy-2m');
  const file = join(dir, 'ring.json');
  writeFileSync(file, JSON.stringify(ringNetwork(5, 20_000)));
  const mine = quickstartScenario({ preset: 'nw-italy-2m', networkFile: file });
  assert.match(mine.name, /^nw-italy-2m-[0-9a-f]{8}$/);
  assert.deepEqual(
    mine.network.receivers.map((r) => r.id),
    ['rx0', 'rx1', 'rx2', 'rx3', 'rx4'],
  );
  // Transmitters are drawn around these receivers (5 on a 20 km circle around 45 N, 8 E: 44.854–45.180 N,
  // 7.758–8.242 E, widened by 10 % of the span on each side), not in the preset's region.
  assert.deepEqual(mine.region, { kind: 'bbox', south: 44.821848, north: 45.212522, west: 7.710026, east: 8.289974 });
  assert.equal(quickstartScenario({ preset: 'nw-italy-2m', networkFile: file }).name, mine.name, 'same content, same name');
  writeFileSync(file, JSON.stringify(ringNetwork(6, 20_000)));
  assert.notEqual(
    quickstartScenario({ preset: 'nw-italy-2m', networkFile: file }).name,
    mine.name,
    'another network, another name',
  );
});

test('a scenario file is used instead of the preset; a bad one names the file and the field', () => {
  const file = join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify({ ...PRESETS['dense-urban-uhf'], name: 'my-city' }));
  const s = quickstartScenario({ preset: 'nw-italy-2m', scenarioFile: file });
  assert.match(s.name, /^my-city-[0-9a-f]{8}$/);
  assert.equal(s.network.receivers.length, PRESETS['dense-urban-uhf']?.network?.receivers?.length);
  writeFileSync(file, JSON.stringify({ ...PRESETS['dense-urban-uhf'], frequencyHz: -1 }));
  assert.throws(() => quickstartScenario({ preset: 'nw-italy-2m', scenarioFile: file }), /scenario\.json[\s\S]*frequencyHz/);
});

test('features follow the network: its sample rate, one second or the whole recording if shorter', () => {
  const kiwi = featureConfigFor(quickstartScenario({ preset: 'kiwisdr-hf-tdoa' }));
  const rate = PRESETS['kiwisdr-hf-tdoa']?.network?.receivers?.[0]?.sampleRateHz;
  assert.equal(kiwi.sampleRateHz, rate);
  assert.equal(kiwi.samples, rate);
  assert.equal(kiwi.melBands, 128);
  const italy = quickstartScenario({ preset: 'nw-italy-2m' });
  assert.equal(featureConfigFor({ ...italy, durationS: 0.5 }).samples, 6250);
  const mixed = {
    ...italy,
    network: {
      ...italy.network,
      receivers: italy.network.receivers.map((r, i) => ({ ...r, sampleRateHz: i === 0 ? 12_000 : 12_500 })),
    },
  };
  assert.throws(() => featureConfigFor(mixed), /nw-italy-2m: the receivers record at different sample rates \(12000, 12500 Hz\)/);
});
