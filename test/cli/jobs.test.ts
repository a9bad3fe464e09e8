// `heimdall jobs …` on the embedded catalog (one process at a time, which is all these commands
// need), and `heimdall worker` refusing it: workers share the catalog, which takes PostgreSQL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const main = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const { DATABASE_URL: _db, ...baseEnv } = process.env;

async function heimdall(home: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [main, ...args], {
      env: { ...baseEnv, HEIMDALL_HOME: home },
      encoding: 'utf8',
    });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('jobs submit / list / show / cancel: a bad configuration is refused before it is queued; cancel rules', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-jobs-'));
  const bad = await heimdall(home, 'jobs', 'submit', '--dataset', 'survey', '--set', 'optimizer.lr=-1');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /optimizer\.lr/);
  assert.match((await heimdall(home, 'jobs', 'submit', '--dataset', 'survey@x')).stderr, /NAME@VERSION/);
  assert.match((await heimdall(home, 'jobs', 'list')).stdout, /no jobs/);

  const config = join(home, 'train.yaml');
  writeFileSync(config, 'trainer:\n  maxEpochs: 3\n');
  const ok = await heimdall(home, 'jobs', 'submit', '--dataset', 'survey@2', '--config', config, '--set', 'optimizer.lr=0.001');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^job 1 queued/);
  assert.match((await heimdall(home, 'jobs', 'list')).stdout, /^\s+1\s+queued\s+train\s+survey@2\s+0 %/m);
  assert.match((await heimdall(home, 'jobs', 'list', '--status', 'running')).stdout, /no jobs/);
  assert.match(
    (await heimdall(home, 'jobs', 'list', '--status', 'done')).stderr,
    /--status done: expected one of queued, running/,
  );
  assert.match((await heimdall(home, 'jobs', 'show', '1')).stdout, /attempts 0/);
  assert.match((await heimdall(home, 'jobs', 'cancel', '1')).stdout, /job 1 cancelled/);
  const again = await heimdall(home, 'jobs', 'cancel', '1');
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /job 1 is cancelled already; it cannot be cancelled/);
  assert.match((await heimdall(home, 'jobs', 'show', '7')).stderr, /no job 7/);
});

test('heimdall worker refuses the embedded catalog, saying why', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-worker-'));
  const r = await heimdall(home, 'worker', '--max-jobs', '1');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /heimdall worker needs PostgreSQL \(DATABASE_URL\)/);
});

test('tokens create prints the token once; list never shows it; revoke; bad names, scopes and duplicates are refused', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-tokens-'));
  const made = await heimdall(home, 'tokens', 'create', 'ci-bot', '--scope', 'write');
  assert.equal(made.status, 0, made.stderr);
  const token = made.stdout.trim();
  assert.match(token, /^hd_[A-Za-z0-9_-]{43}$/);
  assert.match(made.stderr, /shown only now/);
  const list = await heimdall(home, 'tokens', 'list');
  assert.match(list.stdout, /^ci-bot\s+write\s+active since \S+, no expiry$/m);
  assert.ok(!list.stdout.includes(token.slice(3)));
  assert.match(
    (await heimdall(home, 'tokens', 'create', 'ci-bot', '--scope', 'read')).stderr,
    /a token named 'ci-bot' exists already/,
  );
  assert.match((await heimdall(home, 'tokens', 'create', '../x', '--scope', 'read')).stderr, /token name '\.\.\/x'/);
  assert.match(
    (await heimdall(home, 'tokens', 'create', 'y', '--scope', 'root')).stderr,
    /scope 'root': expected one of read, write, admin/,
  );
  assert.match((await heimdall(home, 'tokens', 'revoke', 'ci-bot')).stdout, /token 'ci-bot' revoked/);
  assert.match((await heimdall(home, 'tokens', 'list')).stdout, /^ci-bot\s+write\s+revoked/m);
  assert.match((await heimdall(home, 'tokens', 'revoke', 'ci-bot')).stderr, /no active token named 'ci-bot'/);
});

test('tokens create --expires takes a duration or an ISO instant; list shows the expiry; past or malformed ones are refused', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-tokens-expiry-'));
  const before = Date.now();
  const day = await heimdall(home, 'tokens', 'create', 'nightly', '--scope', 'read', '--expires', '30d');
  assert.equal(day.status, 0, day.stderr);
  const until = /valid until (\S+);/.exec(day.stderr)?.[1];
  assert.ok(until, day.stderr);
  const ms = Date.parse(until) - before;
  assert.ok(ms >= 30 * 86_400_000 && ms < 30 * 86_400_000 + 60_000, `30d gave ${until}`);
  const fixed = await heimdall(home, 'tokens', 'create', 'until-2099', '--scope', 'write', '--expires', '2099-01-31T18:00:00Z');
  assert.equal(fixed.status, 0, fixed.stderr);
  const list = (await heimdall(home, 'tokens', 'list')).stdout;
  assert.match(list, new RegExp(`^nightly\\s+read\\s+active since \\S+, expires ${until.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(list, /^until-2099\s+write\s+active since \S+, expires 2099-01-31T18:00:00\.000Z$/m);
  const past = await heimdall(home, 'tokens', 'create', 'old', '--scope', 'read', '--expires', '2001-01-01');
  assert.notEqual(past.status, 0);
  assert.match(past.stderr, /token expiry 2001-01-01T00:00:00\.000Z is not in the future/);
  for (const bad of ['soon', '10y', '0d', '2027-01-31T18:00', '../x']) {
    const r = await heimdall(home, 'tokens', 'create', 'bad', '--scope', 'read', '--expires', bad);
    assert.notEqual(r.status, 0, bad);
    assert.match(r.stderr, new RegExp(`--expires expects a duration like 30d.*got '${bad.replace(/\./g, '\\.')}'`), bad);
  }
  assert.doesNotMatch((await heimdall(home, 'tokens', 'list')).stdout, /^(old|bad)\s/m);
});
