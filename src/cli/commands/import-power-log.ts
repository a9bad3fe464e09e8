// `heimdall import --format rss-csv|rss-json FILE`: reads the options' files, parses the log,
// catalogues it (store/import-rss.ts) and prints what was imported.
import { readFileSync } from 'node:fs';
import { loadRssLog, parseColumnMapping, RSS_FORMATS, type RssFormat } from '../../signal/formats/rss-log.js';
import { loadNetworkFile } from '../../sim/network-file.js';
import { importRssLog } from '../../store/import-rss.js';
import type { Store } from '../../store/open.js';

export interface PowerLogOptions {
  format: string;
  receivers?: string;
  notHeard?: number;
  columns?: string;
  centerFreq?: number;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${what} ${path}: cannot read the file (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${path}: not valid JSON (${(err as Error).message})`);
  }
}

export async function importPowerLog(store: Store, path: string, o: PowerLogOptions): Promise<void> {
  if (!(RSS_FORMATS as readonly string[]).includes(o.format))
    throw new Error(`--format expects ${RSS_FORMATS.join(' or ')}, got '${o.format}'`);
  if (o.notHeard !== undefined && !Number.isFinite(o.notHeard)) throw new Error('--not-heard expects a number');
  if (o.centerFreq !== undefined && !(o.centerFreq > 0)) throw new Error('--center-freq expects a frequency in Hz (> 0)');
  const network = o.receivers === undefined ? undefined : loadNetworkFile(o.receivers);
  const columns = o.columns === undefined ? undefined : parseColumnMapping(readJson(o.columns, '--columns'), o.columns);
  const log = loadRssLog(path, o.format as RssFormat, {
    ...(o.notHeard !== undefined ? { notHeard: o.notHeard } : {}),
    ...(columns ? { columns } : {}),
  });
  const r = await importRssLog(log, {
    catalog: store.catalog,
    file: path,
    ...(network ? { network } : {}),
    ...(o.centerFreq !== undefined ? { centerFreqHz: o.centerFreq } : {}),
  });
  console.log(
    `Imported ${r.imported} transmission(s) of a ${log.shape} power log into ${store.catalog.location}; ${r.duplicates} already catalogued; ${r.unlabelled} without a true position`,
  );
  console.log(
    `  ${r.receivers.length} receivers${r.mobile.length > 0 ? ` (mobile: ${r.mobile.join(', ')})` : ''}; no IQ stored (power only)`,
  );
}
