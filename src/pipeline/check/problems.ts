// What a consistency check reports: problems (a state no reader may take as valid — a row without
// its blob, a torn file at a final name, a registered version without its model) and leftovers
// (debris a crash legitimately leaves — temporaries and staging folders no reader looks at).
export type CheckArea = 'catalog' | 'blobs' | 'tracker' | 'registry' | 'checkpoints' | 'jobs';

export interface Finding {
  area: CheckArea;
  /** The row, key or file concerned. */
  where: string;
  what: string;
}

export interface CheckReport {
  /** Objects verified per kind (e.g. measurements, runs, checkpoints). */
  checked: Record<string, number>;
  problems: Finding[];
  leftovers: Finding[];
}

export function emptyReport(): CheckReport {
  return { checked: {}, problems: [], leftovers: [] };
}

export function count(r: CheckReport, kind: string, n = 1): void {
  r.checked[kind] = (r.checked[kind] ?? 0) + n;
}
