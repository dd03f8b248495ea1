import pg from 'pg';
import fs from 'node:fs';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import type { DB } from './schema.js';
import { makeTx, type Database } from './db.js';

// BIGINT columns hold UTC milliseconds and sequence numbers, all well inside 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function openPostgres(url: string, opts: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const k = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), ...(process.env.FLOWGATE_SQL_STATS ? { log: statementStats(process.env.FLOWGATE_SQL_STATS) } : {}) });
  const tx = makeTx(k);
  return {
    dialect: 'postgres',
    k,
    location: redact(url),
    tx,
    txAlone: tx,
    // COMMIT returns once the WAL is flushed (synchronous_commit on).
    durable: async () => {},
    close: () => k.destroy(),
  };
}

/**
 * FLOWGATE_SQL_STATS=<file>: counts each statement (by its SQL text) and its total time, and
 * writes them to `<file>.<pid>.json` at exit, most frequent first (SQLite writes the same
 * from its statement cache).
 */
function statementStats(file: string) {
  const counts = new Map<string, [number, number]>();
  process.on('exit', () => fs.writeFileSync(`${file}.${process.pid}.json`, JSON.stringify([...counts].sort((a, b) => b[1][0] - a[1][0]), null, 1)));
  return (event: LogEvent) => {
    if (event.level !== 'query') return;
    const c = counts.get(event.query.sql) ?? [0, 0];
    c[0] += 1;
    c[1] += event.queryDurationMillis;
    counts.set(event.query.sql, c);
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
