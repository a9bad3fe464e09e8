import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LatLon } from '../../src/geo/wgs84.js';
import { Rng } from '../../src/math/rng.js';
import {
  ConfigError,
  NetworkSchema,
  parseConfig,
  type Region,
  type Scenario,
  type ScenarioInput,
  ScenarioSchema,
} from '../../src/sim/config.js';
import { loadNetworkFile, parseNetwork } from '../../src/sim/network-file.js';
import { BUILT_IN_NETWORKS } from '../../src/sim/networks.js';
import { PRESETS, presetNames } from '../../src/sim/presets.js';
import { distanceToRegionM, insidePolygon, regionBounds, regionSizeM, samplePoint } from '../../src/sim/region.js';
import { resolveScenario } from '../../src/sim/scenario.js';

const RAD = Math.PI / 180;

/** Haversine distance on a 6371 km sphere (m). */
function haversineM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

/** A deep copy of a preset's input, to mutate one field. */
function presetInput(name: string): ScenarioInput & Record<string, unknown> {
  const p = PRESETS[name];
  assert.ok(p !== undefined, `preset ${name} exists`);
  return structuredClone(p) as ScenarioInput & Record<string, unknown>;
}

/** Asserts fn throws a ConfigError from `source` with exactly these issues, and that exact message. */
function assertConfigError(fn: () => unknown, source: string, issues: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.name, 'ConfigError');
    assert.equal(err.source, source);
    assert.deepEqual(err.issues, issues);
    assert.equal(err.message, [`${source}: invalid configuration`, ...issues.map((i) => `  ${i}`)].join('\n'));
    return true;
  });
}

/** Asserts fn throws a ConfigError whose message starts with `source` and one issue matches `issue`. */
function assertConfigErrorMatching(fn: () => unknown, source: string, issue: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.ok(err.message.startsWith(`${source}: invalid configuration\n  `), err.message);
    assert.equal(err.issues.length, 1, err.message);
    assert.match(err.issues[0] as string, issue);
    return true;
  });
}

describe('scenario validation names the field path', () => {
  const parse = (input: unknown) => parseConfig(ScenarioSchema, input, 'my-scenario.json');

  test('receiver latitude 91', () => {
    const s = presetInput('nw-italy-2m');
    (s.network.receivers[0] as { lat: number }).lat = 91;
    assertConfigError(() => parse(s), 'my-scenario.json', ['network.receivers.0.lat: must be within [-90, 90]']);
  });

  test('receiver longitude −181', () => {
    const s = presetInput('nw-italy-2m');
    (s.network.receivers[4] as { lon: number }).lon = -181;
    assertConfigError(() => parse(s), 'my-scenario.json', ['network.receivers.4.lon: must be within [-180, 180]']);
  });

  test('negative sampleRateHz', () => {
    const s = presetInput('kiwisdr-hf-tdoa');
    (s.network.receivers[2] as { sampleRateHz: number }).sampleRateHz = -12_000;
    assertConfigError(() => parse(s), 'my-scenario.json', ['network.receivers.2.sampleRateHz: must be > 0']);
  });

  test('duplicate receiver ids', () => {
    const s = presetInput('nw-italy-2m');
    (s.network.receivers[5] as { id: string }).id = 'torino'; // receiver 2 is Torino
    assertConfigError(() => parse(s), 'my-scenario.json', ["network.receivers.5.id: duplicate receiver id 'torino'"]);
  });

  test('an id that cannot name a file', () => {
    const s = presetInput('nw-italy-2m');
    (s.network.receivers[1] as { id: string }).id = 'a/b';
    assertConfigError(() => parse(s), 'my-scenario.json', [
      'network.receivers.1.id: must be letters, digits, ".", "_" or "-" (it names files)',
    ]);
  });

  test('Okumura–Hata outside 150–1500 MHz', () => {
    const s = presetInput('dense-urban-uhf');
    s.frequencyHz = 145.5e6;
    assertConfigError(() => parse(s), 'my-scenario.json', [
      'frequencyHz: Okumura–Hata is valid for 150–1500 MHz, got 145.500 MHz (use log-distance or free-space)',
    ]);
    s.frequencyHz = 1800e6;
    assertConfigError(() => parse(s), 'my-scenario.json', [
      'frequencyHz: Okumura–Hata is valid for 150–1500 MHz, got 1800.000 MHz (use log-distance or free-space)',
    ]);
    // The range's ends are valid.
    s.frequencyHz = 150e6;
    assert.equal(parse(s).frequencyHz, 150e6);
    s.frequencyHz = 1500e6;
    assert.equal(parse(s).frequencyHz, 1500e6);
  });

  test('txPowerDbm with min > max', () => {
    const s = presetInput('nw-italy-2m');
    s.txPowerDbm = [40, 30];
    assertConfigError(() => parse(s), 'my-scenario.json', ['txPowerDbm: must be [min, max] with min <= max, got [40, 30]']);
    s.txPowerDbm = [30, 30];
    assert.deepEqual(parse(s).txPowerDbm, [30, 30]);
  });

  test('bbox with south >= north or west >= east', () => {
    const s = presetInput('nw-italy-2m');
    s.region = { kind: 'bbox', south: 45.6, west: 7.1, north: 45.6, east: 9.3 };
    assertConfigError(() => parse(s), 'my-scenario.json', ['region: bbox needs south < north and west < east']);
    s.region = { kind: 'bbox', south: 46, west: 7.1, north: 45, east: 9.3 };
    assertConfigError(() => parse(s), 'my-scenario.json', ['region: bbox needs south < north and west < east']);
    s.region = { kind: 'bbox', south: 44, west: 9.3, north: 45, east: 7.1 };
    assertConfigError(() => parse(s), 'my-scenario.json', ['region: bbox needs south < north and west < east']);
  });

  test('zero durationS', () => {
    const s = presetInput('nw-italy-2m');
    s.durationS = 0;
    assertConfigError(() => parse(s), 'my-scenario.json', ['durationS: must be > 0']);
  });

  test('a missing field and an empty network', () => {
    const s = presetInput('nw-italy-2m');
    delete (s as Record<string, unknown>).frequencyHz;
    assertConfigError(() => parse(s), 'my-scenario.json', ['frequencyHz: Required']);
    const t = presetInput('nw-italy-2m');
    t.network = { name: 'empty', receivers: [] };
    assertConfigError(() => parse(t), 'my-scenario.json', ['network.receivers: a network needs at least one receiver']);
  });

  test('a ConfigError message starts with the source name', () => {
    try {
      parseConfig(ScenarioSchema, 42, 'some/where.json');
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'some/where.json: invalid configuration\n  (root): Expected object, received number');
      assert.ok(err instanceof Error);
    }
  });

  test('unknown preset: the message lists the available presets', () => {
    assertConfigError(() => resolveScenario({ preset: 'nope' }), 'preset', [
      "unknown preset 'nope' (available: nw-italy-2m, dense-urban-uhf, kiwisdr-hf-tdoa, metro-tdoa)",
    ]);
  });

  test('exactly one of a preset, a scenario file and a scenario object; an object resolves like the file', () => {
    for (const src of [{}, { preset: 'nw-italy-2m', scenarioFile: 'x.json' }, { preset: 'nw-italy-2m', scenario: {} }]) {
      assertConfigError(() => resolveScenario(src), 'scenario', [
        'give exactly one of a preset name, a scenario file or a scenario',
      ]);
    }
    const preset = resolveScenario({ preset: 'nw-italy-2m' });
    assert.deepEqual(resolveScenario({ scenario: structuredClone(preset) }), preset);
    assertConfigErrorMatching(() => resolveScenario({ scenario: { ...preset, frequencyHz: -1 } }), 'scenario', /^frequencyHz: /);
  });
});

describe('presets', () => {
  const byName = (name: string): Scenario => resolveScenario({ preset: name });

  test('the four documented presets exist and every preset parses', () => {
    assert.deepEqual(presetNames().sort(), ['dense-urban-uhf', 'kiwisdr-hf-tdoa', 'metro-tdoa', 'nw-italy-2m']);
    for (const name of presetNames()) {
      const s = byName(name);
      assert.equal(s.name, name);
      assert.deepEqual(parseConfig(ScenarioSchema, PRESETS[name], name), s);
    }
    for (const [name, n] of Object.entries(BUILT_IN_NETWORKS)) {
      assert.equal(parseConfig(NetworkSchema, n, name).name, name);
    }
  });

  test('resolving a preset does not mutate it', () => {
    const before = structuredClone(PRESETS['nw-italy-2m']);
    byName('nw-italy-2m');
    assert.deepEqual(PRESETS['nw-italy-2m'], before);
  });

  test('nw-italy-2m: the seven WebSDRs incl. Torino, 2 m band, no GPS clocks', () => {
    const s = byName('nw-italy-2m');
    assert.equal(s.network.receivers.length, 7);
    const torino = s.network.receivers.find((r) => r.id === 'torino');
    assert.ok(torino !== undefined);
    assert.equal(torino.name, 'Torino');
    assert.equal(torino.lat, 45.044);
    assert.equal(torino.lon, 7.672);
    assert.ok(s.frequencyHz >= 144e6 && s.frequencyHz <= 146e6, `${s.frequencyHz} Hz is not in the 2 m band`);
    assert.ok(
      s.network.receivers.every((r) => !r.gpsDisciplined),
      'no receiver is GPS-disciplined',
    );
    assert.equal(s.propagation.model, 'log-distance');
    // Defaults are applied.
    assert.ok(s.network.receivers.every((r) => r.sampleRateHz === 12_500 && r.noiseFigureDb === 6));
  });

  test('dense-urban-uhf: 16 receivers over about 3×3 km, 433 MHz, Hata urban, 4 dB shadowing', () => {
    const s = byName('dense-urban-uhf');
    const rx = s.network.receivers;
    assert.equal(rx.length, 16);
    assert.equal(new Set(rx.map((r) => r.id)).size, 16);
    const lats = rx.map((r) => r.lat);
    const lons = rx.map((r) => r.lon);
    const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
    const northSouth = haversineM({ lat: Math.min(...lats), lon: 7.69 }, { lat: Math.max(...lats), lon: 7.69 });
    const eastWest = haversineM({ lat: midLat, lon: Math.min(...lons) }, { lat: midLat, lon: Math.max(...lons) });
    for (const [what, d] of [
      ['north-south', northSouth],
      ['east-west', eastWest],
    ] as const) {
      assert.ok(d >= 2500 && d <= 4000, `${what} spread ${d.toFixed(0)} m is not about 3 km`);
    }
    assert.ok(s.frequencyHz >= 433.05e6 && s.frequencyHz <= 434.79e6, `${s.frequencyHz} Hz is not in the 433 MHz band`);
    assert.deepEqual(s.propagation, { model: 'hata', environment: 'urban' });
    assert.equal(s.shadowing.sigmaDb, 4);
    // Nearest neighbours about 1 km apart (a jittered 1 km grid).
    for (const a of rx) {
      const nearest = Math.min(...rx.filter((b) => b !== a).map((b) => haversineM(a, b)));
      assert.ok(nearest > 600 && nearest < 1400, `${a.id}: nearest neighbour ${nearest.toFixed(0)} m`);
    }
  });

  test('kiwisdr-hf-tdoa: GPS-disciplined 12 kHz receivers mostly > 100 km apart, below 3 MHz', () => {
    const s = byName('kiwisdr-hf-tdoa');
    const rx = s.network.receivers;
    assert.ok(rx.length >= 3);
    assert.ok(
      rx.every((r) => r.gpsDisciplined),
      'every receiver is GPS-disciplined',
    );
    assert.ok(
      rx.every((r) => r.sampleRateHz === 12_000),
      'every receiver samples at 12 kHz',
    );
    assert.ok(s.frequencyHz < 3e6, `${s.frequencyHz} Hz`);
    const d: number[] = [];
    for (let i = 0; i < rx.length; i++) {
      for (let j = i + 1; j < rx.length; j++) d.push(haversineM(rx[i] as LatLon, rx[j] as LatLon));
    }
    const far = d.filter((x) => x > 100_000).length;
    assert.ok(far >= 0.9 * d.length, `only ${far} of ${d.length} pairs are > 100 km apart`);
    assert.ok(Math.min(...d) > 50_000, `closest pair ${Math.min(...d).toFixed(0)} m`);
  });
});

describe('network files', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'heimdall-network-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  const defaults = {
    altitudeM: 0,
    antennaHeightM: 10,
    antennaGainDbi: 0,
    noiseFigureDb: 6,
    sampleRateHz: 12_500,
    gpsDisciplined: false,
    calibrationOffsetDb: 0,
    fullScaleDbm: -30,
    bandsHz: [],
  };

  test('our JSON layout loads with defaults applied', () => {
    const path = write('club.json', {
      name: 'club',
      receivers: [
        { id: 'hill', name: 'Hill top', lat: 45.1, lon: 7.5 },
        { id: 'tower', name: 'Tower', lat: 45.2, lon: 7.6, altitudeM: 40, gpsDisciplined: true, sampleRateHz: 48_000 },
      ],
    });
    assert.deepEqual(loadNetworkFile(path), {
      name: 'club',
      receivers: [
        { ...defaults, id: 'hill', name: 'Hill top', lat: 45.1, lon: 7.5 },
        {
          ...defaults,
          id: 'tower',
          name: 'Tower',
          lat: 45.2,
          lon: 7.6,
          altitudeM: 40,
          gpsDisciplined: true,
          sampleRateHz: 48_000,
        },
      ],
    });
  });

  test('a GeoJSON FeatureCollection of Points loads ([lon, lat] order, name defaults to id)', () => {
    const path = write('club.geojson', {
      type: 'FeatureCollection',
      name: 'geo club',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [7.672, 45.044] }, properties: { id: 'torino' } },
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [8.956, 44.395] },
          properties: { id: 'genova', name: 'Genova', noiseFigureDb: 8 },
        },
      ],
    });
    assert.deepEqual(loadNetworkFile(path), {
      name: 'geo club',
      receivers: [
        { ...defaults, id: 'torino', name: 'torino', lat: 45.044, lon: 7.672 },
        { ...defaults, id: 'genova', name: 'Genova', lat: 44.395, lon: 8.956, noiseFigureDb: 8 },
      ],
    });
    // Without a collection name, the network is named after its source.
    const unnamed = parseNetwork(
      {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [1, 2] }, properties: { id: 'a' } }],
      },
      'unnamed.geojson',
    );
    assert.equal(unnamed.name, 'unnamed.geojson');
    assert.equal(unnamed.receivers[0]?.lat, 2);
    assert.equal(unnamed.receivers[0]?.lon, 1);
  });

  test('bad JSON names the file', () => {
    const path = write('broken.json', '{ "name": "x", receivers: [ }');
    assertConfigErrorMatching(() => loadNetworkFile(path), path, /^not valid JSON \(.+\)$/);
  });

  test('a non-Point geometry names the file and the feature', () => {
    const path = write('lines.geojson', {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [7, 45] }, properties: { id: 'a' } },
        {
          type: 'Feature',
          geometry: {
            type: 'LineString',
            coordinates: [
              [7, 45],
              [8, 46],
            ],
          },
          properties: { id: 'b' },
        },
      ],
    });
    assertConfigError(() => loadNetworkFile(path), 'lines.geojson', [
      'features.1.geometry: expected a GeoJSON Point [lon, lat(, alt)]',
    ]);
    assertConfigError(() => parseNetwork({ type: 'FeatureCollection' }, 'empty.geojson'), 'empty.geojson', [
      'features: a FeatureCollection needs a features array',
    ]);
  });

  test('a missing id names the file and the receiver', () => {
    const json = write('noid.json', { name: 'n', receivers: [{ name: 'Hill', lat: 45, lon: 7 }] });
    assertConfigError(() => loadNetworkFile(json), 'noid.json', ['receivers.0.id: Required']);
    const geo = write('noid.geojson', {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [7, 45] }, properties: { id: 'ok' } },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [7, 45] }, properties: { name: 'Hill' } },
      ],
    });
    assertConfigError(() => loadNetworkFile(geo), 'noid.geojson', ['features.1.properties.id: Required']);
  });

  test('an out-of-range GeoJSON coordinate is reported where the user wrote it', () => {
    const path = write('swapped.geojson', {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [45, 97] }, properties: { id: 'x' } }],
    });
    assertConfigError(() => loadNetworkFile(path), 'swapped.geojson', [
      'features.0.geometry.coordinates.1 (latitude): must be within [-90, 90]',
    ]);
  });

  test('a missing file names the file', () => {
    const path = join(dir, 'missing.json');
    assertConfigErrorMatching(() => loadNetworkFile(path), path, /^cannot read the file \(ENOENT.*missing\.json.*\)$/);
  });
});

describe('resolveScenario from files', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'heimdall-scenario-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const scenario = {
    name: 'custom',
    network: {
      name: 'pair',
      receivers: [
        { id: 'a', name: 'A', lat: 45, lon: 7 },
        { id: 'b', name: 'B', lat: 45.1, lon: 7.2 },
      ],
    },
    region: { kind: 'bbox', south: 44.9, west: 6.9, north: 45.2, east: 7.3 },
    frequencyHz: 433.5e6,
    txPowerDbm: [20, 30],
    propagation: { model: 'free-space' },
  };

  test('a scenario file resolves with defaults applied', () => {
    const path = join(dir, 'custom.json');
    writeFileSync(path, JSON.stringify(scenario));
    const s = resolveScenario({ scenarioFile: path });
    assert.equal(s.name, 'custom');
    assert.deepEqual(
      s.network.receivers.map((r) => [r.id, r.altitudeM, r.sampleRateHz]),
      [
        ['a', 0, 12_500],
        ['b', 0, 12_500],
      ],
    );
    assert.deepEqual(s.shadowing, { sigmaDb: 6, decorrelationM: 500 });
    assert.deepEqual(s.fading, { model: 'rician', kFactorDb: 6, dopplerHz: 1 });
    assert.deepEqual(s.signals.kinds, ['fm', 'cw', 'fsk']);
    assert.equal(s.txHeightM, 1.5);
    assert.equal(s.durationS, 1);
    assert.equal(s.description, '');
  });

  test('a network file replaces the scenario network (preset or file)', () => {
    const netPath = join(dir, 'net.geojson');
    writeFileSync(
      netPath,
      JSON.stringify({
        type: 'FeatureCollection',
        name: 'override',
        features: [
          { type: 'Feature', geometry: { type: 'Point', coordinates: [7.1, 45.05] }, properties: { id: 'x1' } },
          { type: 'Feature', geometry: { type: 'Point', coordinates: [7.25, 45.15] }, properties: { id: 'x2' } },
          { type: 'Feature', geometry: { type: 'Point', coordinates: [7.0, 45.1] }, properties: { id: 'x3' } },
        ],
      }),
    );
    const fromPreset = resolveScenario({ preset: 'nw-italy-2m', networkFile: netPath });
    assert.equal(fromPreset.name, 'nw-italy-2m');
    assert.equal(fromPreset.frequencyHz, 145.5e6);
    assert.equal(fromPreset.network.name, 'override');
    assert.deepEqual(
      fromPreset.network.receivers.map((r) => r.id),
      ['x1', 'x2', 'x3'],
    );
    const scenarioPath = join(dir, 'custom2.json');
    writeFileSync(scenarioPath, JSON.stringify(scenario));
    const fromFile = resolveScenario({ scenarioFile: scenarioPath, networkFile: netPath });
    assert.equal(fromFile.name, 'custom');
    assert.deepEqual(
      fromFile.network.receivers.map((r) => [r.id, r.lat, r.lon]),
      [
        ['x1', 45.05, 7.1],
        ['x2', 45.15, 7.25],
        ['x3', 45.1, 7.0],
      ],
    );
  });

  test('errors in a scenario file name the file', () => {
    const path = join(dir, 'bad-scenario.json');
    // Every issue is listed, field checks and cross-field checks together.
    writeFileSync(path, JSON.stringify({ ...scenario, durationS: 0, txPowerDbm: [30, 20] }));
    assertConfigError(() => resolveScenario({ scenarioFile: path }), 'bad-scenario.json', [
      'durationS: must be > 0',
      'txPowerDbm: must be [min, max] with min <= max, got [30, 20]',
    ]);
    const missing = join(dir, 'nowhere.json');
    assertConfigErrorMatching(() => resolveScenario({ scenarioFile: missing }), missing, /^cannot read a JSON scenario \(ENOENT/);
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, 'name: yaml?');
    assertConfigErrorMatching(() => resolveScenario({ scenarioFile: notJson }), notJson, /^cannot read a JSON scenario \(.+\)$/);
    assertConfigErrorMatching(
      () => resolveScenario({ preset: 'nw-italy-2m', networkFile: join(dir, 'no-net.json') }),
      join(dir, 'no-net.json'),
      /^cannot read the file \(ENOENT/,
    );
  });
});

describe('the region follows the network', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'heimdall-region-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  /** Three receivers in Bavaria / Baden-Württemberg, 200–400 km north of the Italian presets' regions. */
  const germany = {
    name: 'south-germany',
    receivers: [
      { id: 'muenchen', name: 'München', lat: 48.14, lon: 11.58 },
      { id: 'nuernberg', name: 'Nürnberg', lat: 49.45, lon: 11.08 },
      { id: 'stuttgart', name: 'Stuttgart', lat: 48.78, lon: 9.18 },
    ],
  };

  test("a preset with a network file draws transmitters around that network, not in the preset's region", () => {
    const netPath = join(dir, 'germany.json');
    writeFileSync(netPath, JSON.stringify(germany));
    const s = resolveScenario({ preset: 'kiwisdr-hf-tdoa', networkFile: netPath });
    // The receivers' box (48.14–49.45 N, 9.18–11.58 E) widened by 10 % of its span on each side.
    assert.deepEqual(s.region, { kind: 'bbox', south: 48.009, north: 49.581, west: 8.94, east: 11.82 });
    const b = regionBounds(s.region);
    for (const r of s.network.receivers) assert.ok(r.lat > b.south && r.lat < b.north && r.lon > b.west && r.lon < b.east, r.id);
    assert.equal(
      Math.min(...s.network.receivers.map((r) => distanceToRegionM(r, PRESETS['kiwisdr-hf-tdoa']?.region as Region))),
      distanceToRegionM(germany.receivers[0] as LatLon, PRESETS['kiwisdr-hf-tdoa']?.region as Region),
      'München is the receiver nearest to the preset region',
    );
  });

  test('a scenario file without a region gets one around its receivers (at least 1 km of margin)', () => {
    const path = join(dir, 'no-region.json');
    const single = { name: 'one', receivers: [{ id: 'solo', name: 'Solo', lat: 45, lon: 7 }] };
    writeFileSync(
      path,
      JSON.stringify({
        name: 'lonely',
        network: single,
        frequencyHz: 433.5e6,
        txPowerDbm: [20, 30],
        propagation: { model: 'free-space' },
      }),
    );
    const s = resolveScenario({ scenarioFile: path });
    assert.equal(s.region.kind, 'bbox');
    const b = regionBounds(s.region);
    assert.ok(Math.abs((b.north - 45) * 111_132 - 1000) < 1, `north margin ${(b.north - 45) * 111_132} m`);
    assert.ok(Math.abs(distanceToRegionM({ lat: 45, lon: 7 }, s.region)) === 0);
    assert.ok(Math.abs(regionSizeM(s.region) - 2000) < 20, `size ${regionSizeM(s.region)} m`);
  });

  test('a given region far from every receiver is refused, naming the nearest receiver and the distances', () => {
    const path = join(dir, 'italy-region.json');
    writeFileSync(path, JSON.stringify({ ...PRESETS['kiwisdr-hf-tdoa'], network: germany }));
    assertConfigError(() => resolveScenario({ scenarioFile: path }), 'italy-region.json', [
      "region: every receiver of network 'south-germany' is outside it, the nearest (muenchen) 238 km away — more than a quarter of the region's 339 km size; the simulated transmitters would be far from the whole network. Give a region around the receivers, or leave 'region' out to draw transmitters around them",
    ]);
    const netPath = join(dir, 'germany.json');
    writeFileSync(netPath, JSON.stringify(germany));
    const scenarioPath = join(dir, 'kiwi.json');
    writeFileSync(scenarioPath, JSON.stringify(PRESETS['kiwisdr-hf-tdoa']));
    assertConfigErrorMatching(
      () => resolveScenario({ scenarioFile: scenarioPath, networkFile: netPath }),
      'kiwi.json',
      /^region: every receiver of network 'south-germany' is outside it, the nearest \(muenchen\) 238 km away/,
    );
    // Receivers just outside (within a quarter of the region's size) are accepted: HF networks are wide.
    const near = { ...germany, receivers: [{ id: 'bolzano', name: 'Bolzano', lat: 46.5, lon: 11.35 }] };
    writeFileSync(path, JSON.stringify({ ...PRESETS['kiwisdr-hf-tdoa'], network: near }));
    assert.equal(resolveScenario({ scenarioFile: path }).network.receivers[0]?.id, 'bolzano');
  });

  test('every preset has its receivers within reach of its region', () => {
    for (const name of presetNames()) {
      const s = resolveScenario({ preset: name });
      assert.ok(
        s.network.receivers.some((r) => distanceToRegionM(r, s.region) === 0),
        `${name}: some receiver lies inside the region`,
      );
    }
  });
});

describe('region sampling', () => {
  /** The L-shaped (concave) polygon: the unit squares [0,1]×[0,2] ∪ [1,2]×[0,1] (lat × lon, degrees). */
  const L: LatLon[] = [
    { lat: 0, lon: 0 },
    { lat: 0, lon: 2 },
    { lat: 1, lon: 2 },
    { lat: 1, lon: 1 },
    { lat: 2, lon: 1 },
    { lat: 2, lon: 0 },
  ];
  const inL = (p: LatLon): boolean =>
    (p.lat > 0 && p.lat < 1 && p.lon > 0 && p.lon < 2) || (p.lat > 0 && p.lat < 2 && p.lon > 0 && p.lon < 1);

  test('insidePolygon on known points of a concave polygon', () => {
    const inside: LatLon[] = [
      { lat: 0.5, lon: 0.5 },
      { lat: 0.5, lon: 1.5 },
      { lat: 1.5, lon: 0.5 },
      { lat: 0.01, lon: 1.99 },
      { lat: 1.99, lon: 0.01 },
    ];
    const outside: LatLon[] = [
      { lat: 1.5, lon: 1.5 }, // the notch
      { lat: 1.01, lon: 1.01 },
      { lat: -0.1, lon: 0.5 },
      { lat: 2.1, lon: 0.5 },
      { lat: 0.5, lon: 2.1 },
      { lat: 0.5, lon: -0.1 },
      { lat: 3, lon: 3 },
    ];
    for (const p of inside) assert.equal(insidePolygon(p, L), true, `${JSON.stringify(p)} is inside`);
    for (const p of outside) assert.equal(insidePolygon(p, L), false, `${JSON.stringify(p)} is outside`);
    // Vertex order (clockwise or not) does not matter.
    const reversed = [...L].reverse();
    for (const p of inside) assert.equal(insidePolygon(p, reversed), true);
    for (const p of outside) assert.equal(insidePolygon(p, reversed), false);
  });

  test('bbox points are always inside the box', () => {
    const r: Region = { kind: 'bbox', south: 44.3, west: 7.1, north: 45.6, east: 9.3 };
    const rng = new Rng(1, 'bbox');
    for (let i = 0; i < 20_000; i++) {
      const p = samplePoint(r, rng);
      assert.ok(p.lat >= 44.3 && p.lat <= 45.6 && p.lon >= 7.1 && p.lon < 9.3, `${JSON.stringify(p)}`);
    }
  });

  test('polygon points are always inside the concave polygon, uniformly by area', () => {
    const r: Region = { kind: 'polygon', points: L };
    const rng = new Rng(2, 'polygon');
    const n = 30_000;
    let upperArm = 0;
    for (let i = 0; i < n; i++) {
      const p = samplePoint(r, rng);
      assert.ok(inL(p), `${JSON.stringify(p)} is outside the L`);
      if (p.lat > 1) upperArm++;
    }
    // Area ∝ Δlon·(sin lat₂ − sin lat₁): the upper arm is 1°×[1°, 2°], the lower part 2°×[0°, 1°].
    const a = Math.sin(2 * RAD) - Math.sin(1 * RAD);
    const b = 2 * Math.sin(1 * RAD);
    const p = a / (a + b);
    const se = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(upperArm / n - p) < 4 * se, `upper-arm fraction ${upperArm / n}, expected ${p}`);
  });

  test('uniform by area: in a 0–60° latitude box, (sin 60° − sin 30°)/sin 60° ≈ 0.423 of points lie above 30°', () => {
    const r: Region = { kind: 'bbox', south: 0, west: 10, north: 60, east: 20 };
    const rng = new Rng(3, 'area');
    const n = 100_000;
    let above = 0;
    for (let i = 0; i < n; i++) if (samplePoint(r, rng).lat > 30) above++;
    // Area between latitudes ∝ the difference of their sines.
    const p = (Math.sqrt(3) / 2 - 0.5) / (Math.sqrt(3) / 2);
    assert.ok(Math.abs(p - 0.4226) < 1e-4);
    const se = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(above / n - p) < 4 * se, `fraction above 30°: ${above / n}, expected ${p.toFixed(4)} ± ${4 * se}`);
  });

  test('sampling is deterministic per stream', () => {
    const r: Region = { kind: 'polygon', points: L };
    const a = new Rng(9, 'tx', 4);
    const b = new Rng(9, 'tx', 4);
    for (let i = 0; i < 100; i++) assert.deepEqual(samplePoint(r, a), samplePoint(r, b));
  });

  test('a degenerate polygon is refused', () => {
    const line: Region = {
      kind: 'polygon',
      points: [
        { lat: 0, lon: 0 },
        { lat: 1, lon: 1 },
        { lat: 2, lon: 2 },
      ],
    };
    assert.throws(() => samplePoint(line, new Rng(4)), {
      message: 'region: could not draw a point inside the polygon (is it degenerate?)',
    });
  });
});

// Found by the parser fuzzer (bench/fuzz, target `network`): a GeoJSON FeatureCollection whose features
// array holds null threw "TypeError: Cannot read properties of null (reading 'geometry')".
test('a GeoJSON feature that is not an object is refused naming its index (fuzz find)', () => {
  const doc = {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [7.6, 45.1] }, properties: { id: 'a' } }, null, 5],
  };
  assertConfigError(() => parseNetwork(doc, 'net.geojson'), 'net.geojson', [
    'features.1: expected a GeoJSON Feature object, got null',
  ]);
});
