// The power-log estimators on synthetic logs whose truth is known exactly: the log-distance fit
// recovers the exponent and the devices' offsets, kNN returns a training transmission's position
// for its own fingerprint, the radio map learns shadowing the law cannot express, not-heard
// receivers push the posterior away from them, and the map survives a JSON round trip (and a
// damaged document is refused by field).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPowerBaselines } from '../../src/locate/power/baselines.js';
import { KnnFingerprints } from '../../src/locate/power/knn.js';
import { fitLogDistance } from '../../src/locate/power/log-distance-fit.js';
import { fitRadioMap, RadioMapLocator } from '../../src/locate/power/radio-map.js';
import { radioMapFromJson, radioMapToJson } from '../../src/locate/power/radio-map-json.js';
import type { PowerReading, PowerSample } from '../../src/locate/power/samples.js';
import { fitSelectedRadioMap } from '../../src/locate/power/select.js';
import { LocateError } from '../../src/locate/types.js';
import { Rng } from '../../src/math/rng.js';

const AREA = 3000;
const RX = Array.from({ length: 9 }, (_, i) => ({
  id: `rx-${i}`,
  east: ((i % 3) - 1) * 1200,
  north: (Math.floor(i / 3) - 1) * 1200,
  heightM: 10,
}));
const OFFSETS: Record<string, number> = Object.fromEntries(RX.map((r, i) => [r.id, ((i * 37) % 11) - 5]));
const EXPONENT = 3.2;

interface LogOptions {
  seed: number;
  count: number;
  /** Amplitude (dB) of each receiver's smooth shadowing over the transmitter's position. */
  shadowDb?: number;
  noiseDb?: number;
  /** Reports below this (offsets excluded) are "not heard". */
  sensitivity?: number;
}

/** Smooth, receiver-specific shadowing: what no distance law expresses. */
const shadow = (i: number, east: number, north: number, amp: number) =>
  amp * Math.sin((east + 300 * i) / 450) * Math.cos((north - 200 * i) / 520);

function synthetic(o: LogOptions): PowerSample[] {
  const rng = new Rng(o.seed);
  return Array.from({ length: o.count }, (_, k) => {
    const truth = { east: rng.between(-AREA / 2, AREA / 2), north: rng.between(-AREA / 2, AREA / 2) };
    const level = rng.between(20, 30);
    const readings: PowerReading[] = RX.map((r, i) => {
      const d = Math.hypot(truth.east - r.east, truth.north - r.north, 1.5 - r.heightM);
      const p =
        level -
        EXPONENT * 10 * Math.log10(d) +
        shadow(i, truth.east, truth.north, o.shadowDb ?? 0) +
        (o.noiseDb ?? 0) * rng.normal();
      const heard = p >= (o.sensitivity ?? Number.NEGATIVE_INFINITY);
      return { ...r, rssDbm: heard ? p + (OFFSETS[r.id] as number) : null, mobile: false };
    });
    return { id: k + 1, readings, truth };
  });
}

const medianError = (samples: PowerSample[], locate: (s: PowerSample) => { east: number; north: number }) => {
  const e = samples
    .map((s) => {
      const p = locate(s);
      return Math.hypot(p.east - (s.truth?.east ?? 0), p.north - (s.truth?.north ?? 0));
    })
    .sort((a, b) => a - b);
  return e[Math.floor((e.length - 1) / 2)] as number; // the lower median, as chooseK takes it
};

test('the log-distance fit recovers the exponent and every device offset from noiseless logs', () => {
  const fit = fitLogDistance(synthetic({ seed: 1, count: 60 }));
  assert.ok(Math.abs(fit.exponent - EXPONENT) < 1e-6, `exponent ${fit.exponent}`);
  const mean = Object.values(OFFSETS).reduce((a, b) => a + b, 0) / RX.length;
  for (const r of RX) assert.ok(Math.abs((fit.offsetsDb[r.id] as number) - ((OFFSETS[r.id] as number) - mean)) < 1e-6, r.id);
  assert.ok(fit.sigmaDb < 1e-6);
  assert.equal(fit.transmissions, 60);
  assert.equal(fit.readings, 540);
  // With noise the estimate stays close; too little data is refused with the counts.
  const noisy = fitLogDistance(synthetic({ seed: 2, count: 200, noiseDb: 3 }));
  assert.ok(Math.abs(noisy.exponent - EXPONENT) < 0.15, `noisy exponent ${noisy.exponent}`);
  assert.ok(Math.abs(noisy.sigmaDb - 3) < 0.3, `σ ${noisy.sigmaDb}`);
  assert.throws(() => fitLogDistance(synthetic({ seed: 3, count: 2 })), /2 transmissions heard by two or more receivers/);
  const unlabelled = synthetic({ seed: 4, count: 5 }).map(({ truth: _t, ...s }) => s);
  assert.throws(() => fitLogDistance(unlabelled), /fitLogDistance: transmission 1 has no true position/);
});

test('kNN fingerprinting: its own fingerprint finds a training transmission; k is chosen on validation', () => {
  const train = synthetic({ seed: 5, count: 300, noiseDb: 2 });
  const knn = new KnnFingerprints(train);
  const own = train[17] as PowerSample;
  const e = knn.locate(own, 1);
  assert.deepEqual([e.east, e.north], [own.truth?.east, own.truth?.north]);
  const val = synthetic({ seed: 6, count: 80, noiseDb: 2 });
  const chosen = knn.chooseK(val);
  const byK = (k: number) => medianError(val, (s) => knn.locate(s, k));
  assert.equal(chosen.medianErrorM, byK(chosen.k));
  for (const k of [1, 2, 3, 5, 8, 13, 21]) assert.ok(chosen.medianErrorM <= byK(k) + 1e-9, `k=${k} is better than ${chosen.k}`);
  // Fewer than three running fixed receivers in common: refused, by transmission.
  const lonely: PowerSample = { id: 99, readings: (val[0] as PowerSample).readings.slice(0, 2) };
  assert.throws(
    () => knn.locate(lonely, 3),
    (err: unknown) => err instanceof LocateError && /transmission 99 shares fewer than 3/.test(String(err)),
  );
});

test('the radio map learns shadowing the law cannot express, and beats the law and kNN on it', () => {
  const opts = { shadowDb: 8, noiseDb: 1.5 };
  const train = synthetic({ seed: 7, count: 900, ...opts });
  const val = synthetic({ seed: 8, count: 120, ...opts });
  const test = synthetic({ seed: 9, count: 120, ...opts });
  const { map } = fitSelectedRadioMap(train, val, { bandwidthsM: [100, 200], sigmaFactors: [1, 1.3] });
  const locator = new RadioMapLocator(map);
  const base = runPowerBaselines(train, val, test);
  const mapMedian = medianError(test, (s) => locator.locate(s));
  const lawMedian = medianError(
    test,
    (s) => base.estimates['log-distance-ml'][test.indexOf(s)] as { east: number; north: number },
  );
  const knnMedian = medianError(test, (s) => base.estimates.knn[test.indexOf(s)] as { east: number; north: number });
  assert.ok(mapMedian < 0.6 * lawMedian, `radio map ${mapMedian.toFixed(0)} m vs the law ${lawMedian.toFixed(0)} m`);
  assert.ok(mapMedian < knnMedian, `radio map ${mapMedian.toFixed(0)} m vs kNN ${knnMedian.toFixed(0)} m`);
  // The fitted shadowing follows the true one where transmitters were (correlation over cells).
  const g = map.grid;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < g.ny; y += 3)
    for (let x = 0; x < g.nx; x += 3) {
      const east = g.east0 + x * g.cellM;
      const north = g.north0 + y * g.cellM;
      if (Math.abs(east) > AREA / 2 || Math.abs(north) > AREA / 2) continue;
      xs.push(map.shadowDb['rx-4']?.[y * g.nx + x] as number);
      ys.push(shadow(4, east, north, 8));
    }
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  const cov = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0);
  const r = cov / Math.sqrt(xs.reduce((a, x) => a + (x - mx) ** 2, 0) * ys.reduce((a, y) => a + (y - my) ** 2, 0));
  assert.ok(r > 0.8, `correlation of fitted and true shadowing ${r.toFixed(2)}`);
});

test('radio map: not heard is evidence (the posterior moves away), nobody heard is refused', () => {
  const train = synthetic({ seed: 10, count: 400, noiseDb: 2, sensitivity: -100 });
  const map = fitRadioMap(train, { bandwidthM: 150 });
  const locator = new RadioMapLocator(map);
  // Two receivers heard equally; a third, next to one of them, was running and heard nothing.
  const heardAt = (id: string, rssDbm: number | null): PowerReading => ({
    ...(RX.find((r) => r.id === id) as (typeof RX)[number]),
    rssDbm: rssDbm === null ? null : rssDbm + (OFFSETS[id] as number),
    mobile: false,
  });
  const both: PowerSample = { id: 1, readings: [heardAt('rx-3', -80), heardAt('rx-5', -80)] };
  const withSilence: PowerSample = { id: 2, readings: [...both.readings, heardAt('rx-2', null)] };
  const a = locator.locate(both);
  const b = locator.locate(withSilence);
  const rx2 = RX[2] as (typeof RX)[number];
  assert.ok(
    Math.hypot(b.east - rx2.east, b.north - rx2.north) > Math.hypot(a.east - rx2.east, a.north - rx2.north) + 100,
    'the silent receiver pushes the estimate away',
  );
  const none: PowerSample = { id: 3, readings: [heardAt('rx-1', null)] };
  assert.throws(() => locator.locate(none), /radio-map: transmission 3: no receiver heard it \(1 running\)/);
  // A mobile receiver (no table, no shadowing map) is computed per cell, and still counts.
  const mobile: PowerSample = { id: 4, readings: [...both.readings, { ...heardAt('rx-4', -70), id: 'van', mobile: true }] };
  const c = locator.locate(mobile);
  assert.ok(Number.isFinite(c.east) && c.cov[0][0] > 0);
});

test('a radio map survives its JSON document; a damaged document is refused by field', () => {
  const map = fitRadioMap(synthetic({ seed: 11, count: 200, shadowDb: 4, noiseDb: 1 }), { bandwidthM: 200, cellM: 100 });
  const text = radioMapToJson({ ...map, covScale: 1.5 }, { lat: 45, lon: 7 }, { dataset: 'x@1' });
  const back = radioMapFromJson(text, 'm.json');
  assert.deepEqual(back.origin, { lat: 45, lon: 7 });
  assert.equal(back.map.covScale, 1.5);
  assert.deepEqual(back.map.grid, map.grid);
  for (const [id, a] of Object.entries(map.shadowDb)) assert.deepEqual(back.map.shadowDb[id], a, id);
  const s = synthetic({ seed: 12, count: 1, noiseDb: 1 })[0] as PowerSample;
  const p = new RadioMapLocator({ ...map, covScale: 1.5 }).locate(s);
  const q = new RadioMapLocator(back.map).locate(s);
  assert.deepEqual([q.east, q.north, q.cov], [p.east, p.north, p.cov]);
  const doc = JSON.parse(text);
  const damaged = (f: (d: typeof doc) => void) => {
    const d = structuredClone(doc);
    f(d);
    return JSON.stringify(d);
  };
  assert.throws(() => radioMapFromJson('{', 'm.json'), /m\.json: not JSON/);
  assert.throws(
    () =>
      radioMapFromJson(
        damaged((d) => {
          d.format = 'onnx';
        }),
        'm.json',
      ),
    /m\.json: format: expected 'heimdall\.radio-map'/,
  );
  assert.throws(
    () =>
      radioMapFromJson(
        damaged((d) => {
          d.formatVersion = 9;
        }),
        'm.json',
      ),
    /formatVersion: 9 is not supported/,
  );
  assert.throws(
    () =>
      radioMapFromJson(
        damaged((d) => {
          d.map.grid.nx = 1e7;
        }),
        'm.json',
      ),
    /map\.grid: expected/,
  );
  assert.throws(
    () =>
      radioMapFromJson(
        damaged((d) => {
          d.origin.lat = 95;
        }),
        'm.json',
      ),
    /origin: expected/,
  );
  assert.throws(
    () =>
      radioMapFromJson(
        damaged((d) => {
          d.map.sigmaDb = -1;
        }),
        'm.json',
      ),
    /map\.sigmaDb: expected a positive number/,
  );
  assert.throws(
    () =>
      radioMapFromJson(
        damaged((d) => {
          d.map.shadowDb['rx-0'] = d.map.shadowDb['rx-0'].slice(0, 40);
        }),
        'm.json',
      ),
    /m\.json: map\.shadowDb\.rx-0: 30 bytes, expected \d+/,
  );
});

test('baselines answer every transmission: a stand-in (counted) where a method cannot', () => {
  const train = synthetic({ seed: 13, count: 200, noiseDb: 2 });
  const val = synthetic({ seed: 14, count: 40, noiseDb: 2 });
  const silent: PowerSample = {
    id: 500,
    readings: RX.map((r) => ({ ...r, rssDbm: null, mobile: false })),
    truth: { east: 0, north: 0 },
  };
  const test = [...synthetic({ seed: 15, count: 20, noiseDb: 2 }), silent];
  const r = runPowerBaselines(train, val, test);
  for (const m of ['strongest', 'centroid', 'knn', 'log-distance-ml'] as const) {
    assert.equal(r.estimates[m].length, 21, m);
    assert.ok(
      r.estimates[m].every((e) => Number.isFinite(e.east) && Number.isFinite(e.north)),
      m,
    );
  }
  // Nobody heard the last one: strongest, centroid and the ML estimate cannot answer it (kNN can: every floor is evidence).
  assert.equal(r.standIns.strongest, 1);
  assert.equal(r.standIns.centroid, 1);
  assert.equal(r.standIns['log-distance-ml'], 1);
  assert.equal(r.standIns.knn, 0);
  assert.ok([1, 2, 3, 5, 8, 13, 21].includes(r.k));
  assert.ok(Math.abs(r.fit.exponent - EXPONENT) < 0.2);
});

test('the radio map is chosen on validation by NLL, and its covariance calibrated there', () => {
  const train = synthetic({ seed: 16, count: 300, shadowDb: 5, noiseDb: 2 });
  const val = synthetic({ seed: 17, count: 60, shadowDb: 5, noiseDb: 2 });
  const lines: string[] = [];
  const s = fitSelectedRadioMap(train, val, { bandwidthsM: [100, 300], sigmaFactors: [1, 1.5], onStep: (l) => lines.push(l) });
  assert.equal(s.validation.length, 4);
  assert.equal(lines.length, 4);
  const best = s.validation.reduce((a, b) => (b.meanNll < a.meanNll ? b : a));
  assert.equal(s.map.bandwidthM, best.bandwidthM);
  assert.equal(s.map.sigmaDb, best.sigmaDb);
  assert.ok(s.map.covScale > 0.2 && s.map.covScale < 9);
  assert.equal(s.valEstimates.length, 60);
  const unheard = val.map((v) => ({ ...v, readings: v.readings.map((r) => ({ ...r, rssDbm: null })) }));
  assert.throws(() => fitSelectedRadioMap(train, unheard), /no validation transmission was heard by any receiver/);
});
