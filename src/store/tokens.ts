// The API's bearer tokens, in the catalog. A token is shown once, when created; the catalog keeps
// only its SHA-256, so a leaked catalog leaks no token. Scopes are ordered: admin ⊃ write ⊃ read.
// A token may expire (expires_at, migration 7): past that instant it is refused, saying so, so a
// forgotten CI token stops working on its own instead of living until someone revokes it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlDatabase } from './sql.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenInfo {
  name: string;
  scope: Scope;
  createdAt: Date;
  revokedAt: Date | null;
  /** When the token stops being accepted; null: until revoked. */
  expiresAt: Date | null;
}

/** When a new token expires: at an instant, or a time after its creation (seconds). */
export type TokenExpiry = { expiresAt: Date } | { ttlS: number };

/** What verify says about a token. */
export type Verified = { ok: true; name: string; scope: Scope } | { ok: false; reason: 'unknown' } | ExpiredToken;
export interface ExpiredToken {
  ok: false;
  reason: 'expired';
  name: string;
  expiresAt: Date;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `granted` allows what `needed` asks. */
export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(granted) >= SCOPES.indexOf(needed);
}

/** The instant a new token expires, checked: a valid date in the future. */
function expiryInstant(e: TokenExpiry, now: Date): Date {
  if ('ttlS' in e) {
    if (!Number.isFinite(e.ttlS) || e.ttlS <= 0) throw new RangeError(`token lifetime ${e.ttlS} s: expected a positive number`);
    return new Date(now.getTime() + e.ttlS * 1000);
  }
  if (!(e.expiresAt instanceof Date) || Number.isNaN(e.expiresAt.getTime()))
    throw new RangeError(`token expiry '${String(e.expiresAt)}': not a valid date`);
  if (e.expiresAt.getTime() <= now.getTime())
    throw new RangeError(`token expiry ${e.expiresAt.toISOString()} is not in the future (now ${now.toISOString()})`);
  return e.expiresAt;
}

export class TokenStore {
  constructor(readonly db: SqlDatabase) {}

  /** A new token (returned once, never stored) named `name` with `scope`, valid until revoked or `expiry`. */
  async create(name: string, scope: Scope, expiry?: TokenExpiry): Promise<string> {
    if (!NAME.test(name))
      throw new RangeError(
        `token name '${name.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)}': use letters, digits, '_', '.', '-' (at most 64, not starting with a symbol)`,
      );
    if (!SCOPES.includes(scope)) throw new RangeError(`scope '${scope}': expected one of ${SCOPES.join(', ')}`);
    const expiresAt = expiry === undefined ? null : expiryInstant(expiry, new Date());
    const token = `hd_${randomBytes(32).toString('base64url')}`;
    const r = await this.db.query(
      `INSERT INTO api_tokens (name, token_sha256, scope, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO NOTHING RETURNING name`,
      [name, sha256(token), scope, expiresAt],
    );
    if (r.rows.length === 0) throw new Error(`a token named '${name}' exists already (revoke it first, or choose another name)`);
    return token;
  }

  async list(): Promise<TokenInfo[]> {
    const r = await this.db.query<TokenInfo>(
      `SELECT name, scope, created_at AS "createdAt", revoked_at AS "revokedAt", expires_at AS "expiresAt"
       FROM api_tokens ORDER BY name`,
    );
    return r.rows;
  }

  async revoke(name: string): Promise<void> {
    // A name no token can have is answered like an unknown one, without asking the database.
    if (!NAME.test(name)) throw new Error(`no active token named '${name.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)}'`);
    const r = await this.db.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name`,
      [name],
    );
    if (r.rows.length === 0) throw new Error(`no active token named '${name}'`);
  }

  /**
   * What the catalog says of a token: accepted (name and scope), unknown (never issued, or
   * revoked: the same answer, so a caller cannot tell the two apart), or expired (named, since its
   * holder had it legitimately and needs to know why it stopped working).
   */
  async check(token: string): Promise<Verified> {
    if (!token.startsWith('hd_') || token.length > 100) return { ok: false, reason: 'unknown' };
    const hash = sha256(token);
    // Expiry is compared in the database, on its clock: every API process agrees on the instant.
    const r = await this.db.query<{ name: string; scope: Scope; hash: string; expiresAt: Date | null; expired: boolean }>(
      `SELECT name, scope, token_sha256 AS hash, expires_at AS "expiresAt", COALESCE(expires_at <= now(), false) AS expired
       FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL`,
      [hash],
    );
    const row = r.rows[0];
    // The lookup is by hash already; compare in constant time anyway, so no path depends on the bytes.
    if (row === undefined || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return { ok: false, reason: 'unknown' };
    if (row.expired) return { ok: false, reason: 'expired', name: row.name, expiresAt: row.expiresAt as Date };
    return { ok: true, name: row.name, scope: row.scope };
  }

  /** The token's name and scope, or undefined for an unknown, revoked or expired token. */
  async verify(token: string): Promise<{ name: string; scope: Scope } | undefined> {
    const v = await this.check(token);
    return v.ok ? { name: v.name, scope: v.scope } : undefined;
  }
}

/** The message an expired token gets (401). */
export const expiredMessage = (e: { name: string; expiresAt: Date }) =>
  `token '${e.name}' expired at ${e.expiresAt.toISOString()}`;
