// Deterministic release of native memory, in the spirit of TensorFlow.js's tidy():
// every tensor created while a scope is open belongs to it, and is disposed when the scope
// closes unless it is returned from the scope or kept. Tensors created outside any scope are
// owned by the caller (module parameters, optimizer state) and must be disposed explicitly;
// the addon's GC finalizer is only a backstop.

export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** Called by every Tensor constructor. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Removes a tensor from the open scopes so it outlives them. Returns it for chaining. */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Collects the disposables reachable from a scope's result (value, array, or plain object). */
function collectResults(value: unknown, out: Set<Disposable>): void {
  if (value === null || typeof value !== 'object') return;
  if ('dispose' in value && 'isDisposed' in value) {
    out.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectResults(v, out);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectResults(v, out);
  }
}

/**
 * Runs `fn` in a scope and disposes every tensor it created except those in its result.
 * Refuses async functions: a scope cannot span an await without capturing other work's tensors.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new Error('tidy(): the function returned a Promise; tidy() only accepts synchronous functions');
    }
  } catch (err) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  const results = new Set<Disposable>();
  collectResults(result, results);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (results.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}
