// The references' inputs and assembly: observations from catalogued measurements (heard by the
// feature layer's rule, powers referred to an isotropic antenna, censoring where the noise is
// known), the scenario's received-power model, and the evaluation document's comparison notes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalFrame } from '../../src/geo/local-frame.js';
import type { LocationEstimate } from '../../src/locate/types.js';
import { ellipseOf } from '../../src/math/gaussian2d.js';
import type { SessionReferences } from '../../src/pipeline/references/compute.js';
import { buildEvaluationDocument } from '../../src/pipeline/references/document.js';
import { observationsOf, positionedReceivers, scenarioReceivers } from '../../src/pipeline/references/observations.js';
import { rssModelOfScenario, searchRegionOfScenario } from '../../src/pipeline/references/rss-model.js';
import { pathLossDb } from '../../src/rf/propagation.js';
import { fadingResidualSigmaDb } from '../../src/sim/crlb.js';
import { thermalNoiseDbm } from '../../src/sim/link-budget.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import type { MeasurementRow } from '../../src/store/catalog/types.js';
import { prng } from '../helpers.js';

const scenario = resolveScenario({ preset: 'nw-italy-2m' });
const frame = LocalFrame.centroidOf(scenario.network.receivers);

test('the scenario model: its own path loss, and σ = shadowing ⊕ calibration ⊕ fading residual (the CRLB’s σ)', () => {
  const m = rssModelOfScenario(scenario);
  const fading = fadingResidualSigmaDb('rician', 3, 2, 1);
  assert.ok(Math.abs(m.sigmaDb - Math.sqrt(36 + 1 + fading * fading)) < 1e-12);
  const g = { distanceM: 23_456, freqHz: 145.5e6, rxHeightM: 700, txHeightM: 5 };
  assert.equal(m.lossDb(g.distanceM, g.rxHeightM), pathLossDb(scenario.propagation, g));
  assert.deepEqual(m.txPowerDbm, [30, 47]);
  assert.match(m.description, /log-distance n = 3 beyond 1000 m at 145\.500 MHz, σ = 6\.\d dB/);
  // The region (44.3–45.6 N, 7.1–9.3 E) is ≈ 145 km north–south and ≈ 170 km east–west.
  const r = searchRegionOfScenario(scenario, frame);
  assert.ok(Math.abs(r.north[1] - r.north[0] - 144_500) < 2000, `${r.north[1] - r.north[0]}`);
  assert.ok(Math.abs(r.east[1] - r.east[0] - 173_000) < 4000, `${r.east[1] - r.east[0]}`);
});

test('observations: heard by the feature rule, gain removed, not-heard censored at noise + threshold, unknowns skipped', () => {
  const receivers = scenarioReceivers(
    scenario.network.receivers.map((r, i) => ({ ...r, antennaGainDbi: i === 0 ? 5 : 0 })),
    frame,
  );
  const [a, b] = scenario.network.receivers as [(typeof scenario.network.receivers)[0], (typeof scenario.network.receivers)[0]];
  const row = (receiverId: string, snrDb: number | null, rssiDbm: number | null) =>
    ({ receiverId, snrDb, rssiDbm }) as unknown as MeasurementRow;
  const { observations, skipped } = observationsOf(
    [row(a.id, 12, -90), row(b.id, 2.9, -120), row('nobody', 20, -80), row(b.id, null, null)],
    receivers,
    3,
  );
  assert.equal(observations.length, 2);
  const [heard, quiet] = observations as [NonNullable<(typeof observations)[0]>, NonNullable<(typeof observations)[0]>];
  assert.equal(heard.rssDbm, -95, 'the 5 dBi antenna gain is taken out');
  assert.equal(heard.heightM, a.altitudeM + a.antennaHeightM);
  assert.deepEqual([heard.east, heard.north], [frame.toLocal(a).east, frame.toLocal(a).north]);
  assert.equal(quiet.rssDbm, null, 'SNR 2.9 dB is below the 3 dB heard threshold');
  const noise = thermalNoiseDbm(b.sampleRateHz, b.noiseFigureDb);
  assert.ok(Math.abs((quiet.detectionDbm as number) - (noise + 3)) < 1e-9);
  assert.deepEqual(skipped, [
    { id: 'nobody', reason: 'position unknown' },
    { id: b.id, reason: 'no calibrated power (full scale unknown)' },
  ]);
});

test('receivers known only by position (a model’s, real recordings): placed in the frame, no gain, no noise; unplaced ones left out', () => {
  const [a] = scenario.network.receivers as [(typeof scenario.network.receivers)[0]];
  const rx = positionedReceivers(
    [
      { id: a.id, lat: a.lat, lon: a.lon, altM: 712 },
      { id: 'nowhere', lat: null, lon: null, altM: null },
      { id: 'ground', lat: a.lat + 0.1, lon: a.lon, altM: null },
    ],
    frame,
  );
  assert.deepEqual([...rx.keys()], [a.id, 'ground']);
  assert.deepEqual(rx.get(a.id), { id: a.id, ...frame.toLocal(a), heightM: 712, gainDbi: 0 });
  assert.equal(rx.get('ground')?.heightM, 0);
  // Without a noise figure there is no detection level: a not-heard receiver is no evidence.
  const row = { receiverId: a.id, snrDb: 1, rssiDbm: -130 } as unknown as MeasurementRow;
  assert.deepEqual(observationsOf([row], rx, 3).observations[0]?.detectionDbm, undefined);
});

/** n sessions whose model and references have radial errors drawn around the given medians. */
function synthetic(n: number, modelM: number, posteriorM: number) {
  const rnd = prng(7);
  const circle = (r: number) => {
    const a = 2 * Math.PI * rnd();
    const k = 0.5 + rnd(); // spread around the scale
    return { east: r * k * Math.cos(a), north: r * k * Math.sin(a) };
  };
  const cov = (s: number) =>
    [
      [s * s, 0],
      [0, s * s],
    ] as [[number, number], [number, number]];
  const est = (p: { east: number; north: number }, s: number): LocationEstimate => ({
    method: 'posterior-mean',
    ...p,
    cov: cov(s),
    receivers: [],
  });
  const runs = Array.from({ length: n }, (_, i) => ({
    sessionId: i + 1,
    truth: { east: 0, north: 0 },
    model: { ...circle(modelM), cov: cov(modelM) },
  }));
  const references: SessionReferences[] = runs.map((r, i) => ({
    sessionId: r.sessionId,
    estimates: {
      posteriorMean: est(circle(posteriorM), posteriorM),
      rssMl: est(circle(posteriorM * 1.2), posteriorM),
      tdoa: i % 2 === 0 ? est(circle(50), 60) : { notApplicable: 'only 2 timed receivers' },
      centroid: est(circle(posteriorM * 2), posteriorM),
      strongest: { notApplicable: 'nobody heard it' },
    },
    crlbCep50M: i % 5 === 0 ? null : posteriorM * 1.3,
    // Timed sessions (every other one) also carry the power-only bound, 4× looser.
    crlbRssOnlyCep50M: i % 5 === 0 || i % 2 === 1 ? null : posteriorM * 5.2,
    gdop: 1 + (i % 7),
    bestSnrDb: 10 + (i % 30),
  }));
  return { runs, references };
}

const documentOf = (x: ReturnType<typeof synthetic>, extra: { scenario?: typeof scenario; rssModelDescription?: string } = {}) =>
  buildEvaluationDocument({
    ...x,
    title: 't',
    model: { name: 'm', source: 'm.onnx' },
    dataset: { name: 'd', version: 1, split: 'test', sessions: x.runs.length },
    frame,
    receivers: [],
    rssModelDescription: extra.rssModelDescription ?? null,
    learningCurve: [],
    ...(extra.scenario ? { scenario: extra.scenario } : {}),
  });

test('the document: every reference on the same sessions, not-applicable counted, CRLB as a bound, honest notes', () => {
  const x = synthetic(400, 10_000, 20_000);
  const runs = x.runs;
  const doc = documentOf(x, { scenario, rssModelDescription: 'log-distance' });
  assert.equal(doc.metrics.count, 400);
  assert.equal(doc.references.tdoa?.count, 200);
  assert.equal(doc.references.tdoa?.notApplicable, 200);
  assert.equal(doc.references.strongest, undefined, 'a reference that applied to no session is absent');
  assert.equal(doc.references.crlb?.notApplicable, 80);
  assert.equal(doc.references.crlb?.medianErrorM, 26_000);
  assert.match(doc.references.rssMl?.description ?? '', /Model: log-distance\./);
  assert.ok((doc.references.posteriorMean?.medianErrorM ?? 0) > doc.metrics.medianErrorM);
  assert.equal(doc.perSample.length, 400);
  assert.equal(doc.perSample[1]?.errorM.tdoa, null);
  assert.equal(doc.map.transmissions.length, 12);
  assert.deepEqual(doc.map.transmissions[0]?.estimates.model?.ellipse, ellipseOf(runs[0]?.model.cov as never));
  // The best non-learning estimator here is TDOA? No: it did not apply to every session, so the
  // comparison is with the posterior mean, which the model beats beyond the intervals — a gain the
  // note attributes to the arrival times, not to learning, since TDOA applies to part of the sessions.
  assert.match(
    doc.notes[0] ?? '',
    /^Median error: model 10\.\d km .* posterior mean .* The model is better than the best estimator that applies to every session, beyond the intervals — but TDOA applies to part of them/,
  );
  assert.match(doc.notes[1] ?? '', /not the physical limit/);
  // TDOA applied to half the sessions: compared with the model on exactly those.
  assert.match(
    doc.notes[2] ?? '',
    /^On the 200 of 400 sessions TDOA applies to, its median error is \d+ m and the model's (9|10|11)\.\d km on the same sessions\.$/,
  );
  // The bound's margin for timing, beside the model's gain over the power-only posterior mean.
  assert.match(
    doc.notes[3] ?? '',
    /^Where timing applies \(160 sessions\), the CRLB's median CEP50 is 26\.0 km with arrival times and 104\.0 km from the same links' powers alone: timing should buy a factor 4\.0\. The model's median error is (1\.9|2\.[01])× below the power-only posterior mean's on the same sessions\.$/,
  );
  const w = documentOf(synthetic(400, 30_000, 20_000));
  assert.match(
    w.notes[0] ?? '',
    /The model is worse than the best non-learning estimator, beyond the intervals, by (4[4-9]|5[0-9]) %/,
  );
  const s = documentOf(synthetic(400, 20_000, 20_000));
  assert.match(s.notes[0] ?? '', /The intervals overlap/);
});
