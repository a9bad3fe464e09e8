// Names users give to catalog things that may later name a file or folder (a dataset's runs live
// under <home>/runs/<dataset>-v<version>): one rule, checked where the name is first stored, so
// no later use has to wonder whether it holds '..', a slash, a NUL or a quote.
const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const DATASET_NAME_RULE = "use letters, digits, '.', '_' and '-' (at most 100, not starting with a symbol)";

/** Throws a RangeError naming the name (control characters shown as '?') unless it is a valid dataset name. */
export function checkDatasetName(name: string): void {
  if (typeof name !== 'string' || !DATASET_NAME.test(name))
    throw new RangeError(
      `dataset name '${String(name)
        .replace(/[^\x20-\x7e]/g, '?')
        .slice(0, 120)}': ${DATASET_NAME_RULE}`,
    );
}
