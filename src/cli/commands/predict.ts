// `heimdall predict`: positions with uncertainty ellipses for recorded transmissions, from one
// exported .onnx model (or a registry reference once a resolver is configured). Only argument
// handling and output here; the work is predict/predictFromRecordings.
import type { Command } from 'commander';
import type { Prediction } from '../../predict/predict.js';
import type { ModelResolver } from '../../predict/resolve.js';
import { positiveInt } from '../parse.js';

interface PredictCliOptions {
  model: string;
  format: string;
  out?: string;
  ignoreUnknown?: boolean;
  threads?: number;
  inputFormat?: string;
  notHeard?: number;
  columns?: string;
}

const line = (p: Prediction) =>
  `${p.label}: ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}  CEP50 ${Math.round(p.cep50M)} m, 1σ ellipse ${Math.round(p.ellipse.semiMajorM)} × ${Math.round(p.ellipse.semiMinorM)} m at ${p.ellipse.orientationDeg.toFixed(0)}°, receivers ${p.receiversUsed.length}/${p.receiversUsed.length + p.receiversMissing.length}`;

export function registerPredict(program: Command, o: { resolveModel?: ModelResolver } = {}): void {
  program
    .command('predict')
    .description(
      'predict transmitter positions with uncertainty ellipses: from recordings with an exported ONNX model, or from power logs with a radio-map model (--input-format)',
    )
    .argument(
      '<recordings...>',
      'SigMF collections, recording files, or folders of transmission sets (searched recursively); with --input-format, power log files',
    )
    .requiredOption(
      '--model <file|name@alias>',
      'exported .onnx model, or a registry reference NAME@alias (the tracker of $HEIMDALL_HOME, default ./.heimdall, or MLFLOW_TRACKING_URI)',
    )
    .option('--format <json|geojson>', 'output format', 'json')
    .option('--out <file>', 'write the output to a file (default: standard output)')
    .option('--ignore-unknown', 'leave out recordings from receivers the model does not know instead of refusing the set')
    .option('--threads <n>', 'onnxruntime intra-op threads (default 2)', positiveInt('--threads'))
    .option(
      '--input-format <rss-csv|rss-json>',
      'the inputs are power logs (docs/TRAINING.md, "Power logs"), to localize with a radio-map model (what heimdall train fits on a power-only dataset)',
    )
    .option('--not-heard <value>', 'power log: a power value meaning "not heard" (besides an empty cell)', Number)
    .option('--columns <file>', 'power log: JSON mapping fields to column names, e.g. {"rss_dbm": "level"}')
    .action(async (paths: string[], opts: PredictCliOptions) => {
      if (opts.format !== 'json' && opts.format !== 'geojson') {
        throw new Error(`heimdall predict: --format must be json or geojson, got '${opts.format}'`);
      }
      const { resolveModelRef } = await import('../../predict/resolve.js');
      const modelPath = await resolveModelRef(opts.model, o.resolveModel);
      const { isRadioMapFile } = await import('../../predict/power-log.js');
      if (isRadioMapFile(modelPath) || opts.inputFormat !== undefined) {
        await predictPowerLogs(modelPath, paths, opts);
        return;
      }
      if (opts.notHeard !== undefined || opts.columns !== undefined)
        throw new Error(
          'heimdall predict: --not-heard and --columns apply to power logs: add --input-format rss-csv or rss-json',
        );
      // onnxruntime and the feature layer load here, on first use, not when the command tree is built.
      const { loadModel } = await import('../../predict/model.js');
      const { predictPaths, predictionDocument } = await import('../../predict/predict-paths.js');
      const model = await loadModel(modelPath, {
        ...(opts.threads ? { threads: opts.threads } : {}),
      });
      try {
        const r = await predictPaths(model, paths, {
          ignoreUnknown: opts.ignoreUnknown ?? false,
          onSkipped: (label, e) =>
            console.error(`heimdall predict: skipped ${e.message.startsWith(label) ? e.message : `${label}: ${e.message}`}`),
        });
        for (const w of r.warnings) console.error(`heimdall predict: warning: ${w}`);
        await writeOutput(predictionDocument(model, r, opts.format), r.predictions, opts.out);
        if (r.failed.length > 0) {
          console.error(`heimdall predict: ${r.failed.length} set(s) could not be predicted`);
          process.exitCode = 1;
        }
      } finally {
        await model.release();
      }
    });
}

/** The document to --out (with a line per prediction on the terminal) or to standard output. */
async function writeOutput(doc: unknown, predictions: Prediction[], out: string | undefined): Promise<void> {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  const { writeFileAtomic } = await import('../../util/atomic-file.js');
  writeFileAtomic(out, new TextEncoder().encode(text));
  for (const p of predictions) console.log(line(p));
  console.log(`heimdall predict: ${predictions.length} prediction(s) written to ${out}`);
}

/** Power logs with a radio-map model: the same documents and exit codes as recordings with ONNX. */
async function predictPowerLogs(modelPath: string, paths: string[], opts: PredictCliOptions): Promise<void> {
  const { isRadioMapFile, loadRadioMapModel, predictPowerLog, releaseRadioMapModel } = await import('../../predict/power-log.js');
  const { loadRssLog, parseColumnMapping, RSS_FORMATS } = await import('../../signal/formats/rss-log.js');
  const { toGeoJson } = await import('../../predict/geojson.js');
  const { readFileSync } = await import('node:fs');
  if (!isRadioMapFile(modelPath))
    throw new Error(
      `heimdall predict: --input-format takes a radio-map model (heimdall train on a power-only dataset); ${modelPath} is not one`,
    );
  if (opts.inputFormat === undefined)
    throw new Error(
      `heimdall predict: ${modelPath} is a radio-map model: it localizes power logs; add --input-format rss-csv or rss-json`,
    );
  const format = opts.inputFormat;
  if (!(RSS_FORMATS as readonly string[]).includes(format))
    throw new Error(`heimdall predict: --input-format must be ${RSS_FORMATS.join(' or ')}, got '${format}'`);
  if (opts.notHeard !== undefined && !Number.isFinite(opts.notHeard))
    throw new Error('heimdall predict: --not-heard must be a number, e.g. -999');
  const columns =
    opts.columns === undefined ? undefined : parseColumnMapping(JSON.parse(readFileSync(opts.columns, 'utf8')), opts.columns);
  const model = loadRadioMapModel(modelPath);
  try {
    const predictions = [];
    const failed = [];
    for (const path of paths) {
      const log = loadRssLog(path, format as (typeof RSS_FORMATS)[number], {
        ...(opts.notHeard !== undefined ? { notHeard: opts.notHeard } : {}),
        ...(columns ? { columns } : {}),
      });
      const r = predictPowerLog(model, log, { ignoreUnknown: opts.ignoreUnknown ?? false });
      predictions.push(...r.predictions);
      failed.push(...r.failed);
      for (const f of r.failed) console.error(`heimdall predict: skipped ${f.label}: ${f.error}`);
    }
    const doc =
      opts.format === 'geojson'
        ? toGeoJson(predictions)
        : { model: { path: modelPath, kind: 'radio-map', fittedOn: model.fittedOn }, predictions, failed };
    await writeOutput(doc, predictions, opts.out);
    if (failed.length > 0) {
      console.error(`heimdall predict: ${failed.length} transmission(s) could not be localized`);
      process.exitCode = 1;
    }
  } finally {
    releaseRadioMapModel(model);
  }
}
