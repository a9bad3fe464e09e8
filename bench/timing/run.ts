// bench/timing: per-call time of measureTimeDifferences (src/signal/timing/measure.ts) on
//   (a) 7 receivers × 12,000 samples at 12 kHz (a KiwiSDR HF TDOA set), and
//   (b) 10 receivers × 20,000 samples at 1 MS/s (a wideband VHF/UHF set),
// as the median of several rounds, with the ratio against a same-work reference run in the same process: one
// complex FFT of the correlation size (the next power of two ≥ 2 × samples) per receiver.
// Usage: npm run build:ts && node dist/bench/timing/run.js [--rounds N] [--narrow-kind fsk] [--wide-kind lora]
import { parseArgs } from 'node:util';
import { Rng } from '../../src/math/rng.js';
import { fft, nextPowerOfTwo } from '../../src/signal/features/fft.js';
import type { Recording } from '../../src/signal/recording.js';
import { measureTimeDifferences } from '../../src/signal/timing/measure.js';
import { SignalKindSchema } from '../../src/sim/config.js';
import { FadingProcess } from '../../src/sim/fading.js';
import { synthesizeIq } from '../../src/sim/iq-synth.js';
import { makeWaveform } from '../../src/sim/waveforms.js';
import { formatSpread, ratioSpread, spread } from '../stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    'narrow-kind': { type: 'string', default: 'fsk' },
    'wide-kind': { type: 'string', default: 'lora' },
  },
});
const rounds = Number(values.rounds);

interface Case {
  name: string;
  receivers: number;
  samples: number;
  rateHz: number;
  kind: string;
  signals: Record<string, number>;
}

const CASES: Case[] = [
  {
    name: '(a) 7 rx × 12,000 @ 12 kHz',
    receivers: 7,
    samples: 12_000,
    rateHz: 12_000,
    kind: values['narrow-kind'] as string,
    signals: {},
  },
  {
    name: '(b) 10 rx × 20,000 @ 1 MS/s',
    receivers: 10,
    samples: 20_000,
    rateHz: 1e6,
    kind: values['wide-kind'] as string,
    signals: { fmDeviationHz: 75_000, fskBaud: 9600, fskShiftHz: 9600 },
  },
];

/** Receivers at random delays (< 2 ms), 10 dB SNR over the band, GNSS-timed to 1 µs. */
function recordings(c: Case): Recording[] {
  const rng = new Rng(7, 'bench-timing', c.name);
  const kind = SignalKindSchema.parse(c.kind);
  const signals = { fmDeviationHz: 2500, fskBaud: 1200, fskShiftHz: 1000, ...c.signals };
  const windowS = c.samples / c.rateHz;
  const wave = makeWaveform(kind, rng, signals, windowS);
  const out: Recording[] = [];
  for (let i = 0; i < c.receivers; i++) {
    const delayS = rng.between(0, Math.min(2e-3, windowS / 10));
    const iq = synthesizeIq({
      waveform: wave,
      startS: 0,
      sampleRateHz: c.rateHz,
      samples: c.samples,
      delayS,
      amplitude: 1,
      carrierOffsetHz: 0,
      phase0: rng.uniform() * 2 * Math.PI,
      fading: new FadingProcess(rng, 'none', 0, 0),
      noiseVariance: 0.1,
      rng,
    });
    out.push({
      iq,
      sampleRateHz: c.rateHz,
      centerFreqHz: 145e6,
      startUnixNs: 1_772_366_400_000_000_000n,
      timestampSigmaS: 1e-6,
      receiver: { id: `R${i}` },
      source: `bench R${i}`,
      meta: {},
    });
  }
  return out;
}

function reference(c: Case): number {
  const size = nextPowerOfTwo(2 * c.samples);
  const buf = new Float64Array(2 * size);
  const t0 = performance.now();
  for (let i = 0; i < c.receivers; i++) {
    buf.fill(0);
    for (let k = 0; k < 2 * c.samples; k++) buf[k] = Math.sin(k);
    fft(buf);
  }
  return performance.now() - t0;
}

for (const c of CASES) {
  const recs = recordings(c);
  measureTimeDifferences(recs); // warm-up (JIT, FFT plans)
  reference(c);
  const ms: number[] = [];
  const ref: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const result = measureTimeDifferences(recs);
    ms.push(performance.now() - t0);
    ref.push(reference(c));
    if (result.tdoas.length !== c.receivers - 1) throw new Error(`${c.name}: only ${result.tdoas.length} time differences`);
  }
  console.log(
    `${c.name}, ${c.kind}: measureTimeDifferences ${formatSpread(spread(ms), 1)} ms per call; ` +
      `reference (${c.receivers} FFTs of ${nextPowerOfTwo(2 * c.samples)}) ${formatSpread(spread(ref), 2)} ms; ` +
      `ratio ${formatSpread(ratioSpread(ms, ref), 1)}`,
  );
}

// Rendering: 10 receivers × 50 ms at 1 MS/s (synthesizeIq with noise, as the simulator does), per kind.
for (const kind of ['fm', 'fsk', 'wbfm', 'lora', 'dv25'] as const) {
  const rateHz = 1e6;
  const samples = 50_000;
  const rng = new Rng(3, 'bench-render', kind);
  const signals = { fmDeviationHz: 2500, fskBaud: 9600, fskShiftHz: 9600 };
  const once = (): number => {
    const wave = makeWaveform(kind, rng, signals, samples / rateHz);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      synthesizeIq({
        waveform: wave,
        startS: 0,
        sampleRateHz: rateHz,
        samples,
        delayS: rng.between(0, 1e-3),
        amplitude: 1,
        carrierOffsetHz: 0,
        phase0: 0,
        fading: new FadingProcess(rng, 'none', 0, 0),
        noiseVariance: 0.1,
        rng,
      });
    }
    return performance.now() - t0;
  };
  once();
  const ms = Array.from({ length: rounds }, once);
  console.log(`render ${kind}: 10 rx × 50 ms at 1 MS/s in ${formatSpread(spread(ms), 1)} ms`);
}
