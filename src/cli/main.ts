#!/usr/bin/env node
// Entry point of the `heimdall` command.
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  console.error(`heimdall: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
