// MLflow's meta.yaml files through the `yaml` package. MLflow reads and writes them with PyYAML
// (YAML 1.1, safe_dump: block style, keys sorted), so both directions use YAML 1.1: a string that
// 1.1 would read as something else ('yes', '0', '1_000', '12:30', '2025-01-02') is quoted.
import { parse, type ScalarTag, stringify, YAMLParseError } from 'yaml';

export type YamlScalar = string | number | boolean | null | [] | Record<string, never>;
export type YamlMap = Record<string, YamlScalar>;
/** What reading gives: MLflow itself may write one nested block (e.g. `aliases:` then `  champion: '1'`). */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/**
 * Strings yaml@2.8.1 writes in a form PyYAML 6.0 cannot read back (checked with yaml.safe_load,
 * test/track/yaml.test.ts): tab and DEL (written raw: "found character '\t' that cannot start any
 * token", "unacceptable character #x007f"), NEL, U+2028/9 and the BOM (written raw: PyYAML folds
 * or rejects them), and the plain words '<<' and '=' (PyYAML: "could not determine a constructor
 * for the tag 'tag:yaml.org,2002:merge'").
 */
const PYYAML_UNSAFE = /[\p{Cc}\u2028\u2029\ufeff\ufffe\uffff]|^(?:<<|=)$/u;
const ESCAPE = /[\p{Cc}\u2028\u2029\ufeff\ufffe\uffff]/gu;

/** Those strings double-quoted with every special character escaped (JSON escapes are valid in YAML double quotes). */
const escapedString: ScalarTag = {
  tag: 'tag:yaml.org,2002:str',
  default: true,
  identify: (v) => typeof v === 'string' && PYYAML_UNSAFE.test(v),
  // With a `test`, this tag wins over yaml's merge-key tag, which also claims the string '<<'.
  test: /^(?:<<|=)$/,
  resolve: (s) => s,
  stringify: ({ value }) =>
    JSON.stringify(value).replace(ESCAPE, (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`),
};

/** `key: value` lines, keys sorted as PyYAML's dump(sort_keys=True) sorts them; no line folding. */
export function writeYaml(map: YamlMap): string {
  for (const [k, v] of Object.entries(map)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`yaml: cannot write the number ${v} (key ${k})`);
  }
  return stringify(map, {
    version: '1.1',
    sortMapEntries: true,
    lineWidth: 0,
    blockQuote: false,
    singleQuote: true, // as PyYAML quotes ('0', 'yes'); strings with escapes go double-quoted (escapedString)
    doubleQuotedAsJSON: true,
    customTags: (tags) => [escapedString, ...tags],
  });
}

const TIMESTAMP = 'tag:yaml.org,2002:timestamp';

/** Reads a mapping (nested blocks, lists, PyYAML's continuation lines included); `where` names the file in errors. */
export function readYaml(text: string, where = 'meta.yaml'): Record<string, YamlValue> {
  let doc: unknown;
  try {
    // Timestamps stay strings: MLflow's times are integers, and a Date is no YamlValue.
    doc = parse(text, { version: '1.1', customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== TIMESTAMP) });
  } catch (err) {
    if (err instanceof YAMLParseError) throw new SyntaxError(`${where}: ${err.message.split('\n')[0]?.replace(/:$/, '')}`);
    throw err;
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new SyntaxError(`${where}: not a YAML mapping`);
  return doc as Record<string, YamlValue>;
}
