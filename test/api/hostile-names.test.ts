// Hostile names through the HTTP API, on both catalogs: uploaded file names, dataset names in job
// bodies and paths, model names, import prefixes. Each is refused with 400 naming the input (or,
// where a name is only looked up, 404 naming it); nothing is stored, nothing is created outside
// the service's home, and the catalog's tables are all still there afterwards.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HOSTILE, LOOK_ALIKES, SQL_ISH, TOO_LONG, TRAVERSAL } from '../hostile-names.js';
import { type ApiFixture, catalogBackends, startApi } from './api-fixture.js';

/** A multipart body with one file part; `disposition` is the part's Content-Disposition parameters. */
function onePart(disposition: string): { payload: Buffer; contentType: string } {
  const b = 'hostile-boundary';
  return {
    payload: Buffer.concat([
      Buffer.from(`--${b}\r\ncontent-disposition: form-data; name="files"; ${disposition}\r\n\r\n`, 'latin1'),
      Buffer.from('0123456789'),
      Buffer.from(`\r\n--${b}--\r\n`),
    ]),
    contentType: `multipart/form-data; boundary=${b}`,
  };
}

for (const backend of catalogBackends) {
  describe(`hostile names through the API on ${backend.name}`, { skip: backend.skip }, () => {
    let f: ApiFixture;
    let sandbox = '';
    let staging = '';
    let write = '';
    let tablesBefore: string[] = [];
    const originalTmp = process.env.TMPDIR;
    const tables = async () =>
      (
        await f.store.catalog.db.query<{ t: string }>(
          `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
        )
      ).rows.map((r) => r.t);

    before(async () => {
      sandbox = mkdtempSync(join(tmpdir(), 'heimdall-api-hostile-'));
      f = await startApi(backend, { home: join(sandbox, 'home') });
      write = await f.tokens.create('w', 'write');
      tablesBefore = await tables();
      staging = join(sandbox, 'tmp');
      mkdirSync(staging);
      process.env.TMPDIR = staging; // where uploads are staged: checked empty afterwards
    });
    after(async () => {
      if (originalTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = originalTmp;
      await f?.close();
      rmSync(sandbox, { recursive: true, force: true });
    });

    const post = (url: string, body: unknown) =>
      f.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${write}` }, payload: body as object });
    const get = (url: string) => f.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${write}` } });

    test('uploaded file names with folders, traversal, NUL, look-alikes, quotes or 5000 characters are refused, naming them', async () => {
      for (const name of HOSTILE) {
        // Sent raw, as a client would (latin1 keeps every byte as given, NUL included).
        // Quoted as RFC 7230 quotes ('\\' and '"' escaped), so the server sees the name whole.
        const quoted = name.replace(/[\\"]/g, (c) => `\\${c}`);
        const body = onePart(`filename="${Buffer.from(quoted, 'utf8').toString('latin1')}"`);
        const r = await f.app.inject({
          method: 'POST',
          url: '/api/v1/uploads',
          headers: { authorization: `Bearer ${write}`, 'content-type': body.contentType },
          payload: body.payload,
        });
        assert.equal(r.statusCode, 400, `${JSON.stringify(name.slice(0, 40))}: ${r.body.slice(0, 200)}`);
        const error = r.json().error as string;
        // A name with a line break never reaches us: the parser drops that part as malformed.
        if (name.includes('\n')) assert.equal(error, 'no files uploaded');
        else assert.ok(error.startsWith("uploaded file name '"), error.slice(0, 200));
        if (/^[\x20-\x7e]+$/.test(name))
          assert.ok(error.startsWith(`uploaded file name '${name.slice(0, 60)}`), error.slice(0, 200));
      }
      // RFC 5987's encoded form decodes to a traversal: refused, not cut down to its last part.
      const encoded = onePart("filename*=UTF-8''..%2F..%2Fescape.npy");
      const r = await f.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: { authorization: `Bearer ${write}`, 'content-type': encoded.contentType },
        payload: encoded.payload,
      });
      assert.deepEqual([r.statusCode, r.json().error.split(':')[0]], [400, "uploaded file name '../../escape.npy'"]);
      assert.deepEqual(await f.store.blobs.list(''), [], 'no blob stored');
      assert.deepEqual(readdirSync(staging), [], 'no staged file left');
    });

    test('dataset names in job bodies are refused with 400 naming them; looked-up names are 404 naming them', async () => {
      for (const name of HOSTILE) {
        const train = await post('/api/v1/jobs', { kind: 'train', dataset: name.slice(0, 200) });
        assert.equal(train.statusCode, 400, JSON.stringify(name.slice(0, 40)));
        assert.match(train.json().error, /^invalid request: |^dataset name '/);
        const sim = await post('/api/v1/jobs', { kind: 'simulate', preset: 'nw-italy-2m', samples: 1, dataset: name });
        assert.deepEqual([sim.statusCode, /body\/dataset must match pattern/.test(sim.json().error)], [400, true]);
        if (name === 'a/b') continue; // a valid prefix (folders are what a prefix has)
        const imp = await post('/api/v1/jobs', { kind: 'import', prefix: name });
        assert.equal(imp.statusCode, 400, JSON.stringify(name.slice(0, 40)));
      }
      const sqlish = await post('/api/v1/jobs', { kind: 'train', dataset: SQL_ISH[0] });
      assert.equal(
        sqlish.json().error,
        `dataset name '${SQL_ISH[0]}': use letters, digits, '.', '_' and '-' (at most 100, not starting with a symbol)`,
      );
      for (const name of [...SQL_ISH, ...LOOK_ALIKES, 'a/../../b', '..%2Fx', '../x']) {
        const r = await get(`/api/v1/datasets/${encodeURIComponent(name)}`);
        assert.deepEqual([r.statusCode, r.json()], [404, { error: `no dataset named '${name}'` }], name);
      }
      // Past the router's parameter length (100): 414 URI Too Long, still a JSON error.
      const long = await get(`/api/v1/datasets/${TOO_LONG}`);
      assert.equal(long.statusCode, 414);
      assert.equal(typeof long.json().error, 'string');
      assert.equal(
        (await f.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { authorization: `Bearer ${write}` } })).json().jobs
          .length,
        0,
        'no job was queued',
      );
    });

    test('model names in paths are refused with 400; the catalog and the home folder are untouched', async () => {
      for (const name of [...TRAVERSAL, ...LOOK_ALIKES, ...SQL_ISH]) {
        const r = await get(`/api/v1/models/${encodeURIComponent(name)}/versions/1/onnx`);
        assert.ok([400, 404].includes(r.statusCode), `${JSON.stringify(name)}: ${r.statusCode}`);
        if (r.statusCode === 404)
          assert.match(r.json().error, /^no route /); // an encoded '/' splits the path
        else assert.match(r.json().error, /params\/name must match pattern/);
      }
      assert.deepEqual(await tables(), tablesBefore);
      assert.equal(Number((await f.store.catalog.db.query<{ n: string }>('SELECT count(*) AS n FROM sessions')).rows[0]?.n), 0);
      assert.deepEqual(readdirSync(sandbox).sort(), ['home', 'tmp']);
      assert.equal(existsSync('/tmp/heimdall-escape'), false);
      assert.equal(existsSync(join(sandbox, 'escape.npy')), false);
    });
  });
}
