// `heimdall inspect`: reads recordings in any supported format and prints what the feature layer
// sees. Only the declaration here; the work is in inspect.run.ts, loaded when the command runs.
import type { Command } from 'commander';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'read recordings (SigMF file or collection, .npy, KiwiSDR WAV, or a folder of them) and print what the feature layer sees',
    )
    .argument('<paths...>', 'recording files, .sigmf-collection files or folders')
    .action(async (paths: string[]) => {
      const { runInspect } = await import('./inspect.run.js');
      runInspect(paths);
    });
}
