// Nelder–Mead minimization in two dimensions: the local refinement after a coarse grid, for cost
// functions that are cheap but have no convenient derivatives.

export function nelderMead2(
  f: (e: number, n: number) => number,
  start: [number, number],
  stepM: number,
  o: { iterations?: number; toleranceM?: number } = {},
): { point: [number, number]; value: number } {
  const iterations = o.iterations ?? 400;
  const toleranceM = o.toleranceM ?? 1e-3;
  let simplex: [number, number][] = [start, [start[0] + stepM, start[1]], [start[0], start[1] + stepM]];
  let values = simplex.map((p) => f(p[0], p[1]));
  for (let it = 0; it < iterations; it++) {
    const order = [0, 1, 2].sort((a, b) => (values[a] as number) - (values[b] as number));
    simplex = order.map((i) => simplex[i] as [number, number]);
    values = order.map((i) => values[i] as number);
    const [best, mid, worst] = simplex as [[number, number], [number, number], [number, number]];
    const spread = Math.max(Math.hypot(worst[0] - best[0], worst[1] - best[1]), Math.hypot(mid[0] - best[0], mid[1] - best[1]));
    if (spread < toleranceM) break;
    const c: [number, number] = [(best[0] + mid[0]) / 2, (best[1] + mid[1]) / 2];
    const at = (t: number): [number, number] => [c[0] + t * (worst[0] - c[0]), c[1] + t * (worst[1] - c[1])];
    const r = at(-1);
    const fr = f(r[0], r[1]);
    if (fr < (values[0] as number)) {
      const e = at(-2);
      const fe = f(e[0], e[1]);
      simplex[2] = fe < fr ? e : r;
      values[2] = Math.min(fe, fr);
    } else if (fr < (values[1] as number)) {
      simplex[2] = r;
      values[2] = fr;
    } else {
      const k = at(0.5);
      const fk = f(k[0], k[1]);
      if (fk < (values[2] as number)) {
        simplex[2] = k;
        values[2] = fk;
      } else {
        simplex = simplex.map((p) => [(p[0] + best[0]) / 2, (p[1] + best[1]) / 2]);
        values = simplex.map((p) => f(p[0], p[1]));
      }
    }
  }
  const i = [0, 1, 2].reduce((b, j) => ((values[j] as number) < (values[b] as number) ? j : b), 0);
  return { point: simplex[i] as [number, number], value: values[i] as number };
}
