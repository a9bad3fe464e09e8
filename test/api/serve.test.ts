// `heimdall serve` as a user starts it: its own process on a free port, health and the OpenAPI
// document over real HTTP, /docs rendered in Debian's chromium (playwright-core) without console
// errors, a clean stop on SIGTERM. Without /usr/bin/chromium the browser part skips, unless
// HEIMDALL_REQUIRE_BROWSER=1 (.ci/run), where a missing browser is a failure.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const main = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const CHROMIUM = '/usr/bin/chromium';
const { DATABASE_URL: _db, ...env } = process.env;

test(
  'heimdall serve: health and OpenAPI over HTTP, /docs renders in chromium, SIGTERM stops it',
  { timeout: 90_000 },
  async () => {
    const home = mkdtempSync(join(tmpdir(), 'heimdall-serve-'));
    const child = spawn(process.execPath, [main, 'serve', '--port', '0', '--home', home], {
      env,
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
    try {
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
