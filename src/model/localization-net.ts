// LocalizationNet: where is the transmitter, and how sure are we?
//
// Inputs per transmission (network receiver order, R receivers):
//   mel     [B, R, 128, 32]  normalized two-sided mel spectrograms (absent receivers are zeros;
//                            not for a network built with `spectrogram: false`)
//   scalars [B, R, S]        normalized per-receiver scalars (RSSI, SNR, offset, heard, …)
//   mask    [B, R]           1 where the receiver's recording is present
//   prior   [B, 6]           (with `prior`) the physics prior in network units: east, north, the raw
//                            uncertainty parameters of its covariance, and valid (see priorInputs)
// The receivers' positions (local east/north, in units of `scaleM`) are a fixed buffer.
//
// A ResNet-18 trunk reads the spectrogram stack as an R-channel image; a small MLP reads the
// per-receiver scalars together with positions and the mask; the two are fused before two heads:
// position (east/north in units of scaleM) and uncertainty (raw Cholesky parameters, see
// model/losses.ts). Converting to metres, lat/lon and ellipses happens at the edge.
// Power-only data (received power logs, no IQ) have no spectrograms: with `spectrogram: false`
// there is no trunk and no mel input, the MLP alone feeds the fused layer; `receiverOffsets`
// then learns each uncalibrated device's power offset (see the option).
// With `prior`, the network also reads the physics prior (the posterior mean and covariance under
// the stated power model, signal/features/prior.ts) and its heads learn a CORRECTION: outputs =
// prior + head. The head starts at zero, so an untrained network reproduces the prior exactly
// and training can only move away from it where the data say the physics model is wrong.
import { noGrad } from '../engine/autograd.js';
import { cat, tensor, zeros } from '../engine/creation.js';
import { Linear } from '../engine/nn/layers.js';
import { Module } from '../engine/nn/module.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { rawColumns } from './losses.js';
import { ResNet18 } from './resnet.js';

export interface LocalizationNetOptions {
  /** Receivers in input order, with local east/north positions (m). */
  receivers: { id: string; east: number; north: number }[];
  /** Metres per unit of the position head (e.g. the network's radius). */
  scaleM: number;
  scalarCount: number;
  /** ResNet stage widths; [64, 128, 256, 512] is the full ResNet-18. */
  widths?: [number, number, number, number];
  /** Width of the scalar/position MLP and of the fused hidden layer. */
  hidden?: number;
  /** Full 2×2 covariance (3 outputs) or the diagonal variant (2). */
  diagonal?: boolean;
  /** Learn a correction of the physics prior (an extra input, see the header). */
  prior?: boolean;
  /**
   * Read mel spectrograms with the ResNet trunk (default true). False for power-only data: no
   * trunk is built (state dicts hold no trunk.* weights) and predict needs no mel.
   */
  spectrogram?: boolean;
  /**
   * Learn one power offset per receiver (default false), for uncalibrated devices that each report
   * with their own dB offset. Channel convention: scalar channel 0 is the received power and
   * channel 1 the heard flag (0 or 1); the learned `receiver_offsets[r]` is added to channel 0
   * where channel 1 is 1, before masking: scalars[b, r, 0] += offsets[r] · scalars[b, r, 1].
   * The offsets start at zero, so an untrained network reads the scalars unchanged.
   */
  receiverOffsets?: boolean;
}

/** Values per transmission of the prior input (network units; model/prior-inputs.ts). */
export const PRIOR_INPUT_WIDTH = 6;

export interface LocalizationOutput {
  /** [B, 2] east/north in units of scaleM. */
  position: Tensor;
  /** [B, 3] (or [B, 2] diagonal) raw uncertainty parameters. */
  raw: Tensor;
}

export class LocalizationNet extends Module {
  /** The spectrogram trunk; undefined for a network built with `spectrogram: false`. */
  readonly trunk: ResNet18 | undefined;
  /** [R] learned power offsets (`receiverOffsets`), else undefined. */
  readonly receiverOffsets: Tensor | undefined;
  readonly scalarMlp1: Linear;
  readonly scalarMlp2: Linear;
  readonly fuse: Linear;
  readonly head: Linear;
  readonly positions: Tensor;
  readonly receiverCount: number;
  readonly uncertaintyOutputs: number;

  constructor(readonly options: LocalizationNetOptions) {
    super();
    const r = options.receivers.length;
    if (r < 1) throw new RangeError('LocalizationNet: needs at least one receiver');
    if (!(options.scaleM > 0)) throw new RangeError(`LocalizationNet: scaleM must be > 0, got ${options.scaleM}`);
    const hidden = options.hidden ?? 128;
    this.receiverCount = r;
    this.uncertaintyOutputs = rawColumns(options.diagonal ?? false);
    this.trunk =
      (options.spectrogram ?? true)
        ? this.registerModule(
            'trunk',
            new ResNet18({ inChannels: r, widths: options.widths ?? [16, 32, 64, 128], outFeatures: 0 }),
          )
        : undefined;
    if (options.receiverOffsets && options.scalarCount < 2)
      throw new RangeError('LocalizationNet: receiverOffsets needs scalar channels 0 (power) and 1 (heard)');
    this.receiverOffsets = options.receiverOffsets ? this.registerParameter('receiver_offsets', zeros([r])) : undefined;
    const perReceiver = options.scalarCount + 3; // scalars + (east, north) + mask
    this.scalarMlp1 = this.registerModule('scalar_mlp1', new Linear(r * perReceiver, hidden));
    this.scalarMlp2 = this.registerModule('scalar_mlp2', new Linear(hidden, hidden));
    const priorWidth = options.prior ? PRIOR_INPUT_WIDTH : 0;
    this.fuse = this.registerModule('fuse', new Linear((this.trunk?.featureSize ?? 0) + hidden + priorWidth, hidden));
    this.head = this.registerModule('head', new Linear(hidden, 2 + this.uncertaintyOutputs));
    if (options.prior) {
      // A zero correction at the start: the untrained network IS the physics prior.
      noGrad(() => {
        this.head.weight.zero_();
        this.head.bias?.zero_();
      });
    }
    const pos = options.receivers.flatMap((x) => [x.east / options.scaleM, x.north / options.scaleM]);
    this.positions = this.registerBuffer('receiver_positions', tensor(pos, [r, 2]));
  }

  /**
   * Scales the learned corrections — of the position by `gain`, of the uncertainty parameters by
   * `uncertaintyGain` (both fitted on validation: eval/calibration.ts, pipeline/evaluate.ts). The
   * head's rows are multiplied in place, so the engine and the exported graph both carry
   * prior + gain·correction.
   */
  scaleCorrection(gain: number, uncertaintyGain = 1): void {
    if (!this.options.prior) throw new Error('LocalizationNet: scaleCorrection needs a network that corrects the prior');
    for (const g of [gain, uncertaintyGain])
      if (!(g >= 0 && g <= 1)) throw new RangeError(`LocalizationNet: correction gain must be in [0, 1], got ${g}`);
    const cols = this.head.weight.shape[1] as number;
    const rows = 2 + this.uncertaintyOutputs;
    const scale = tensor(
      Array.from({ length: rows }, (_, r) => (r < 2 ? gain : uncertaintyGain)),
      [rows, 1],
    );
    tidy(() =>
      noGrad(() => {
        this.head.weight.copy_(this.head.weight.mul(scale.expand(rows, cols)));
        this.head.bias?.copy_(this.head.bias.mul(scale.reshape(rows)));
      }),
    );
    scale.dispose();
  }

  forward(_input: Tensor): Tensor {
    throw new Error('LocalizationNet takes several inputs: call predict({ mel, scalars, mask })');
  }

  /** `mel` may be omitted for a network without the spectrogram trunk. */
  predict(x: { mel?: Tensor; scalars: Tensor; mask: Tensor; prior?: Tensor }): LocalizationOutput {
    const [b, r] = x.mask.shape as [number, number];
    if (r !== this.receiverCount)
      throw new RangeError(`LocalizationNet: expected ${this.receiverCount} receivers, the batch has ${r}`);
    const m = x.mask.to('float32');
    // Absent receivers contribute nothing: their spectrogram and scalars are zeroed.
    const image = this.trunk ? [this.trunk.features(this.#mel(x.mel).mul(m.reshape(b, r, 1, 1)))] : [];
    const scalars = this.#offsetScalars(x.scalars).mul(m.reshape(b, r, 1));
    const positions = this.positions
      .unsqueeze(0)
      .expand(b, r, 2)
      .mul(m.reshape(b, r, 1));
    const perReceiver = cat([scalars, positions, m.reshape(b, r, 1)], 2).reshape(b, -1);
    const fused = this.scalarMlp2.forward(this.scalarMlp1.forward(perReceiver).relu()).relu();
    const prior = this.options.prior ? x.prior : undefined;
    if (this.options.prior && prior === undefined)
      throw new RangeError('LocalizationNet: this network corrects the physics prior; the batch has no prior');
    const hidden = this.fuse.forward(cat([...image, fused, ...(prior ? [prior] : [])], 1)).relu();
    const head = this.head.forward(hidden);
    const out = prior ? head.add(prior.narrow(1, 0, 2 + this.uncertaintyOutputs)) : head;
    return { position: out.narrow(1, 0, 2), raw: out.narrow(1, 2, this.uncertaintyOutputs) };
  }

  #mel(mel: Tensor | undefined): Tensor {
    if (mel === undefined) throw new RangeError('LocalizationNet: this network reads spectrograms; the batch has no mel');
    return mel;
  }

  /** Channel 0 (power) plus each heard receiver's learned offset (see receiverOffsets). */
  #offsetScalars(scalars: Tensor): Tensor {
    if (this.receiverOffsets === undefined) return scalars;
    const s = scalars.shape[2] as number;
    const heard = scalars.narrow(2, 1, 1);
    const power = scalars.narrow(2, 0, 1).add(heard.mul(this.receiverOffsets.reshape(1, this.receiverCount, 1)));
    return cat([power, scalars.narrow(2, 1, s - 1)], 2);
  }
}
