// The engine's BLAS is the one scripts/install.sh pins (scripts/blas.json), and training numerics
// do not depend on where heimdall runs from — but do depend on the BLAS, which is why it is pinned.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blasLibrary, describeBlas, parseBlasFromMaps } from '../../src/engine/blas.js';

// dist/test/engine/ → repository root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pinned = JSON.parse(readFileSync(join(root, 'scripts/blas.json'), 'utf8')) as { package: string; variant: string };

const maps = `7f4fe4ead000-7f4fe4eb4000 r--p 00000000 fe:01 123 /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
7f4fe1800000-7f4fe1900000 r-xp 00000000 fe:01 124 /usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3
7f4fe5000000-7f4fe5001000 r--p 00000000 fe:01 125 /usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]`;

test('parseBlasFromMaps names the mapped libblas.so.3 and its Debian alternative directory', () => {
  assert.deepEqual(parseBlasFromMaps(maps), {
    path: '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3',
    variant: 'openblas-pthread',
    lapackPath: '/usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3',
  });
  const reference = '7f00-7f01 r--p 00000000 fe:01 9 /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0';
  assert.deepEqual(parseBlasFromMaps(reference), {
    path: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0',
    variant: 'blas',
    lapackPath: null,
  });
  assert.equal(parseBlasFromMaps('7ffd-7ffe rw-p 00000000 00:00 0 [stack]'), null);
  assert.equal(describeBlas(null), 'no libblas.so.3 loaded (BLAS built into libtorch, or not Linux)');
});

test('the engine uses the BLAS scripts/blas.json pins (run scripts/install.sh if this fails)', () => {
  const blas = blasLibrary();
  assert.ok(blas !== null, 'no libblas.so.3 in /proc/self/maps after loading the addon');
  assert.equal(blas.variant, pinned.variant, `engine BLAS ${blas.path}; scripts/blas.json pins ${pinned.package}`);
  assert.equal(blas.lapackPath?.split('/').at(-2), pinned.variant, `engine LAPACK ${blas.lapackPath}`);
});

function demo(cwd: string, home: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = spawnSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'demo', '--steps', '40', '--threads', '2'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, HEIMDALL_HOME: home, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  // Everything but the wall-clock line must agree.
  return r.stdout.split('\n').filter((l) => !l.trim().startsWith('time'));
}

test('two heimdall demo runs from different folders and HEIMDALL_HOME print identical losses', () => {
  const a = mkdtempSync(join(tmpdir(), 'heimdall-demo-a-'));
  const b = mkdtempSync(join(tmpdir(), 'heimdall-demo-b-'));
  const first = demo(a, join(a, 'home'));
  const second = demo(b, join(b, 'other-home'));
  assert.deepEqual(second, first);
  assert.equal(first.filter((l) => /^\s+step\s+\d+\s+loss \d/.test(l)).length, 9, first.join('\n'));
  assert.ok(
    first.some((l) => l.includes(`blas            ${pinned.variant} (`)),
    `demo summary names the BLAS:\n${first.join('\n')}`,
  );
});

/** Every float bit of a 60-step toy regression, and the BLAS the child process mapped. */
function lossBits(env: NodeJS.ProcessEnv): { blas: string; losses: string } {
  const script = `
    const { runToyRegression } = await import(${JSON.stringify(join(root, 'dist/src/train/toy-regression.js'))});
    const { blasLibrary } = await import(${JSON.stringify(join(root, 'dist/src/engine/blas.js'))});
    const r = runToyRegression({ steps: 60, logEvery: 1 });
    console.log(JSON.stringify({ blas: blasLibrary()?.variant, losses: [...r.losses.map((l) => l.loss), r.testLoss].join(',') }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, HEIMDALL_THREADS: '2', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim());
}

const referenceDir = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu'].find((d) =>
  existsSync(join(d, 'blas/libblas.so.3')),
);
test(
  'the BLAS changes the losses: the pinned one and Netlib reference BLAS disagree in the float bits',
  { skip: referenceDir === undefined ? "Netlib reference BLAS (Debian's libblas3) not installed" : false },
  () => {
    const dir = referenceDir as string;
    const pinnedRun = lossBits({});
    const again = lossBits({});
    const reference = lossBits({ LD_LIBRARY_PATH: `${dir}/blas:${dir}/lapack` });
    assert.equal(pinnedRun.blas, pinned.variant);
    assert.equal(reference.blas, 'blas');
    assert.equal(again.losses, pinnedRun.losses, 'same BLAS, same bits');
    assert.notEqual(reference.losses, pinnedRun.losses, 'reference BLAS should give other float bits');
  },
);

test('the engine loads OpenBLAS single-threaded unless OPENBLAS_NUM_THREADS is set, and the bits do not depend on it', () => {
  const probe = (env: NodeJS.ProcessEnv) => {
    const script = `await import(${JSON.stringify(join(root, 'dist/src/engine/native.js'))});
      console.log(process.env.OPENBLAS_NUM_THREADS);`;
    const { OPENBLAS_NUM_THREADS: _drop, ...rest } = process.env;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...rest, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(probe({}), '1');
  assert.equal(probe({ OPENBLAS_NUM_THREADS: '2' }), '2');
  assert.equal(lossBits({ OPENBLAS_NUM_THREADS: '2' }).losses, lossBits({}).losses);
});
