// A simulated transmission's heard recordings as the timing code reads them from files: the reported (or, to
// take the clocks out, the true) start, the stated timestamp σ, and the receiver's position (which bounds the lag
// search, src/signal/timing/measure.ts) — what the import and loader hand to measureTimeDifferences.
import type { Recording } from '../../src/signal/recording.js';
import type { SimSample } from '../../src/sim/sample.js';
import type { World } from '../../src/sim/world.js';

export function heardRecordings(world: World, s: SimSample, o: { trueStarts?: boolean } = {}): Recording[] {
  return s.recordings.flatMap((r) => {
    if (!r.heard || r.iq === null) return [];
    const rx = world.receivers.find((x) => x.receiver.id === r.receiverId)?.receiver;
    return [
      {
        iq: r.iq,
        sampleRateHz: r.sampleRateHz,
        centerFreqHz: r.centerFreqHz,
        startUnixNs: o.trueStarts ? r.trueStartUnixNs : r.reportedStartUnixNs,
        timestampSigmaS: r.timestampSigmaS,
        receiver: { id: r.receiverId, ...(rx === undefined ? {} : { lat: rx.lat, lon: rx.lon }) },
        source: `sample ${s.index}/${r.receiverId}`,
        meta: {},
      },
    ];
  });
}
