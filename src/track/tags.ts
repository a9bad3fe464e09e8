// Run tags that make a run reproducible and attributable: MLflow's own system tags (shown by its
// UI: mlflow.runName, mlflow.user, mlflow.source.*) and Heimdall's (engine, machine, owner).
import { execFileSync } from 'node:child_process';
import { availableParallelism, hostname, platform, userInfo } from 'node:os';

/** The checkout's commit, or undefined outside a git work tree (or without git). */
export function gitCommit(cwd = process.cwd()): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

export function machineDescription(): string {
  return `${hostname()} (${availableParallelism()} CPUs, ${platform()}-${process.arch}, Node ${process.versions.node})`;
}

/**
 * heimdall.host and heimdall.pid say which process owns a RUNNING run, so that a later start on
 * the same machine can tell a crashed run (dead pid) from a live one.
 */
export function ownerTags(): Record<string, string> {
  return { 'heimdall.host': hostname(), 'heimdall.pid': String(process.pid) };
}

export interface RunTagOptions {
  runName?: string;
  /** e.g. libtorchVersion(); the engine is not imported here so listing runs never loads libtorch. */
  libtorchVersion?: string;
  /** The program that ran, for mlflow.source.name (default: the main script). */
  source?: string;
  cwd?: string;
}

export function defaultRunTags(o: RunTagOptions = {}): Record<string, string> {
  const commit = gitCommit(o.cwd);
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return {
    ...(o.runName !== undefined ? { 'mlflow.runName': o.runName } : {}),
    'mlflow.user': user,
    'mlflow.source.type': 'LOCAL',
    'mlflow.source.name': o.source ?? process.argv[1] ?? 'heimdall',
    ...(commit !== undefined ? { 'mlflow.source.git.commit': commit } : {}),
    'heimdall.engine': o.libtorchVersion !== undefined ? `libtorch ${o.libtorchVersion}` : 'libtorch',
    ...(o.libtorchVersion !== undefined ? { 'heimdall.libtorch_version': o.libtorchVersion } : {}),
    'heimdall.machine': machineDescription(),
    ...ownerTags(),
  };
}

/** Whether a process exists (EPERM: it does, but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
