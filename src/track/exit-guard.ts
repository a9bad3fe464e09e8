// Marks runs that are still open when the process ends: KILLED on SIGTERM/SIGINT or on an exit
// without run.end() (an uncaught error, process.exit, the event loop running dry). A SIGKILL
// leaves no chance; the next start recovers those (Tracker.recoverCrashedRuns).
//
// Process-wide by nature (signals and 'exit' belong to the process), so this module keeps the
// one registry of open runs. Listeners are installed with the first open run and removed with
// the last. On a signal we only act if nobody else listens for it: a command that handles
// SIGTERM itself (to stop training gracefully) ends its run with a status of its own choosing.
import type { RunStatus } from './types.js';

export interface OpenRun {
  /** Synchronous: the 'exit' event allows no asynchronous work. */
  markSync(status: RunStatus): void;
}

const open = new Set<OpenRun>();
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function markAll(): void {
  for (const run of [...open]) {
    open.delete(run);
    try {
      run.markSync('KILLED');
    } catch {
      // the process is ending: nothing useful left to do with the error
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // someone else handles it and will end the run
  markAll();
  uninstall();
  process.kill(process.pid, signal); // default action now: terminate with the signal's status
}

function install(): void {
  process.on('exit', markAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', markAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

export function guardRun(run: OpenRun): void {
  if (open.size === 0) install();
  open.add(run);
}

export function releaseRun(run: OpenRun): void {
  if (!open.delete(run)) return;
  if (open.size === 0) uninstall();
}
