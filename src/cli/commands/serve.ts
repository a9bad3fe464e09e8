// `heimdall serve` (the HTTP API, its own process: src/api/main.ts) and `heimdall tokens …`.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { TokenExpiry, TokenInfo } from '../../store/tokens.js';
import { expiry } from '../parse.js';
import { withStore } from '../with-store.js';

const home = (h?: string) => resolve(h ?? process.env.HEIMDALL_HOME ?? '.heimdall');

async function withTokens<T>(
  h: string | undefined,
  fn: (t: import('../../store/tokens.js').TokenStore) => Promise<T>,
): Promise<T> {
  const { TokenStore } = await import('../../store/tokens.js');
  return withStore(home(h), (store) => fn(new TokenStore(store.catalog.db)));
}

/** A token's state for `tokens list`: revoked, expired, or active (with its expiry, if any). */
function state(t: TokenInfo, now: Date): string {
  if (t.revokedAt) return `revoked ${t.revokedAt.toISOString()}`;
  if (t.expiresAt && t.expiresAt <= now) return `expired ${t.expiresAt.toISOString()}`;
  return `active since ${t.createdAt.toISOString()}, ${t.expiresAt ? `expires ${t.expiresAt.toISOString()}` : 'no expiry'}`;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'the HTTP API: jobs, datasets, models, health, Prometheus metrics; OpenAPI at /openapi.json, browsable at /docs (docs/API.md)',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free one, printed)', '8080')
    .option(
      '--workers <n>',
      'jobs this process trains at once, each in a child process (default: 1 on the embedded catalog, 0 with DATABASE_URL, where `heimdall worker` runs them)',
    )
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (o: { host: string; port: string; workers?: string; home?: string }) => {
      // The API is a face of its own: it runs as its own program, this command starts it.
      const entry = new URL('../../api/main.js', import.meta.url);
      const args = ['--host', o.host, '--port', o.port, '--home', home(o.home)];
      if (o.workers !== undefined) args.push('--workers', o.workers);
      const child = spawn(process.execPath, [entry.pathname, ...args], { stdio: 'inherit' });
      const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
      process.on('SIGINT', forward('SIGINT'));
      process.on('SIGTERM', forward('SIGTERM'));
      process.exitCode = await new Promise<number>((res) => child.on('exit', (code) => res(code ?? 1)));
    });

  const tokens = program.command('tokens').description('bearer tokens for the API: create, list, revoke');
  tokens
    .command('create')
    .description('create a token and print it once (the catalog keeps only its SHA-256)')
    .argument('<name>', 'a name for the token (who or what uses it)')
    .requiredOption('--scope <scope>', 'read, write (jobs) or admin')
    .option(
      '--expires <when>',
      'refuse the token after this: a duration from now (90m, 12h, 30d, 2w) or an ISO date/instant (2027-01-31, 2027-01-31T18:00:00Z); default: valid until revoked',
      expiry('--expires'),
    )
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (name: string, o: { scope: string; expires?: TokenExpiry; home?: string }) => {
      const { token, until } = await withTokens(o.home, async (t) => {
        const made = await t.create(name, o.scope as 'read', o.expires);
        return { token: made, until: (await t.list()).find((x) => x.name === name)?.expiresAt ?? null };
      });
      console.log(token);
      console.error(
        `token '${name}' (scope ${o.scope}) created, ${until ? `valid until ${until.toISOString()}` : 'valid until revoked'}; it is shown only now: keep it somewhere safe`,
      );
    });
  tokens
    .command('list')
    .description('tokens by name, with scope, state and expiry (never the tokens themselves)')
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (o: { home?: string }) => {
      const list = await withTokens(o.home, (t) => t.list());
      if (list.length === 0) console.log('no tokens');
      for (const t of list) console.log(`${t.name.padEnd(24)} ${t.scope.padEnd(6)} ${state(t, new Date())}`);
    });
  tokens
    .command('revoke')
    .description('revoke a token: requests with it are refused from now on')
    .argument('<name>', 'the token’s name')
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (name: string, o: { home?: string }) => {
      await withTokens(o.home, (t) => t.revoke(name));
      console.log(`token '${name}' revoked`);
    });
}
