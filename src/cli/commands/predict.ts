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
}

const line = (p: Prediction) =>
  `${p.label}: ${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}  CEP50 ${Math.round(p.cep50M)} m, 1σ ellipse ${Math.round(p.ellipse.semiMajorM)} × ${Math.round(p.ellipse.semiMinorM)} m at ${p.ellipse.orientationDeg.toFixed(0)}°, receivers ${p.receiversUsed.length}/${p.receiversUsed.length + p.receiversMissing.length}`;

export function registerPredict(program: Command, o: { resolveModel?: ModelResolver } = {}): void {
  program
    .command('predict')
    .description('predict transmitter positions with uncertainty ellipses from recordings, using an exported ONNX model')
    .argument('<recordings...>', 'SigMF collections, recording files, or folders of transmission sets (searched recursively)')
    .requiredOption(
      '--model <file|name@alias>',
      'exported .onnx model, or a registry reference NAME@alias (the tracker of $HEIMDALL_HOME, default ./.heimdall, or MLFLOW_TRACKING_URI)',
    )
    .option('--format <json|geojson>', 'output format', 'json')
    .option('--out <file>', 'write the output to a file (default: standard output)')
    .option('--ignore-unknown', 'leave out recordings from receivers the model does not know instead of refusing the set')
    .option('--threads <n>', 'onnxruntime intra-op threads (default 2)', positiveInt('--threads'))
    .action(async (paths: string[], opts: PredictCliOptions) => {
      if (opts.format !== 'json' && opts.format !== 'geojson') {
        throw new Error(`heimdall predict: --format must be json or geojson, got '${opts.format}'`);
      }
      // onnxruntime and the feature layer load here, on first use, not when the command tree is built.
      const { loadModel } = await import('../../predict/model.js');
      const { predictPaths, predictionDocument } = await import('../../predict/predict-paths.js');
      const { resolveModelRef } = await import('../../predict/resolve.js');
      const { writeFileAtomic } = await import('../../util/atomic-file.js');
      const model = await loadModel(await resolveModelRef(opts.model, o.resolveModel), {
        ...(opts.threads ? { threads: opts.threads } : {}),
      });
      try {
        const r = await predictPaths(model, paths, {
          ignoreUnknown: opts.ignoreUnknown ?? false,
          onSkipped: (label, e) =>
            console.error(`heimdall predict: skipped ${e.message.startsWith(label) ? e.message : `${label}: ${e.message}`}`),
        });
        for (const w of r.warnings) console.error(`heimdall predict: warning: ${w}`);
        const { predictions, failed } = r;
        const doc = predictionDocument(model, r, opts.format);
        const text = `${JSON.stringify(doc, null, 2)}\n`;
        if (opts.out) {
          writeFileAtomic(opts.out, new TextEncoder().encode(text));
          for (const p of predictions) console.log(line(p));
          console.log(`heimdall predict: ${predictions.length} prediction(s) written to ${opts.out}`);
        } else process.stdout.write(text);
        if (failed.length > 0) {
          console.error(`heimdall predict: ${failed.length} set(s) could not be predicted`);
          process.exitCode = 1;
        }
      } finally {
        await model.release();
      }
    });
}
