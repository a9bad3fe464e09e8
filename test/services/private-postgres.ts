// A private PostgreSQL server for tests and benchmarks that stop and restart their database: its
// own data folder and port, never the machine's shared server (others' tests use that one).
// initdb and postgres refuse to run as root, so as root both run as the `postgres` user (su), in
// a folder it owns.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** The bin folder of the newest installed PostgreSQL (Debian layout), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0] as string, 'bin') : undefined;
}

export interface PrivatePostgres {
  /** postgres://root@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Stops the server at once (-m immediate: connections are cut, as in a crash). */
  stop(): void;
  start(): void;
  /** Stops it (if running) and deletes its data folder. */
  destroy(): void;
}

export function startPrivatePostgres(o: { port?: number } = {}): Promise<PrivatePostgres> {
  return (async () => {
    const bin = postgresBinDir();
    if (bin === undefined)
      throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
    const port = o.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-private-pg-'));
    const asRoot = userInfo().uid === 0;
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    const data = join(dir, 'data');
    // Arguments go through `su -c` as one shell line: every path here is ours (mkdtemp), no quoting issues.
    const run = (args: string[]) => {
      const line = args.join(' ');
      if (asRoot) execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', line], { stdio: 'pipe' });
      else execFileSync('/bin/sh', ['-c', line], { stdio: 'pipe' });
    };
    run([join(bin, 'initdb'), '-D', data, '-U', 'root', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    let running = false;
    const start = () => {
      // -k: the Unix socket in our folder (not /var/run/postgresql, which the shared server owns).
      run([
        join(bin, 'pg_ctl'),
        '-D',
        data,
        '-o',
        `"-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off"`,
        '-l',
        join(dir, 'log'),
        '-w',
        'start',
      ]);
      running = true;
    };
    const stop = () => {
      run([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    };
    start();
    return {
      url: `postgres://root@127.0.0.1:${port}/postgres`,
      port,
      start,
      stop,
      destroy() {
        if (running) {
          try {
            stop();
          } catch {
            // already stopped
          }
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  })();
}
