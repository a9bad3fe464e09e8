// Maximum-likelihood transmitter position from received powers alone (the classical RSS
// baseline): with Gaussian dB errors of equal σ and unknown transmit power P₀, the likelihood is
// maximized by least squares after profiling P₀ out (P̂₀ = mean of RSSᵢ + L(dᵢ)). The 2-D search
// is a coarse grid over the receivers' bounding box followed by Nelder–Mead refinement.

export interface RssObservation {
  east: number;
  north: number;
  rssDbm: number;
}

export interface RssMlOptions {
  /** Median path loss (dB) at a distance (m): the propagation model the estimator assumes. */
  lossDb: (distanceM: number) => number;
  /** Extra margin (m) around the receivers' bounding box for the initial grid (default 20 % of its size). */
  marginM?: number;
  gridSteps?: number;
}

export function rssCost(obs: RssObservation[], lossDb: (d: number) => number, e: number, n: number): number {
  const resid = obs.map((o) => o.rssDbm + lossDb(Math.max(1, Math.hypot(e - o.east, n - o.north))));
  const p0 = resid.reduce((a, b) => a + b, 0) / resid.length;
  return resid.reduce((acc, r) => acc + (r - p0) ** 2, 0);
}

function nelderMead(
  f: (x: [number, number]) => number,
  start: [number, number],
  step: number,
  iterations: number,
): [number, number] {
  let simplex: [number, number][] = [start, [start[0] + step, start[1]], [start[0], start[1] + step]];
  let values = simplex.map(f);
  for (let it = 0; it < iterations; it++) {
    const order = [0, 1, 2].sort((a, b) => (values[a] as number) - (values[b] as number));
    simplex = order.map((i) => simplex[i] as [number, number]);
    values = order.map((i) => values[i] as number);
    const [best, mid, worst] = simplex as [[number, number], [number, number], [number, number]];
    const c: [number, number] = [(best[0] + mid[0]) / 2, (best[1] + mid[1]) / 2];
    const at = (t: number): [number, number] => [c[0] + t * (worst[0] - c[0]), c[1] + t * (worst[1] - c[1])];
    const r = at(-1);
    const fr = f(r);
    if (fr < (values[0] as number)) {
      const e = at(-2);
      const fe = f(e);
      simplex[2] = fe < fr ? e : r;
      values[2] = Math.min(fe, fr);
    } else if (fr < (values[1] as number)) {
      simplex[2] = r;
      values[2] = fr;
    } else {
      const k = at(0.5);
      const fk = f(k);
      if (fk < (values[2] as number)) {
        simplex[2] = k;
        values[2] = fk;
      } else {
        simplex = simplex.map((p) => [(p[0] + best[0]) / 2, (p[1] + best[1]) / 2]);
        values = simplex.map(f);
      }
    }
    const spread = Math.hypot(simplex[2]![0] - simplex[0]![0], simplex[2]![1] - simplex[0]![1]);
    if (spread < 1e-3) break;
  }
  return simplex[0] as [number, number];
}

/** ML position (local east/north m) from three or more RSS observations. */
export function rssMaximumLikelihood(obs: RssObservation[], o: RssMlOptions): { east: number; north: number } {
  if (obs.length < 3) throw new RangeError(`rssMaximumLikelihood: need at least 3 observations, got ${obs.length}`);
  const es = obs.map((x) => x.east);
  const ns = obs.map((x) => x.north);
  const span = Math.max(Math.max(...es) - Math.min(...es), Math.max(...ns) - Math.min(...ns), 1);
  const margin = o.marginM ?? 0.2 * span;
  const steps = o.gridSteps ?? 40;
  const [e0, e1, n0, n1] = [
    Math.min(...es) - margin,
    Math.max(...es) + margin,
    Math.min(...ns) - margin,
    Math.max(...ns) + margin,
  ];
  let best: [number, number] = [e0, n0];
  let bestCost = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; j <= steps; j++) {
      const e = e0 + ((e1 - e0) * i) / steps;
      const n = n0 + ((n1 - n0) * j) / steps;
      const c = rssCost(obs, o.lossDb, e, n);
      if (c < bestCost) {
        bestCost = c;
        best = [e, n];
      }
    }
  }
  const [east, north] = nelderMead((x) => rssCost(obs, o.lossDb, x[0], x[1]), best, (e1 - e0) / steps, 400);
  return { east, north };
}
