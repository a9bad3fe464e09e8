// Preloaded with `node --import` by startup.test.ts: appends to $HEIMDALL_LOAD_LOG every module the
// process loads — ES modules through a loader hook (load-recorder-hooks.ts), CommonJS modules and
// native addons (.node) from require's cache when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.HEIMDALL_LOAD_LOG;
if (!log) throw new Error('load-recorder: set HEIMDALL_LOAD_LOG to the file that receives the loaded modules');
register(new URL('./load-recorder-hooks.js', import.meta.url));
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const files = Object.keys(cache);
  if (files.length > 0) appendFileSync(log, `${files.join('\n')}\n`);
});
