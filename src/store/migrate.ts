/**
 * Applies the migration list under a lock (PostgreSQL: a transaction-scoped advisory lock;
 * SQLite: the single writer) in one transaction. Refuses to run against a history it does
 * not recognise: an applied migration whose checksum differs from ours (corrupted or
 * edited), or one newer than this build knows.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { FlowgateError } from '../core/errors.js';
import type { Database } from './db.js';
import { migrations as allMigrations, type Dialect, type Migration } from './migrations.js';

export class MigrationError extends FlowgateError {
  constructor(message: string) {
    super('migration_refused', message);
  }
}

export interface MigrationResult {
  applied: Array<{ id: number; name: string }>;
  current: number;
}

const LOCK_KEY = 0x466c6f77; // "Flow"

export function checksum(m: Migration, dialect: Dialect): string {
  return crypto.createHash('sha256').update(m.statements(dialect).join(';\n')).digest('hex');
}

export async function migrate(db: Database, list: Migration[] = allMigrations): Promise<MigrationResult> {
  return db.tx(async (trx) => {
    if (db.dialect === 'postgres') {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    }
    await sql
      .raw(
        `CREATE TABLE IF NOT EXISTS flowgate_migrations (
          id INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at ${db.dialect === 'postgres' ? 'BIGINT' : 'INTEGER'} NOT NULL)`,
      )
      .execute(trx);
    const done = await trx.selectFrom('flowgate_migrations').selectAll().orderBy('id').execute();
    const known = new Map(list.map((m) => [m.id, m]));
    for (const row of done) {
      const m = known.get(row.id);
      if (!m) {
        throw new MigrationError(
          `The database at ${db.location} has migration ${row.id} ("${row.name}"), which this version of Flowgate does not know. It was written by a newer Flowgate; upgrade Flowgate instead of starting this one.`,
        );
      }
      if (checksum(m, db.dialect) !== row.checksum) {
        throw new MigrationError(
          `Migration ${row.id} ("${row.name}") in the database at ${db.location} does not match this version of Flowgate (checksum differs). The migration history is corrupted or was edited; restore a backup.`,
        );
      }
    }
    const applied: MigrationResult['applied'] = [];
    const doneIds = new Set(done.map((r) => r.id));
    for (const m of [...list].sort((a, b) => a.id - b.id)) {
      if (doneIds.has(m.id)) continue;
      for (const stmt of m.statements(db.dialect)) await sql.raw(stmt).execute(trx);
      await trx
        .insertInto('flowgate_migrations')
        .values({ id: m.id, name: m.name, checksum: checksum(m, db.dialect), applied_at: Date.now() })
        .execute();
      applied.push({ id: m.id, name: m.name });
    }
    const current = Math.max(0, ...list.map((m) => m.id));
    return { applied, current };
  });
}
