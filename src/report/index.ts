export { renderFigures, writeEvaluationReport } from './write-report.js';
