// The YAML subset of MLflow's meta.yaml files: one flat mapping of scalar values, plus the empty
// list `[]` and empty mapping `{}` that MLflow writes for `tags` and `aliases`. MLflow writes
// these files with PyYAML's safe_dump (block style, keys sorted); we write the same shape and
// read both ours and MLflow's own (including PyYAML's continuation lines for long plain strings).
// A hand-written subset keeps a YAML dependency out for a few dozen lines of format.

export type YamlScalar = string | number | boolean | null | [] | Record<string, never>;
export type YamlMap = Record<string, YamlScalar>;
/** What reading gives: MLflow itself may write one nested block (e.g. `aliases:` then `  champion: '1'`). */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** Words a YAML 1.1 reader (PyYAML) would not read back as a string if written plain. */
const RESERVED = /^(?:~|null|true|false|yes|no|on|off|y|n)$/i;
const NUMBER_LIKE = /^[-+]?(?:\.?\d|\.inf|\.nan|0x|0o)/i;

function formatString(s: string): string {
  // Control characters, and anything outside printable ASCII, go double-quoted with JSON escapes
  // (a JSON string is a valid YAML double-quoted scalar).
  if (/[^\x20-\x7e]/.test(s)) return JSON.stringify(s);
  const plain =
    /^[A-Za-z_/.]/.test(s) &&
    !RESERVED.test(s) &&
    !NUMBER_LIKE.test(s) &&
    !/:(\s|$)/.test(s) &&
    !s.includes(' #') &&
    !/\s$/.test(s);
  return plain ? s : `'${s.replaceAll("'", "''")}'`;
}

function formatValue(v: YamlScalar): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`yaml: cannot write the number ${v}`);
    return String(v);
  }
  return formatString(v);
}

/** `key: value` lines, keys sorted as PyYAML's dump(sort_keys=True) sorts them. */
export function writeYaml(map: YamlMap): string {
  return `${Object.keys(map)
    .sort()
    .map((k) => `${formatString(k)}: ${formatValue(map[k] as YamlScalar)}`)
    .join('\n')}\n`;
}

function parseScalar(raw: string, where: string): YamlScalar {
  const s = raw.trim();
  if (s === '' || s === '~' || /^null$/i.test(s)) return null;
  if (s === '[]') return [];
  if (s === '{}') return {};
  if (/^(?:true|false)$/i.test(s)) return s.toLowerCase() === 'true';
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new SyntaxError(`${where}: unterminated quoted string ${s}`);
    return s.slice(1, -1).replaceAll("''", "'");
  }
  if (s.startsWith('"')) return JSON.parse(s) as string;
  if (/^[-+]?\d+$/.test(s)) return Number(s);
  if (/^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?$/i.test(s)) return Number(s);
  return s;
}

/**
 * Reads a mapping. Indented lines after a key with no value form a nested block (`- item` lines
 * a list, `k: v` lines a mapping); indented lines after a key with a value continue that value
 * (PyYAML folds long plain strings that way).
 */
export function readYaml(text: string, where = 'meta.yaml'): Record<string, YamlValue> {
  const entries: { key: string; raw: string; block: string[] }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const last = entries.at(-1);
    if (last !== undefined && (/^\s/.test(line) || (last.raw === '' && line.startsWith('- ')))) {
      if (last.raw === '') last.block.push(line.trim());
      else last.raw += ` ${line.trim()}`;
      continue;
    }
    const m = /^('(?:[^']|'')*'|[^:\s][^:]*):(?:\s(.*))?$/.exec(line);
    if (m === null) throw new SyntaxError(`${where}: cannot read line '${line}'`);
    entries.push({ key: String(parseScalar(m[1] as string, where)), raw: (m[2] ?? '').trim(), block: [] });
  }
  const out: Record<string, YamlValue> = {};
  for (const e of entries) {
    if (e.block.length === 0) out[e.key] = parseScalar(e.raw, where);
    else if (e.block.every((l) => l.startsWith('- '))) out[e.key] = e.block.map((l) => parseScalar(l.slice(2), where));
    else out[e.key] = readYaml(e.block.join('\n'), where);
  }
  return out;
}
