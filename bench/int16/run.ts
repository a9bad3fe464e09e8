// bench/int16: what storing simulated IQ as complex int16 (signal/iq-int16.ts, AGC peak at −6 dBFS)
// costs in SNR, on a preset's own links (strong and weak). For each online recording: the
// quantization error power Q (int16 back to float, divided by the gain, minus the float samples)
// against the receiver noise N in the same full-scale units (the link's noise_dbm through the
// receiver chain; the simulator's unknown calibration error is ignored, a few dB at most), and
// the SNR loss 10·log10(1 + Q/N). Prints the largest loss and percentiles, and the link SNRs seen.
// Usage: npm run build:ts && node dist/bench/int16/run.js -- [--preset kiwisdr-hf-tdoa] [--transmissions 100]
import { parseArgs } from 'node:util';
import { quantizeIqInt16 } from '../../src/signal/iq-int16.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'kiwisdr-hf-tdoa' },
    transmissions: { type: 'string', default: '100' },
  },
});
const scenario = resolveScenario({ preset: values.preset as string });
const losses: { lossDb: number; snrDb: number }[] = [];
await simulate({
  scenario,
  seed: 1,
  samples: Number(values.transmissions),
  workers: 0,
  onSample: (s) => {
    for (const r of s.recordings) {
      if (r.iq === null) continue;
      const { samples, gainDb } = quantizeIqInt16(r.iq);
      const back = 1 / (10 ** (gainDb / 20) * 32768);
      let q = 0;
      for (let i = 0; i < samples.length; i++) q += ((samples[i] as number) * back - (r.iq[i] as number)) ** 2;
      q /= samples.length / 2;
      const noise = 10 ** ((r.noiseDbm + r.rssiDbfs - r.rssiDbm) / 10);
      losses.push({ lossDb: 10 * Math.log10(1 + q / noise), snrDb: r.snrDb });
    }
  },
});
const at = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
const loss = losses.map((l) => l.lossDb).sort((a, b) => a - b);
const snr = losses.map((l) => l.snrDb).sort((a, b) => a - b);
console.log(`bench/int16: ${scenario.name}, ${losses.length} recordings of ${values.transmissions} transmissions`);
console.log(`  link SNR (dB): min ${at(snr, 0).toFixed(1)}, median ${at(snr, 0.5).toFixed(1)}, max ${at(snr, 1).toFixed(1)}`);
console.log(
  `  SNR loss of int16 (dB): median ${at(loss, 0.5).toExponential(2)}, p99 ${at(loss, 0.99).toExponential(2)}, max ${at(loss, 1).toExponential(2)}`,
);
