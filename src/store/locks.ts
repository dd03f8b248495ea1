/**
 * Every explicit lock the engine takes, in one place. On SQLite there is one writer and
 * these are no-ops; on PostgreSQL they are row locks or transaction-scoped advisory locks,
 * all released at COMMIT or ROLLBACK.
 *
 * Lock order (a transaction that takes several takes them in this order, so two never wait
 * for each other in a cycle):
 *
 * 1. a workflow row (`lockWorkflow`: schedule writers);
 * 2. a bulk operation row (`lockBulkOperation`);
 * 3. run rows, in id order when several (`lockRuns`; one run is locked together with its
 *    read by `lockAndLoadRun` in src/runtime/transition.ts, and before its job's row by
 *    `completeJobAndLoadRun`, which does both in one statement);
 * 4. job rows (claiming with SKIP LOCKED, completing by fence: src/runtime/jobs.ts);
 * 5. slot rows (claim, release and admission with SKIP LOCKED: src/runtime/flow-control.ts);
 * 6. an org's audit chain (`lockAuditChain`), taken only by the sealer, in a transaction of
 *    its own after the commit of the events it chains, or by the rare direct chaining of
 *    events at the end of a transaction (src/audit/log.ts).
 *
 * No lock covers a whole org across a transition's statements: flow control uses slot rows
 * and the audit chain is sealed after commit.
 */
import { sql } from 'kysely';
import type { Executor } from './db.js';
import { dialectOf } from './dialect.js';

const postgres = (q: Executor) => dialectOf(q) === 'postgres';

/** Locks a workflow's row against other writers of its schedule (NO KEY UPDATE: runs being created still reference it). */
export async function lockWorkflow(q: Executor, workflowId: string): Promise<void> {
  if (postgres(q)) await sql`SELECT id FROM workflows WHERE id = ${workflowId} FOR NO KEY UPDATE`.execute(q);
}

/** Locks a bulk operation's row: one batch of it at a time. */
export async function lockBulkOperation(q: Executor, operationId: string): Promise<void> {
  if (postgres(q)) await sql`SELECT id FROM bulk_operations WHERE id = ${operationId} FOR UPDATE`.execute(q);
}

/** Locks runs' rows in id order, all before the first is changed. */
export async function lockRuns(q: Executor, runIds: readonly string[]): Promise<void> {
  if (!runIds.length || !postgres(q)) return;
  const ids = [...runIds].sort();
  await sql`SELECT id FROM runs WHERE id IN (${sql.join(ids)}) ORDER BY id FOR NO KEY UPDATE`.execute(q);
}

/**
 * Takes an org's audit-chain lock; with `wait: false` only if it is free at once (returns
 * whether it was taken). SQLite: always taken (one writer).
 */
export async function lockAuditChain(q: Executor, orgId: string, opts: { wait?: boolean } = {}): Promise<boolean> {
  if (!postgres(q)) return true;
  if (opts.wait === false) {
    const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${'audit:' + orgId})) AS ok`.execute(q);
    return Boolean(got.rows[0]?.ok);
  }
  await sql`SELECT pg_advisory_xact_lock(hashtext(${'audit:' + orgId}))`.execute(q);
  return true;
}
