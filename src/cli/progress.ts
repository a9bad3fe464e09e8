// Progress for long work: on a terminal, a cli-progress bar (redrawn at most 10 times a second,
// with ETA); on a pipe or log file, one line at each 10 % step, so logs stay short and readable.
import cliProgress from 'cli-progress';

// cli-progress is CommonJS without named ESM exports.
const { Format, SingleBar } = cliProgress;

export interface Progress {
  update(done: number, total: number): void;
  /** Ends the bar (a final redraw and a newline on a terminal). Call it also when the work fails. */
  finish(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const whole = Math.round(s);
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** The terminal bar: `label [#####.....] done/total ETA 1m30s` (ETA from cli-progress's recent rate). */
function terminalBar(label: string, stream: NodeJS.WriteStream): Progress {
  const bar = new SingleBar({
    stream,
    fps: 10,
    barsize: 30,
    barCompleteChar: '#',
    barIncompleteChar: '.',
    // No wrap-control escapes: the line is short, and a terminal narrower than it just wraps.
    linewrap: true,
    format: (options, params) => {
      // cli-progress reports an unknown rate as the strings 'NULL' or 'INF'.
      const eta = typeof params.eta === 'number' ? formatSeconds(params.eta) : '--';
      return `${label} [${Format.BarFormat(params.progress, options)}] ${params.value}/${params.total} ETA ${eta}`;
    },
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
        return;
      }
      if (total !== bar.getTotal()) bar.setTotal(total);
      bar.update(done);
    },
    finish() {
      // stop() redraws the final state, cancels the redraw timer (which would otherwise keep the
      // process alive) and ends the line.
      if (started) bar.stop();
    },
  };
}

/** The log lines: `label: done/total (pct%), 1m00s elapsed, ETA 30s` at each new 10 % step. */
function logLines(label: string, stream: NodeJS.WriteStream): Progress {
  const started = performance.now();
  let lastDecile = -1;
  return {
    update(done, total) {
      const decile = Math.floor((10 * done) / total);
      if (decile === lastDecile) return;
      lastDecile = decile;
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : Number.POSITIVE_INFINITY;
      stream.write(
        `${label}: ${done}/${total} (${((100 * done) / total).toFixed(0)}%), ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}\n`,
      );
    },
    finish() {},
  };
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? terminalBar(label, stream) : logLines(label, stream);
}
