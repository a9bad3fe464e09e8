// `heimdall locate` end to end on simulated SigMF sets: the methods agree with the truth within
// what the physics allows, receivers are placed from the recordings or from a network file, and
// bad input is refused by name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { greatCircleDistanceM } from '../../src/geo/distance.js';
import { simulate } from '../../src/sim/simulate.js';
import { gpsTimedScenario, ringNetwork, testScenario } from '../sim/fixtures.js';

const main = resolve(import.meta.dirname, '../../src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'heimdall-locate-'));
const rssDir = join(dir, 'rss');
const tdoaDir = join(dir, 'tdoa');
const network = ringNetwork(8, 10_000);

function locate(...args: string[]) {
  return spawnSync(process.execPath, [main, 'locate', ...args], {
    encoding: 'utf8',
    env: { ...process.env, HEIMDALL_THREADS: '1' },
  });
}

const truthOf = (txDir: string) => {
  const name = readdirSync(txDir).find((f) => f.endsWith('.sigmf-collection')) as string;
  const c = JSON.parse(readFileSync(join(txDir, name), 'utf8')) as { collection: Record<string, unknown> };
  return c.collection['heimdall:truth'] as { lat: number; lon: number };
};

before(async () => {
  await simulate({
    scenario: testScenario({ network, txPowerDbm: [25, 35], signals: { kinds: ['fm'] } }),
    seed: 3,
    samples: 2,
    outDir: rssDir,
    workers: 0,
  });
  await simulate({ scenario: gpsTimedScenario(), seed: 4, samples: 1, outDir: tdoaDir, workers: 0 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('rss-ml, posterior-mean, centroid and strongest localize a noise-free-shadowing transmission', () => {
  const tx = join(rssDir, 'tx-000000');
  const truth = truthOf(tx);
  const out: Record<
    string,
    { lat: number; lon: number; cep50M: number; receivers: { id: string; used: boolean; lat: number; lon: number }[] }
  > = {};
  for (const method of ['rss-ml', 'posterior-mean', 'centroid', 'strongest']) {
    // The data have ≈ 0 dB of error: say so (the default 6 dB would make the posterior honestly broad).
    const r = locate('--method', method, '--json', '--sigma-db', '1', tx);
    assert.equal(r.status, 0, r.stderr);
    out[method] = JSON.parse(r.stdout);
  }
  // Without shadowing, fading or calibration error the powers pin the transmitter down.
  for (const m of ['rss-ml', 'posterior-mean']) {
    const e = greatCircleDistanceM(truth, out[m] as { lat: number; lon: number });
    assert.ok(e < 300, `${m}: ${e.toFixed(0)} m from the truth`);
  }
  const ml = out['rss-ml'] as NonNullable<(typeof out)['rss-ml']>;
  assert.equal(ml.receivers.length, 8);
  assert.ok(ml.receivers.every((r) => r.used && Number.isFinite(r.lat)));
  assert.ok(ml.cep50M > 0 && Number.isFinite(ml.cep50M));
  // The strongest receiver is the nearest one when nothing but distance sets the power.
  const nearest = network.receivers.reduce((a, b) => (greatCircleDistanceM(truth, a) < greatCircleDistanceM(truth, b) ? a : b));
  const strongest = out.strongest as NonNullable<(typeof out)['strongest']>;
  assert.ok(greatCircleDistanceM(strongest, nearest) < 1, 'strongest = the nearest receiver');
  // The weighted centroid lies inside the ring, nearer the transmitter than the ring's centre is.
  const centroid = out.centroid as NonNullable<(typeof out)['centroid']>;
  assert.ok(greatCircleDistanceM(centroid, truth) < greatCircleDistanceM({ lat: 45, lon: 8 }, truth) + 1);
});

test('tdoa localizes a transmission heard by GPS-timed receivers, with per-pair diagnostics', () => {
  const tx = join(tdoaDir, 'tx-000000');
  const truth = truthOf(tx);
  const r = locate('--method', 'tdoa', '--json', tx);
  assert.equal(r.status, 0, r.stderr);
  const est = JSON.parse(r.stdout) as { lat: number; lon: number; ellipse: { semiMajorM: number }; pairs: { used: boolean }[] };
  const e = greatCircleDistanceM(truth, est);
  assert.ok(
    e < Math.max(3 * est.ellipse.semiMajorM, 200),
    `error ${e.toFixed(0)} m, 1σ major ${est.ellipse.semiMajorM.toFixed(0)} m`,
  );
  assert.ok(est.pairs.filter((p) => p.used).length >= 2);
});

test('receivers without a position are named; a GeoJSON network file places them', () => {
  const bare = join(dir, 'bare');
  const tx = join(rssDir, 'tx-000001');
  spawnSync('cp', ['-r', tx, bare]);
  // Loose recordings (no collection, whose hashes would no longer match the edited metadata).
  for (const f of readdirSync(bare).filter((f) => f.endsWith('.sigmf-collection'))) rmSync(join(bare, f));
  for (const f of readdirSync(bare).filter((f) => f.endsWith('.sigmf-meta'))) {
    const meta = JSON.parse(readFileSync(join(bare, f), 'utf8'));
    delete meta.global['core:geolocation'];
    for (const c of meta.captures) delete c['core:geolocation'];
    writeFileSync(join(bare, f), JSON.stringify(meta));
  }
  const refused = locate('--method', 'rss-ml', '--json', bare);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /no position for receiver\(s\) rx0 .*give --receivers NETWORK\.json\|\.geojson/);
  const geojson = join(dir, 'ring.geojson');
  writeFileSync(
    geojson,
    JSON.stringify({
      type: 'FeatureCollection',
      features: network.receivers.map((r) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
        properties: { id: r.id },
      })),
    }),
  );
  const placed = locate('--method', 'rss-ml', '--json', '--receivers', geojson, bare);
  assert.equal(placed.status, 0, placed.stderr);
  const withMeta = JSON.parse(locate('--method', 'rss-ml', '--json', tx).stdout) as { lat: number; lon: number };
  // Same receivers, same powers: the same answer (the network file's antenna height differs from the SigMF altitude).
  assert.ok(greatCircleDistanceM(JSON.parse(placed.stdout), withMeta) < 50);
});

test('--geojson prints the estimate, its 2σ ellipse and the receivers; bad options are refused by name', () => {
  const r = locate('--method', 'centroid', '--geojson', join(rssDir, 'tx-000000'));
  assert.equal(r.status, 0, r.stderr);
  const fc = JSON.parse(r.stdout) as { features: { geometry: { type: string }; properties: { kind: string } }[] };
  assert.deepEqual([...new Set(fc.features.map((f) => `${f.properties.kind}:${f.geometry.type}`))].sort(), [
    'ellipse-2sigma:Polygon',
    'estimate:Point',
    'receiver:Point',
  ]);
  const bad = locate('--method', 'magic', join(rssDir, 'tx-000000'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--method must be one of rss-ml, posterior-mean, tdoa, centroid, strongest, got 'magic'/);
  const badPower = locate('--method', 'rss-ml', '--tx-power', '60,10', join(rssDir, 'tx-000000'));
  assert.match(badPower.stderr, /--tx-power expects MIN,MAX/);
});
