// A model's input contract against this Heimdall's code: the features it was trained on must be
// the features predict will compute and feed. A model whose scalars, feature code or input shapes
// differ would be fed wrong (or misaligned) numbers and answer confidently wrong, so it is
// refused with the difference named and what to do about it.

import { PRIOR_INPUT_WIDTH } from '../model/localization-net.js';
import { FEATURE_CODE_VERSION } from '../signal/features/code-version.js';
import { SCALAR_NAMES } from '../signal/features/scalars.js';
import { INPUT_NAMES } from './localization-graph.js';
import type { ModelMetadata } from './metadata.js';

/** A graph input as the ONNX file declares it ('N' for the dynamic batch). */
export interface DeclaredInput {
  name: string;
  shape?: (number | string)[];
}

const RETRAIN = 'retrain it with this Heimdall (heimdall quickstart, or your training run) and re-export it';
const list = (v: readonly (string | number)[]) => `[${v.join(', ')}]`;

/**
 * Throws when `md` (and the graph inputs of the same file) describe inputs other than those this
 * code computes: scalar names and order, feature-code version, and the tensor shapes the feature
 * configuration and receivers imply. `file` names the model in the message.
 */
export function checkInputContract(md: ModelMetadata, graphInputs: DeclaredInput[], file: string): void {
  const code = [...SCALAR_NAMES];
  if (md.scalarNames.join('\n') !== code.join('\n')) {
    throw new Error(
      `${file}: the model was exported with scalars ${list(md.scalarNames)} but this Heimdall computes ${list(code)}; ${RETRAIN}`,
    );
  }
  if (md.featureCodeVersion !== FEATURE_CODE_VERSION) {
    throw new Error(
      `${file}: the model was trained on features of feature-code version ${md.featureCodeVersion} but this Heimdall computes version ${FEATURE_CODE_VERSION} (the spectrogram or scalar code changed); ${RETRAIN}`,
    );
  }
  const r = md.receivers.length;
  const c = md.featureConfig;
  const expected: Record<string, (number | string)[]> = {
    ...(md.spectrogram ? { [INPUT_NAMES.mel]: ['N', r, c.melBands, c.frames] } : {}),
    [INPUT_NAMES.scalars]: ['N', r, code.length],
    [INPUT_NAMES.mask]: ['N', r],
    ...(md.prior ? { [INPUT_NAMES.prior]: ['N', PRIOR_INPUT_WIDTH] } : {}),
  };
  if (md.prior === null && graphInputs.some((i) => i.name === INPUT_NAMES.prior))
    throw new Error(
      `${file}: the graph takes a physics prior ('${INPUT_NAMES.prior}') but its metadata has no heimdall.prior to compute it from; the file is inconsistent, re-export it`,
    );
  if (!md.spectrogram && graphInputs.some((i) => i.name === INPUT_NAMES.mel))
    throw new Error(
      `${file}: the graph reads spectrograms ('${INPUT_NAMES.mel}') but its metadata says heimdall.spectrogram = false; the file is inconsistent, re-export it`,
    );
  if (md.prior && md.prior.receivers.map((x) => x.id).join('\n') !== md.receivers.map((x) => x.id).join('\n'))
    throw new Error(`${file}: heimdall.prior's receivers differ from heimdall.receivers; the file is inconsistent, re-export it`);
  for (const [name, want] of Object.entries(expected)) {
    const input = graphInputs.find((i) => i.name === name);
    if (input === undefined) {
      throw new Error(
        `${file}: the graph has no input '${name}' (inputs: ${graphInputs.map((i) => i.name).join(', ')}); re-export it`,
      );
    }
    const got = input.shape;
    // The batch dimension may be named anything (or fixed); the others must match.
    const same = got !== undefined && got.length === want.length && want.every((d, k) => k === 0 || got[k] === d);
    if (!same) {
      throw new Error(
        `${file}: the graph's input '${name}' has shape ${got ? list(got) : 'unknown'} but its metadata (${r} receivers, ${c.melBands} mel bands × ${c.frames} frames, ${code.length} scalars) makes ${list(want)}; the file is inconsistent, re-export it`,
      );
    }
  }
}
