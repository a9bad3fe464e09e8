// Prints the compiler/linker settings for libtorch, for binding.gyp's <!@(...) expansions.
// Default: Debian's libtorch-dev (headers under /usr/include, libraries on the default path).
// LIBTORCH=/path selects another distribution (e.g. the pytorch.org zip, CUDA builds included).
'use strict';
const path = require('node:path');
const root = process.env.LIBTORCH;
const what = process.argv[2];
if (what === 'include') {
  const base = root ? path.join(root, 'include') : '/usr/include';
  console.log([base, path.join(base, 'torch/csrc/api/include')].join(' '));
} else if (what === 'libs') {
  const libs = ['-ltorch', '-ltorch_cpu', '-lc10'];
  if (root) {
    const dir = path.join(root, 'lib');
    libs.unshift(`-L${dir}`, `-Wl,-rpath,${dir}`);
  }
  console.log(libs.join(' '));
} else {
  console.error(`torch-paths.cjs: expected "include" or "libs", got ${JSON.stringify(what)}`);
  process.exit(2);
}
