// What counts as a good outcome for one fuzz case, and the measurements that bound it.
// A case passes when the parser returns a result its target accepts as valid, or throws a *clear error*:
// an Error whose message is non-empty, names the input (the file name or field the target passed in) and is
// not an engine-level failure from deep inside the parser (TypeError/RangeError/SyntaxError/ReferenceError,
// "Cannot read properties of …", "Array buffer allocation failed", "Invalid typed array length" …), which
// says nothing to the user about what is wrong with their file. Everything else is a find.

/** Per-case bounds (stated in docs/RELIABILITY.md). */
export const CASE_TIME_LIMIT_MS = 1000;
/** Heap + external memory a case may add: 64 MiB plus 16 bytes per input byte (int8 IQ → float32 is 4×). */
export const memoryLimitBytes = (inputBytes: number) => 64 * 1024 * 1024 + 16 * inputBytes;

export type Outcome =
  | { kind: 'valid' }
  | { kind: 'clear-error'; message: string }
  | { kind: 'find'; find: 'crash' | 'unclear-error' | 'invalid-result' | 'timeout' | 'over-allocation'; detail: string };

const ENGINE_ERRORS = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']);
/** Messages of errors raised by the runtime, not by a parser's own checks. */
const ENGINE_MESSAGES =
  /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Cannot convert|undefined is not|null is not|Invalid array length|Invalid typed array length|Array buffer allocation failed|Maximum call stack|out of memory|offset is out of bounds|Offset is outside the bounds/;

/** Judges a thrown value: a clear error, or the find it is. `source` must appear in the message. */
export function judgeError(err: unknown, source: string): Outcome {
  if (!(err instanceof Error)) return { kind: 'find', find: 'crash', detail: `threw a non-Error: ${String(err)}` };
  const message = err.message;
  // A JSON.parse SyntaxError rethrown as-is, a RangeError from a typed array: the constructor says it all.
  if (ENGINE_ERRORS.has(err.constructor.name))
    return { kind: 'find', find: 'unclear-error', detail: `${err.constructor.name}: ${message}` };
  if (message.trim() === '') return { kind: 'find', find: 'unclear-error', detail: `${err.name} with an empty message` };
  // Wrapped engine messages ("x.npy: Cannot read properties of undefined") name the file but not the problem.
  const inner = ENGINE_MESSAGES.exec(message);
  if (inner !== null) return { kind: 'find', find: 'unclear-error', detail: `${err.name}: ${message.slice(0, 300)}` };
  if (!message.includes(source))
    return { kind: 'find', find: 'unclear-error', detail: `does not name ${source}: ${message.slice(0, 300)}` };
  return { kind: 'clear-error', message };
}

/** Heap plus external (ArrayBuffers, Buffers) bytes now. */
export function memoryNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
