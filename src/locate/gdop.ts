// Horizontal dilution of precision of a receiver geometry for range-difference measurements
// (TDOA-like): how much the geometry magnifies a unit range error into position error.

/**
 * HDOP with rows [uₓ, u_y, 1] per receiver (u: unit vector from the receiver to the transmitter;
 * the 1 absorbs the common unknown offset, e.g. the emission time): √(trace of the position
 * block of (HᵀH)⁻¹). Null with fewer than 3 receivers, a receiver at the transmitter, or a
 * singular geometry (transmitter on the line of collinear receivers, co-located receivers).
 */
export function gdop(tx: { east: number; north: number }, receivers: { east: number; north: number }[]): number | null {
  if (receivers.length < 3) return null;
  // HᵀH = [[Σuₓ², Σuₓu_y, Σuₓ], [·, Σu_y², Σu_y], [·, ·, m]]
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let sx = 0;
  let sy = 0;
  for (const r of receivers) {
    const dx = tx.east - r.east;
    const dy = tx.north - r.north;
    const d = Math.hypot(dx, dy);
    if (!(d > 0)) return null;
    const ux = dx / d;
    const uy = dy / d;
    sxx += ux * ux;
    sxy += ux * uy;
    syy += uy * uy;
    sx += ux;
    sy += uy;
  }
  const m = receivers.length;
  // Eliminating the offset column leaves the Schur complement S = A − b·bᵀ/m, whose inverse is the
  // position block of (HᵀH)⁻¹.
  const a = sxx - (sx * sx) / m;
  const b = sxy - (sx * sy) / m;
  const c = syy - (sy * sy) / m;
  const det = a * c - b * b;
  if (!(det > 1e-12 * m * m)) return null;
  return Math.sqrt((a + c) / det);
}
