// `heimdall serve` as a user starts it: its own process on a free port, health and the OpenAPI
// document over real HTTP, /docs rendered in Debian's chromium (playwright-core) without console
// errors, a clean stop on SIGTERM. Without /usr/bin/chromium the browser part skips, unless
// HEIMDALL_REQUIRE_BROWSER=1 (.ci/run), where a missing browser is a failure. And the embedded
// service end to end, with nothing else installed: a job submitted over HTTP is trained by the
// service's own worker in a child process that reaches the PGlite catalog through the service,
// its events streamed until it succeeds with a registered model; the model downloaded and used
// for predictions on uploaded recordings (equal to `heimdall predict`'s); a simulate job making a
// dataset; recordings uploaded and imported by a job (again: all duplicates).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { simulate } from '../../src/sim/simulate.js';
import { openStore } from '../../src/store/open.js';
import { TokenStore } from '../../src/store/tokens.js';
import { simulatedDataset, smallScenario } from '../pipeline/job-fixtures.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const CHROMIUM = '/usr/bin/chromium';
const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;

/** `heimdall serve --port 0` in home; resolves with its address once it listens. */
async function startServe(home: string, extra: string[] = []) {
  const child = spawn(process.execPath, [main, 'serve', '--port', '0', '--home', home, ...extra], {
    env: { ...env, HEIMDALL_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => {
      clearInterval(check);
      reject(new Error(`serve did not start: ${out}${err}`));
    }, 30_000);
    const check = setInterval(() => {
      const m = /heimdall API on (http:\/\/\S+) /.exec(out);
      if (m?.[1]) {
        clearInterval(check);
        clearTimeout(t);
        resolve(m[1]);
      }
    }, 50);
  });
  return { child, base, exited, output: () => out + err };
}

test(
  'heimdall serve: health and OpenAPI over HTTP, /docs renders in chromium, SIGTERM stops it',
  { timeout: 90_000 },
  async () => {
    const home = mkdtempSync(join(tmpdir(), 'heimdall-serve-'));
    const { child, base, exited } = await startServe(home);
    try {
      assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
      const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      assert.ok('/api/v1/jobs' in doc.paths && '/api/v1/jobs/{id}' in doc.paths);
      const denied = await fetch(`${base}/api/v1/jobs`);
      assert.equal(denied.status, 401);

      const required = process.env.HEIMDALL_REQUIRE_BROWSER === '1';
      if (!existsSync(CHROMIUM)) {
        assert.ok(!required, `HEIMDALL_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
        return;
      }
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
        await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
        // Swagger UI has drawn the document: the title and an operation of ours.
        await page.waitForSelector('text=Heimdall API', { timeout: 15_000 });
        await page.waitForSelector('[data-path="/api/v1/jobs"]', { timeout: 15_000 });
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  },
);

test(
  'the embedded service: jobs posted over HTTP run in its own worker (catalog over IPC): train with events to a model, predict and download it, simulate, upload and import',
  { timeout: 180_000 },
  async () => {
    const home = mkdtempSync(join(tmpdir(), 'heimdall-serve-jobs-'));
    const store = await openStore({ home, env });
    const scenario = smallScenario('serve-test');
    await simulatedDataset(store, { name: 'beacons', scenario, seed: 3, samples: 24 });
    const token = await new TokenStore(store.catalog.db).create('client', 'write');
    await store.close(); // the service opens the catalog now: PGlite belongs to one process
    const { child, base, exited, output } = await startServe(home);
    try {
      assert.match(output(), /jobs: in-process, jobs table of pglite:.*; this process runs 1 at a time/);
      const auth = { authorization: `Bearer ${token}` };
      const created = await fetch(`${base}/api/v1/jobs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          kind: 'train',
          dataset: 'beacons',
          config: { model: { widths: [4, 8, 8, 16] }, optimizer: { batchSize: 8 }, trainer: { maxEpochs: 3, patience: 3 } },
        }),
      });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: number };
      const stream = await fetch(`${base}/api/v1/jobs/${id}/events`, { headers: auth });
      const events = (await stream.text())
        .split('\n\n')
        .filter((e) => e.startsWith('event: '))
        .map((e) => {
          const [head, data] = e.split('\n');
          return { event: head?.slice('event: '.length), data: JSON.parse(data?.slice('data: '.length) ?? 'null') };
        });
      const states = events.filter((e) => e.event === 'state').map((e) => e.data.status);
      assert.equal(states.at(-1), 'succeeded', JSON.stringify(events.at(-1)));
      assert.ok(states.includes('running'));
      assert.deepEqual(
        events.filter((e) => e.event === 'metrics').map((e) => e.data.epoch),
        [1, 2, 3],
      );
      const job = (await (await fetch(`${base}/api/v1/jobs/${id}`, { headers: auth })).json()) as {
        status: string;
        runId: string;
        model: { name: string; version: string };
      };
      assert.equal(job.status, 'succeeded');
      const models = (await (await fetch(`${base}/api/v1/models`, { headers: auth })).json()) as {
        name: string;
        versions: { version: string; runId: string }[];
      }[];
      const versions = models.find((m) => m.name === job.model.name)?.versions ?? [];
      assert.ok(
        versions.some((v) => v.version === job.model.version && v.runId === job.runId),
        JSON.stringify(models),
      );
      // The model over HTTP: its ONNX file, and predictions for an uploaded transmission that
      // match `heimdall predict` on the same files with the downloaded file.
      const onnx = await fetch(`${base}/api/v1/models/${job.model.name}/versions/${job.model.version}/onnx`, { headers: auth });
      assert.equal(onnx.status, 200);
      const modelFile = join(home, 'downloaded.onnx');
      writeFileSync(modelFile, Buffer.from(await onnx.arrayBuffer()));
      const txDir = join(home, 'sim', 'tx-000000');
      const form = new FormData();
      for (const name of readdirSync(txDir)) form.append('files', new Blob([readFileSync(join(txDir, name))]), name);
      const predicted = await fetch(`${base}/api/v1/predict?model=${job.model.name}@v${job.model.version}`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
      assert.equal(predicted.status, 200);
      const doc = (await predicted.json()) as {
        model: { version: string };
        predictions: { label: string; lat: number; lon: number; cep50M: number }[];
        failed: unknown[];
      };
      assert.equal(doc.model.version, job.model.version);
      assert.deepEqual(doc.failed, []);
      assert.deepEqual(
        doc.predictions.map((p) => p.label),
        ['tx-000000.sigmf-collection'],
      );
      const cli = JSON.parse(
        execFileSync(process.execPath, [main, 'predict', '--model', modelFile, txDir], { env, encoding: 'utf8' }),
      ) as typeof doc;
      assert.equal(cli.predictions.length, 1);
      for (const k of ['lat', 'lon', 'cep50M'] as const) assert.equal(doc.predictions[0]?.[k], cli.predictions[0]?.[k]);

      // Data jobs. simulate: a scenario → transmissions → the catalog and a dataset.
      const post = async (body: unknown) => {
        const r = await fetch(`${base}/api/v1/jobs`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(r.status, 201, await r.clone().text());
        return ((await r.json()) as { id: number }).id;
      };
      const settled = async (jobId: number) => {
        for (;;) {
          const j = (await (await fetch(`${base}/api/v1/jobs/${jobId}`, { headers: auth })).json()) as {
            status: string;
            error: string | null;
            result: Record<string, unknown> | null;
          };
          if (!['queued', 'running'].includes(j.status)) return j;
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      const simulated = await settled(
        await post({
          kind: 'simulate',
          scenario: { ...scenario, name: 'serve-sim', region: undefined },
          samples: 6,
          seed: 9,
          dataset: 'made',
        }),
      );
      assert.equal(simulated.status, 'succeeded', simulated.error ?? '');
      assert.deepEqual(simulated.result, {
        scenario: 'serve-sim',
        seed: 9,
        imported: 6,
        duplicates: 0,
        skipped: [],
        dataset: { name: 'made', version: 1, counts: { train: 4, val: 1, test: 1 } },
      });
      const made = (await (await fetch(`${base}/api/v1/datasets/made`, { headers: auth })).json()) as {
        version: number;
        counts: unknown;
      }[];
      assert.deepEqual(
        made.map((v) => [v.version, v.counts]),
        [[1, { train: 4, val: 1, test: 1 }]],
      );

      // upload + import: one transmission's files into the blob store, then catalogued by a job.
      await simulate({ scenario, seed: 11, samples: 1, outDir: join(home, 'more'), workers: 0 });
      const upload = new FormData();
      const txFiles = readdirSync(join(home, 'more', 'tx-000000'));
      for (const name of txFiles) upload.append('files', new Blob([readFileSync(join(home, 'more', 'tx-000000', name))]), name);
      const uploaded = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: auth, body: upload });
      assert.equal(uploaded.status, 201);
      const { prefix, files } = (await uploaded.json()) as { prefix: string; files: { name: string }[] };
      assert.match(prefix, /^heimdall-uploads\/\d{8}T\d{9}Z-[0-9a-f]{12}$/);
      assert.deepEqual(files.map((f) => f.name).sort(), [...txFiles].sort());
      const imported = await settled(await post({ kind: 'import', prefix }));
      assert.equal(imported.status, 'succeeded', imported.error ?? '');
      assert.deepEqual([imported.result?.files, imported.result?.imported, imported.result?.duplicates], [9, 1, 0]);
      const again = await settled(await post({ kind: 'import', prefix }));
      assert.deepEqual([again.status, again.result?.imported, again.result?.duplicates], ['succeeded', 0, 1]);
      const nothing = await settled(await post({ kind: 'import', prefix: 'heimdall-uploads/none' }));
      assert.equal(nothing.status, 'failed');
      assert.match(nothing.error ?? '', /nothing under 'heimdall-uploads\/none\/'/);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output());
    }
  },
);
