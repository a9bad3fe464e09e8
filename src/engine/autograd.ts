// Grad-mode scopes. libtorch keeps grad mode per thread; JavaScript runs on one thread here.
import { torch } from './native.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = torch.isGradEnabled();
  torch.setGradEnabled(enabled);
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('noGrad()/enableGrad(): async functions are not supported');
    return result;
  } finally {
    torch.setGradEnabled(previous);
  }
}

/** Runs fn without recording an autograd graph (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with graph recording on, even inside noGrad(). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return torch.isGradEnabled();
}
