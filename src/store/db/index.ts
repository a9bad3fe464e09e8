// Opens the catalog database: PostgreSQL when a URL is given (e.g. from DATABASE_URL), else the
// embedded PGlite database in a directory.
import type { SqlDatabase } from '../sql.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export { openPglite } from './pglite.js';
export { openPostgres, redactUrl } from './postgres.js';

/**
 * o.url (e.g. process.env.DATABASE_URL) → PostgreSQL, in o.schema when given; otherwise PGlite in
 * o.dir (created if needed; o.schema does not apply: the directory is already private).
 */
export async function openDatabase(o: { url?: string; dir: string; schema?: string }): Promise<SqlDatabase> {
  if (o.url !== undefined && o.url !== '') return openPostgres(o.url, o.schema === undefined ? {} : { schema: o.schema });
  return openPglite(o.dir);
}
