import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema.js';
import { makeTx, type Database } from './db.js';
import { GroupCommitter } from './group-commit.js';
import { registerSqliteConnection } from './statements.js';

export interface SqliteOptions {
  /** synchronous=NORMAL instead of FULL: faster, but a power cut may lose the last commits. */
  relaxedDurability?: boolean;
  /** Most transactions in one commit (group commit); 1 commits each alone. Default 64. */
  groupCommitMax?: number;
}

/** Most distinct statements kept prepared; the least recently used one is finalized past it. */
const STATEMENT_CACHE_SIZE = 2000;

/**
 * The better-sqlite3 handle as Kysely's driver sees it, with every statement prepared once
 * and reused: preparing (parsing and planning) costs more than running most of the engine's
 * statements. Statements are keyed by their SQL text, so a query built the same way twice
 * reuses one statement whatever its parameters.
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const counts = process.env.FLOWGATE_SQL_STATS ? new Map<string, number[]>() : null;
  if (counts) {
    process.on('exit', () => fs.writeFileSync(process.env.FLOWGATE_SQL_STATS!, JSON.stringify([...counts].sort((a, b) => b[1]![1]! - a[1]![1]!), null, 1)));
  }
  return {
    prepare(sql: string): BetterSqlite3.Statement {
      let stmt = cache.get(sql);
      if (stmt) {
        // Most recently used last, so the oldest entry is the one to drop.
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      if (counts) {
        const st = stmt;
        const timed = (f: 'run' | 'all') => (...a: unknown[]) => {
          const t = process.hrtime.bigint();
          try {
            return (st[f] as (...x: unknown[]) => unknown)(...a);
          } finally {
            const e = counts.get(sql) ?? [0, 0];
            counts.set(sql, [e[0]! + 1, e[1]! + Number(process.hrtime.bigint() - t) / 1e6]);
          }
        };
        return { reader: st.reader, run: timed('run'), all: timed('all'), iterate: st.iterate.bind(st) } as unknown as BetterSqlite3.Statement;
      }
      return stmt;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
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
  const database = withStatementCache(sqlite) as unknown as BetterSqlite3.Database;
  const k = new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
  registerSqliteConnection(k, (text) => database.prepare(text));
  const txAlone = makeTx(k, 1);
  // One writer: one batch open at a time, and every write of the process goes through it.
  const committer = new GroupCommitter(txAlone, { maxBatch: opts.groupCommitMax ?? 64, parallel: 1 });
  return {
    dialect: 'sqlite',
    k,
    location: path.resolve(file),
    tx: (fn) => committer.run(fn),
    txAlone,
    committer,
    close: () => k.destroy(),
  };
}
