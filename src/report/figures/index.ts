// Every figure of the report, in page order, as a vega-lite spec (or null with the sentence the
// page shows instead).
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationDocument } from '../../eval/evaluation-document.js';
import { binnedSpec } from './binned.js';
import { calibrationSpec } from './calibration.js';
import { errorCdfSpec } from './error-cdf.js';
import { learningCurveSpec } from './learning-curve.js';
import { mapSpec } from './map.js';

export interface FigureSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec | null;
  /** Shown instead of the figure when spec is null. */
  omitted: string;
}

export function figureSpecs(doc: EvaluationDocument): FigureSpec[] {
  return [
    {
      id: 'learning-curve',
      title: 'Learning curves',
      caption: 'Training loss and validation NLL (nats) and the validation median error (m) per epoch of the training run.',
      spec: learningCurveSpec(doc),
      omitted: 'No learning curve: the model’s training run is not known for this evaluation.',
    },
    {
      id: 'error-cdf',
      title: 'Error CDF',
      caption:
        'Fraction of samples whose radial error is at most x, for the model and every reference estimator. Further left is better.',
      spec: errorCdfSpec(doc),
      omitted: 'No error CDF: no estimator has positive errors to draw.',
    },
    {
      id: 'calibration',
      title: 'Calibration',
      caption:
        'Observed fraction of errors inside the predicted p-ellipse against the nominal level p. Calibrated uncertainty follows the dashed diagonal; below it the ellipses are too small (over-confident), above it too large.',
      spec: calibrationSpec(doc),
      omitted: 'No calibration curve: no estimator predicts a covariance.',
    },
    {
      id: 'by-gdop',
      title: 'Error vs geometry (GDOP)',
      caption:
        'Median radial error per GDOP bin of the receivers that heard the transmission; n is the number of samples in the bin.',
      spec: binnedSpec(doc, doc.byGdop, 'GDOP bin'),
      omitted: 'No GDOP breakdown in this evaluation.',
    },
    {
      id: 'by-snr',
      title: 'Error vs SNR',
      caption: 'Median radial error per bin of the best receiver’s SNR (dB); n is the number of samples in the bin.',
      spec: binnedSpec(doc, doc.bySnr, 'best-receiver SNR bin (dB)'),
      omitted: 'No SNR breakdown in this evaluation.',
    },
    {
      id: 'map',
      title: 'Map',
      caption:
        'Receivers (triangles), true transmitter positions (green), the model’s estimates (blue crosses, joined to the truth by grey lines) and their 2σ ellipses (86.5 % when calibrated), for a sample of transmissions. Dashed: the region. No basemap.',
      spec: mapSpec(doc),
      omitted: 'No map: the document has no receivers, transmissions or region.',
    },
  ];
}
