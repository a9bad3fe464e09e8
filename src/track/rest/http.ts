// HTTP to an MLflow tracking server: its REST API lives under <tracking URI>/api/2.0/ (MLflow's
// rest_utils._REST_API_PATH_PREFIX). Requests are retried with exponential backoff on network
// errors and on the status codes MLflow's own client treats as transient (request_utils.py
// _TRANSIENT_FAILURE_RESPONSE_CODES: 408, 429, 500, 502, 503, 504); any other error response is
// raised as an MlflowError with the server's {error_code, message}.
import { setTimeout as sleep } from 'node:timers/promises';
import { MlflowError } from '../types.js';

export const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export interface HttpOptions {
  /** The tracking URI, e.g. "http://mlflow:5000" (a path prefix is kept). */
  baseUrl: string;
  /** MLFLOW_TRACKING_TOKEN: sent as "Authorization: Bearer <token>". */
  token?: string;
  /** MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD: HTTP basic auth. */
  username?: string;
  password?: string;
  /** Attempts per request, the first included. Default 5. */
  maxAttempts?: number;
  /** Wait before the first retry; doubled each time. Default 250 ms. */
  backoffMs?: number;
  /** Per-attempt timeout. Default 120 s. */
  timeoutMs?: number;
}

export type Query = Record<string, string | number | undefined>;

export class MlflowHttp {
  readonly baseUrl: string;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly o: HttpOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.maxAttempts = o.maxAttempts ?? 5;
    this.backoffMs = o.backoffMs ?? 250;
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  authHeaders(): Record<string, string> {
    if (this.o.token !== undefined && this.o.token !== '') return { authorization: `Bearer ${this.o.token}` };
    if (this.o.username !== undefined && this.o.username !== '') {
      const basic = Buffer.from(`${this.o.username}:${this.o.password ?? ''}`).toString('base64');
      return { authorization: `Basic ${basic}` };
    }
    return {};
  }

  /** URL of a REST endpoint, e.g. api('mlflow/runs/create'). */
  api(endpoint: string, query?: Query): string {
    const url = new URL(`${this.baseUrl}/api/2.0/${endpoint}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.href;
  }

  /** GET with a query string or POST/PATCH/DELETE with a JSON body; returns the parsed JSON reply. */
  async json<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string, payload?: object): Promise<T> {
    const isGet = method === 'GET';
    const url = this.api(endpoint, isGet ? (payload as Query | undefined) : undefined);
    const body = isGet || payload === undefined ? undefined : JSON.stringify(payload);
    const res = await this.send(method, url, body, body === undefined ? {} : { 'content-type': 'application/json' });
    const text = await res.text();
    return (text.trim() === '' ? {} : JSON.parse(text)) as T;
  }

  /** Sends a request with retries; resolves with a successful response, throws MlflowError otherwise. */
  async send(
    method: string,
    url: string,
    body: string | Uint8Array | undefined,
    headers: Record<string, string>,
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { ...this.authHeaders(), ...headers },
          ...(body !== undefined ? { body } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        if (attempt >= this.maxAttempts) {
          const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
          throw new MlflowError('NETWORK_ERROR', `${method} ${url}: no answer after ${attempt} attempt(s): ${cause}`);
        }
        await sleep(this.backoffMs * 2 ** (attempt - 1));
        continue;
      }
      if (res.ok) return res;
      if (TRANSIENT_STATUS.has(res.status) && attempt < this.maxAttempts) {
        await res.body?.cancel();
        await sleep(this.backoffMs * 2 ** (attempt - 1));
        continue;
      }
      throw await errorOf(method, url, res);
    }
  }
}

/** MLflow's error body is {"error_code": "...", "message": "..."}; anything else keeps the raw text. */
async function errorOf(method: string, url: string, res: Response): Promise<MlflowError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof body.message === 'string') {
      const code = typeof body.error_code === 'string' ? body.error_code : `HTTP_${res.status}`;
      return new MlflowError(code, body.message, res.status);
    }
  } catch {
    // not JSON (a proxy's HTML page, say)
  }
  const path = new URL(url).pathname;
  return new MlflowError(`HTTP_${res.status}`, `${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`.trim(), res.status);
}
