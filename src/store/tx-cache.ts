/**
 * Reads a transaction may reuse: a space's enabled workflows (for triggers), a space's people
 * (for notify), a target's row. Under group commit one transaction holds many units, so a
 * space's workflows and people are read once per batch instead of once or twice per run, and
 * a run's target once per inline chain instead of once per phase.
 *
 * What keeps an entry true:
 * - every write of what it caches, inside the transaction, goes through a function that
 *   forgets (or replaces) it: workflows (store/workflows.ts), space members and org
 *   memberships (the spaces and identity routes), targets (store/targets.ts). A new writer of
 *   those tables must forget the entries it changes;
 * - a unit rolled back to its savepoint clears the whole cache (before-commit.ts `rewind`),
 *   since its writes, and what it cached after them, are gone;
 * - writes of other transactions are as visible as they would be to reads made a little
 *   earlier in this one: a target row is re-read before a guarded write loses its race
 *   (editTarget), so a stale entry never lets a write through.
 *
 * Outside a transaction nothing is cached.
 */
import type { Executor } from './db.js';

const caches = new WeakMap<object, Map<string, Promise<unknown>>>();

/** The value under `key` in this transaction, loading it once. */
export function txCached<T>(q: Executor, key: string, load: () => Promise<T>): Promise<T> {
  if (!q.isTransaction) return load();
  let m = caches.get(q);
  if (!m) caches.set(q, (m = new Map()));
  let hit = m.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    m.set(key, hit);
    // A failed read is not kept.
    hit.catch(() => m!.delete(key));
  }
  return hit;
}

/** Replaces the value under `key` (after this transaction wrote it). */
export function txRemember<T>(q: Executor, key: string, value: T): void {
  if (!q.isTransaction) return;
  let m = caches.get(q);
  if (!m) caches.set(q, (m = new Map()));
  m.set(key, Promise.resolve(value));
}

/** Forgets the entries whose keys start with `prefix` (or all of them). */
export function txForget(q: Executor, prefix = ''): void {
  const m = caches.get(q);
  if (!m) return;
  if (!prefix) return m.clear();
  for (const key of [...m.keys()]) if (key.startsWith(prefix)) m.delete(key);
}
