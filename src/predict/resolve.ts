// `--model` accepts a file or a registry reference NAME@alias (e.g. localization@production).
// The registry lives in the tracker; the composition root passes a resolver when one is
// configured, so this layer never imports the tracker itself.
import { existsSync } from 'node:fs';

/** Resolves a registry reference to a local .onnx path (downloading it if needed). */
export type ModelResolver = (ref: { name: string; alias: string }) => Promise<string>;

export const NO_REGISTRY_MESSAGE = 'registry lookup needs the tracker (not configured)';

/** A path as is when it exists or does not look like NAME@alias; else the resolver's path. */
export async function resolveModelRef(model: string, resolver?: ModelResolver): Promise<string> {
  const ref = /^([A-Za-z0-9][\w.-]*)@([\w.-]+)$/.exec(model);
  if (existsSync(model) || ref === null) return model;
  if (resolver === undefined) {
    throw new Error(`${model}: ${NO_REGISTRY_MESSAGE}; pass the path of an exported .onnx file instead`);
  }
  return resolver({ name: ref[1] as string, alias: ref[2] as string });
}
