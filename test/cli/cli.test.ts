import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectionAt, kiwiMoment, STATIONS, T0_NS } from '../signal/recording-sets-fixture.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const main = join(root, 'dist/src/cli/main.js');
// The CLI runs on the embedded store here whatever the caller's environment says (CI sets
// DATABASE_URL for the PostgreSQL suites; these tests must not write into that database).
const { DATABASE_URL: _ignored, ...baseEnv } = process.env;
const heimdall = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...baseEnv, HEIMDALL_THREADS: '1' } });

test('heimdall --version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const r = heimdall('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('heimdall --help lists the commands', () => {
  const r = heimdall('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: heimdall \[options\] \[command\]/);
  assert.match(r.stdout, /demo \[options\]/);
});

test('heimdall demo prints a falling loss and a readable summary', () => {
  const r = heimdall('demo', '--steps', '240', '--seed', '3');
  assert.equal(r.status, 0, r.stderr);
  const losses = [...r.stdout.matchAll(/step\s+\d+\s+loss ([\d.]+)/g)].map((m) => Number(m[1]));
  assert.ok(losses.length >= 8, r.stdout);
  assert.ok((losses.at(-1) as number) < (losses[0] as number) / 5, `losses ${losses.join(', ')}`);
  assert.match(r.stdout, /training loss\s+[\d.]+ → [\d.]+ \([\d.]+× lower\)/);
  assert.match(r.stdout, /on 1 thread\(s\)/);
  assert.match(r.stdout, /engine OK/);
});

test('bad options and unknown commands fail with a message naming them', () => {
  const bad = heimdall('demo', '--steps', 'ten');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--steps expects a positive integer, got 'ten'/);
  const unknown = heimdall('frobnicate');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('heimdall simulate writes SigMF and prints a summary with the CRLB', () => {
  const out = mkdtempSync(join(tmpdir(), 'heimdall-cli-sim-'));
  const r = heimdall('simulate', '--preset', 'dense-urban-uhf', '--samples', '4', '--seed', '2', '--out', out, '--workers', '0');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Simulating 4 transmissions of 'dense-urban-uhf' \(16 receivers, seed 2\)/);
  assert.match(r.stdout, /CRLB CEP50\s+median \d+ m/);
  assert.match(r.stderr, /simulate: 4\/4 \(100%\)/);
  assert.ok(existsSync(join(out, 'tx-000003', 'tx-000003.sigmf-collection')));
});

test('heimdall simulate names the bad input', () => {
  const bad = heimdall('simulate', '--preset', 'mars-orbit', '--samples', '1');
  assert.notEqual(bad.status, 0);
  assert.match(
    bad.stderr,
    /unknown preset 'mars-orbit' \(available: nw-italy-2m, dense-urban-uhf, kiwisdr-hf-tdoa, metro-tdoa\)/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-cli-net-'));
  const net = join(dir, 'net.json');
  writeFileSync(net, JSON.stringify({ name: 'x', receivers: [{ id: 'a', name: 'A', lat: 95, lon: 7, sampleRateHz: -5 }] }));
  const badNet = heimdall('simulate', '--network', net, '--samples', '1');
  assert.notEqual(badNet.status, 0);
  assert.match(badNet.stderr, /net\.json: invalid configuration/);
  assert.match(badNet.stderr, /receivers\.0\.lat: must be within \[-90, 90\]/);
  assert.match(badNet.stderr, /receivers\.0\.sampleRateHz: must be > 0/);
});

test('heimdall inspect prints per-receiver scalars and GPS time differences, and skips unreadable paths by name', () => {
  const out = mkdtempSync(join(tmpdir(), 'heimdall-cli-inspect-'));
  assert.equal(heimdall('simulate', '--preset', 'kiwisdr-hf-tdoa', '--samples', '1', '--out', out, '--workers', '0').status, 0);
  const missing = join(out, 'missing.npy');
  const r = heimdall('inspect', join(out, 'tx-000000'), missing);
  assert.equal(r.status, 1, 'one path failed');
  const rows = r.stdout.split('\n').filter((l) => /^\s+kiwi-/.test(l));
  const collection = JSON.parse(readFileSync(join(out, 'tx-000000', 'tx-000000.sigmf-collection'), 'utf8')).collection;
  const online = (collection['heimdall:links'] as { offline: boolean }[]).filter((l) => !l.offline).length;
  assert.equal(rows.length, online);
  assert.match(r.stdout, /±0\.000001 s/);
  if (online >= 2 && collection['heimdall:truth'].signal !== 'cw')
    assert.match(r.stdout, /TDOA kiwi-\S+ − kiwi-\S+: -?\d+\.\d+ µs/);
  assert.match(r.stderr, /skipped .*missing\.npy: .*ENOENT/);
  assert.match(r.stderr, /1 path\(s\) or set\(s\) could not be read/);
});

test('heimdall inspect shows KiwiSDR WAVs of one moment, given one by one, as one transmission', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-cli-kiwi-'));
  const files = kiwiMoment(dir, T0_NS);
  const r = heimdall('inspect', ...files);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => /^\s+receiver\s+samples/.test(l)).length, 1, r.stdout);
  assert.deepEqual(
    r.stdout
      .split('\n')
      .filter((l) => STATIONS.some((s) => l.startsWith(`  ${s} `)))
      .map((l) => l.trim().split(/\s+/)[0])
      .sort(),
    [...STATIONS].sort(),
  );
  assert.equal(r.stderr, '');
});

test('heimdall import skips a malformed collection by name, imports the rest, and exits 1', () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-import-'));
  const data = join(home, 'data');
  collectionAt(join(data, 'tx-1'), 'tx-1', ['rx-a', 'rx-b'], T0_NS);
  mkdirSync(join(data, 'tx-2'));
  writeFileSync(join(data, 'tx-2', 'tx-2.sigmf-collection'), '{');
  const r = heimdall('import', data, '--home', home);
  assert.equal(r.status, 1, 'something was skipped');
  assert.match(r.stdout, /Imported 1 transmission\(s\) into pglite:.*; 0 already catalogued; 1 skipped/);
  assert.match(
    r.stderr,
    new RegExp(`skipped ${join(data, 'tx-2', 'tx-2.sigmf-collection').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`),
  );
});

test('simulate --into, import and dataset create work end to end on the embedded store', () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-home-'));
  const out = join(home, 'sim');
  const sim = heimdall(
    'simulate',
    '--preset',
    'nw-italy-2m',
    '--samples',
    '6',
    '--seed',
    '4',
    '--out',
    out,
    '--workers',
    '0',
    '--into',
    '--home',
    home,
  );
  assert.equal(sim.status, 0, sim.stderr);
  assert.match(sim.stdout, /Imported 6 transmission\(s\) into pglite:.*; 0 already catalogued; 0 skipped/);
  const again = heimdall('import', out, '--home', home);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /Imported 0 transmission\(s\) .*; 6 already catalogued; 0 skipped/);
  const ds = heimdall('dataset', 'create', 'demo', '--split', '0.5/0.25/0.25', '--seed', '2', '--home', home);
  assert.equal(ds.status, 0, ds.stderr);
  assert.match(ds.stdout, /Dataset demo v1: train 3, val 2, test 1 sessions \(split by random, seed 2\)/);
  const show = heimdall('dataset', 'show', 'demo', '--home', home);
  assert.equal(JSON.parse(show.stdout).version, 1);
  const v2 = heimdall('dataset', 'create', 'demo', '--split', '0.5/0.25/0.25', '--seed', '3', '--home', home);
  assert.match(v2.stdout, /Dataset demo v2: /, v2.stderr);
  // The subcommand's --version, not the program's (which used to print the package version here).
  const first = heimdall('dataset', 'show', 'demo', '--version', '1', '--home', home);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).version, 1);
  assert.equal(JSON.parse(first.stdout).seed, 2);
  assert.equal(JSON.parse(heimdall('dataset', 'show', 'demo', '--home', home).stdout).version, 2);
  const bad = heimdall('dataset', 'create', 'x', '--split', '0.5/0.5', '--home', home);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--split expects three non-negative fractions/);
  const missing = heimdall('dataset', 'show', 'nope', '--home', home);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /no dataset named 'nope'; existing datasets: demo/);
});

test('heimdall import --format rss-csv: a wide power log with a column mapping and a network, then a time split', () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-rss-'));
  const network = join(home, 'network.geojson');
  writeFileSync(
    network,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [7.6, 45.0] }, properties: { id: 'north' } },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [7.7, 45.1] }, properties: { id: 'south' } },
      ],
    }),
  );
  const columns = join(home, 'columns.json');
  writeFileSync(columns, JSON.stringify({ time: 'Zeit' }));
  const log = join(home, 'log.csv');
  const rows = Array.from(
    { length: 10 },
    (_, i) => `${1_772_359_200 + 60 * i},${-70 - i},${i % 3 === 0 ? -999 : -80},45.05,7.65`,
  );
  writeFileSync(log, `Zeit,north,south,tx_lat,tx_lon\n${rows.join('\n')}\n`);
  const args = ['import', log, '--format', 'rss-csv', '--columns', columns, '--receivers', network, '--home', home];
  const r = heimdall(...args, '--not-heard', '-999');
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /Imported 10 transmission\(s\) of a wide power log into pglite:.*; 0 already catalogued; 0 without a true position/,
  );
  assert.match(r.stdout, /2 receivers; no IQ stored \(power only\)/);
  // Without --not-heard, -999 dBm is an impossible power: refused by line and column, nothing written.
  const bad = heimdall(...args.slice(0, -2), '--home', mkdtempSync(join(tmpdir(), 'heimdall-cli-rss-bad-')));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /log\.csv:2: south: -999 dBm is not a possible received power/);
  const ds = heimdall('dataset', 'create', 'drive', '--split-by', 'time', '--home', home);
  assert.match(ds.stdout, /Dataset drive v1: train 7, val 2, test 1 sessions \(split by time, seed 1\)/, ds.stderr);
  const misuse = heimdall('import', log, '--not-heard', '-999', '--home', home);
  assert.match(misuse.stderr, /--not-heard applies to power logs: add --format rss-csv or rss-json/);
  const cells = heimdall('dataset', 'create', 'drive', '--cells', '3', '--home', home);
  assert.match(cells.stderr, /--cells applies to --split-by area/);
});
