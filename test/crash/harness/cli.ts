// Runs the real CLI (dist/src/cli/main.js) as a child process, records each output line with the
// time it arrived, and SIGKILLs it after a given delay when asked: the crash of the crash tests.
// The child gets its own process group, so a kill can take its children too (a worker's training
// process), as a machine losing power would.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  /** True when the harness's SIGKILL ended it (not an exit before the kill fired). */
  killed: boolean;
  elapsedMs: number;
  /** stdout and stderr lines, with ms since start. */
  lines: Array<{ t: number; text: string }>;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGKILL after this many ms (unset: run to the end). */
  killAfterMs?: number;
  /** Kill the whole process group (the command and the processes it started). */
  killGroup?: boolean;
  /** Kill as soon as a line matches (then after killAfterMs more, default 0). */
  killAfterLine?: RegExp;
  timeoutMs?: number;
}

export function runCli(args: string[], o: CliOptions = {}): Promise<CliRun> {
  const start = Date.now();
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, ...o.env },
    cwd: o.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group
  });
  const lines: CliRun['lines'] = [];
  let killed = false;
  let exited = false;
  const kill = () => {
    if (exited) return;
    killed = true;
    try {
      if (o.killGroup) process.kill(-(child.pid as number), 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  let timer: NodeJS.Timeout | undefined;
  if (o.killAfterMs !== undefined && o.killAfterLine === undefined) timer = setTimeout(kill, o.killAfterMs);
  const watchdog = setTimeout(kill, o.timeoutMs ?? 600_000);
  const collect = (buf: string, chunk: Buffer): string => {
    const parts = (buf + chunk.toString()).split(/\r?\n|\r/);
    const rest = parts.pop() ?? '';
    for (const text of parts) {
      if (text === '') continue;
      lines.push({ t: Date.now() - start, text });
      if (o.killAfterLine?.test(text) && timer === undefined) timer = setTimeout(kill, o.killAfterMs ?? 0);
    }
    return rest;
  };
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out = collect(out, d);
  });
  child.stderr.on('data', (d: Buffer) => {
    err = collect(err, d);
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      exited = true;
      clearTimeout(timer);
      clearTimeout(watchdog);
      // After a group kill, make sure no grandchild outlives the round.
      if (o.killGroup && killed) {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          // the group is gone
        }
      }
      resolve({ code, killed: killed && code === null, elapsedMs: Date.now() - start, lines });
    });
  });
}

/** The last line before `t` ms that matches one of the step patterns: where a kill landed. */
export function landedAt(run: CliRun, t: number, steps: Array<[string, RegExp]>, before = 'startup'): string {
  let at = before;
  for (const l of run.lines) {
    if (l.t > t) break;
    for (const [name, re] of steps) {
      const m = re.exec(l.text);
      // A pattern's capture group says how far the step was (e.g. "importing 12/40").
      if (m !== null) at = m[1] === undefined ? name : `${name} ${m[1]}`;
    }
  }
  return at;
}
