// Flattens a resolved configuration (scenario, features, model, optimizer…) into MLflow params:
// nested keys joined with '.', every value a string. MLflow limits param keys to 250 characters
// and values to 6000 (validation.py MAX_ENTITY_KEY_LENGTH, MAX_PARAM_VAL_LENGTH); a longer value
// is cut with a marker rather than failing the run, a bad key fails loudly (it is our own name).
import { checkKey, MAX_PARAM_VALUE_LENGTH } from './types.js';

const CUT_MARK = '…[truncated]';

function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return String(v);
  return JSON.stringify(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * { model: { widths: [16, 32], lr: 0.002 } } → { 'model.widths': '[16,32]', 'model.lr': '0.002' }.
 * Arrays stay one param (JSON), undefined values are skipped, functions refused.
 */
export function flattenParams(config: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v === undefined) continue;
    if (typeof v === 'function' || typeof v === 'symbol')
      throw new TypeError(`config param '${key}' is a ${typeof v}, not a value`);
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      Object.assign(out, flattenParams(v, key));
      continue;
    }
    checkKey('parameter', key);
    const value = render(v);
    out[key] =
      value.length > MAX_PARAM_VALUE_LENGTH ? value.slice(0, MAX_PARAM_VALUE_LENGTH - CUT_MARK.length) + CUT_MARK : value;
  }
  return out;
}
