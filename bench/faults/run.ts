// bench/faults: the training service while its dependencies fail under load. Private PostgreSQL
// and Redis servers and an S3 server (s3rver behind a fault-injecting TCP proxy) are started
// here; the real service (`heimdall serve --workers 2`, its own process) runs on them. In each
// phase a bounded loopback load of GETs (autocannon: jobs list, one job, healthz, readyz) runs and
// a client posts a small training job every few seconds, while one dependency fails for a window:
// PostgreSQL stopped (immediate), Redis killed (its keys lost) then restarted, S3 answering 503,
// cutting connections, or hanging. Per phase: requests and responses by kind, p50/p99, the POSTs'
// outcomes, whether /readyz came back without restarting anything and whether a job posted after
// recovery succeeded. Then every accepted job is accounted for: succeeded, failed, lost (never
// finished), run twice (more than one tracked run or model version).
// Usage: npm run bench:faults -- [--fault-seconds 10] [--rate 40] [--connections 4] [--timeout 5] [--submit-every 4]
//   BENCH_FAULTS_LOG=<file> keeps the service's log (JSON lines and its workers' lines).
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFaultProxy } from '../../test/services/fault-proxy.js';
import { startPrivatePostgres } from '../../test/services/private-postgres.js';
import { startPrivateRedis } from '../../test/services/private-redis.js';
import { startS3rver } from '../../test/store/s3rver.js';
import { loadLine } from '../stats.js';
import { accountJobs, prepareCatalog } from './accounting.js';
import { addTally, classify, emptyTally, KINDS, percentile, runLoad, type Tally } from './load.js';

const { values } = parseArgs({
  options: {
    'fault-seconds': { type: 'string', default: '10' },
    rate: { type: 'string', default: '40' },
    connections: { type: 'string', default: '4' },
    timeout: { type: 'string', default: '5' },
    'submit-every': { type: 'string', default: '4' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'npm run bench:faults -- [--fault-seconds 10] [--rate 40] [--connections 4] [--timeout 5] [--submit-every 4]\n' +
      '  --fault-seconds  how long each dependency stays failed\n' +
      '  --rate           GETs per second (autocannon, bounded)\n' +
      '  --connections    concurrent connections of the load\n' +
      '  --timeout        client timeout (s): a request without an answer by then counts as hung\n' +
      '  --submit-every   seconds between training jobs posted during each phase\n' +
      "  BENCH_FAULTS_LOG=<file> keeps the service's log",
  );
  process.exit(0);
}
const faultS = Number(values['fault-seconds']);
const rate = Number(values.rate);
const connections = Number(values.connections);
const timeoutS = Number(values.timeout);
const submitEveryS = Number(values['submit-every']);
const LEAD_S = 3; // load before the fault starts
const TAIL_S = 10; // load after the dependency is back
const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const home = mkdtempSync(join(tmpdir(), 'heimdall-bench-faults-'));
const pg = await startPrivatePostgres();
const redis = await startPrivateRedis();
const s3 = await startS3rver();
const proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
const env: NodeJS.ProcessEnv = { ...process.env };
for (const k of ['HEIMDALL_PG_SCHEMA', 'HEIMDALL_QUEUE', 'HEIMDALL_BLOBS', 'MLFLOW_TRACKING_URI', 'HEIMDALL_CATALOG_IPC'])
  delete env[k];
Object.assign(env, {
  DATABASE_URL: pg.url,
  REDIS_URL: redis.url,
  HEIMDALL_S3_ENDPOINT: proxy.url,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  HEIMDALL_HOME: home,
  HEIMDALL_THREADS: '1',
});

let serve: ChildProcess | undefined;
let serveLog = '';
try {
  const { token, closeCatalog, jobs, tracker, config } = await prepareCatalog(home, env);
  if (process.env.BENCH_FAULTS_LOG) rmSync(process.env.BENCH_FAULTS_LOG, { force: true });
  serve = spawn(process.execPath, [main, 'serve', '--port', '0', '--workers', '2', '--home', home], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: the API process `heimdall serve` starts dies with it
  });
  const logFile = process.env.BENCH_FAULTS_LOG;
  const keep = (d: Buffer) => {
    serveLog += d.toString();
    if (logFile) appendFileSync(logFile, d);
  };
  serve.stdout?.on('data', keep);
  serve.stderr?.on('data', keep);
  const serveExited = new Promise<number | null>((r) => serve?.on('exit', (code) => r(code)));
  let base = '';
  for (let i = 0; i < 600 && base === ''; i++) {
    base = /heimdall API on (http:\/\/\S+) /.exec(serveLog)?.[1] ?? '';
    await sleep(50);
  }
  if (base === '') throw new Error(`heimdall serve did not start:\n${serveLog}`);
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  /** Posts one job; its id when accepted (201), and the answer sorted into the tally. */
  const post = async (t: Tally): Promise<number | undefined> => {
    try {
      const r = await fetch(`${base}/api/v1/jobs`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ kind: 'train', dataset: 'bench', config }),
        signal: AbortSignal.timeout(timeoutS * 1000),
      });
      const body = await r.text();
      classify(t, 'POST /api/v1/jobs', r.status, r.headers.get('retry-after') ?? undefined, body);
      return r.status === 201 ? (JSON.parse(body) as { id: number }).id : undefined;
    } catch (err) {
      t.requests++;
      const timedOut = (err as Error).name === 'TimeoutError';
      t.kinds[timedOut ? 'timeout (hung)' : 'connection error']++;
      if (t.examples.length < 8) t.examples.push(`POST: ${(err as Error).message}`);
      return undefined;
    }
  };
  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: auth, signal: AbortSignal.timeout(timeoutS * 1000) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const waitFinished = async (id: number, limitS: number) => {
    const t0 = Date.now();
    while (Date.now() - t0 < limitS * 1000) {
      const j = await get(`/api/v1/jobs/${id}`).catch(() => undefined);
      const status = j?.body.status as string | undefined;
      if (status === 'succeeded' || status === 'failed' || status === 'cancelled') return status;
      await sleep(500);
    }
    return 'unfinished';
  };

  const accepted: number[] = [];
  const warm = await post(emptyTally());
  if (warm === undefined) throw new Error(`the warm-up job was refused:\n${serveLog}`);
  accepted.push(warm);
  const warmStatus = await waitFinished(warm, 180);
  if (warmStatus !== 'succeeded') throw new Error(`the warm-up job ended ${warmStatus}:\n${serveLog}`);
  console.log(
    `bench/faults: heimdall serve --workers 2 on private PostgreSQL ${pg.port}, Redis ${redis.port} and s3rver behind a fault proxy; ` +
      `GETs at ${rate} req/s over ${connections} connections (client timeout ${timeoutS} s), a train job posted every ${submitEveryS} s; ` +
      `each phase ${LEAD_S} s + ${faultS} s fault + ${TAIL_S} s; ${loadLine(loadavg(), availableParallelism())}`,
  );

  const phases: { name: string; inject?: () => unknown; heal?: () => unknown }[] = [
    { name: 'baseline (no fault)' },
    { name: 'PostgreSQL stopped', inject: () => pg.stop(), heal: () => pg.start() },
    { name: 'Redis killed (keys lost)', inject: () => redis.stop(), heal: () => redis.start() },
    { name: 'S3 answers 503', inject: () => proxy.setMode('http-503'), heal: () => proxy.setMode('pass') },
    { name: 'S3 resets connections', inject: () => proxy.setMode('reset'), heal: () => proxy.setMode('pass') },
    { name: 'S3 hangs', inject: () => proxy.setMode('hang'), heal: () => proxy.setMode('pass') },
  ];
  const paths = ['/api/v1/jobs?limit=20', `/api/v1/jobs/${warm}`, '/healthz', '/readyz'];
  const total = emptyTally();
  const totalPosts = emptyTally();
  const rows: string[] = [];
  let allRecovered = true;
  const late: { phase: string; id: number }[] = [];
  for (const phase of phases) {
    const posts = emptyTally();
    const seconds = LEAD_S + (phase.inject ? faultS : 0) + TAIL_S;
    const load = runLoad({ base, token, paths, seconds, rate, connections, timeoutS });
    let posting = true;
    const poster = (async () => {
      while (posting) {
        const id = await post(posts);
        if (id !== undefined) accepted.push(id);
        await sleep(submitEveryS * 1000);
      }
    })();
    let healedAt = Date.now();
    if (phase.inject) {
      await sleep(LEAD_S * 1000);
      await phase.inject();
      await sleep(faultS * 1000);
      await phase.heal?.();
      healedAt = Date.now();
    }
    // Recovered without a restart: /readyz says ready (polled from the moment the fault ends,
    // alongside the load), and a job posted afterwards succeeds.
    let readyAfterS = Number.NaN;
    for (let i = 0; i < 120; i++) {
      const r = await get('/readyz').catch(() => undefined);
      if (r?.status === 200) {
        readyAfterS = (Date.now() - healedAt) / 1000;
        break;
      }
      await sleep(250);
    }
    const tally = await load;
    posting = false;
    await poster;
    const probe = await post(emptyTally());
    if (probe !== undefined) accepted.push(probe);
    // It waits behind the jobs queued before it; one still unfinished here is judged at the end.
    const probeStatus = probe === undefined ? 'refused' : await waitFinished(probe, 180);
    if (probe !== undefined && probeStatus === 'unfinished') late.push({ phase: phase.name, id: probe });
    const recovered =
      Number.isFinite(readyAfterS) && (probeStatus === 'succeeded' || probeStatus === 'unfinished') && serve.exitCode === null;
    allRecovered &&= recovered;
    addTally(total, tally);
    addTally(totalPosts, posts);
    rows.push(
      `${phase.name.padEnd(26)} ${describe(tally)}\n${''.padEnd(26)} POSTs: ${describe(posts, false)}\n${''.padEnd(26)} ready ${Number.isFinite(readyAfterS) ? `${readyAfterS.toFixed(1)} s after the fault ended` : 'NEVER (30 s)'}; a job posted then: ${probeStatus === 'unfinished' ? 'still queued after 180 s (judged at the end)' : probeStatus}${recovered ? '' : '  ← NOT RECOVERED'}` +
        (tally.examples.length + posts.examples.length > 0
          ? `\n${[...tally.examples, ...posts.examples].map((e) => `${''.padEnd(28)}e.g. ${e}`).join('\n')}`
          : ''),
    );
    console.log(rows[rows.length - 1]);
  }
  console.log(`${'all phases'.padEnd(26)} ${describe(total)}\n${''.padEnd(26)} POSTs: ${describe(totalPosts, false)}`);

  // Accounting: every accepted job finishes, exactly once.
  const a = await accountJobs({ jobs, tracker, accepted, limitS: 120 });
  console.log(a.line);
  for (const p of late) {
    const status = (await jobs.get(p.id)).status;
    console.log(`the job posted after "${p.phase}" ended ${status}`);
    if (status !== 'succeeded') allRecovered = false;
  }
  const hung = total.kinds['timeout (hung)'] + totalPosts.kinds['timeout (hung)'];
  const ok = a.lost === 0 && a.runTwice === 0 && a.failed === 0 && allRecovered && hung === 0 && serve.exitCode === null;
  console.log(
    `verdict: ${ok ? 'PASS' : 'FAIL'} (lost ${a.lost}, run twice ${a.runTwice}, failed ${a.failed}, hung ${hung}, recovered without restart: ${allRecovered ? 'yes' : 'NO'})`,
  );
  if (!ok) process.exitCode = 1;
  serve.kill('SIGTERM');
  const code = await Promise.race([serveExited, sleep(60_000).then(() => 'still running after 60 s')]);
  if (code !== 0) console.log(`heimdall serve exited with ${code}`);
  await closeCatalog();
} catch (err) {
  console.error(`bench/faults: ${(err as Error).stack}\n--- service log (tail) ---\n${serveLog.slice(-6000)}`);
  process.exitCode = 1;
} finally {
  if (serve?.pid !== undefined && serve.exitCode === null) {
    try {
      process.kill(-serve.pid, 'SIGKILL'); // the whole group, not only the CLI
    } catch {
      // already gone
    }
  }
  await proxy.close();
  await s3.close();
  await redis.destroy();
  pg.destroy();
  rmSync(home, { recursive: true, force: true });
}

function describe(t: Tally, latency = true): string {
  const kinds = KINDS.filter((k) => t.kinds[k] > 0 || k === '2xx' || k === 'timeout (hung)')
    .map((k) => `${k} ${t.kinds[k]}`)
    .join(', ');
  const lat = latency ? `; p50 ${percentile(t.times, 50).toFixed(1)} ms, p99 ${percentile(t.times, 99).toFixed(1)} ms` : '';
  return `${t.requests} requests: ${kinds}${lat}`;
}
