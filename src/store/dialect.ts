import { PostgresAdapter, type Transaction } from 'kysely';
import type { Dialect } from './migrations.js';
import type { DB } from './schema.js';

/** The dialect behind a transaction, for the few statements that differ (advisory locks). */
export function dialectOf(trx: Transaction<DB>): Dialect {
  return trx.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
