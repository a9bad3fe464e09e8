// Start-up cost: building the command tree must not load the heavy dependencies; each command
// loads its own on first use. Checked by what the process loads (a loader hook), not by timing
// (the timings are in docs/PERFORMANCE.md, "CLI start-up").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const main = join(root, 'dist/src/cli/main.js');
const recorder = join(here, 'load-recorder.js');
const { DATABASE_URL: _ignored, ...baseEnv } = process.env;
const work = mkdtempSync(join(tmpdir(), 'heimdall-cli-startup-'));

/** Runs the CLI with the load recorder; returns its result and every module file it loaded. */
function loadedBy(...args: string[]): { status: number | null; stderr: string; modules: string[] } {
  const log = join(work, `load-${Math.random().toString(36).slice(2)}.log`);
  const r = spawnSync(process.execPath, ['--import', recorder, main, ...args], {
    encoding: 'utf8',
    env: { ...baseEnv, HEIMDALL_LOAD_LOG: log, HEIMDALL_THREADS: '1', HEIMDALL_HOME: join(work, 'home') },
  });
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    // nothing recorded
  }
  return { status: r.status, stderr: r.stderr, modules: text.split('\n').filter((l) => l.length > 0) };
}

const HEAVY = {
  'onnxruntime-node': /[\\/]node_modules[\\/]onnxruntime-node[\\/]/,
  '@electric-sql/pglite': /[\\/]node_modules[\\/]@electric-sql[\\/]pglite[\\/]/,
  '@aws-sdk': /[\\/]node_modules[\\/]@aws-sdk[\\/]/,
  pg: /[\\/]node_modules[\\/]pg[\\/]/,
  'the libtorch addon': /heimdall_torch\.node$/,
};
type Heavy = keyof typeof HEAVY;

function heavyLoaded(modules: string[], which: Heavy[]): string[] {
  return which.filter((name) => modules.some((m) => HEAVY[name].test(m)));
}

const ALL = Object.keys(HEAVY) as Heavy[];

test('the recorder sees what a command loads: demo loads the libtorch addon, --version loads commander', () => {
  const demo = loadedBy('demo', '--steps', '1');
  assert.equal(demo.status, 0, demo.stderr);
  assert.deepEqual(heavyLoaded(demo.modules, ['the libtorch addon']), ['the libtorch addon']);
  const version = loadedBy('--version');
  assert.equal(version.status, 0, version.stderr);
  assert.ok(
    version.modules.some((m) => /[\\/]node_modules[\\/]commander[\\/]/.test(m)),
    'commander is recorded',
  );
});

for (const args of [['--version'], ['--help'], ['help', 'predict'], ['quickstart', '--help'], ['dataset', 'show', '--help']]) {
  test(`heimdall ${args.join(' ')} loads none of ${ALL.join(', ')}`, () => {
    const r = loadedBy(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(heavyLoaded(r.modules, ALL), []);
  });
}

test('heimdall inspect of one recording loads the DSP addon but neither onnxruntime, PGlite, pg, the S3 SDK nor libtorch', () => {
  const out = join(work, 'sim');
  const sim = spawnSync(
    process.execPath,
    [main, 'simulate', '--preset', 'kiwisdr-hf-tdoa', '--samples', '1', '--out', out, '--workers', '0'],
    { encoding: 'utf8', env: baseEnv },
  );
  assert.equal(sim.status, 0, sim.stderr);
  const r = loadedBy('inspect', join(out, 'tx-000000', 'tx-000000.sigmf-collection'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    r.modules.some((m) => m.endsWith('/signal/features/extract.js')),
    'the feature layer is loaded',
  );
  // The STFT and mel kernels come from heimdall_dsp (FFTW, milliseconds to load), never from the
  // libtorch addon (~0.65 s to load): docs/PERFORMANCE.md, "CLI start-up".
  assert.ok(
    r.modules.some((m) => /[\\/]native[\\/]dsp[\\/]build[\\/]Release[\\/]heimdall_dsp\.node$/.test(m)),
    'the DSP addon is loaded',
  );
  assert.deepEqual(heavyLoaded(r.modules, ALL), []);
});
