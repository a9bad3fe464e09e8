// When a failed job is tried again. Only failures from outside the job are retried — a dependency
// that did not answer, a training process killed by the system — never an invalid configuration
// or a missing dataset, which would fail the same way every time.

export interface RetryPolicy {
  /** Attempts in all, the first included (a job taken over from a dead worker counts one). */
  maxAttempts: number;
  /** Delay before the second attempt (ms); doubled for each one after, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 300_000 };

/** Delay after attempt `attempt` (1-based) failed: base · 2^(attempt−1), capped. */
export function retryDelayMs(p: RetryPolicy, attempt: number): number {
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

// Network and server-side causes: the same request may well succeed later.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ESOCKETTIMEDOUT',
  '57P01', // PostgreSQL: admin shutdown
  '57P02', // crash shutdown
  '57P03', // cannot connect now
  '53300', // too many connections
  '08000', // connection exception
  '08001',
  '08003',
  '08006',
]);

/**
 * Whether an error comes from outside the job (its cause chain holds a network or server-state
 * code, or an HTTP 5xx/429 from a storage service), so that trying again later may succeed.
 */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const x = e as {
      code?: unknown;
      errors?: unknown;
      $metadata?: { httpStatusCode?: number };
      cause?: unknown;
      name?: unknown;
    };
    if (typeof x.code === 'string' && TRANSIENT_CODES.has(x.code)) return true;
    const http = x.$metadata?.httpStatusCode;
    if (typeof http === 'number' && (http >= 500 || http === 429)) return true;
    if (x.name === 'TimeoutError') return true;
    if (Array.isArray(x.errors) && x.errors.some((inner) => isTransient(inner))) return true;
    e = x.cause;
  }
  return false;
}

/**
 * Runs a catalog call of a worker again while it fails for a transient cause (the catalog's
 * server stopped or restarting), waiting 0.5 s, then twice as long each time, up to 5 s, until it
 * answers or `signal` aborts (the last error is then thrown). A worker that has taken or finished
 * a job must write that to the catalog: giving up at the first refused connection would leave the
 * job `running` under a lease nobody renews, or fail the queue's own entry for it.
 */
export async function whileTransient<T>(
  what: string,
  f: () => Promise<T>,
  o: { signal?: AbortSignal; log?: (line: string) => void; maxDelayMs?: number } = {},
): Promise<T> {
  let delay = 500;
  let logged = false;
  for (;;) {
    try {
      const r = await f();
      if (logged) o.log?.(`${what}: the catalog answers again`);
      return r;
    } catch (err) {
      if (!isTransient(err) || o.signal?.aborted) throw err;
      if (!logged) o.log?.(`${what}: ${(err as Error).message.split('\n')[0]}; trying again until the catalog answers`);
      logged = true;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(o.maxDelayMs ?? 5_000, delay * 2);
    }
  }
}
