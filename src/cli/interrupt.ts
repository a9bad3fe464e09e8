// Ctrl-C / SIGTERM for long commands: the first asks the work to stop (its AbortSignal; training
// stops after the current batch with a checkpoint), a second quits at once (Node's default).
export async function untilInterrupted<T>(stopping: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => {
    console.error(`\ninterrupted: ${stopping} (Ctrl-C again to quit at once) …`);
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
