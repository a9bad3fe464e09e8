// bench/timing/crlb: delay-estimation error against the two-channel delay CRLB over SNR, per signal kind — the
// long version of test/signal/timing/delay.test.ts (more trials, more SNRs, one table).
// Usage: npm run build:ts && node dist/bench/timing/crlb.js [--trials N]
import { parseArgs } from 'node:util';
import { delayTrials } from '../../test/signal/timing/delay-crlb.js';
import { CASES } from '../../test/sim/waveforms/helpers.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '40' } } });
const trials = Number(values.trials);
const SNRS_DB = [-15, -10, -5, 0, 5, 10, 20, 30];

console.log('kind | SNR dB | RMS error (samples) | CRLB (samples) | error/CRLB | reported σ/CRLB | RMS(error/σ) | quality');
for (const c of CASES) {
  const samples = c.rateHz > 20_000 ? 5000 : 6000;
  for (const snrDb of SNRS_DB) {
    const r = delayTrials(c, snrDb, samples, trials);
    console.log(
      [
        c.label,
        snrDb,
        r.rmsErrorSamples.toExponential(2),
        r.crlbSamples.toExponential(2),
        (r.rmsErrorSamples / r.crlbSamples).toFixed(2),
        (r.reportedSigmaSamples / r.crlbSamples).toFixed(2),
        r.normalizedRms.toFixed(2),
        r.quality.toFixed(1),
      ].join(' | '),
    );
  }
}
