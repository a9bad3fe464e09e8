// Access to the API, on both catalogs (PGlite; PostgreSQL when DATABASE_URL is set). The routes
// are enumerated from the OpenAPI document the app serves — not from a list kept here — so a new
// route is checked the moment it exists: every path and method but the public ones refuses no
// token, a malformed Authorization header, a wrong token, a revoked one, an expired one (401, JSON
// `{error}`), and a token one scope below the route's (403). Every route the app registered must
// be in that document, so a route cannot escape the enumeration by hiding from it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { SCOPES, type Scope } from '../../src/store/tokens.js';
import { type ApiFixture, catalogBackends, startApi } from './api-fixture.js';

/** Public by design: health, readiness and the API's own description. */
const PUBLIC = (method: string, path: string) =>
  method === 'GET' && (['/healthz', '/readyz', '/openapi.json'].includes(path) || path === '/docs' || path.startsWith('/docs/'));

/** Authorization headers that are not `Bearer <one token>`. */
const MALFORMED = [
  'Basic dXNlcjpwYXNz', // another scheme
  'Bearer', // no token
  'Bearer ', // an empty one
  'Bearer hd_a hd_b', // two
  'hd_0123456789', // no scheme
  `Bearer hd_${'x'.repeat(5000)}`, // far too long to be a token
];

interface Op {
  method: string;
  path: string;
  url: string;
  security?: unknown;
}

for (const backend of catalogBackends) {
  describe(`access on ${backend.name}`, { skip: backend.skip }, () => {
    let f: ApiFixture;
    const token: Record<Scope | 'revoked' | 'expired', string> = { read: '', write: '', admin: '', revoked: '', expired: '' };
    let expiredAt = '';

    before(async () => {
      f = await startApi(backend);
      for (const scope of SCOPES) token[scope] = await f.tokens.create(`t-${scope}`, scope);
      token.revoked = await f.tokens.create('gone', 'admin');
      await f.tokens.revoke('gone');
      // Made valid for an hour, then aged in the catalog: the database's clock decides expiry.
      token.expired = await f.tokens.create('stale', 'admin', { ttlS: 3600 });
      await f.store.catalog.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE name = 'stale'`);
      expiredAt = ((await f.tokens.list()).find((t) => t.name === 'stale')?.expiresAt as Date).toISOString();
    });
    after(async () => f?.close());

    const send = (op: Op, authorization?: string): Promise<LightMyRequestResponse> =>
      f.app.inject({
        method: op.method as 'GET',
        url: op.url,
        ...(authorization !== undefined ? { headers: { authorization } } : {}),
        // A body the route would accept in shape, so only the token decides the answer.
        ...(op.method === 'POST' && op.path === '/api/v1/jobs' ? { payload: { kind: 'train', dataset: 'd' } } : {}),
      });

    /** The response is `status` with a JSON `{error}` body (and nothing else) matching `message`. */
    const refused = (r: LightMyRequestResponse, status: number, message: RegExp, what: string) => {
      assert.equal(r.statusCode, status, `${what}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      assert.match(String(r.headers['content-type']), /^application\/json/, what);
      const body = r.json() as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['error'], what);
      assert.match(String(body.error), message, what);
      if (status === 401) assert.match(String(r.headers['www-authenticate']), /^Bearer/, what);
    };

    test('every route in the OpenAPI document but the public ones refuses missing, malformed, wrong, revoked, expired and under-scoped tokens', async () => {
      const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, { security?: unknown }>>;
      };
      const ops: Op[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([m, o]) => ({
          method: m.toUpperCase(),
          path,
          url: path.replace('{id}', '1').replace('{name}', 'x').replace('{version}', '1'),
          security: o.security,
        })),
      );
      assert.ok(
        ops.some((o) => o.path.includes('{')),
        'the paths keep their parameters',
      );
      assert.equal(
        ops.filter((o) => o.url.includes('{')).length,
        0,
        `unfilled path parameters: ${ops.map((o) => o.url).join(', ')}`,
      );

      // Every route the app registered is documented: a route missing here would escape the walk.
      const documented = new Set(ops.map((o) => `${o.method} ${o.path}`));
      const registered = f.app.heimdallRoutes.filter((r) => !PUBLIC(r.method, r.url));
      for (const r of registered) {
        const key = `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`;
        assert.ok(documented.has(key), `${key} is registered but not in the OpenAPI document`);
      }

      const secured = ops.filter((o) => !PUBLIC(o.method, o.path));
      assert.equal(secured.length, registered.length, 'the document and the app list the same secured routes');
      assert.ok(secured.length >= 13, `only ${secured.length} secured routes found`);
      const scopeOf = new Map(f.app.heimdallRoutes.map((r) => [`${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`, r.scope]));
      const underScoped: string[] = [];
      for (const op of secured) {
        const key = `${op.method} ${op.path}`;
        const needed = scopeOf.get(key) as Scope;
        assert.ok(SCOPES.includes(needed), `${key} needs scope '${needed}'`);
        assert.deepEqual(op.security, [{ bearer: [] }], `${key} does not declare bearer auth in the document`);

        refused(await send(op), 401, /^missing bearer token/, `${key} without a token`);
        for (const header of MALFORMED)
          refused(
            await send(op, header),
            401,
            /^(malformed Authorization header: expected `Bearer <token>`|invalid or revoked token$)/,
            `${key} with '${header.slice(0, 30)}'`,
          );
        refused(await send(op, 'Bearer hd_not-a-token'), 401, /^invalid or revoked token$/, `${key} with a wrong token`);
        // A real token with one character changed: the same answer as any unknown token.
        const flipped = `${token.admin.slice(0, -1)}${token.admin.endsWith('A') ? 'B' : 'A'}`;
        refused(await send(op, `Bearer ${flipped}`), 401, /^invalid or revoked token$/, `${key} with an altered token`);
        refused(await send(op, `Bearer ${token.revoked}`), 401, /^invalid or revoked token$/, `${key} with a revoked token`);
        refused(
          await send(op, `Bearer ${token.expired}`),
          401,
          new RegExp(`^token 'stale' expired at ${expiredAt.replace(/\./g, '\\.')}$`),
          `${key} with an expired token`,
        );
        const below = SCOPES[SCOPES.indexOf(needed) - 1];
        if (below !== undefined) {
          underScoped.push(key);
          refused(
            await send(op, `Bearer ${token[below]}`),
            403,
            new RegExp(`^token 't-${below}' has scope ${below}; this route needs ${needed}$`),
            `${key} with a ${below} token`,
          );
        }
        // And the right scope passes the gate (whatever the route then says of the request).
        const allowed = await send(op, `Bearer ${token[needed]}`);
        assert.ok(![401, 403].includes(allowed.statusCode), `${key} refused its own scope: ${allowed.body.slice(0, 200)}`);
      }
      // The write routes are the ones a read token must not reach.
      assert.deepEqual(underScoped.sort(), ['POST /api/v1/jobs', 'POST /api/v1/jobs/{id}/cancel', 'POST /api/v1/uploads']);
    });

    test('the public routes answer without a token; an unknown route takes a valid token, then 404', async () => {
      for (const url of ['/healthz', '/readyz', '/openapi.json']) {
        const r = await f.app.inject({ method: 'GET', url });
        assert.equal(r.statusCode, 200, url);
      }
      const unknown = await f.app.inject({ method: 'GET', url: '/api/v1/secret' });
      assert.equal(unknown.statusCode, 401, 'an unknown route does not reveal that it is unknown');
      const known = await f.app.inject({
        method: 'GET',
        url: '/api/v1/secret',
        headers: { authorization: `Bearer ${token.read}` },
      });
      assert.deepEqual([known.statusCode, known.json()], [404, { error: 'no route GET /api/v1/secret' }]);
    });

    test('the scheme name is case-insensitive (RFC 7235); expiry is checked at each request', async () => {
      const jobs: Op = { method: 'GET', path: '/api/v1/jobs', url: '/api/v1/jobs' };
      assert.equal((await send(jobs, `bearer ${token.read}`)).statusCode, 200);
      assert.equal((await send(jobs, `BEARER ${token.read}`)).statusCode, 200);
      const soon = await f.tokens.create('soon', 'read', { ttlS: 3600 });
      assert.equal((await send(jobs, `Bearer ${soon}`)).statusCode, 200);
      await f.store.catalog.db.query(`UPDATE api_tokens SET expires_at = now() WHERE name = 'soon'`);
      refused(await send(jobs, `Bearer ${soon}`), 401, /^token 'soon' expired at /, 'a token that just expired');
      const listed = (await f.tokens.list()).find((t) => t.name === 'soon');
      assert.ok(listed?.expiresAt instanceof Date);
    });
  });
}
