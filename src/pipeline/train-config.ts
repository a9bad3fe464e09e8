// The training configuration: ONE schema for model, optimizer, schedule, trainer and features,
// shared by `heimdall train --config`, `--set`, quickstart and (later) the API's job bodies. Every
// field has a default, so `{}` is quickstart's configuration; an unknown or invalid field is
// refused with its path named. The resolved configuration is printed, tracked with the run and
// stored in every checkpoint.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FeatureConfigSchema } from '../signal/features/config.js';
import { parseConfig } from '../sim/config.js';

const positiveInt = z.number().int().positive();

export const TrainConfigSchema = z
  .object({
    model: z
      .object({
        /** ResNet stage widths: narrow by default so training takes minutes on 2 cores. */
        widths: z.tuple([positiveInt, positiveInt, positiveInt, positiveInt]).default([16, 32, 64, 128]),
        /**
         * The physics prior the network corrects: 'auto' uses the dataset's simulation scenario when
         * all its sessions come from one catalogued scenario, else none; 'scenario' requires one;
         * 'none' learns the position from scratch.
         */
        prior: z.enum(['auto', 'scenario', 'none']).default('auto'),
      })
      .strict()
      .default({}),
    optimizer: z
      .object({
        name: z.enum(['adamw', 'adam']).default('adamw'),
        /** Peak learning rate (the schedule scales it). */
        lr: z.number().positive().default(2e-3),
        weightDecay: z.number().min(0).default(1e-4),
        batchSize: positiveInt.default(32),
        /** Maximum joint L2 norm of the gradients; 0 turns clipping off. */
        gradClip: z.number().min(0).default(1),
      })
      .strict()
      .default({}),
    schedule: z
      .object({
        kind: z.literal('cosine').default('cosine'),
        /** Linear warm-up (epochs; at most a quarter of the run), then cosine decay. */
        warmupEpochs: z.number().min(0).default(2),
      })
      .strict()
      .default({}),
    trainer: z
      .object({
        /** Maximum epochs; 0 evaluates initial weights (with an init-from checkpoint) untrained. */
        maxEpochs: z.number().int().min(0).default(40),
        /** Early stopping on validation NLL: epochs without improvement. */
        patience: positiveInt.default(8),
        /** Initialization and batch order. */
        seed: z.number().int().min(0).default(1),
      })
      .strict()
      .default({}),
    /**
     * Feature overrides. Unset fields come from the dataset: its sample rate, and the first second
     * of each recording (or its shortest recording, if shorter).
     */
    features: FeatureConfigSchema.partial().strict().default({}),
  })
  .strict();

export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Validates a configuration, naming every offending field and where it came from. */
export function resolveTrainConfig(raw: unknown, source = 'training config'): TrainConfig {
  return parseConfig(TrainConfigSchema, raw ?? {}, source);
}

/** A JSON or YAML (.yaml/.yml) file's object; errors name the file. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read the config file (${(err as Error).message})`);
  }
  let value: unknown;
  try {
    value = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${path}: not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'JSON or YAML'}: ${(err as Error).message}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${path}: the config must be an object with model, optimizer, schedule, trainer and features`);
  return value as Record<string, unknown>;
}

/**
 * Applies `--set key=value` overrides (dotted paths, e.g. optimizer.lr=0.001,
 * model.widths=[8,16,32,64]); a value is read as JSON when it parses, else as a string.
 */
export function applySets(config: Record<string, unknown>, sets: readonly string[]): Record<string, unknown> {
  const out = structuredClone(config);
  for (const s of sets) {
    const eq = s.indexOf('=');
    const path = eq > 0 ? s.slice(0, eq).split('.') : [];
    if (eq <= 0 || path.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype'))
      throw new Error(`--set ${s}: expected key=value with a dotted key, e.g. optimizer.lr=0.001`);
    const text = s.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    let node = out;
    for (const k of path.slice(0, -1)) {
      const next = node[k];
      if (next === undefined) node[k] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next))
        throw new Error(`--set ${s}: '${k}' is not a section of the config`);
      node = node[k] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
  return out;
}
