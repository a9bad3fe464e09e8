// Escaping and number formatting for the report page. Every string taken from the document goes
// through escapeHtml: names, labels and notes may hold anything, including markup.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an element or a quoted attribute. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

const DASH = '—';

/** Metres with about three significant digits. */
export function formatMetres(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} m`;
}

/** An area in m², or km² from a million m² on. */
export function formatArea(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} km²` : `${v.toFixed(v >= 100 ? 0 : 1)} m²`;
}

/** A fraction as a percentage with one decimal. */
export function formatPercent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return `${(100 * v).toFixed(1)} %`;
}

export function formatNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return v.toFixed(digits);
}

/** "value [low, high]" with the same formatter; the interval in a smaller span. */
export function withInterval(value: string, interval: { low: number; high: number } | null, f: (v: number) => string): string {
  if (!interval || value === DASH) return escapeHtml(value);
  return `${escapeHtml(value)} <span class="ci">[${escapeHtml(f(interval.low))}, ${escapeHtml(f(interval.high))}]</span>`;
}
