// One crash round per phase: run the real command, SIGKILL it at a seeded random point, check the
// home, run the command again to completion (resuming where the phase allows it) and check again,
// with the promise of that phase (every transmission imported once; a dataset whole; training
// continued from the checkpoint it had; one model version per run).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectHome, problemLines } from './check.js';
import { type CliRun, landedAt, runCli } from './cli.js';
import { homeFrom, type World } from './world.js';

export type Phase = 'import' | 'dataset' | 'train' | 'publish';
export const PHASES: Phase[] = ['import', 'dataset', 'train', 'publish'];

export interface Kill {
  delayMs: number;
  /** Where it landed, from the child's last log line before the kill. */
  landed: string;
  /** False when the command had finished before the kill fired. */
  killed: boolean;
}

export interface RoundResult {
  phase: Phase | 'jobs';
  kills: Kill[];
  /** Inconsistencies: after a kill, or after the re-run. */
  problems: string[];
  rerunCompleted: boolean;
  notes: string[];
}

const STEPS: Record<Phase, Array<[string, RegExp]>> = {
  import: [['importing', /^import: (\d+)\/\d+/]],
  dataset: [['created', /^Dataset crash v\d+/]],
  train: [
    ['setup', /^dataset crash v/],
    ['epoch', /epoch (\d+)\/\d+ /],
    ['calibration', /calibrating σ/],
    ['export+registration', /exporting to ONNX/],
    ['report', /registered localization v/],
    ['done', /^Training summary/],
  ],
  publish: [],
};
STEPS.publish = STEPS.train;

function lineTime(run: CliRun, re: RegExp, fallback: number): number {
  return run.lines.find((l) => re.test(l.text))?.t ?? fallback;
}

function commandOf(phase: Phase, w: World): string[] {
  if (phase === 'import') return ['import', w.simDir];
  if (phase === 'dataset') return ['dataset', 'create', 'crash', '--split', '0.6/0.2/0.2', '--seed', '1'];
  return w.trainArgs;
}

function templateOf(phase: Phase, w: World): string {
  return phase === 'import' ? w.empty : phase === 'dataset' ? w.imported : w.withDataset;
}

/**
 * A command's reference timeline (one uninterrupted run), from which kill points are drawn: a
 * delay after the first line matching `anchor` (after the start when unset), within `window`.
 * Anchoring on a log line keeps the kills in the phase however loaded the machine is.
 */
export interface Reference {
  run: CliRun;
  anchor?: RegExp;
  window: [number, number];
}

const CALIBRATING = /calibrating σ/;
const DATASET_LINE = /^dataset crash v/;
const IMPORT_LINE = /^import: /;

/** Runs the phase's command once, uninterrupted, and derives its kill window. */
export async function reference(phase: Phase, w: World): Promise<Reference> {
  const home = homeFrom(templateOf(phase, w), join(w.root, `ref-${phase}`));
  const run = await runCli([...commandOf(phase, w), '--home', home], { env: EMBEDDED });
  if (run.code !== 0) throw new Error(`reference ${phase} failed:\n${run.lines.map((l) => l.text).join('\n')}`);
  const end = run.elapsedMs;
  if (phase === 'train') {
    // From the dataset line (the tracked run is created right after) to the end of training.
    const from = lineTime(run, DATASET_LINE, 0);
    return { run, anchor: DATASET_LINE, window: [0, lineTime(run, CALIBRATING, end) - from] };
  }
  if (phase === 'publish') {
    // From calibration through export and registration, to just after the registration line.
    const from = lineTime(run, CALIBRATING, 0);
    return { run, anchor: CALIBRATING, window: [0, lineTime(run, /registered localization v/, end) + 500 - from] };
  }
  if (phase === 'import') {
    // Between the first and the last progress line (blobs and rows being written): a window drawn from the start
    // mostly fell after a fast import had ended, or in the process's start-up.
    const progress = run.lines.filter((l) => IMPORT_LINE.test(l.text)).map((l) => l.t);
    const first = progress[0] ?? 0;
    return { run, anchor: IMPORT_LINE, window: [0, Math.max(50, (progress.at(-1) ?? end) - first)] };
  }
  return { run, window: [0, end] };
}

/** The epoch last.safetensors holds (0: none), read from its trainer metadata. */
function checkpointEpoch(home: string, runId: string): number {
  const path = join(home, 'runs', 'crash-v1', `run-${runId}`, 'last.safetensors');
  if (!existsSync(path)) return 0;
  const file = readFileSync(path);
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as { __metadata__: { trainer: string } };
  return (JSON.parse(header.__metadata__.trainer) as { epoch: number }).epoch;
}

/** A kill point: `delayMs` after the first line matching `anchor` (after the start when unset). */
export interface KillPoint {
  anchor?: RegExp;
  delayMs: number;
}

/**
 * One round: `chain` kills in a row at seeded random points of the reference window (each re-run
 * killed again), then a re-run to completion.
 */
export function crashRound(
  phase: Phase,
  w: World,
  ref: Reference,
  random: () => number,
  home: string,
  chain = 1,
): Promise<RoundResult> {
  const [lo, hi] = ref.window;
  const points = Array.from({ length: chain }, () => ({
    ...(ref.anchor ? { anchor: ref.anchor } : {}),
    delayMs: Math.round(lo + random() * (hi - lo)),
  }));
  return killChain(phase, w, home, points);
}

/** The embedded defaults whatever the harness's environment says: PGlite, local blobs, the file store. */
export const EMBEDDED: NodeJS.ProcessEnv = {
  DATABASE_URL: '',
  HEIMDALL_PG_SCHEMA: '',
  MLFLOW_TRACKING_URI: '',
  HEIMDALL_BLOBS: '',
  HEIMDALL_S3_ENDPOINT: '',
  REDIS_URL: '',
};

/** Kills the phase's command at each point in turn (re-running, resuming training), then runs it to completion. */
export async function killChain(phase: Phase, w: World, home: string, points: KillPoint[]): Promise<RoundResult> {
  homeFrom(templateOf(phase, w), home);
  const result: RoundResult = { phase, kills: [], problems: [], rerunCompleted: false, notes: [] };
  let runId: string | undefined;
  const args = () => (runId === undefined ? commandOf(phase, w) : ['train', '--resume', runId]);
  for (const [k, { anchor, delayMs }] of points.entries()) {
    const run = await runCli([...args(), '--home', home], {
      env: EMBEDDED,
      killAfterMs: delayMs,
      ...(anchor ? { killAfterLine: anchor } : {}),
    });
    result.kills.push({ delayMs, landed: landedAt(run, Number.POSITIVE_INFINITY, STEPS[phase]), killed: run.killed });
    const state = await inspectHome(home);
    result.problems.push(...problemLines(state.report).map((p) => `after kill ${k + 1} (${delayMs} ms): ${p}`));
    if (phase === 'train' || phase === 'publish') {
      // The newest unfinished run with a checkpoint is resumed. Killed before the first
      // checkpoint, there is nothing to resume (the next try is a new run); killed after the run
      // ended, nothing either.
      runId = state.runs
        .filter((r) => r.status !== 'FINISHED' && checkpointEpoch(home, r.runId) > 0)
        .sort((a, b) => b.startTime - a.startTime)[0]?.runId;
    }
  }
  // Re-run to completion.
  const expectEpoch = runId === undefined ? 0 : checkpointEpoch(home, runId);
  const done = await runCli([...args(), '--home', home], { env: EMBEDDED });
  const state = await inspectHome(home);
  result.problems.push(...problemLines(state.report).map((p) => `after the re-run: ${p}`));
  const fail = (what: string) => result.problems.push(`after the re-run: ${what}`);
  if (done.code !== 0)
    fail(
      `exit code ${done.code}: ${done.lines
        .slice(-3)
        .map((l) => l.text)
        .join(' | ')}`,
    );
  if (phase === 'import') {
    if (state.sessions !== w.samples || state.measurements !== w.samples * w.receivers)
      fail(
        `${state.sessions} sessions, ${state.measurements} measurements; expected ${w.samples} and ${w.samples * w.receivers}`,
      );
  } else if (phase === 'dataset') {
    const last = state.datasets.at(-1);
    if (last === undefined || last.sessions !== w.samples)
      fail(`newest dataset has ${last?.sessions ?? 0} sessions of ${w.samples}`);
  } else {
    if (expectEpoch > 0) {
      const firstTrained = done.lines.find((l) => / epoch \d+\/\d+ {2}train_loss/.test(l.text));
      const first = firstTrained === undefined ? w.epochs + 1 : Number(/ epoch (\d+)\//.exec(firstTrained.text)?.[1]);
      if (first !== expectEpoch + 1 && !(expectEpoch >= w.epochs && firstTrained === undefined))
        fail(`checkpoint held epoch ${expectEpoch} but the resumed run trained epoch ${first} first`);
    }
    const finished = state.runs.filter((r) => r.status === 'FINISHED');
    for (const r of finished) {
      const n = state.versions.filter((v) => v.runId === r.runId).length;
      if (n !== 1) fail(`run ${r.runId} FINISHED with ${n} model versions`);
    }
    // A kill after the run ended leaves it finished; the re-run is then a new run of its own.
    if (finished.length < 1) fail('no finished run');
  }
  result.rerunCompleted = done.code === 0;
  return result;
}
