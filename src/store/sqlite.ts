import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema.js';
import { makeTx, type Database } from './db.js';
import { GroupCommitter } from './group-commit.js';
import { registerSqliteConnection } from './statements.js';

export interface SqliteOptions {
  /** No sync of the WAL after commits (walSyncer): a power cut may lose the last commits. */
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
 * Durability without blocking the event loop. SQLite's own durable commit (WAL with
 * synchronous=FULL) fsyncs the WAL inside COMMIT, on the one thread that also serves HTTP and
 * runs the engine: every commit stops the process for the length of an fsync. Instead the
 * connection runs with synchronous=NORMAL (COMMIT writes the WAL but does not sync it;
 * checkpoints still sync) and the process syncs the WAL itself, with fdatasync on libuv's
 * thread pool, while the event loop goes on. Nothing that depends on a commit leaves the
 * process before that commit is synced: a transaction's promise settles after it
 * (`makeTx`, the group committer), HTTP answers and server-sent events wait for it, and so
 * do outgoing email and `io` phases (`Database.durable`). One fsync covers every commit
 * written before it starts, so under load many commits share one.
 *
 * What is synced is counted with `total_changes()` (rows changed on the connection so far),
 * taken only when no transaction is open, so a count never includes changes that were not
 * committed yet when the sync started. If a sync fails, whether the commits since the last
 * one reached the disk is unknown: the process stops, as PostgreSQL does, and a restart
 * recovers from what the disk holds.
 */
function walSyncer(sqlite: BetterSqlite3.Database, file: string): { durable: () => Promise<void>; close: () => Promise<void> } {
  const changes = sqlite.prepare('SELECT total_changes()').pluck();
  const wal = `${path.resolve(file)}-wal`;
  let fd: number | null = null;
  /** Changes known to be durable. */
  let synced = Number(changes.get());
  /** Changes all finished (committed or rolled back) as of the last look outside a transaction. */
  let settled = synced;
  let running: Promise<void> | null = null;
  const look = (): number => {
    const n = Number(changes.get());
    if (!sqlite.inTransaction) settled = n;
    return n;
  };
  const syncOnce = (): Promise<void> => {
    if (running) return running;
    look();
    const upTo = settled;
    // Nothing finished since the last sync (a transaction is still open): look again shortly.
    if (upTo <= synced) return new Promise((resolve) => setImmediate(resolve));
    running = new Promise<void>((resolve) => {
      fd ??= fs.openSync(wal, 'r');
      fs.fdatasync(fd, (err) => {
        if (err) {
          process.stderr.write(`flowgate: syncing ${wal} failed (${err.message}); stopping\n`);
          process.exit(70);
        }
        synced = Math.max(synced, upTo);
        resolve();
      });
    }).finally(() => {
      running = null;
    });
    return running;
  };
  return {
    async durable() {
      const n = look();
      while (synced < n) await syncOnce();
    },
    async close() {
      await running;
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}

/**
 * SQLite is the zero-set-up store: WAL, and a commit is durable before anything that
 * depends on it leaves the process (walSyncer), so a committed transition survives a power
 * cut. Kysely's SQLite driver serialises its single connection with a mutex, which is
 * exactly the one-writer discipline SQLite wants.
 */
export function openSqlite(file: string, opts: SqliteOptions = {}): Database {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL either way: the durable setting syncs the WAL itself, off the event loop (walSyncer).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const database = withStatementCache(sqlite) as unknown as BetterSqlite3.Database;
  const k = new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
  registerSqliteConnection(k, (text) => database.prepare(text));
  const syncer = opts.relaxedDurability ? null : walSyncer(sqlite, file);
  const durable = syncer ? syncer.durable : async () => {};
  const txAlone = makeTx(k, 1, durable);
  // One writer: one batch open at a time, and every write of the process goes through it. The
  // committer waits for durability itself, so the next batch can run while the disk syncs.
  const committer = new GroupCommitter(makeTx(k, 1), { maxBatch: opts.groupCommitMax ?? 64, parallel: 1, durable });
  return {
    dialect: 'sqlite',
    k,
    location: path.resolve(file),
    tx: (fn) => committer.run(fn),
    txAlone,
    committer,
    durable,
    close: async () => {
      await syncer?.close();
      await k.destroy();
    },
  };
}
