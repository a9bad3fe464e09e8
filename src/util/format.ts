// How distances read in sentences and terminal tables: metres up to 10 km, then km with one decimal.

export function formatDistanceM(m: number): string {
  return m >= 10_000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}
