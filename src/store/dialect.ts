import { PostgresAdapter } from 'kysely';
import type { Dialect } from './migrations.js';
import type { Executor } from './db.js';

/** The dialect behind a transaction or database, for the few statements that differ (locks). */
export function dialectOf(trx: Executor): Dialect {
  return trx.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
