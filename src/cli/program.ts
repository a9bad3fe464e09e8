// Builds the `heimdall` command tree. Each subcommand lives in commands/ and only calls
// pipeline functions; the CLI holds no pipeline logic of its own.
// Start-up: building the tree loads only commander and the option declarations. Each command
// imports its implementation (libtorch addon, onnxruntime, PGlite, pg, the S3 SDK …) inside its
// action, so `heimdall --version` and `heimdall inspect` do not pay for the others
// (test/cli/startup.test.ts checks what loads; docs/PERFORMANCE.md has the timings).
import { Command } from 'commander';
import type { ModelResolver } from '../predict/resolve.js';
import { registerCheck } from './commands/check.js';
import { registerDemo } from './commands/demo.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerInspect } from './commands/inspect.js';
import { registerJobs } from './commands/jobs.js';
import { registerLocate } from './commands/locate.js';
import { registerModels } from './commands/models.js';
import { registerPredict } from './commands/predict.js';
import { registerQuickstart } from './commands/quickstart.js';
import { registerRuns } from './commands/runs.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStore } from './commands/store.js';
import { registerTrain } from './commands/train.js';
import { packageVersion } from './version.js';

export function buildProgram(): Command {
  const program = new Command('heimdall')
    .description('Heimdall: learn to localize radio transmitters from multi-receiver IQ recordings, with calibrated uncertainty')
    .version(packageVersion(), '-V, --version', 'print the Heimdall version')
    // Root options only before the command: `dataset show NAME --version 2` is the dataset's
    // --version, not the program's (which commander would otherwise match anywhere on the line).
    .enablePositionalOptions()
    .showHelpAfterError('(run heimdall --help for usage)');
  registerDemo(program);
  registerSimulate(program);
  registerInspect(program);
  registerStore(program);
  registerQuickstart(program);
  registerTrain(program);
  registerJobs(program);
  registerServe(program);
  registerRuns(program);
  registerModels(program);
  registerCheck(program);
  registerPredict(program, { resolveModel: registryLookup });
  registerEvaluate(program, { resolveModel: registryLookupIn });
  registerLocate(program);
  return program;
}

/** NAME@alias through the tracker's registry; the tracker and blob store load only when a reference is looked up. */
const registryLookup: ModelResolver = async (ref) => registryLookupIn(undefined)(ref);

/** The same lookup in a given data folder (a command's --home), else $HEIMDALL_HOME / ./.heimdall. */
function registryLookupIn(home: string | undefined): ModelResolver {
  return async (ref) => {
    const { registryResolver } = await import('../pipeline/model-resolver.js');
    return registryResolver(home === undefined ? {} : { home })(ref);
  };
}
