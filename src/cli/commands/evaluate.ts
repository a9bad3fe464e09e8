// `heimdall evaluate`: a model on a dataset split next to the classical references on the same
// sessions, written as a self-contained HTML report plus evaluation.json. Only argument handling
// and output here; the work is pipeline/evaluate-model.ts.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { EstimatorMetrics, EvaluationDocument, ReferenceName } from '../../eval/evaluation-document.js';
import type { ModelResolver } from '../../predict/resolve.js';
import { formatDistanceM as km } from '../../util/format.js';

interface EvaluateCliOptions {
  model: string;
  dataset: string;
  split: string;
  out?: string;
  json?: boolean;
  home?: string;
}

/** Short names for the terminal table; the report and the JSON carry the full labels. */
const SHORT: Record<ReferenceName, string> = {
  posteriorMean: 'posterior mean (simulator model)',
  radioMap: 'radio map (learned from power logs)',
  rssMl: 'RSS maximum likelihood',
  tdoa: 'TDOA',
  knn: 'kNN fingerprinting',
  centroid: 'power-weighted centroid',
  strongest: 'strongest receiver',
  crlb: 'CRLB (bound, unbiased estimators)',
};

const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);

/** One table row per estimator: median [95 % interval], p90, coverages. */
export function summaryLines(doc: EvaluationDocument): string[] {
  const rows: string[] = [];
  const row = (name: string, m: Partial<EstimatorMetrics> & { medianErrorM: number; count: number }, extra = '') => {
    const iv = m.intervals?.medianErrorM;
    rows.push(
      `  ${name.padEnd(34)} ${km(m.medianErrorM).padStart(9)} ${iv ? `[${km(iv.low)}, ${km(iv.high)}]` : ''.padEnd(4)}`.padEnd(
        80,
      ) +
        ` p90 ${m.p90ErrorM === undefined ? '—' : km(m.p90ErrorM)}  1σ ${pct(m.coverage1Sigma ?? null)}  2σ ${pct(m.coverage2Sigma ?? null)}  n=${m.count}${extra}`,
    );
  };
  row('model', doc.metrics);
  for (const [name, block] of Object.entries(doc.references)) {
    if (block === undefined) continue;
    row(SHORT[name as ReferenceName], block, block.notApplicable > 0 ? ` (not applicable to ${block.notApplicable})` : '');
  }
  return rows;
}

/** `resolveModel(home)` looks NAME@alias up in the registry of that data folder. */
export function registerEvaluate(program: Command, o: { resolveModel?: (home: string) => ModelResolver } = {}): void {
  program
    .command('evaluate')
    .description(
      'evaluate a model on a dataset split next to the classical references (posterior mean, RSS-ML, TDOA, centroid, strongest receiver, CRLB) on the same transmissions — or a radio-map model on a power-only dataset next to the power-log baselines (strongest, centroid, kNN, log-distance ML); writes an HTML report and evaluation.json',
    )
    .requiredOption('--model <file|name@alias>', 'exported .onnx model or radio-map .json, or a registry reference NAME@alias')
    .requiredOption('--dataset <name[@version]>', 'catalog dataset (latest version when @VERSION is left out)')
    .option('--split <train|val|test>', 'which split to evaluate', 'test')
    .option('--out <dir>', 'folder for report.html and evaluation.json (default <home>/reports/<dataset>-v<version>-<split>)')
    .option('--json', 'print the evaluation JSON (metrics, references.<name>, …) instead of the summary')
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (opts: EvaluateCliOptions) => {
      if (!['train', 'val', 'test'].includes(opts.split))
        throw new Error(`heimdall evaluate: --split must be train, val or test, got '${opts.split}'`);
      const ref = /^(.+?)(?:@(\d+))?$/.exec(opts.dataset);
      if (ref === null || ref[1] === undefined || ref[1] === '')
        throw new Error(`heimdall evaluate: --dataset must be NAME or NAME@VERSION, got '${opts.dataset}'`);
      const name = ref[1];
      const version = ref[2] === undefined ? undefined : Number(ref[2]);
      const home = resolve(opts.home ?? process.env.HEIMDALL_HOME ?? '.heimdall');
      // The pipeline (onnxruntime, the store, the tracker) loads here, on first use.
      const { resolveModelRef } = await import('../../predict/resolve.js');
      const { openStore } = await import('../../store/open.js');
      const { openTracker } = await import('../../track/open.js');
      const { evaluateModelOnDataset } = await import('../../pipeline/evaluate-model.js');
      const modelPath = await resolveModelRef(opts.model, o.resolveModel?.(home));
      const store = await openStore({ home });
      const tracker = openTracker({ home });
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const dataset = await store.catalog.getDataset(name, version);
        const outDir = resolve(opts.out ?? `${home}/reports/${dataset.name}-v${dataset.version}-${opts.split}`);
        const { isRadioMapFile } = await import('../../predict/power-log.js');
        if (isRadioMapFile(modelPath)) {
          // A radio map (heimdall train on a power-only dataset): the power-log baselines are its references.
          const { evaluatePowerModel } = await import('../../pipeline/power/evaluate.js');
          const { powerComparisonLines } = await import('../../pipeline/power/compare.js');
          const r = await evaluatePowerModel({
            modelPath,
            modelLabel: opts.model,
            store,
            dataset: { name: dataset.name, version: dataset.version },
            split: opts.split as 'train' | 'val' | 'test',
            outDir,
          });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(r.document, null, 2)}\n`);
            return;
          }
          console.log(r.document.title);
          for (const line of powerComparisonLines(r.comparison)) console.log(line);
          console.log(`\nreport  ${r.htmlPath}\nnumbers ${r.jsonPath}`);
          return;
        }
        const r = await evaluateModelOnDataset({
          modelPath,
          modelLabel: opts.model,
          store,
          tracker,
          dataset: { name: dataset.name, version: dataset.version },
          split: opts.split as 'train' | 'val' | 'test',
          outDir,
          signal: controller.signal,
          log: opts.json ? () => {} : (line) => console.error(line),
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(r.document, null, 2)}\n`);
          return;
        }
        console.log(r.document.title);
        for (const line of summaryLines(r.document)) console.log(line);
        for (const note of r.document.notes) console.log(`\n${note}`);
        console.log(`\nreport  ${r.htmlPath}\nnumbers ${r.jsonPath}`);
      } finally {
        process.off('SIGINT', stop);
        await tracker.close();
        await store.close();
      }
    });
}
