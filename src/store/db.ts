/**
 * The database handle every layer shares. One Kysely schema for both dialects; `tx` runs a
 * function in one transaction and, on PostgreSQL, retries it on serialization failures and
 * deadlocks (by error code, never a blanket retry).
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';
import type { Dialect } from './migrations.js';
import type { GroupCommitter } from './group-commit.js';
import { beginCollecting, dropAfterCommit, flushBeforeCommit, runAfterCommit } from './before-commit.js';

export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  readonly dialect: Dialect;
  readonly k: Kysely<DB>;
  /** A human-readable location: the SQLite file path or the PostgreSQL URL without password. */
  readonly location: string;
  /**
   * Runs `fn` in a transaction, group-committed: transactions that are ready on the same turn
   * of the event loop (API writes and the worker's transitions alike) share one commit, each
   * in its own savepoint (see group-commit.ts); one batch open at a time on SQLite, four on
   * PostgreSQL, where a batch is retried on serialization failures and deadlocks.
   */
  tx<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /** Runs `fn` in a transaction of its own, never shared. */
  txAlone<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /** The committer behind `tx`. */
  readonly committer: GroupCommitter;
  /**
   * Resolves once every commit made so far is durable. A transaction's promise settles only
   * after its commit is durable; what else leaves the process (HTTP answers, server-sent
   * events, email, a phase's outside call) waits for this first, so it never shows or acts
   * on a commit a power cut could still take back. PostgreSQL syncs inside COMMIT: there it
   * resolves at once.
   */
  durable(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL error codes worth running the transaction again for. */
const RETRYABLE_PG_CODES: Record<string, string> = {
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
};

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in RETRYABLE_PG_CODES;
}

export function makeTx(k: Kysely<DB>, attempts = 5, durable?: () => Promise<void>) {
  return async function tx<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        let opened: Transaction<DB> | null = null;
        try {
          const result = await k.transaction().execute(async (trx) => {
            opened = trx;
            beginCollecting(trx);
            const r = await fn(trx);
            // Deferred per-org work (audit chain, flow-control admission) goes last, just before COMMIT.
            await flushBeforeCommit(trx);
            return r;
          });
          if (durable) await durable();
          await runAfterCommit(opened!, k);
          return result;
        } catch (err) {
          if (opened) dropAfterCommit(opened);
          throw err;
        }
      } catch (err) {
        if (attempt >= attempts || !isRetryable(err)) throw err;
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
      }
    }
  };
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
