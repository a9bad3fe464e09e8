// Builds the `heimdall` command tree. Each subcommand lives in commands/ and only calls
// pipeline functions; the CLI holds no pipeline logic of its own.
import { Command } from 'commander';
import { registryResolver } from '../pipeline/model-resolver.js';
import { registerDemo } from './commands/demo.js';
import { registerInspect } from './commands/inspect.js';
import { registerModels } from './commands/models.js';
import { registerPredict } from './commands/predict.js';
import { registerQuickstart } from './commands/quickstart.js';
import { registerRuns } from './commands/runs.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStore } from './commands/store.js';
import { packageVersion } from './version.js';

export function buildProgram(): Command {
  const program = new Command('heimdall')
    .description('Heimdall: learn to localize radio transmitters from multi-receiver IQ recordings, with calibrated uncertainty')
    .version(packageVersion(), '-V, --version', 'print the Heimdall version')
    .showHelpAfterError('(run heimdall --help for usage)');
  registerDemo(program);
  registerSimulate(program);
  registerInspect(program);
  registerStore(program);
  registerQuickstart(program);
  registerRuns(program);
  registerModels(program);
  registerPredict(program, { resolveModel: registryResolver() });
  return program;
}
