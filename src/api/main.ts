// The API server's process (`heimdall serve` starts it): opens the catalog, blob store, tracker and
// job queue from the environment, serves until SIGTERM/SIGINT, then closes them. With --workers N
// (default: 1 on the embedded catalog, which no other process can open; 0 otherwise) it also runs
// N jobs at a time itself, each in a child process — the whole service on one machine with
// nothing else installed.
import { parseArgs } from 'node:util';
import { runWorker } from '../pipeline/jobs/worker.js';
import { openStore } from '../store/open.js';
import { openTracker } from '../track/open.js';
import { composeApi } from './compose.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    home: { type: 'string' },
    workers: { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`serve: --port ${values.port}: expected an integer 0–65535`);
  process.exit(2);
}
const store = await openStore(values.home === undefined ? {} : { home: values.home });
const tracker = openTracker(values.home === undefined ? {} : { home: values.home });
const { app, queue } = await composeApi(store, tracker);
const workers = values.workers === undefined ? (queue.kind === 'in-process' ? 1 : 0) : Number(values.workers);
if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
  console.error(`serve: --workers ${values.workers}: expected an integer 0–64`);
  process.exit(2);
}
const address = await app.listen({ host: values.host, port });
console.log(`heimdall API on ${address} (OpenAPI at ${address}/openapi.json, browsable at ${address}/docs)`);
console.log(
  `jobs: ${queue.location}; ${workers === 0 ? 'run by `heimdall worker` processes' : `this process runs ${workers} at a time`}`,
);
const stopWorkers = new AbortController();
const working =
  workers === 0
    ? Promise.resolve(0)
    : runWorker({
        home: store.home,
        store,
        queue,
        concurrency: workers,
        signal: stopWorkers.signal,
        log: (line) => app.log.info(line),
      }).catch((err) => {
        app.log.error({ err: { message: (err as Error).message } }, 'the service’s worker stopped');
        return 0;
      });
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await app.close();
  stopWorkers.abort(); // running jobs checkpoint and go back to the queue
  await working;
  await queue.close();
  await tracker.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
