// The API server's process (`heimdall serve` starts it): opens the catalog, blob store and tracker
// from the environment, serves until SIGTERM/SIGINT, then closes them.
import { parseArgs } from 'node:util';
import { JobStore } from '../jobs/job-store.js';
import { openStore } from '../store/open.js';
import { TokenStore } from '../store/tokens.js';
import { openTracker } from '../track/open.js';
import { buildApi } from './server.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    home: { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`serve: --port ${values.port}: expected an integer 0–65535`);
  process.exit(2);
}
const store = await openStore(values.home === undefined ? {} : { home: values.home });
const tracker = openTracker(values.home === undefined ? {} : { home: values.home });
const app = await buildApi({
  catalog: store.catalog,
  jobs: new JobStore(store.catalog.db),
  tokens: new TokenStore(store.catalog.db),
  tracker,
  blobsReachable: () => store.blobs.has('heimdall-health/probe').then(() => true),
});
const address = await app.listen({ host: values.host, port });
console.log(`heimdall API on ${address} (OpenAPI at ${address}/openapi.json, browsable at ${address}/docs)`);
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await app.close();
  await tracker.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
