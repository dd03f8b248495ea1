import path from 'node:path';
import type { Database } from './db.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import { migrate } from './migrate.js';

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/**
 * Opens the store named by `db` (a SQLite path or a postgres:// URL), or the default SQLite
 * file in the data directory, and brings its schema up to date.
 */
export async function openDatabase(opts: { db?: string; dataDir?: string; migrate?: boolean; relaxedDurability?: boolean; groupCommitMax?: number } = {}): Promise<Database> {
  const target = opts.db ?? path.join(opts.dataDir ?? './data', 'flowgate.db');
  const db = isPostgresUrl(target) ? openPostgres(target, { groupCommitMax: opts.groupCommitMax }) : openSqlite(target, { relaxedDurability: opts.relaxedDurability, groupCommitMax: opts.groupCommitMax });
  if (opts.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}
