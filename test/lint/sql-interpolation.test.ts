// SQL stays parameterized: every template literal in src/ that reads as SQL may interpolate only
// the fragments listed here — column lists and placeholder lists the code builds itself, and the
// schema name postgres.ts checks against a strict pattern. Anything else (a value, a name from a
// caller) must be a $n parameter; a new interpolation fails this test until someone looks at it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../../..');

/** Interpolated expressions allowed inside SQL text, with why each is safe. */
const ALLOWED: Record<string, string> = {
  COLUMNS: 'a constant column list (jobs/job-store.ts)',
  RECEIVER_COLUMNS: 'a constant column list',
  SESSION_COLUMNS: 'a constant column list',
  MEASUREMENT_COLUMNS: 'a constant column list',
  DATASET_COLUMNS: 'a constant column list',
  "rows.join(', ')": 'placeholder tuples ($1, $2, …) built from indexes',
  "rows.join(',\\n')": 'placeholder tuples built from indexes',
  "where.join(' AND ')": 'conditions of the form `column = $n`',
  where: 'a WHERE clause of `column = $n` conditions (sessionWhere)',
  "conditions.join(' AND ')": 'conditions of the form `column = $n`',
  'params.push(limit)': 'the number of a placeholder',
  schema: 'checked against /^[A-Za-z_][A-Za-z0-9_]{0,62}$/ before use (store/db/postgres.ts)',
};

const SQL = /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|VALUES|CREATE|DROP|ALTER TABLE|ORDER BY|SET search_path)\b/;

/** `${…}` expressions inside SQL-looking template literals of a source text. */
export function sqlInterpolations(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/`((?:[^`\\]|\\.)*)`/gs)) {
    const body = m[1] as string;
    if (!SQL.test(body)) continue;
    // Nested templates (`WHERE ${x}` inside `${…}`) are scanned as their own literal too.
    for (const e of body.matchAll(/\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g)) {
      const expr = (e[1] as string).trim();
      if (expr.startsWith('where.length > 0')) continue; // the conditional around the WHERE clause, scanned as its own literal
      found.push(expr);
    }
  }
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('src/ interpolates into SQL text only column lists, placeholder lists and the checked schema name', () => {
  const bad: string[] = [];
  let seen = 0;
  for (const file of sources(join(root, 'src'))) {
    for (const expr of sqlInterpolations(readFileSync(file, 'utf8'))) {
      seen++;
      if (!(expr in ALLOWED)) bad.push(`${relative(root, file)}: \${${expr}}`);
    }
  }
  assert.deepEqual(bad, [], `interpolation into SQL; use a $n parameter:\n${bad.join('\n')}`);
  assert.ok(seen >= 15, `only ${seen} interpolations seen: is the scanner still finding the queries?`);
});

test('the scan catches a value interpolated into a query', () => {
  // '\u0024' is '$': the sample is source text holding interpolations, not a template here.
  const sample = [
    "await db.query(`SELECT * FROM datasets WHERE name = '\u0024{name}'`);",
    'await db.query(`DELETE FROM jobs WHERE id = \u0024{id}`);',
    'await db.query(`SELECT \u0024{COLUMNS} FROM jobs WHERE id = $1`, [id]);',
  ].join('\n');
  assert.deepEqual(
    sqlInterpolations(sample).filter((e) => !(e in ALLOWED)),
    ['name', 'id'],
  );
});
