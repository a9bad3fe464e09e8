// One simulated transmission heard by the whole network: per-receiver IQ with metadata, the
// truth, and the Cramér–Rao bound for that geometry.
import { groundDistanceM } from '../geo/ground-distance.js';
import { SPEED_OF_LIGHT_M_S } from '../math/constants.js';
import { Rng } from '../math/rng.js';
import { pathLossDb, pathLossSlopeDbPerM } from '../rf/propagation.js';
import { channelActive, drawLinkChannel, linkPaths, mergeToleranceS } from './channel.js';
import type { SignalKind } from './config.js';
import { type Crlb, type CrlbLink, fadingResidualSigmaDb, positionCrlb, toaSigmaS } from './crlb.js';
import { FadingProcess } from './fading.js';
import { synthesizeIq } from './iq-synth.js';
import { dbToLinear, linearToDb, meanPower, thermalNoiseDbm } from './link-budget.js';
import { samplePoint } from './region.js';
import { makeWaveform } from './waveforms.js';
import type { World } from './world.js';

/** Sample i is stamped at EPOCH + i minutes (plus a random offset), so timestamps are unique. */
const EPOCH_UNIX_S = Date.UTC(2026, 0, 1) / 1000;

export interface ReceiverRecording {
  receiverId: string;
  /** Offline receivers record nothing (iq null). */
  offline: boolean;
  iq: Float32Array | null;
  sampleRateHz: number;
  centerFreqHz: number;
  /** When the first sample was really taken, and what the receiver's clock says (ns since 1970). */
  trueStartUnixNs: bigint;
  reportedStartUnixNs: bigint;
  timestampSigmaS: number;
  distanceM: number;
  delayS: number;
  pathLossDb: number;
  shadowingDb: number;
  /** Mean signal power at the antenna port before fast fading (dBm). */
  rxPowerDbm: number;
  noiseDbm: number;
  /** Link-budget SNR over the full sampled bandwidth (dB). */
  snrDb: number;
  /** SNR reaches the scenario's detection threshold. */
  heard: boolean;
  carrierOffsetHz: number;
  /** Measured from the IQ: mean power in dB full scale, and in dBm with the known calibration. */
  rssiDbfs: number;
  rssiDbm: number;
  /** Line of sight (the scenario's `channel.nlos` model; always true when it is 'none'). */
  los: boolean;
  /** Delay (s) of the first arriving path over the direct path (delayS): 0 on LOS links. */
  excessDelayS: number;
  /** The tapped delay line used (TR 38.901 TDL-A…E), or 'none' for one flat-fading path. */
  channelProfile: string;
  /** RMS delay spread (s) the profile was scaled to; 0 for one path. */
  delaySpreadS: number;
}

export interface SimTruth {
  lat: number;
  lon: number;
  heightM: number;
  east: number;
  north: number;
  powerDbm: number;
  signal: SignalKind;
  signalParams: Record<string, number | string>;
  /** RMS bandwidth of the transmitted waveform (Hz): what arrival-time accuracy scales with. */
  rmsBandwidthHz: number;
}

export interface SimSample {
  index: number;
  scenario: string;
  truth: SimTruth;
  recordings: ReceiverRecording[];
  /** With multipath or NLOS on, `assumes` says what the bound takes for granted and no longer holds. */
  crlb: (Crlb & { assumes?: string }) | { reason: string };
}

/** What the CRLB assumes (crlb.ts) that a multipath/NLOS channel breaks: it no longer bounds the estimators. */
export const CRLB_SINGLE_PATH_ASSUMPTION =
  'single line-of-sight path per link: with multipath and NLOS on, arrival-time estimates are biased and the bound does not bind them';

const secondsToNs = (s: number): bigint => BigInt(Math.round(s * 1e9));

export function generateSample(world: World, index: number): SimSample {
  const sc = world.scenario;
  const rng = new Rng(world.seed, 'sample', index);
  const tx = samplePoint(sc.region, rng);
  const txLocal = world.frame.toLocal(tx);
  const powerDbm = rng.between(sc.txPowerDbm[0], sc.txPowerDbm[1]);
  const kind = sc.signals.kinds[rng.int(sc.signals.kinds.length)] as SignalKind;
  const waveform = makeWaveform(kind, rng, sc.signals, sc.durationS);
  const txPpm = rng.normal() * sc.oscillatorPpm.tx;
  const windowUnixNs = secondsToNs(EPOCH_UNIX_S + index * 60 + rng.between(0, 30));
  const fadingSigma = fadingResidualSigmaDb(sc.fading.model, sc.fading.kFactorDb, sc.fading.dopplerHz, sc.durationS);
  const betaHz = waveform.rmsBandwidthHz;
  const mergeTolS = world.exactTaps === true ? 0 : mergeToleranceS(betaHz);

  const links: CrlbLink[] = [];
  const timedLinks: { link: CrlbLink; toa: number }[] = [];
  const recordings = world.receivers.map((state): ReceiverRecording => {
    const r = state.receiver;
    // Each receiver draws from its own stream so adding a receiver never changes the others.
    const rrng = new Rng(world.seed, 'sample', index, 'rx', r.id);
    const offline = rrng.uniform() < sc.offlineProbability;
    const ground = groundDistanceM(tx, r);
    const rxHeightM = r.altitudeM + r.antennaHeightM;
    const distanceM = Math.hypot(ground, rxHeightM - sc.txHeightM);
    const delayS = distanceM / SPEED_OF_LIGHT_M_S;
    const geometry = { distanceM, freqHz: sc.frequencyHz, rxHeightM, txHeightM: sc.txHeightM };
    // The channel draws from its own stream: with the channel off, every other draw is unchanged.
    const crng = new Rng(world.seed, 'sample', index, 'channel', r.id);
    const channel = drawLinkChannel(sc.channel, ground, crng);
    const lossDb = pathLossDb(sc.propagation, geometry) + channel.extraLossDb;
    const shadowingDb = state.shadowing.valueDb(txLocal.east, txLocal.north);
    const rxPowerDbm = powerDbm + r.antennaGainDbi - lossDb - shadowingDb;
    const noiseDbm = thermalNoiseDbm(r.sampleRateHz, r.noiseFigureDb);
    const snrDb = rxPowerDbm - noiseDbm;
    const startS = rrng.between(0, sc.timing.startSpreadS);
    const timestampSigmaS = r.gpsDisciplined ? sc.timing.gpsJitterS : sc.timing.coarseSigmaS;
    const trueStartUnixNs = windowUnixNs + secondsToNs(startS);
    const reportedStartUnixNs = trueStartUnixNs + secondsToNs(rrng.normal() * timestampSigmaS);
    const carrierOffsetHz = (txPpm - state.oscillatorPpm) * 1e-6 * sc.frequencyHz;
    const samples = Math.round(sc.durationS * r.sampleRateHz);
    // Levels in full-scale units: the chain's known offset and its unknown error both shift them.
    const chainDb = -r.fullScaleDbm + r.calibrationOffsetDb + state.calibrationErrorDb;
    const fading = new FadingProcess(rrng, sc.fading.model, sc.fading.kFactorDb, sc.fading.dopplerHz);
    const amplitude = Math.sqrt(dbToLinear(rxPowerDbm + chainDb));
    const paths = offline ? null : linkPaths(channel, delayS, amplitude, sc.fading.dopplerHz, crng, mergeTolS);
    const iq = offline
      ? null
      : synthesizeIq({
          waveform,
          startS,
          sampleRateHz: r.sampleRateHz,
          samples,
          delayS,
          amplitude,
          carrierOffsetHz,
          phase0: 2 * Math.PI * rrng.uniform(),
          fading,
          ...(paths === null ? {} : { paths }),
          noiseVariance: dbToLinear(noiseDbm + chainDb),
          rng: rrng,
        });
    const rssiDbfs = iq === null ? Number.NEGATIVE_INFINITY : linearToDb(meanPower(iq));
    const heard = !offline && snrDb >= sc.detectionSnrDb;
    if (heard) {
      const link: CrlbLink = {
        east: state.local.east,
        north: state.local.north,
        distanceM,
        horizontalM: ground,
        lossSlopeDbPerM: pathLossSlopeDbPerM(sc.propagation, geometry),
        rssSigmaDb: Math.hypot(sc.shadowing.sigmaDb, sc.calibrationSigmaDb, fadingSigma),
        toaSigmaS: Number.POSITIVE_INFINITY,
      };
      links.push(link);
      if (r.gpsDisciplined) timedLinks.push({ link, toa: toaSigmaS(betaHz, samples, dbToLinear(snrDb), timestampSigmaS) });
    }
    return {
      receiverId: r.id,
      offline,
      iq,
      sampleRateHz: r.sampleRateHz,
      centerFreqHz: sc.frequencyHz,
      trueStartUnixNs,
      reportedStartUnixNs,
      timestampSigmaS,
      distanceM,
      delayS,
      pathLossDb: lossDb,
      shadowingDb,
      rxPowerDbm,
      noiseDbm,
      snrDb,
      heard,
      carrierOffsetHz,
      rssiDbfs,
      rssiDbm: rssiDbfs + r.fullScaleDbm - r.calibrationOffsetDb,
      los: channel.los,
      excessDelayS: channel.excessDelayS,
      channelProfile: channel.profile,
      delaySpreadS: channel.delaySpreadS,
    };
  });
  // Arrival times help only where at least two heard receivers share GPS time.
  if (timedLinks.length >= 2) for (const t of timedLinks) t.link.toaSigmaS = t.toa;
  const crlb = positionCrlb(txLocal, links);

  return {
    index,
    scenario: sc.name,
    truth: {
      lat: tx.lat,
      lon: tx.lon,
      heightM: sc.txHeightM,
      east: txLocal.east,
      north: txLocal.north,
      powerDbm,
      signal: kind,
      signalParams: waveform.params,
      rmsBandwidthHz: betaHz,
    },
    recordings,
    crlb: 'reason' in crlb || !channelActive(sc.channel) ? crlb : { ...crlb, assumes: CRLB_SINGLE_PATH_ASSUMPTION },
  };
}
