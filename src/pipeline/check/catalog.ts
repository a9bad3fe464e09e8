// The catalog against the blob store: every measurement with IQ has its blob, and the blob's bytes
// hash to the SHA-256 the row records (a half-written blob at its final key would fail this); every
// session has its measurements and every dataset its sessions (both are written in one transaction,
// so a kill leaves all or nothing); finished jobs point at what they claim.
import { BlobIntegrityError, BlobNotFoundError } from '../../store/blobs/blob-store.js';
import type { Store } from '../../store/open.js';
import { type CheckReport, count } from './problems.js';

export async function checkCatalog(store: Store, r: CheckReport): Promise<void> {
  const db = store.catalog.db;
  const rows = await db.query<{ id: string; session_id: string; blob_key: string; content_hash: string }>(
    'SELECT id::text, session_id::text, blob_key, content_hash FROM measurements WHERE blob_key IS NOT NULL ORDER BY id',
  );
  for (const m of rows.rows) {
    count(r, 'measurements');
    try {
      await store.blobs.get(m.blob_key, m.content_hash);
    } catch (err) {
      if (err instanceof BlobNotFoundError || err instanceof BlobIntegrityError)
        r.problems.push({ area: 'catalog', where: `measurement ${m.id} (session ${m.session_id})`, what: err.message });
      else throw err;
    }
  }
  const empty = await db.query<{ id: string }>(
    'SELECT s.id::text FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM measurements m WHERE m.session_id = s.id)',
  );
  count(r, 'sessions', Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM sessions')).rows[0]?.n ?? 0));
  for (const s of empty.rows) r.problems.push({ area: 'catalog', where: `session ${s.id}`, what: 'has no measurements' });
  const datasets = await db.query<{ name: string; version: number; n: string }>(
    `SELECT d.name, d.version, (SELECT count(*) FROM dataset_sessions x WHERE x.dataset_id = d.id)::text AS n
       FROM datasets d ORDER BY d.id`,
  );
  for (const d of datasets.rows) {
    count(r, 'datasets');
    if (Number(d.n) === 0)
      r.problems.push({ area: 'catalog', where: `dataset ${d.name} v${d.version}`, what: 'has no sessions' });
  }
}

/** Jobs that say they succeeded name a run and a model; a running job belongs to a worker. */
export async function checkJobs(
  store: Store,
  r: CheckReport,
): Promise<Array<{ id: number; runId: string | null; model: { name: string; version: string } | null }>> {
  const jobs = await store.catalog.db.query<{
    id: number;
    status: string;
    run_id: string | null;
    model: { name: string; version: string } | null;
  }>('SELECT id::int AS id, status, run_id, model FROM jobs ORDER BY id');
  const succeeded = [];
  for (const j of jobs.rows) {
    count(r, 'jobs');
    if (j.status !== 'succeeded') continue;
    if (j.run_id === null || j.model === null)
      r.problems.push({ area: 'jobs', where: `job ${j.id}`, what: 'succeeded without a run id or a model' });
    succeeded.push({ id: j.id, runId: j.run_id, model: j.model });
  }
  return succeeded;
}
