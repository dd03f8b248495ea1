import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema.js';
import { makeTx, type Database } from './db.js';

export interface SqliteOptions {
  /** synchronous=NORMAL instead of FULL: faster, but a power cut may lose the last commits. */
  relaxedDurability?: boolean;
}

/**
 * SQLite is the zero-set-up store. WAL with synchronous=FULL, so a committed transition
 * survives a power cut. Kysely's SQLite driver serialises its single connection with a
 * mutex, which is exactly the one-writer discipline SQLite wants.
 */
export function openSqlite(file: string, opts: SqliteOptions = {}): Database {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${opts.relaxedDurability ? 'NORMAL' : 'FULL'}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const k = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    dialect: 'sqlite',
    k,
    location: path.resolve(file),
    tx: makeTx(k, 1),
    close: () => k.destroy(),
  };
}
