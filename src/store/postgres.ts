import pg from 'pg';
import fs from 'node:fs';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import type { DB } from './schema.js';
import { makeTx, type Database } from './db.js';
import { preparedName } from './statements.js';
import { GroupCommitter } from './group-commit.js';

// BIGINT columns hold UTC milliseconds and sequence numbers, all well inside 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function openPostgres(url: string, opts: { max?: number; groupCommitMax?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Connections prepare the hot-path statements by name (statements.ts).
  const preparingPool = { connect: async () => preparing(await pool.connect()), end: () => pool.end() };
  const k = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool }), ...(process.env.FLOWGATE_SQL_STATS ? { log: statementStats(process.env.FLOWGATE_SQL_STATS) } : {}) });
  const txAlone = makeTx(k);
  // Every write of the process shares commits (API requests and the worker's transitions
  // alike): under load a burst of requests costs a few BEGIN/COMMIT round trips and one audit
  // insert, not one of each per request. Up to four transactions are open at once on the pool,
  // a further one only for eight units waiting (measured: fewer, fuller batches; see
  // docs/BENCHMARKS.md).
  const committer = new GroupCommitter(txAlone, { maxBatch: opts.groupCommitMax ?? 64, parallel: 4, parallelFrom: 8 });
  return {
    dialect: 'postgres',
    k,
    location: redact(url),
    tx: (fn) => committer.run(fn),
    txAlone,
    committer,
    // COMMIT returns once the WAL is flushed (synchronous_commit on).
    durable: async () => {},
    close: () => k.destroy(),
  };
}

const PREPARING = Symbol('flowgate.preparing');

/**
 * Makes a pooled client run the statements statements.ts names (preparedName) as named
 * prepared statements; node-postgres parses each name once per connection.
 */
function preparing(client: pg.PoolClient): pg.PoolClient {
  const c = client as pg.PoolClient & { [PREPARING]?: true };
  if (c[PREPARING]) return c;
  const query = c.query.bind(c) as (...args: unknown[]) => unknown;
  (c as { query: unknown }).query = (text: unknown, values?: unknown, cb?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) ? preparedName(text) : undefined;
    return name ? query({ name, text, values }, cb) : query(text, values, cb);
  };
  c[PREPARING] = true;
  return c;
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
