// A private Redis server for tests and benchmarks that stop and restart it: its own port, no
// persistence (a restart loses every key, the harder case for the queue), never the machine's
// shared server on 6379.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PrivateRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Kills the server (SIGKILL by its pid: its keys are gone, as after a crash without AOF). */
  stop(): Promise<void>;
  start(): void;
  destroy(): Promise<void>;
}

export function redisAvailable(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export async function startPrivateRedis(o: { port?: number } = {}): Promise<PrivateRedis> {
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-private-redis-'));
  const pidfile = join(dir, 'redis.pid');
  let pid: number | undefined;
  const start = () => {
    execFileSync('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--dir',
      dir,
      '--logfile',
      join(dir, 'log'),
    ]);
    // The pidfile appears once the daemon is up; wait for it and for the port to answer.
    for (let i = 0; i < 200; i++) {
      try {
        if (
          existsSync(pidfile) &&
          execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' })
            .toString()
            .trim() === 'PONG'
        ) {
          pid = Number(readFileSync(pidfile, 'utf8'));
          return;
        }
      } catch {
        // not yet
      }
      execFileSync('sleep', ['0.05']);
    }
    throw new Error(`private Redis on port ${port} did not start (log: ${join(dir, 'log')})`);
  };
  const stop = async () => {
    if (pid === undefined) return;
    const p = pid;
    pid = undefined;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      return;
    }
    // Until the process is gone (the port is then free for start()).
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(p, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    rmSync(pidfile, { force: true });
  };
  start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
