// Opens the catalog database: PostgreSQL when a URL is given (e.g. from DATABASE_URL), else the
// embedded PGlite database in a directory.
import type { SqlDatabase } from '../sql.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export { openPglite } from './pglite.js';
export { openPostgres, redactUrl } from './postgres.js';

export async function openDatabase(o: { url?: string; dir: string; schema?: string }): Promise<SqlDatabase> {
  if (o.url !== undefined && o.url !== '') return openPostgres(o.url, o.schema === undefined ? {} : { schema: o.schema });
  return openPglite(o.dir);
}
