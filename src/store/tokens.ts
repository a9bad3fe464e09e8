// The API's bearer tokens, in the catalog. A token is shown once, when created; the catalog keeps
// only its SHA-256, so a leaked catalog leaks no token. Scopes are ordered: admin ⊃ write ⊃ read.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlDatabase } from './sql.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenInfo {
  name: string;
  scope: Scope;
  createdAt: Date;
  revokedAt: Date | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `granted` allows what `needed` asks. */
export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(granted) >= SCOPES.indexOf(needed);
}

export class TokenStore {
  constructor(readonly db: SqlDatabase) {}

  /** A new token (returned once, never stored) named `name` with `scope`. */
  async create(name: string, scope: Scope): Promise<string> {
    if (!NAME.test(name))
      throw new RangeError(`token name '${name}': use letters, digits, '_', '.', '-' (at most 64, not starting with a symbol)`);
    if (!SCOPES.includes(scope)) throw new RangeError(`scope '${scope}': expected one of ${SCOPES.join(', ')}`);
    const token = `hd_${randomBytes(32).toString('base64url')}`;
    const r = await this.db.query(
      `INSERT INTO api_tokens (name, token_sha256, scope) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING name`,
      [name, sha256(token), scope],
    );
    if (r.rows.length === 0) throw new Error(`a token named '${name}' exists already (revoke it first, or choose another name)`);
    return token;
  }

  async list(): Promise<TokenInfo[]> {
    const r = await this.db.query<TokenInfo>(
      `SELECT name, scope, created_at AS "createdAt", revoked_at AS "revokedAt" FROM api_tokens ORDER BY name`,
    );
    return r.rows;
  }

  async revoke(name: string): Promise<void> {
    const r = await this.db.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name`,
      [name],
    );
    if (r.rows.length === 0) throw new Error(`no active token named '${name}'`);
  }

  /** The token's name and scope, or undefined for an unknown or revoked token. */
  async verify(token: string): Promise<{ name: string; scope: Scope } | undefined> {
    if (!token.startsWith('hd_') || token.length > 100) return undefined;
    const hash = sha256(token);
    const r = await this.db.query<{ name: string; scope: Scope; hash: string }>(
      'SELECT name, scope, token_sha256 AS hash FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = r.rows[0];
    // The lookup is by hash already; compare in constant time anyway, so no path depends on the bytes.
    if (row === undefined || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return undefined;
    return { name: row.name, scope: row.scope };
  }
}
