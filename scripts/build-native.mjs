#!/usr/bin/env node
// Builds the two native addons with node-gyp. Runs on `npm install` and `npm run build`.
// - native/dsp/ (heimdall_dsp: FFTW kernels for feature extraction; seconds to build, loads in
//   milliseconds) and native/ (heimdall_torch: the libtorch engine; minutes to build).
// - Checks each one's headers are present first and says how to install them, instead of a compiler error.
// - Builds incrementally (configure once); `--force` reconfigures from scratch.
// - Points node-gyp at the local Node headers so it never tries to download them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const libtorch = process.env.LIBTORCH;

const addons = [
  {
    name: 'heimdall_dsp',
    dir: join(root, 'native/dsp'),
    header: '/usr/include/fftw3.h',
    howTo: '  Debian/Ubuntu: sudo apt-get install -y libfftw3-dev   (or run scripts/install.sh)',
  },
  {
    name: 'heimdall_torch',
    dir: join(root, 'native'),
    header: libtorch ? join(libtorch, 'include/ATen/ATen.h') : '/usr/include/ATen/ATen.h',
    howTo:
      '  Debian/Ubuntu: sudo apt-get install -y libtorch-dev   (or run scripts/install.sh)\n' +
      '  Another libtorch: set LIBTORCH=/path/to/libtorch (the folder holding include/ and lib/).',
  },
];

for (const addon of addons) {
  if (!existsSync(addon.header)) {
    console.error(`heimdall: ${addon.name} needs ${addon.header}, which is missing.\n${addon.howTo}`);
    process.exit(1);
  }
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
const jobs = ['--jobs', 'max'];

for (const addon of addons) {
  const configured = existsSync(join(addon.dir, 'build/Makefile'));
  const steps = force || !configured ? ['configure', 'build'] : ['build'];
  for (const step of steps) {
    const cmd = [...gyp, step, ...args, ...(step === 'build' ? jobs : [])];
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd: addon.dir, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`heimdall: ${addon.name} build step '${step}' failed (exit ${r.status}). See the compiler output above.`);
      process.exit(r.status ?? 1);
    }
  }
}
