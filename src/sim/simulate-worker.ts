// Worker-thread entry of simulate(): generates its share of samples and reports each summary.
import { parentPort, workerData } from 'node:worker_threads';
import { runIndices, type WorkerTask } from './simulate.js';

runIndices(workerData as WorkerTask, (_sample, summary) => parentPort?.postMessage(summary));
