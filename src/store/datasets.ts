// Creating a named, versioned dataset from catalogued sessions: which sessions (labelled ones,
// optionally filtered by origin/scenario), which split (seeded, by session, optionally stratified
// by position on a grid), recorded in the catalog in one transaction.
import type { Catalog } from './catalog/catalog.js';
import type { DatasetRow, SessionOrigin } from './catalog/types.js';
import { assignByArea, assignByTime, assignSplits, gridStratum, type SplitBy, type SplitSpec } from './split.js';

export interface CreateDatasetOptions {
  name: string;
  split: SplitSpec;
  seed: number;
  origin?: SessionOrigin;
  scenario?: string;
  /** Stratify by transmitter position on a cells × cells grid (0/undefined: no stratification). */
  stratifyCells?: number;
  /**
   * random (default): seeded, by session; time: chronological (the first sessions train, the last
   * test); area: whole cells of a grid over the transmitters held out (`areaCells` × `areaCells`,
   * default 5). Random splits of drive-test data flatter every method: neighbouring samples of one
   * track land on both sides. Time and area splits measure what a deployment meets.
   */
  splitBy?: SplitBy;
  areaCells?: number;
  /**
   * Exactly these sessions (e.g. one simulation run's), instead of every labelled session that
   * matches origin/scenario. Each must exist and be labelled.
   */
  sessionIds?: readonly number[];
}

export async function createDataset(catalog: Catalog, o: CreateDatasetOptions): Promise<DatasetRow> {
  const filter = { ...(o.origin ? { origin: o.origin } : {}), ...(o.scenario ? { scenario: o.scenario } : {}) };
  let sessions = (await catalog.listSessions(filter)).filter((s) => s.truthLat !== null && s.truthLon !== null);
  if (o.sessionIds !== undefined) {
    const wanted = new Set(o.sessionIds);
    sessions = sessions.filter((s) => wanted.has(s.id));
    if (sessions.length !== wanted.size) {
      const found = new Set(sessions.map((s) => s.id));
      const missing = [...wanted].filter((id) => !found.has(id));
      throw new Error(
        `dataset '${o.name}': ${missing.length} of the ${wanted.size} given sessions are not labelled sessions${Object.keys(filter).length > 0 ? ' of the filter' : ''} in the catalog (first: ${missing[0]})`,
      );
    }
  }
  if (sessions.length === 0) {
    const what = [o.origin && `origin '${o.origin}'`, o.scenario && `scenario '${o.scenario}'`].filter(Boolean).join(', ');
    throw new Error(
      `dataset '${o.name}': no labelled sessions${what ? ` with ${what}` : ''} in the catalog (import or simulate some first)`,
    );
  }
  const lats = sessions.map((s) => s.truthLat as number);
  const lons = sessions.map((s) => s.truthLon as number);
  const box = { south: Math.min(...lats), north: Math.max(...lats), west: Math.min(...lons), east: Math.max(...lons) };
  const cells = o.stratifyCells ?? 0;
  const splitBy = o.splitBy ?? 'random';
  if (splitBy !== 'random' && cells > 1) throw new RangeError(`dataset '${o.name}': stratifying applies to random splits only`);
  const areaCells = o.areaCells ?? 5;
  if (!Number.isInteger(areaCells) || areaCells < 2)
    throw new RangeError(`dataset '${o.name}': an area split needs at least 2 × 2 cells, got ${areaCells}`);
  const assigned =
    splitBy === 'time'
      ? assignByTime(
          sessions.map((s) => ({ sessionId: s.id, time: s.startedAt.getTime() })),
          o.split,
        )
      : splitBy === 'area'
        ? assignByArea(
            sessions.map((s) => ({
              sessionId: s.id,
              cell: gridStratum(s.truthLat as number, s.truthLon as number, box, areaCells),
            })),
            o.split,
            o.seed,
          )
        : assignSplits(
            sessions.map((s) => ({
              sessionId: s.id,
              ...(cells > 1 ? { stratum: gridStratum(s.truthLat as number, s.truthLon as number, box, cells) } : {}),
            })),
            o.split,
            o.seed,
          );
  return catalog.createDataset(
    o.name,
    o.seed,
    {
      ...o.split,
      splitBy,
      ...(splitBy === 'area' ? { areaCells } : { stratifyCells: cells }),
      ...filter,
      ...(o.sessionIds !== undefined ? { sessions: sessions.length } : {}),
    },
    [...assigned].map(([sessionId, split]) => ({ sessionId, split })),
  );
}
