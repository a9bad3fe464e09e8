import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Cov2, cep50, ellipseOf, fuseGaussians, probabilityWithinRadius } from '../../src/math/gaussian2d.js';
import { assertClose, prng } from '../helpers.js';

const RAD = Math.PI / 180;

/**
 * Covariance (east, north) of an ellipse with 1σ semi-axes `major` and `minor` whose major axis
 * points along the compass bearing `bearingDeg` (clockwise from north): R·diag(major², minor²)·Rᵀ
 * with the major-axis unit vector (east, north) = (sin β, cos β).
 */
function rotated(major: number, minor: number, bearingDeg: number): Cov2 {
  const u = [Math.sin(bearingDeg * RAD), Math.cos(bearingDeg * RAD)] as const; // major axis
  const w = [Math.cos(bearingDeg * RAD), -Math.sin(bearingDeg * RAD)] as const; // minor axis
  const l1 = major * major;
  const l2 = minor * minor;
  const ee = l1 * u[0] * u[0] + l2 * w[0] * w[0];
  const en = l1 * u[0] * u[1] + l2 * w[0] * w[1];
  const nn = l1 * u[1] * u[1] + l2 * w[1] * w[1];
  return [
    [ee, en],
    [en, nn],
  ];
}

/** Bearings equal modulo 180° (an axis has no sign). */
function assertBearing(got: number, expected: number, tol: number, what: string): void {
  const d = (((got - expected) % 180) + 180) % 180;
  assert.ok(Math.min(d, 180 - d) <= tol, `${what}: bearing ${got}, expected ${expected} (mod 180)`);
  assert.ok(got >= 0 && got < 180, `${what}: bearing ${got} outside [0, 180)`);
}

/** Box–Muller standard normals from the tests' own PRNG (independent of src/sim/rng). */
function normals(seed: number): () => number {
  const r = prng(seed);
  return () => {
    const u = 1 - r(); // (0, 1]
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
}

describe('circular covariance σ²I', () => {
  for (const sigma of [0.5, 1, 37, 1000]) {
    test(`σ = ${sigma}: CEP50 = σ·√(2 ln 2) and P(r) = 1 − exp(−r²/2σ²)`, () => {
      const c: Cov2 = [
        [sigma * sigma, 0],
        [0, sigma * sigma],
      ];
      const cep = cep50(c);
      assertClose([cep], [sigma * Math.sqrt(2 * Math.LN2)], 0, 1e-6, 'CEP50');
      assertClose([cep / sigma], [1.17741], 0, 1e-5, 'CEP50/σ');
      for (const k of [0.1, 0.5, 1, 1.5, 2, 3]) {
        const r = k * sigma;
        assertClose([probabilityWithinRadius(c, r)], [1 - Math.exp(-(r * r) / (2 * sigma * sigma))], 1e-12, 1e-9, `P(${k}σ)`);
      }
      assert.equal(probabilityWithinRadius(c, 0), 0);
      const e = ellipseOf(c);
      assertClose([e.semiMajorM, e.semiMinorM], [sigma, sigma], 0, 1e-12, 'semi-axes');
    });
  }
});

describe('ellipseOf', () => {
  test('diag(9, 4): semi-axes 3 and 2, major axis east (90°)', () => {
    const e = ellipseOf([
      [9, 0],
      [0, 4],
    ]);
    assertClose([e.semiMajorM, e.semiMinorM], [3, 2], 1e-12, 0);
    assertBearing(e.orientationDeg, 90, 1e-9, 'diag(9, 4)');
  });

  test('diag(4, 9): semi-axes 3 and 2, major axis north (0°)', () => {
    const e = ellipseOf([
      [4, 0],
      [0, 9],
    ]);
    assertClose([e.semiMajorM, e.semiMinorM], [3, 2], 1e-12, 0);
    assertBearing(e.orientationDeg, 0, 1e-9, 'diag(4, 9)');
  });

  test('R·diag·Rᵀ for a known bearing returns that bearing and the semi-axes', () => {
    for (const bearing of [30, 45, 60, 120, 150, 179]) {
      const c = rotated(5, 2, bearing);
      const e = ellipseOf(c);
      assertClose([e.semiMajorM, e.semiMinorM], [5, 2], 1e-9, 1e-9, `semi-axes at ${bearing}°`);
      assertBearing(e.orientationDeg, bearing, 1e-9, `${bearing}°`);
    }
    // 30°: east variance 25·sin²30 + 4·cos²30 = 9.25, north 25·cos²30 + 4·sin²30 = 19.75,
    // covariance (25 − 4)·sin30·cos30 = 9.0933: positive (north-east leaning).
    const c30 = rotated(5, 2, 30);
    assertClose([c30[0][0], c30[1][1], c30[0][1]], [9.25, 19.75, (21 * Math.sqrt(3)) / 4], 1e-12, 1e-12);
    assertBearing(
      ellipseOf([
        [9.25, (21 * Math.sqrt(3)) / 4],
        [(21 * Math.sqrt(3)) / 4, 19.75],
      ]).orientationDeg,
      30,
      1e-9,
      'hand-built 30°',
    );
  });
});

describe('CEP50 of an eccentric ellipse', () => {
  test('σ ratio 50 matches a seeded Monte-Carlo estimate within 2 %', () => {
    // Major 50 m, minor 1 m, at bearing 30°. CEP50 → 0.6745·σ_major (the 1-D median |x|) as the
    // ratio grows; the Monte-Carlo median of |x| is the reference.
    const major = 50;
    const minor = 1;
    const bearing = 30;
    const c = rotated(major, minor, bearing);
    const n = 200_000;
    const z = normals(2718);
    const radii = new Float64Array(n);
    const ux = Math.sin(bearing * RAD);
    const uy = Math.cos(bearing * RAD);
    for (let i = 0; i < n; i++) {
      const a = major * z();
      const b = minor * z();
      // (east, north) = a·u + b·w, with w ⟂ u.
      const east = a * ux + b * uy;
      const north = a * uy - b * ux;
      radii[i] = Math.hypot(east, north);
    }
    radii.sort();
    const mcMedian = ((radii[n / 2 - 1] as number) + (radii[n / 2] as number)) / 2;
    const cep = cep50(c);
    assert.ok(Math.abs(cep / mcMedian - 1) < 0.02, `CEP50 ${cep} vs Monte-Carlo ${mcMedian}`);
    // It must sit between the 1-D median 0.6745·σ (minor axis → 0) and the circular value.
    assert.ok(cep > 0.6745 * major && cep < 0.69 * major, `CEP50 ${cep} for σ 50/1`);
    // And P(CEP50) is the Monte-Carlo fraction inside that radius.
    let inside = 0;
    for (const r of radii) if (r <= cep) inside++;
    const p = probabilityWithinRadius(c, cep);
    assertClose([p], [0.5], 1e-9, 0, 'P(CEP50)');
    assert.ok(Math.abs(inside / n - 0.5) < 4 * Math.sqrt(0.25 / n), `Monte-Carlo fraction inside CEP50: ${inside / n}`);
  });

  test('probabilityWithinRadius of an eccentric ellipse matches Monte-Carlo at several radii', () => {
    const c = rotated(20, 2, 110);
    const n = 100_000;
    const z = normals(31);
    const radii = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = 20 * z();
      const b = 2 * z();
      radii[i] = Math.hypot(a, b); // the distance from the centre does not depend on the rotation
    }
    for (const r of [2, 5, 10, 20, 40]) {
      let inside = 0;
      for (const x of radii) if (x <= r) inside++;
      const mc = inside / n;
      const p = probabilityWithinRadius(c, r);
      assert.ok(Math.abs(p - mc) <= 4 * Math.sqrt((mc * (1 - mc)) / n) + 1e-4, `r = ${r}: P ${p} vs Monte-Carlo ${mc}`);
    }
  });
});

describe('invalid covariances', () => {
  test('a non-positive-definite covariance throws', () => {
    const bad: Cov2[] = [
      [
        [1, 2],
        [2, 1],
      ], // indefinite: eigenvalues 3 and −1
      [
        [4, 2],
        [2, 1],
      ], // singular
      [
        [0, 0],
        [0, 0],
      ],
    ];
    for (const c of bad) {
      const shown = `[[${c[0][0]}, ${c[0][1]}], [${c[1][0]}, ${c[1][1]}]]`;
      assert.throws(() => probabilityWithinRadius(c, 1), {
        name: 'RangeError',
        message: `probabilityWithinRadius: covariance must be symmetric positive definite, got ${shown}`,
      });
      assert.throws(() => cep50(c), {
        name: 'RangeError',
        message: `cep50: covariance must be symmetric positive definite, got ${shown}`,
      });
    }
  });
});

describe('very flat ellipses (TDOA-like errors)', () => {
  test('CEP50 tends to the median of |N(0, σ₁²)|, 0.67449·σ₁, and holds exactly 50 %', () => {
    for (const ratio of [200, 1000]) {
      const c: Cov2 = [
        [ratio * ratio, 0],
        [0, 1],
      ];
      const r = cep50(c);
      assert.ok(Math.abs(r / ratio - 0.6744897501960817) < 1e-4, `ratio ${ratio}: CEP50/σ₁ = ${r / ratio}`);
      assert.ok(Math.abs(probabilityWithinRadius(c, r) - 0.5) < 1e-9);
    }
  });

  test('a negative-definite matrix (positive determinant) is refused', () => {
    assert.throws(
      () =>
        probabilityWithinRadius(
          [
            [-1, 0],
            [0, -1],
          ],
          1,
        ),
      /covariance must be symmetric positive definite, got \[\[-1, 0\], \[0, -1\]\]/,
    );
  });
});

describe('fuseGaussians', () => {
  test('equals the closed form (A⁻¹ + B⁻¹)⁻¹ for well-conditioned inputs, and is symmetric in its arguments', () => {
    const a = {
      east: 100,
      north: -50,
      cov: [
        [400, 120],
        [120, 900],
      ] as Cov2,
    };
    const b = {
      east: -20,
      north: 30,
      cov: [
        [2500, -300],
        [-300, 1600],
      ] as Cov2,
    };
    const inv = (c: Cov2): Cov2 => {
      const det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
      return [
        [c[1][1] / det, -c[0][1] / det],
        [-c[1][0] / det, c[0][0] / det],
      ];
    };
    const ia = inv(a.cov);
    const ib = inv(b.cov);
    const p = inv([
      [ia[0][0] + ib[0][0], ia[0][1] + ib[0][1]],
      [ia[1][0] + ib[1][0], ia[1][1] + ib[1][1]],
    ]);
    const ye = ia[0][0] * a.east + ia[0][1] * a.north + ib[0][0] * b.east + ib[0][1] * b.north;
    const yn = ia[1][0] * a.east + ia[1][1] * a.north + ib[1][0] * b.east + ib[1][1] * b.north;
    const expected = [p[0][0], p[0][1], p[1][1], p[0][0] * ye + p[0][1] * yn, p[1][0] * ye + p[1][1] * yn];
    for (const f of [fuseGaussians(a, b), fuseGaussians(b, a)])
      assertClose([f.cov[0][0], f.cov[0][1], f.cov[1][1], f.east, f.north], expected, 1e-9, 1e-9, 'fused');
  });

  test('an A open along one direction (a hyperbola: 10⁷ m one way, 4 m the other) leaves that direction to B', () => {
    // Major axis along bearing 30°.
    const a = { east: 500, north: 800, cov: rotated(1e7, 4, 30) };
    const b = {
      east: 0,
      north: 0,
      cov: [
        [1e6, 0],
        [0, 1e6],
      ] as Cov2,
    };
    const f = fuseGaussians(a, b);
    const e = ellipseOf(f.cov);
    // A's precise direction is kept, and B (σ = 1 km) decides the open one.
    assertClose([e.semiMinorM, e.semiMajorM], [4, 1000], 1e-3, 1e-4, 'fused semi-axes');
    assertBearing(e.orientationDeg, 30, 1e-3, 'fused major axis');
    // The mean moves along the open direction only: its offset from A's mean is along bearing 30°
    // (across it, A's σ = 4 m against B's 1 km leaves a pull of (4/1000)² of the offset: centimetres).
    const de = f.east - a.east;
    const dn = f.north - a.north;
    assert.ok(Math.abs(de * Math.cos(30 * RAD) - dn * Math.sin(30 * RAD)) < 0.05, `offset (${de}, ${dn})`);
    assert.ok(Math.hypot(de, dn) > 100, 'B pulls the mean along the open direction');
  });

  test('an exactly singular A (zero variance across, 10⁸ m along) gives a finite fusion: B decides along, A across', () => {
    const a = { east: 500, north: 800, cov: rotated(1e8, 0, 120) };
    const f = fuseGaussians(a, {
      east: 0,
      north: 0,
      cov: [
        [1e6, 0],
        [0, 1e6],
      ],
    });
    const e = ellipseOf(f.cov);
    assert.ok([f.east, f.north, ...f.cov.flat()].every(Number.isFinite), JSON.stringify(f));
    assertClose([e.semiMajorM], [1000], 1e-3, 1e-4, 'fused major semi-axis');
    assert.ok(e.semiMinorM < 20, `fused minor semi-axis ${e.semiMinorM} m (the floor: 1e-7 of A's 10⁸ m)`);
    assertBearing(e.orientationDeg, 120, 1e-3, 'fused major axis');
  });
});
