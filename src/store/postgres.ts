import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './schema.js';
import { makeTx, type Database } from './db.js';

// BIGINT columns hold UTC milliseconds and sequence numbers, all well inside 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function openPostgres(url: string, opts: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const k = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const tx = makeTx(k);
  return {
    dialect: 'postgres',
    k,
    location: redact(url),
    tx,
    txAlone: tx,
    close: () => k.destroy(),
  };
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
