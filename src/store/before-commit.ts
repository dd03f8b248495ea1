/**
 * Work a transaction collects as it goes and does once, just before it commits: the audit
 * events of every transition in it (one chain-head read and one multi-row insert per org) and
 * flow-control admission (once per org that freed a slot or parked a run). Neither takes an
 * org-wide lock: PostgreSQL's audit events are chained after the commit (audit/log.ts), and
 * admission locks only the free slot rows and parked jobs it hands over, skipping any that
 * another transaction holds (runtime/flow-control.ts). Under group commit one batch of
 * transitions does it once for all of them.
 *
 * Entries are kept per transaction, in order. Group commit runs each unit in a savepoint and
 * rewinds the list when it rolls a unit back (`mark`/`rewind`), so a failed unit's events
 * and admissions vanish with its writes. Every transaction opened through `Database.tx` or
 * `txAlone` runs `flushBeforeCommit` after its function returns; an executor that is not such a
 * transaction has no list, and `defer` tells its caller to do the work at once.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';
import type { Executor } from './db.js';
import { txForget } from './tx-cache.js';

export interface Flusher<E> {
  /** Lower runs first: admission before the audit events (last). */
  order: number;
  flush(trx: Transaction<DB>, entries: E[]): Promise<void>;
}

interface Entry {
  kind: string;
  value: unknown;
}

/** Work for after the commit, keyed so it is done once per transaction (e.g. "audit:<org>"). */
export type AfterCommit = (k: Kysely<DB>) => Promise<void>;

const open = new WeakMap<object, Entry[]>();
const after = new WeakMap<object, Map<string, AfterCommit>>();
const flushers = new Map<string, Flusher<unknown>>();

/** Registers what to do before commit with the entries of one kind (once, at module load). */
export function registerFlusher<E>(kind: string, f: Flusher<E>): void {
  flushers.set(kind, f as Flusher<unknown>);
}

/** Adds an entry to the transaction's list; false when `q` is no collecting transaction (do it now). */
export function defer(q: Executor, kind: string, value: unknown): boolean {
  const list = open.get(q);
  if (!list) return false;
  list.push({ kind, value });
  return true;
}

/** Starts collecting for a transaction (called by the store as the transaction opens). */
export function beginCollecting(trx: Transaction<DB>): void {
  open.set(trx, []);
  after.set(trx, new Map());
}

/** Asks for `fn` to run once the transaction has committed (once per key); false outside one. */
export function afterCommit(trx: Executor, key: string, fn: AfterCommit): boolean {
  const m = after.get(trx);
  if (!m) return false;
  if (!m.has(key)) m.set(key, fn);
  return true;
}

/**
 * Runs the transaction's after-commit work (called by the store once COMMIT succeeded). Its
 * failures are not the transaction's: what it does must be redone by something else too
 * (the audit sealer's sweep), so an error here is dropped.
 */
export async function runAfterCommit(trx: Transaction<DB>, k: Kysely<DB>): Promise<void> {
  const m = after.get(trx);
  after.delete(trx);
  if (!m?.size) return;
  for (const fn of m.values()) await fn(k).catch(() => {});
}

/** Forgets the after-commit work of a transaction that rolled back. */
export function dropAfterCommit(trx: Transaction<DB>): void {
  after.delete(trx);
}

/** How many entries the transaction holds now (before a savepoint). */
export function mark(trx: Transaction<DB>): number {
  return open.get(trx)?.length ?? 0;
}

/** Drops the entries added since `at` (after rolling back to a savepoint). */
export function rewind(trx: Transaction<DB>, at: number): void {
  // What the transaction cached may have come from the unit's own writes, now gone.
  txForget(trx);
  const list = open.get(trx);
  if (list && list.length > at) list.length = at;
}

/** Runs every flusher, in order, over the transaction's entries; the last step before COMMIT. */
export async function flushBeforeCommit(trx: Transaction<DB>): Promise<void> {
  const list = open.get(trx);
  open.delete(trx);
  if (!list?.length) return;
  const byKind = new Map<string, unknown[]>();
  for (const e of list) {
    const l = byKind.get(e.kind);
    if (l) l.push(e.value);
    else byKind.set(e.kind, [e.value]);
  }
  const kinds = [...byKind.keys()].sort((a, b) => (flushers.get(a)?.order ?? 0) - (flushers.get(b)?.order ?? 0));
  for (const kind of kinds) {
    const f = flushers.get(kind);
    if (!f) throw new Error(`no flusher registered for ${kind}`);
    await f.flush(trx, byKind.get(kind)!);
  }
}
