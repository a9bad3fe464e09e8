// Both backends read int8 (bigint/bigserial) columns as JS numbers, refusing values a double
// cannot hold exactly rather than rounding (PGlite) or returning strings (pg).

export const INT8_OID = 20;

export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`int8 value ${text} is outside ±2^53 and cannot be read as a number; cast it to text or numeric in SQL`);
  }
  return n;
}
