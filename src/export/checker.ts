// ONNX's own checker (Debian's python3-onnx), run on an exported file: an independent reading
// of our encoded protobuf against the ONNX spec, with full shape inference. Optional at
// run time (install with `apt-get install python3-onnx`); CI installs it so tests never skip.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';
const SCRIPT = 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print(onnx.__version__)';

export type CheckerResult = { status: 'passed'; onnxVersion: string } | { status: 'skipped'; reason: string };

/** Whether python3-onnx can be imported (memoized: one python start per process). */
let available: boolean | undefined;
export function onnxCheckerAvailable(): boolean {
  if (available === undefined) {
    available = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
  }
  return available;
}

/** Runs onnx.checker.check_model(full_check=True); throws with the checker's message if it refuses the file. */
export function runOnnxChecker(path: string): CheckerResult {
  if (!onnxCheckerAvailable()) return { status: 'skipped', reason: 'python3-onnx not installed' };
  const r = spawnSync(PYTHON, ['-c', SCRIPT, path], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) {
    const lines = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n');
    throw new Error(`${path}: the ONNX checker refused the model: ${lines.slice(-3).join(' | ')}`);
  }
  return { status: 'passed', onnxVersion: r.stdout.trim() };
}

export function describeChecker(c: CheckerResult): string {
  return c.status === 'passed' ? `checker: passed (onnx ${c.onnxVersion})` : `checker: skipped (${c.reason})`;
}
