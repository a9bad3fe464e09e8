// Names an attacker (or a careless script) would try where a name becomes a path, a key or SQL:
// traversal in its plain, encoded and Windows forms, absolute paths, NUL and other control
// characters, far too long names, look-alikes of '.' and '/', and SQL-ish quoting. Shared by the
// store, tracker and API tests so every place that takes a name meets the same list.
export const TRAVERSAL = [
  '../x',
  '..',
  '.',
  'a/../../b',
  '../../../../../../tmp/heimdall-escape',
  '/etc/passwd',
  '/tmp/heimdall-escape',
  '..\\x',
  'a\\..\\..\\b',
  'C:\\Windows\\x',
  '..%2Fx',
  '%2e%2e%2fx',
  'x\u0000.npy',
  'x\n.npy',
  'a/b',
] as const;

/** Look-alikes of '.', '/' and '\' (one-dot and two-dot leaders, fullwidth solidus, division slash, fraction slash, fullwidth reverse solidus). */
export const LOOK_ALIKES = ['\u2024\u2024\u2215x', '\u2025\uff0fx', '\uff0e\uff0e\u2044x', 'a\uff3c..\uff3cb'] as const;

export const SQL_ISH = [
  "x'; DROP TABLE sessions; --",
  'x"; DROP TABLE api_tokens; --',
  "' OR '1'='1",
  'x); DELETE FROM datasets; --',
] as const;

export const TOO_LONG = 'a'.repeat(5000);

/** Every hostile name above. */
export const HOSTILE = [...TRAVERSAL, ...LOOK_ALIKES, ...SQL_ISH, TOO_LONG] as const;

/** A name as it may appear in an error message: the printable ASCII of its start. */
export const shown = (name: string) => name.replace(/[^\x20-\x7e]/g, '?').slice(0, 60);
