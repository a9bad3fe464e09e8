#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=adam).
// A folder or file under test/ may be given to run only those tests: scripts/run-tests.mjs test/engine
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const args = process.argv.slice(2);
const selectors = args.filter((a) => !a.startsWith('--')).map((a) => join(root, 'dist', a.replace(/\.ts$/, '.js')));
const flags = args.filter((a) => a.startsWith('--'));

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.js')) {
    out.push(path);
  }
  return out;
}

const files = (selectors.length > 0 ? selectors : [join(root, 'dist/test')]).flatMap((p) => collect(p, []));
if (files.length === 0) {
  console.error('run-tests: no test files found (did `npm run build:ts` run?)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...flags, ...files.map((f) => relative(root, f))], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
