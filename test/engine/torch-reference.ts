// Whether the PyTorch reference (Debian's python3-torch under /usr/bin/python3) may be skipped.
// It is the engine's only external numerical reference, so where it is required (CI, or
// HEIMDALL_REQUIRE_TORCH=1, which .ci/run sets) a missing PyTorch is an error, never a skip.
import { spawnSync } from 'node:child_process';

export const referencePython = '/usr/bin/python3';

export interface ProbeResult {
  status: number | null;
  stderr: string;
}

/** True when the environment demands the reference: HEIMDALL_REQUIRE_TORCH=1, or CI set to anything but '', 0, false. */
export function torchRequired(env: NodeJS.ProcessEnv): boolean {
  if (env.HEIMDALL_REQUIRE_TORCH === '1') return true;
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/** false (run the test) when the probe succeeded; else the skip reason, or a thrown Error where the reference is required. */
export function torchReferenceSkip(probe: ProbeResult, env: NodeJS.ProcessEnv = process.env): false | string {
  if (probe.status === 0) return false;
  const why = probe.stderr.trim().split('\n').pop() || `exit status ${probe.status}`;
  const reason = `PyTorch reference not importable by ${referencePython} (${why})`;
  if (torchRequired(env)) {
    throw new Error(`${reason}; it is required here (CI or HEIMDALL_REQUIRE_TORCH=1): apt-get install -y python3-torch`);
  }
  return `${reason}: apt-get install -y python3-torch`;
}

/** Probes /usr/bin/python3 for `modules` once and applies torchReferenceSkip. */
export function probeTorchReference(modules = 'torch, numpy', env: NodeJS.ProcessEnv = process.env): false | string {
  const r = spawnSync(referencePython, ['-c', `import ${modules}`], { encoding: 'utf8' });
  return torchReferenceSkip({ status: r.status, stderr: r.error ? String(r.error) : r.stderr }, env);
}
