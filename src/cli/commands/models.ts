// `heimdall models list|promote`: the model registry (MLflow file store or server).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { canonicalStage, type ModelStage } from '../../track/types.js';
import { TRACKING_HOME_HELP, withTracker } from './runs.js';

function stage(value: string): ModelStage {
  try {
    return canonicalStage(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('registered models and their versions (MLflow model registry)');
  models
    .command('list')
    .description('list registered models with their versions, stages and aliases')
    .option('--home <dir>', TRACKING_HOME_HELP)
    .action(async (o: { home?: string }) => {
      await withTracker(o.home, async (t) => {
        const all = await t.listRegisteredModels();
        if (all.length === 0) {
          console.log(`No registered models in ${t.location}`);
          return;
        }
        for (const m of all) {
          const aliases = Object.entries(m.aliases).map(([a, v]) => `@${a} → v${v}`);
          console.log(`${m.name}${aliases.length > 0 ? `  (${aliases.join(', ')})` : ''}`);
          for (const v of await t.listModelVersions(m.name)) {
            const tagged = v.aliases.length > 0 ? `  @${v.aliases.join(' @')}` : '';
            console.log(`  v${v.version}  ${v.currentStage.padEnd(10)}  run ${v.runId || '—'}  ${v.source}${tagged}`);
          }
        }
      });
    });

  models
    .command('promote')
    .description('point an alias (e.g. champion) at a model version and/or move it to a stage')
    .argument('<name>', 'registered model name')
    .argument('<version>', 'version number')
    .option('--alias <alias>', 'alias to point at this version (letters, digits, _ and -)', 'champion')
    .option('--stage <stage>', 'also move the version to this stage: None, Staging, Production or Archived', stage)
    .option('--keep-existing', 'do not archive the versions already in --stage (archived by default for Staging/Production)')
    .option('--home <dir>', TRACKING_HOME_HELP)
    .action(
      async (name: string, version: string, o: { alias: string; stage?: ModelStage; keepExisting?: boolean; home?: string }) => {
        if (!/^\d+$/.test(version)) throw new InvalidArgumentError(`version expects a positive integer, got '${version}'`);
        const { promoteModel } = await import('../../track/run.js');
        await withTracker(o.home, async (t) => {
          const v = await promoteModel(t, name, version, {
            alias: o.alias,
            ...(o.stage !== undefined ? { stage: o.stage } : {}),
            ...(o.keepExisting ? { archiveExisting: false } : {}),
          });
          console.log(
            `${name} v${v.version}: stage ${v.currentStage}, aliases ${v.aliases.map((a) => `@${a}`).join(' ') || 'none'}`,
          );
        });
      },
    );
}
