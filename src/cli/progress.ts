// Progress for long work: a redrawn bar with ETA on a TTY, otherwise a line every ~10 %.
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const whole = Math.round(s);
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  let lastDecile = -1;
  let lastDraw = Number.NEGATIVE_INFINITY;
  return {
    update(done, total) {
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : Number.POSITIVE_INFINITY;
      if (stream.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const width = 30;
        const filled = Math.round((width * done) / total);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ETA ${formatSeconds(eta)}  `,
        );
      } else {
        const decile = Math.floor((10 * done) / total);
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(
          `${label}: ${done}/${total} (${((100 * done) / total).toFixed(0)}%), ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}\n`,
        );
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
