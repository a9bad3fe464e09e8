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

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A token's expiry: a duration from now (`90m`, `12h`, `30d`, `2w`; a number and one unit of s, m,
 * h, d, w) or an ISO-8601 date or instant (`2027-01-31`, `2027-01-31T18:00:00Z`; a date alone is
 * midnight UTC; a time needs its zone, Z or ±hh:mm, so no reading depends on the machine's
 * time zone). Whether it lies in the future is checked where the token is made.
 */
export function expiry(option: string): (v: string) => { ttlS: number } | { expiresAt: Date } {
  return (v) => {
    const d = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(v.trim());
    if (d) {
      const ttlS = Number(d[1]) * (UNIT_S[d[2] as string] as number);
      if (ttlS > 0) return { ttlS };
    } else if (/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/.test(v.trim())) {
      const expiresAt = new Date(v.trim());
      if (!Number.isNaN(expiresAt.getTime())) return { expiresAt };
    }
    throw new InvalidArgumentError(
      `${option} expects a duration like 30d, 12h, 90m (units s m h d w) or an ISO date like 2027-01-31 or 2027-01-31T18:00:00Z, got '${v}'`,
    );
  };
}
