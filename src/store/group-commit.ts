/**
 * Group commit: the transitions a worker has ready at the same moment share one transaction,
 * so they share one commit (one fsync on SQLite, one WAL flush on PostgreSQL) and, when they
 * belong to one org, one audit insert and one flow-control admission (before-commit.ts).
 *
 * Each submitted unit is a function of the transaction, exactly what it would run alone, and
 * each runs inside its own SAVEPOINT: a unit that throws is rolled back to its savepoint and
 * leaves the others untouched. Its guards are its own (a run's `rev`, a job's `fence`), so a
 * batch never lets one unit's write pass because another unit checked something. A unit that
 * failed for any reason but a lost lease is run again alone, in its own transaction, after the
 * batch commits: that gives it the exact outcome (and error) it would have had without
 * batching, and resolves a deadlock between two batches the usual way. If the batch's commit
 * itself fails, every unit runs again alone.
 *
 * A unit's promise settles only after the transaction that holds its writes has committed, so
 * whatever the caller does next (waking workers, aborting a phase, answering a request) sees
 * durable state. Nothing waits for a batch to fill: a unit submitted while no batch is open
 * starts one on the next turn of the event loop, and units that arrive while batches are
 * committing form the next batch. Under load the batches grow by themselves; when idle a unit
 * commits as fast as it would alone.
 */
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from './schema.js';
import { mark, rewind } from './before-commit.js';
import { dialectOf } from './dialect.js';

/** A transaction of its own: what a unit that runs alone (or a whole batch) is committed in. */
export type TxAlone = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => Promise<T>;

/** An error that is the unit's final outcome, not to be retried alone (a lost job lease). */
export function isFinalError(err: unknown): boolean {
  return Boolean(err && typeof err === 'object' && (err as { final?: unknown }).final === true);
}

type Unit<T> = (trx: Transaction<DB>) => Promise<T>;

interface Pending {
  fn: Unit<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most units in one transaction; 1 turns group commit off. */
  maxBatch: number;
  /** Transactions this committer may have open at once (SQLite has one writer anyway). */
  parallel: number;
  /** Units that must be waiting before a batch starts while another one is open (default 1). */
  parallelFrom?: number;
  logger?: Logger;
  /** Told of each commit as it is counted in stats(), e.g. to export them as metrics. */
  observer?: GroupCommitObserver;
  /**
   * When `txAlone` returns before its commit is durable (SQLite, see sqlite.ts): resolves once
   * it is. The next batch may start meanwhile; a unit's promise settles only after this.
   */
  durable?: () => Promise<void>;
}

export interface GroupCommitObserver {
  /** A transaction committed holding `units` units (1 for a unit that ran alone). */
  committed(units: number): void;
  /** A unit failed inside a batch and is about to run again alone. */
  ranAlone(): void;
}

export interface GroupCommitStats {
  /** Transactions committed (batches and units run alone). */
  commits: number;
  /** Units committed. */
  units: number;
  /** Units that failed inside a batch and ran again alone. */
  ranAlone: number;
  /** Largest batch so far. */
  largest: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private open = 0;
  private scheduled = false;
  private readonly counters: GroupCommitStats = { commits: 0, units: 0, ranAlone: 0, largest: 0 };

  constructor(
    private readonly txAlone: TxAlone,
    private readonly o: GroupCommitOptions,
  ) {}

  /** Who is told of commits from now on (a process's metrics), and where failed batches are logged. */
  observe(observer: GroupCommitObserver | undefined, logger?: Logger) {
    this.o.observer = observer;
    if (logger) this.o.logger = logger;
  }

  /** Runs `fn` in a transaction shared with other units; resolves once that transaction committed. */
  run<T>(fn: Unit<T>): Promise<T> {
    if (this.o.maxBatch <= 1) return this.alone(fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  private schedule() {
    if (this.scheduled || this.open >= this.o.parallel || this.queue.length === 0) return;
    // While a batch is open, a further one starts only for a queue worth it: units that
    // trickle in wait for the open batch to finish and then share the next commit, instead
    // of each taking a transaction (and its round trips) of its own.
    if (this.open > 0 && this.queue.length < (this.o.parallelFrom ?? 1)) return;
    this.scheduled = true;
    // One turn of the event loop lets the other jobs that are ready now join this batch.
    setImmediate(() => {
      this.scheduled = false;
      // What is ready now is shared out over the transactions that may open: on PostgreSQL
      // each batch's statements are round trips in order on one connection, so two half
      // batches on two connections finish sooner than one whole batch on one.
      // A batch that opens beside another takes at least `parallelFrom` units.
      const from = this.o.parallelFrom ?? 1;
      const share = Math.min(this.o.maxBatch, Math.max(from, Math.ceil(this.queue.length / Math.max(1, this.o.parallel - this.open))));
      while (this.open < this.o.parallel && this.queue.length > 0 && (this.open === 0 || this.queue.length >= from)) {
        const batch = this.queue.splice(0, share);
        this.open++;
        // The slot is given back once the batch's transaction is over (committed or not),
        // before its commit is durable: the next batch need not wait for the disk.
        let held = true;
        const release = () => {
          if (!held) return;
          held = false;
          this.open--;
          this.schedule();
        };
        void this.commit(batch, release).finally(release);
      }
    });
  }

  private async alone<T>(fn: Unit<T>, release?: () => void): Promise<T> {
    let result: T;
    try {
      result = await this.txAlone(fn);
    } finally {
      release?.();
    }
    await this.o.durable?.();
    this.counters.commits++;
    this.counters.units++;
    this.o.observer?.committed(1);
    return result;
  }

  private async commit(batch: Pending[], release: () => void): Promise<void> {
    if (batch.length === 1) {
      const [p] = batch as [Pending];
      await this.alone(p.fn, release).then(p.resolve, p.reject);
      return;
    }
    type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
    let outcomes: Outcome[];
    try {
      outcomes = await this.txAlone(async (trx) => {
        const out: Outcome[] = [];
        // On PostgreSQL each statement is a round trip: a unit's RELEASE and the next unit's
        // SAVEPOINT go together as one simple query (two statements, no parameters).
        const pg = dialectOf(trx) === 'postgres';
        let opened = false;
        for (const [i, p] of batch.entries()) {
          const name = `unit_${i}`;
          if (!opened) await sql`SAVEPOINT ${sql.id(name)}`.execute(trx);
          opened = false;
          const deferred = mark(trx);
          const last = i === batch.length - 1;
          const then = (done: string) => {
            if (pg && !last) {
              opened = true;
              return sql.raw(`${done}; SAVEPOINT "unit_${i + 1}"`).execute(trx);
            }
            return sql.raw(done).execute(trx);
          };
          try {
            out.push({ ok: true, value: await p.fn(trx) });
            await then(`RELEASE SAVEPOINT "${name}"`);
          } catch (error) {
            await sql`ROLLBACK TO SAVEPOINT ${sql.id(name)}`.execute(trx);
            rewind(trx, deferred);
            await then(`RELEASE SAVEPOINT "${name}"`);
            out.push({ ok: false, error });
          }
        }
        return out;
      });
    } catch (err) {
      // The batch did not commit (its commit failed, or the connection went): nothing of it
      // is stored, so each unit runs again on its own.
      release();
      this.o.logger?.warn({ err, units: batch.length }, 'group commit failed; running its units one by one');
      await Promise.all(batch.map((p) => this.retryAlone(p)));
      return;
    }
    release();
    await this.o.durable?.();
    const committed = outcomes.filter((o) => o.ok).length;
    this.counters.commits++;
    this.counters.units += committed;
    this.counters.largest = Math.max(this.counters.largest, batch.length);
    this.o.observer?.committed(committed);
    const again: Promise<void>[] = [];
    for (const [i, p] of batch.entries()) {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else if (isFinalError(o.error)) p.reject(o.error);
      else again.push(this.retryAlone(p));
    }
    await Promise.all(again);
  }

  private retryAlone(p: Pending): Promise<void> {
    this.counters.ranAlone++;
    this.o.observer?.ranAlone();
    return this.alone(p.fn).then(p.resolve, p.reject);
  }
}
