// The posterior mean under the stated model: calibrated covariance on data drawn from that very
// model (uniform transmitter and power, censored not-heard receivers), fast, and refusing with
// the receivers named when nobody heard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { posteriorMean } from '../../src/locate/posterior.js';
import { LocateError, type ReceiverObservation } from '../../src/locate/types.js';
import { Rng } from '../../src/math/rng.js';
import { drawObservations, logDistanceModel } from './fixtures.js';

const model = logDistanceModel(3.5, 6, [30, 45]);
const region = { east: [-15_000, 15_000] as [number, number], north: [-15_000, 15_000] as [number, number] };
const grid16 = Array.from({ length: 16 }, (_, i) => ({
  id: `g${String(i).padStart(2, '0')}`,
  east: ((i % 4) - 1.5) * 8000 + ((i * 37) % 11) * 100,
  north: (Math.floor(i / 4) - 1.5) * 8000 - ((i * 53) % 7) * 100,
  heightM: 10,
}));
const DETECTION_DBM = -100;

test('posterior covariance is calibrated on data drawn from the stated model (300 draws, 16 receivers)', () => {
  const rng = new Rng(21, 'posterior-calibration');
  let inside1 = 0;
  let inside2 = 0;
  let n = 0;
  let censoredUsed = 0;
  const timesMs: number[] = [];
  while (n < 300) {
    const tx = { east: rng.between(region.east[0], region.east[1]), north: rng.between(region.north[0], region.north[1]) };
    const obs = drawObservations(grid16, model, tx, rng.between(30, 45), rng, DETECTION_DBM);
    // Conditioning on "someone heard" keeps the Bayesian calibration exact.
    if (obs.every((o) => o.rssDbm === null)) continue;
    const t0 = performance.now();
    const est = posteriorMean(obs, model, region);
    timesMs.push(performance.now() - t0);
    censoredUsed += est.receivers.filter((r) => r.reason?.startsWith('censored')).length;
    const [[a, b], [, d]] = est.cov;
    const de = tx.east - est.east;
    const dn = tx.north - est.north;
    const m2 = (d * de * de - 2 * b * de * dn + a * dn * dn) / (a * d - b * b);
    if (m2 <= 1) inside1++;
    if (m2 <= 4) inside2++;
    n++;
  }
  timesMs.sort((x, y) => x - y);
  const c1 = inside1 / n;
  const c2 = inside2 / n;
  console.log(
    `posterior coverage: 1σ ${c1.toFixed(3)} (ideal 0.393), 2σ ${c2.toFixed(3)} (ideal 0.865); ` +
      `time per call (16 receivers): median ${(timesMs[n >> 1] as number).toFixed(1)} ms, 90th percentile ${(timesMs[Math.floor(0.9 * n)] as number).toFixed(1)} ms`,
  );
  assert.ok(censoredUsed > 0, 'some draws had censored (not-heard) receivers');
  assert.ok(Math.abs(c2 - 0.86) <= 0.06, `2σ coverage ${c2}`);
  assert.ok(Math.abs(c1 - 0.39) <= 0.07, `1σ coverage ${c1}`);
});

test('the grid refines around a narrow posterior: a 3 km city and a 150 km region both resolve', () => {
  const exact = { ...model, sigmaDb: 1 };
  const rng = new Rng(22, 'refine');
  for (const half of [1500, 75_000]) {
    const rx = grid16.map((r) => ({ ...r, east: (r.east * half) / 15_000, north: (r.north * half) / 15_000 }));
    const tx = { east: 0.31 * half, north: -0.22 * half };
    const obs = drawObservations(rx, exact, tx, 37, rng);
    const est = posteriorMean(obs, exact, { east: [-half, half], north: [-half, half] });
    const sd = Math.sqrt(est.cov[0][0] + est.cov[1][1]);
    const err = Math.hypot(est.east - tx.east, est.north - tx.north);
    // σ = 1 dB with 16 receivers: a few per cent of the spacing, far below the first grid's cell.
    assert.ok(sd < (2 * half) / 40, `region ±${half} m: posterior RMS ${sd.toFixed(1)} m not below one coarse cell`);
    assert.ok(err < 4 * sd, `region ±${half} m: error ${err.toFixed(1)} m vs posterior RMS ${sd.toFixed(1)} m`);
    assert.ok(Math.abs((est.nuisance?.txPowerDbm as number) - 37) < 2, `power ${est.nuisance?.txPowerDbm}`);
  }
});

test('a measured power includes the noise: a weak heard receiver near the noise floor is not read as a strong signal', () => {
  const rx = grid16.slice(0, 6);
  const tx = { east: -6000, north: -6000 };
  const exact = { ...model, sigmaDb: 2 };
  const noiseDbm = -110;
  const rng = new Rng(23, 'noise');
  // Signal ⊕ noise, as a receiver measures it.
  const obs: ReceiverObservation[] = drawObservations(rx, { ...exact, sigmaDb: 0 }, tx, 37, rng).map((o) => ({
    ...o,
    rssDbm: 10 * Math.log10(10 ** ((o.rssDbm as number) / 10) + 10 ** (noiseDbm / 10)) + 2 * rng.normal(),
    noiseDbm,
  }));
  const est = posteriorMean(obs, exact, region);
  const err = Math.hypot(est.east - tx.east, est.north - tx.north);
  const sd = Math.sqrt(est.cov[0][0] + est.cov[1][1]);
  assert.ok(err < 3 * sd, `error ${err.toFixed(0)} m, posterior RMS ${sd.toFixed(0)} m`);
  for (const r of est.receivers) assert.ok(Math.abs(r.residualDb as number) < 8, `${r.id} residual ${r.residualDb} dB`);
});

test('nobody heard: LocateError naming the receivers; not-heard without detectionDbm is left out', () => {
  const silent = grid16.slice(0, 3).map((r) => ({ ...r, rssDbm: null }));
  assert.throws(
    () => posteriorMean(silent, model, region),
    (e: unknown) => e instanceof LocateError && /at least 1/.test(e.message) && /not heard: g00, g01, g02/.test(e.message),
  );
  const mixed = [
    { ...(grid16[0] as (typeof grid16)[0]), rssDbm: -80 },
    { ...(grid16[1] as (typeof grid16)[0]), rssDbm: null },
  ];
  const est = posteriorMean(mixed, model, region);
  assert.equal(est.receivers[1]?.used, false);
  assert.match(est.receivers[1]?.reason ?? '', /no detectionDbm/);
});
