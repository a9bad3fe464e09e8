// Option parsers for the CLI: they reject bad values with a message naming the option.
import { InvalidArgumentError } from 'commander';

export function positiveInt(option: string, allowZero = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
      throw new InvalidArgumentError(`${option} expects a ${allowZero ? 'non-negative' : 'positive'} integer, got '${v}'`);
    }
    return n;
  };
}

export function positiveNumber(option: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${option} expects a positive number, got '${v}'`);
    return n;
  };
}
