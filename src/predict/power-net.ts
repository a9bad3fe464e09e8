// LocalizationNet's scalar path for power logs, at inference: building the network for a radio
// map, running it over power transmissions (the SAME input assembly as training,
// locate/power/net-inputs.ts, and the same σ/ρ post-processing, model/losses.ts), and its file
// beside the radio map — weights as safetensors, described (and checksummed) in the map's
// document, so a changed or truncated weights file is refused rather than used.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '../engine/safetensors.js';
import { POWER_NET_SCALAR_COUNT, type PowerNetInputs, type PowerNetSpec, powerNetInputs } from '../locate/power/net-inputs.js';
import type { RadioMap } from '../locate/power/radio-map.js';
import type { PowerSample } from '../locate/power/samples.js';
import type { LocationEstimate } from '../locate/types.js';
import { LocalizationNet } from '../model/localization-net.js';
import { covarianceFromRaw, DEFAULT_SIGMA_FLOOR } from '../model/losses.js';
import { PRIOR_WIDTH } from '../signal/features/prior.js';
import { appendCorrectionRows, type CorrectionRows, emptyCorrectionRows } from '../train/correction-rows.js';
import { type TensorBatch, toTensors } from '../train/localization-module.js';

export const POWER_NET_FILE = 'localization-net.safetensors';

/** What the radio map's document says of its network (`net`): enough to rebuild and verify it. */
export interface PowerNetDescriptor {
  file: string;
  sha256: string;
  spec: PowerNetSpec;
  hidden: number;
  sigmaFloor: number;
  /** The shares of the learned correction kept on validation (already folded into the weights). */
  correction: { position: number; uncertainty: number };
}

/** The network for a map: fixed receivers where the map has them; mobile ones move (their position is a scalar). */
export function buildPowerNet(map: RadioMap, spec: PowerNetSpec, hidden: number): LocalizationNet {
  return new LocalizationNet({
    receivers: spec.receivers.map((id) => ({ id, east: map.fixedAt[id]?.east ?? 0, north: map.fixedAt[id]?.north ?? 0 })),
    scaleM: spec.scaleM,
    scalarCount: POWER_NET_SCALAR_COUNT,
    hidden,
    prior: true,
    spectrogram: false,
    receiverOffsets: true,
  });
}

/** Rows of the inputs as engine tensors (the caller, or the Trainer, disposes them). */
export function powerNetBatch(x: PowerNetInputs, rows: number[], spec: PowerNetSpec, sigmaFloor: number): TensorBatch {
  const R = spec.receivers.length;
  const S = POWER_NET_SCALAR_COUNT;
  const pick = <T extends Float32Array | Uint8Array>(a: T, width: number, make: (n: number) => T): T => {
    const out = make(rows.length * width);
    for (const [i, r] of rows.entries()) out.set(a.subarray(r * width, (r + 1) * width), i * width);
    return out;
  };
  return toTensors(
    {
      size: rows.length,
      scalars: pick(x.scalars, R * S, (n) => new Float32Array(n)),
      mask: pick(x.mask, R, (n) => new Uint8Array(n)),
      prior: pick(x.prior, PRIOR_WIDTH, (n) => new Float32Array(n)),
      target: pick(x.target, 2, (n) => new Float32Array(n)),
    },
    { receivers: R, scalarCount: S, scaleM: spec.scaleM, prior: { sigmaFloor } },
  );
}

/** The network's and its prior's rows for every transmission of the inputs (metres; engine, eval mode). */
export function powerNetOutputs(net: LocalizationNet, spec: PowerNetSpec, x: PowerNetInputs, sigmaFloor: number): CorrectionRows {
  const out = emptyCorrectionRows();
  net.eval();
  try {
    for (let k = 0; k < x.size; k += 256) {
      const rows = Array.from({ length: Math.min(256, x.size - k) }, (_, i) => k + i);
      const end = k + rows.length;
      appendCorrectionRows(
        net,
        powerNetBatch(x, rows, spec, sigmaFloor),
        { priorM: x.prior.subarray(k * PRIOR_WIDTH, end * PRIOR_WIDTH), truthM: x.target.subarray(2 * k, 2 * end) },
        out,
      );
    }
  } finally {
    net.train();
  }
  return out;
}

/** The network's estimates (position and covariance in metres) for power samples and their radio-map priors. */
export function powerNetEstimates(
  net: LocalizationNet,
  spec: PowerNetSpec,
  samples: readonly PowerSample[],
  priors: readonly (LocationEstimate | undefined)[],
  sigmaFloor = DEFAULT_SIGMA_FLOOR,
): LocationEstimate[] {
  const o = powerNetOutputs(net, spec, powerNetInputs(samples, priors, spec), sigmaFloor);
  const covs = covarianceFromRaw(o.modelRaw.flat(), { floor: sigmaFloor, diagonal: false, scale: spec.scaleM });
  return o.model.map((p, i) => ({
    method: 'localization-net',
    east: p.east,
    north: p.north,
    cov: covs[i] as LocationEstimate['cov'],
    receivers: [],
  }));
}

const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Writes the network's weights and returns the document's description of them. */
export function writePowerNet(
  net: LocalizationNet,
  path: string,
  d: Omit<PowerNetDescriptor, 'file' | 'sha256' | 'hidden'>,
): PowerNetDescriptor {
  saveSafetensors(path, net.stateDict(), { format: 'heimdall.power-net' });
  return { file: POWER_NET_FILE, sha256: sha256Of(path), hidden: net.scalarMlp1.weight.shape[0] as number, ...d };
}

/** The network a radio map's document describes, its weights from `dir`, checked against the checksum. */
export function loadPowerNet(map: RadioMap, d: PowerNetDescriptor, dir: string): LocalizationNet {
  if (d.file !== POWER_NET_FILE) throw new Error(`radio map: net.file must be ${POWER_NET_FILE}, got ${JSON.stringify(d.file)}`);
  const path = join(dir, d.file);
  const sum = sha256Of(path);
  if (sum !== d.sha256)
    throw new Error(
      `${path}: its SHA-256 (${sum.slice(0, 12)}…) is not the one the radio map names (${d.sha256.slice(0, 12)}…): a different or damaged file`,
    );
  const net = buildPowerNet(map, d.spec, d.hidden);
  const { tensors } = loadSafetensors(path);
  try {
    net.loadStateDict(tensors);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return net;
}
