// Summaries of repeated benchmark rounds: the median and the spread (min–max), never the best
// round alone — on a shared machine the best round flatters whichever side happened to run alone.

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median (mean of the two middle values for an even count), min and max of `values`. */
export function spread(values: readonly number[], what = 'values'): Spread {
  if (values.length === 0) throw new RangeError(`spread: no ${what} to summarize`);
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError(`spread: ${what} contain a non-finite number`);
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number, n: s.length };
}

/** "2.25 (2.10–2.40)" with `digits` decimals; a single round shows no range. */
export function formatSpread(s: Spread, digits = 2): string {
  const f = (v: number) => v.toFixed(digits);
  return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** Per-round ratios a[i] / b[i] (both measured in round i), summarized. */
export function ratioSpread(a: readonly number[], b: readonly number[], what = 'ratios'): Spread {
  if (a.length !== b.length) throw new RangeError(`ratioSpread: ${what} have ${a.length} and ${b.length} rounds`);
  return spread(
    a.map((v, i) => v / (b[i] as number)),
    what,
  );
}

/** The load average as printed next to every figure (other processes slow every side alike, but not equally). */
export function loadLine(load: readonly number[], cores: number): string {
  return `load average ${load.map((v) => v.toFixed(2)).join(' ')} (${cores} cores)`;
}
