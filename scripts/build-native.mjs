#!/usr/bin/env node
// Builds the libtorch addon (native/) with node-gyp. Runs on `npm install` and `npm run build`.
// - Checks libtorch is present first and says how to install it, instead of a compiler error.
// - Builds incrementally (configure once); `--force` reconfigures from scratch.
// - Points node-gyp at the local Node headers so it never tries to download them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const libtorch = process.env.LIBTORCH;
const header = libtorch ? join(libtorch, 'include/ATen/ATen.h') : '/usr/include/ATen/ATen.h';

if (!existsSync(header)) {
  console.error(
    `heimdall: libtorch headers not found (${header}).\n` +
      '  Debian/Ubuntu: sudo apt-get install -y libtorch-dev   (or run scripts/install.sh)\n' +
      '  Another libtorch: set LIBTORCH=/path/to/libtorch (the folder holding include/ and lib/).',
  );
  process.exit(1);
}

const gyp = process.env.npm_config_node_gyp
  ? [process.execPath, process.env.npm_config_node_gyp]
  : ['npx', '--no-install', 'node-gyp'];
const args = [];
const nodeHeaders = join(dirname(dirname(process.execPath)), 'include/node/node.h');
if (!process.env.npm_config_nodedir && existsSync(nodeHeaders)) {
  args.push(`--nodedir=${dirname(dirname(process.execPath))}`);
}
const force = process.argv.includes('--force');
const configured = existsSync(join(nativeDir, 'build/Makefile'));
const steps = force || !configured ? ['configure', 'build'] : ['build'];
const jobs = ['--jobs', 'max'];

for (const step of steps) {
  const cmd = [...gyp, step, ...args, ...(step === 'build' ? jobs : [])];
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: nativeDir, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`heimdall: native build step '${step}' failed (exit ${r.status}). See the compiler output above.`);
    process.exit(r.status ?? 1);
  }
}
