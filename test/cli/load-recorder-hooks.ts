// Module-loader hook registered by load-recorder.ts: records the URL of every ES module (and of
// every CommonJS entry imported from one) as it is loaded.
import { appendFileSync } from 'node:fs';

type NextLoad = (url: string, context: unknown) => Promise<unknown>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<unknown> {
  appendFileSync(process.env.HEIMDALL_LOAD_LOG as string, `${url}\n`);
  return nextLoad(url, context);
}
