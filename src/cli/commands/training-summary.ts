// The end-of-training summary, the same for `heimdall quickstart` and `heimdall train`: test-split
// metrics, calibration, the kept correction, the model beside the classical references, and
// where the run, checkpoint and exported model are.
import { describeChecker } from '../../export/checker.js';
import type { TrainResult } from '../../pipeline/train.js';
import { summaryLines } from './evaluate.js';

const m = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} km` : `${v.toFixed(0)} m`;
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

export function printTrainingSummary(
  title: string,
  r: Pick<TrainResult, 'fit' | 'evaluation' | 'checkpoint' | 'run' | 'model' | 'report' | 'correction'> & { seconds: number },
): void {
  console.log('');
  console.log(`${title} (${r.evaluation.metrics.count} transmissions)`);
  const e = r.evaluation.metrics;
  console.log(`  median error              ${m(e.medianErrorM)}`);
  console.log(`  90th percentile error     ${m(e.p90ErrorM)}`);
  console.log(`  mean error                ${m(e.meanErrorM)}`);
  console.log(`  CEP50 (empirical)         ${m(e.cep50EmpiricalM)}`);
  const b = r.evaluation.crlb;
  if (b) {
    // Like with like: both medians over the sessions that have a bound. The CRLB binds
    // unbiased estimators under its own model; a Bayesian estimator can beat it.
    console.log(
      `  vs Cramér–Rao bound       median error ${m(b.medianErrorM)} vs CRLB CEP50 ${m(b.boundMedianM)} on the ${b.compared} transmissions with a bound${b.leftOut > 0 ? ` (${b.leftOut} without one left out)` : ''}; the bound holds for unbiased estimators under the simulator's model, not for every method`,
    );
  } else console.log('  vs Cramér–Rao bound       no transmission of the test split has a bound');
  console.log(`  1σ ellipse coverage       ${pct(e.coverage1Sigma)}  (target 39.35 %)`);
  console.log(`  2σ ellipse coverage       ${pct(e.coverage2Sigma)}  (target 86.47 %)`);
  console.log(`  mean NLL                  ${e.meanNll.toFixed(2)}`);
  const unlearned = r.correction !== undefined && r.correction.position === 0 && r.correction.uncertainty === 0;
  console.log(
    `  σ calibration factor      ${r.evaluation.sigmaScale.toFixed(2)} (fitted on the ${unlearned ? 'training and validation splits' : 'validation split'}; 1 where the ellipses were calibrated within sampling error)`,
  );
  if (r.correction) {
    const c = r.correction;
    console.log(
      `  learned correction kept   position ×${c.position.toFixed(2)}, uncertainty ×${c.uncertainty.toFixed(2)} of the network's correction to the posterior mean${c.position === 0 && c.uncertainty === 0 ? ' — none improved validation significantly, so the model answers with the posterior mean' : ''} (docs/TRAINING.md)`,
    );
  }
  console.log(
    `  training                  ${r.fit.epochs} epochs, stopped by ${r.fit.stoppedBecause}, best epoch ${r.fit.bestEpoch}`,
  );
  if (r.report) {
    console.log('  on the same test transmissions (median [95 % interval], p90, coverage):');
    for (const line of summaryLines(r.report.document)) console.log(`  ${line}`);
    for (const note of r.report.document.notes) console.log(`  ${note}`);
    console.log(`  evaluation report         ${r.report.htmlPath}`);
  }
  console.log(`  time                      ${(r.seconds / 60).toFixed(1)} min`);
  console.log(`  best checkpoint           ${r.checkpoint ?? '—'}`);
  console.log(`  tracked run               ${r.run.id} (experiment ${r.run.experiment}; ./heimdall runs show ${r.run.id})`);
  if (r.model) {
    const x = r.model.export;
    console.log(
      `  ONNX model                ${r.model.onnxPath} (${(x.bytes / 1e6).toFixed(1)} MB, onnxruntime matches the engine to ${x.maxRelDiff.toExponential(1)} of output scale, ${describeChecker(x.checker)})`,
    );
    if (r.model.int8) {
      const q = r.model.int8.export.int8;
      console.log(
        `  int8 variant              ${r.model.int8.onnxPath} (${(r.model.int8.export.bytes / 1e6).toFixed(1)} MB; vs the engine: positions within ${q?.positionSigmas.toFixed(3)} σ, σ within ${(100 * (q?.sigmaRelative ?? 0)).toFixed(1)} %)`,
      );
    } else if (r.model.int8Error) console.log(`  int8 variant              not kept: ${r.model.int8Error}`);
    console.log(`  registered                ${r.model.name} v${r.model.version} (./heimdall models list)`);
  }
}
