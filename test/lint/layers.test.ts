// The import-layering rule (.dependency-cruiser.cjs) must pass on src/ and must catch a lower
// layer importing a higher one — checked on a throw-away tree with deliberate violations.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');
const config = join(root, '.dependency-cruiser.cjs');

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(depcruise, ['src', '--config', config, '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('src/ has no layering violation', () => {
  const r = cruise(root);
  assert.equal(r.status, 0, r.out);
});

test('the layering rule catches core → adapter, eval → model, adapter → face and face → face imports', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-layers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  file('src/store/catalog.ts', 'export const catalog = 1;\n');
  file('src/model/net.ts', 'export const net = 1;\n');
  file('src/cli/main.ts', 'export const cli = 1;\n');
  file('src/api/server.ts', "import { cli } from '../cli/main.js';\nexport const api = cli;\n");
  file('src/train/trainer.ts', "import { catalog } from '../store/catalog.js';\nexport const t = catalog;\n");
  file('src/eval/evaluate.ts', "import { net } from '../model/net.js';\nexport const e = net;\n");
  file('src/predict/predict.ts', "import { cli } from '../cli/main.js';\nexport const p = cli;\n");
  file('src/math/rng.ts', "import { net } from '../model/net.js';\nexport const r = net;\n");
  const r = cruise(dir);
  assert.notEqual(r.status, 0, 'violations must fail the check');
  for (const rule of [
    'core-imports-no-adapter-pipeline-or-face',
    'eval-takes-arrays',
    'adapters-import-no-pipeline-or-face',
    'api-imports-no-other-face',
    'base-imports-nothing-above',
  ]) {
    assert.match(r.out, new RegExp(rule), `rule ${rule} not reported:\n${r.out}`);
  }
});
