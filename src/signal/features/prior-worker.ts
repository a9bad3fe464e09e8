// Worker-thread entry: the physics prior of one transmission (physicsPrior, the same function the
// main thread would call). The spec comes once per worker (`init`), the features per job.
import { parentPort } from 'node:worker_threads';
import type { TimeDifference } from './extract.js';
import { type PriorSpec, physicsPrior } from './prior.js';

export type PriorMessage =
  | { kind: 'init'; spec: PriorSpec }
  | { kind: 'job'; id: number; receivers: string[]; scalars: Float32Array; mask: Uint8Array; tdoa: TimeDifference[] };

let spec: PriorSpec | undefined;

parentPort?.on('message', (m: PriorMessage) => {
  if (m.kind === 'init') {
    spec = m.spec;
    return;
  }
  try {
    if (spec === undefined) throw new Error('prior worker: no spec (init was not sent)');
    const prior = physicsPrior(spec, m);
    parentPort?.postMessage({ id: m.id, prior }, [prior.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id: m.id, error: (err as Error).message });
  }
});
