// A bounded loopback load (autocannon at a fixed overall rate) of GET requests cycling over a
// few routes, with every response sorted by kind: 2xx, 503 with Retry-After, 503 without, other
// 5xx, other statuses, requests that hit the client's timeout (hung), and connection errors.
import { createRequire } from 'node:module';

interface AutocannonRequest {
  method: 'GET';
  path: string;
  onResponse: (status: number, body: string, context: unknown, headers: Record<string, string | string[]>) => void;
}
// autocannon ships no type declarations; this is the part of its API used here.
type Instance = NodeJS.EventEmitter & { stop(): void };
const autocannon = createRequire(import.meta.url)('autocannon') as (
  o: {
    url: string;
    connections: number;
    overallRate: number;
    duration: number;
    timeout: number;
    headers: Record<string, string>;
    requests: AutocannonRequest[];
  },
  done: (err: Error | null) => void,
) => Instance;

export type Kind =
  | '2xx'
  | '503+Retry-After'
  | '503 without Retry-After'
  | 'other 5xx'
  | 'other status'
  | 'timeout (hung)'
  | 'connection error';
export const KINDS: Kind[] = [
  '2xx',
  '503+Retry-After',
  '503 without Retry-After',
  'other 5xx',
  'other status',
  'timeout (hung)',
  'connection error',
];

export interface Tally {
  requests: number;
  kinds: Record<Kind, number>;
  /** Response times of answered requests (ms). */
  times: number[];
  /** A few examples of unexpected answers, for the report. */
  examples: string[];
}

export function emptyTally(): Tally {
  return { requests: 0, kinds: Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>, times: [], examples: [] };
}

export function addTally(into: Tally, t: Tally): void {
  into.requests += t.requests;
  for (const k of KINDS) into.kinds[k] += t.kinds[k];
  for (const x of t.times) into.times.push(x);
  for (const e of t.examples) if (into.examples.length < 8) into.examples.push(e);
}

/** Sorts one HTTP answer into the tally. */
export function classify(t: Tally, route: string, status: number, retryAfter: string | undefined, body: string): void {
  t.requests++;
  let kind: Kind;
  if (status >= 200 && status < 300) kind = '2xx';
  else if (status === 503) kind = retryAfter ? '503+Retry-After' : '503 without Retry-After';
  else if (status >= 500) kind = 'other 5xx';
  else kind = 'other status';
  t.kinds[kind]++;
  if (kind !== '2xx' && kind !== '503+Retry-After' && t.examples.length < 8)
    t.examples.push(`${route} → ${status} ${body.slice(0, 160)}`);
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** Runs the load for `seconds`; requests cycle over `paths`. */
export function runLoad(o: {
  base: string;
  token: string;
  paths: string[];
  seconds: number;
  rate: number;
  connections: number;
  timeoutS: number;
}): Promise<Tally> {
  const t = emptyTally();
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: o.base,
        connections: o.connections,
        overallRate: o.rate,
        duration: o.seconds,
        timeout: o.timeoutS,
        headers: { authorization: `Bearer ${o.token}` },
        requests: o.paths.map((path) => ({
          method: 'GET',
          path,
          onResponse: (status, body, _ctx, headers) => {
            const ra = headers['retry-after'] ?? headers['Retry-After'];
            classify(t, path, status, Array.isArray(ra) ? ra[0] : ra, body ?? '');
          },
        })),
      },
      (err) => (err ? reject(err) : resolve(t)),
    );
    inst.on('response', (_c: unknown, _status: number, _bytes: number, ms: number) => t.times.push(ms));
    inst.on('reqError', (err: Error) => {
      t.requests++;
      const kind: Kind = err.message === 'request timed out' ? 'timeout (hung)' : 'connection error';
      t.kinds[kind]++;
      if (t.examples.length < 8) t.examples.push(`${kind}: ${err.message}`);
    });
  });
}
