// `heimdall locate --method tdoa` on KiwiSDR IQ WAVs, as a user would run it: the stations come
// from the file names, their positions from a network file; one receiver's sample clock runs
// 200 ppm fast and another's first GNSS fix is stale.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { greatCircleDistanceM } from '../../src/geo/distance.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { type SimReceiver, simulate } from '../signal/timing/tdoa-scenario.js';

const main = resolve(import.meta.dirname, '../../src/cli/main.js');
// A 70 km network (small enough that the test's flat geometry and the geodetic one agree to millimetres).
const RX: SimReceiver[] = [
  { id: 'KA', east: -31_000, north: 12_000, heightM: 40, snrDb: 12, startOffsetMs: 0 },
  { id: 'KB', east: 26_000, north: 24_000, heightM: 80, snrDb: 9, startOffsetMs: 41, rateErrorPpm: 200 },
  { id: 'KC', east: 6_000, north: -33_000, heightM: 15, snrDb: 10, startOffsetMs: 17, staleFirstFixNs: 60_000n },
  { id: 'KD', east: -12_000, north: -20_000, heightM: 25, snrDb: 8, startOffsetMs: 63 },
  { id: 'KE', east: 33_000, north: -6_000, heightM: 5, snrDb: 8, startOffsetMs: 29, rateErrorPpm: -40 },
];
const TX = { east: 4_200, north: 3_100 };
const frame = new LocalFrame({ lat: 45.2, lon: 9.1 });

test('KiwiSDR WAVs: stations by file name, positions from --receivers; TDOA lands within its ellipse', () => {
  const sim = simulate(RX, TX, 3);
  const dir = dirname(sim.paths[0] as string);
  const network = join(dir, 'kiwis.json');
  writeFileSync(
    network,
    JSON.stringify({
      name: 'kiwis',
      receivers: RX.map((r) => ({
        id: r.id,
        name: `KiwiSDR ${r.id}`,
        ...frame.toGeodetic(r),
        altitudeM: r.heightM,
        antennaHeightM: 0,
        sampleRateHz: 12001,
      })),
    }),
  );
  const run = (...args: string[]) => spawnSync(process.execPath, [main, 'locate', ...args], { encoding: 'utf8' });
  const without = run('--method', 'tdoa', '--json', dir);
  assert.equal(without.status, 1);
  assert.match(without.stderr, /no position for receiver\(s\) KA .*KE .*give --receivers/);

  const r = run('--method', 'tdoa', '--json', '--receivers', network, dir);
  assert.equal(r.status, 0, r.stderr);
  const est = JSON.parse(r.stdout) as {
    lat: number;
    lon: number;
    ellipse: { semiMajorM: number };
    receivers: { id: string; used: boolean }[];
    pairs: { used: boolean }[];
  };
  assert.deepEqual(
    est.receivers.map((x) => [x.id, x.used]),
    RX.map((x) => [x.id, true]),
  );
  const errM = greatCircleDistanceM(frame.toGeodetic(TX), est);
  // Delays good to ~200 ns (60 m of range difference): tens of metres, inside 3× the 1σ major axis.
  assert.ok(
    errM < 3 * est.ellipse.semiMajorM && errM < 300,
    `error ${errM.toFixed(0)} m, 1σ major ${est.ellipse.semiMajorM.toFixed(0)} m`,
  );
});
