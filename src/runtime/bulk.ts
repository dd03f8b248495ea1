/**
 * Bulk cancel and bulk delete (docs/REQUIREMENTS.md section 11). An operation is a `bulk_operations` row
 * plus one `bulk` job; each execution of that job handles ONE batch of runs, in id order
 * after the row's keyset cursor, and in the same transaction saves its progress, records
 * its audit events and enqueues the job for the next batch. A crash loses nothing and
 * repeats nothing: the batch either committed with its cursor, or the job (lease expired)
 * runs it again from the saved cursor.
 *
 * The selection is recomputed from the stored filter on every batch, bounded to what was
 * counted when the user confirmed: runs with an id up to the largest one counted
 * (`up_to_run_id`), in the spaces the requester could write in, and — for delete — runs
 * that had already finished at that time. A run that left the selection meanwhile (it
 * finished on its own, someone deleted it) is simply not touched.
 *
 * Cancel goes through the core's guarded transition (`applyEvent`), one `run.cancelled`
 * audit event per run, by the requester. Delete hides finished runs (`deleted_at`, rev
 * bumped) with one `run.deleted` event per run; it never cancels anything.
 */
import { lockBulkOperation, lockRuns } from '../store/locks.js';
import { sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { appendAudit } from '../audit/log.js';
import { TERMINAL_RUN_STATUSES, type RunStatus } from '../core/states.js';
import type { Database, Executor } from '../store/db.js';
import type { Dialect } from '../store/migrations.js';
import type { BulkOperationsTable, DB } from '../store/schema.js';
import { completeJob, enqueueJobs, LeaseLostError, type Job } from './jobs.js';
import type { Notifier } from './notifier.js';
import { applyEvent, type Applied } from './transition.js';
import type { Metrics } from '../observability/metrics.js';

export type BulkAction = 'cancel' | 'delete';

export interface BulkFilter {
  workflowId?: string;
  status?: RunStatus;
  spaceId?: string;
}

/** What the caller asked for: a list of run ids, a filter, or both (runs in the list that match). */
export interface BulkSelection {
  ids?: string[];
  filter?: BulkFilter;
}

/** Who may be touched: the org, the requester's writable spaces, and the bounds fixed at counting time. */
export interface BulkScope {
  orgId: string;
  action: BulkAction;
  spaceIds: string[];
  /** The largest run id counted; undefined while counting, null when nothing matched. */
  upTo?: string | null;
  /** When the selection was counted (delete touches only runs that had finished by then). */
  countedAt: number;
}

/** Runs handled per job execution (one transaction). */
export const BULK_BATCH = 200;
/** Pause between batches (real time, whatever the engine's clock says). */
const BATCH_PAUSE_MS = 5;
/** A batch that keeps failing (a database error, a bug) fails its operation after this many tries. */
const MAX_BATCH_ATTEMPTS = 5;
const UNFINISHED: RunStatus[] = ['triggered', 'active', 'waiting'];

/** The runs of `sel` this action may touch, as a query the caller finishes (select, order, limit). */
function selectRuns(q: Executor, scope: BulkScope, sel: BulkSelection, extra: { after?: string | null; ids?: string[] } = {}) {
  let query = q
    .selectFrom('runs')
    .where('org_id', '=', scope.orgId)
    .where('deleted_at', 'is', null)
    .where('space_id', 'in', scope.spaceIds);
  if (scope.action === 'cancel') query = query.where('status', 'in', UNFINISHED);
  else query = query.where('status', 'in', [...TERMINAL_RUN_STATUSES]).where('ended_at', '<=', scope.countedAt);
  const f = sel.filter ?? {};
  if (f.workflowId) query = query.where('workflow_id', '=', f.workflowId);
  if (f.spaceId) query = query.where('space_id', '=', f.spaceId);
  if (f.status) query = query.where('status', '=', f.status);
  const ids = extra.ids ?? sel.ids;
  if (ids) query = query.where('id', 'in', ids);
  if (scope.upTo !== undefined) {
    if (scope.upTo === null) query = query.where(sql<boolean>`1 = 0`);
    else query = query.where('id', '<=', scope.upTo);
  }
  if (extra.after) query = query.where('id', '>', extra.after);
  return query;
}

/** How many runs the operation would touch now, and the largest of their ids (its upper bound). */
export async function countSelection(q: Executor, scope: BulkScope, sel: BulkSelection): Promise<{ count: number; upTo: string | null }> {
  if (!scope.spaceIds.length || (sel.ids && !sel.ids.length)) return { count: 0, upTo: null };
  const row = await selectRuns(q, scope, sel)
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('id').as('up_to')])
    .executeTakeFirst();
  return { count: Number(row?.n ?? 0), upTo: (row?.up_to as string | null | undefined) ?? null };
}

export interface NewBulkOperation {
  id: string;
  orgId: string;
  action: BulkAction;
  selection: BulkSelection;
  spaceIds: string[];
  upTo: string | null;
  countedAt: number;
  requestedBy: string;
  total: number;
  confirmHash: string;
}

/**
 * Records a confirmed operation, its first job (due now) and its `runs.bulk_requested`
 * audit event, in the caller's transaction. A second insert with the same confirm hash
 * violates the UNIQUE constraint: the caller answers with the operation already recorded.
 */
export async function startBulkOperation(trx: Transaction<DB>, dialect: Dialect, o: NewBulkOperation, now: number): Promise<void> {
  await trx
    .insertInto('bulk_operations')
    .values({
      id: o.id,
      org_id: o.orgId,
      action: o.action,
      filter: JSON.stringify(o.selection),
      space_ids: JSON.stringify(o.spaceIds),
      up_to_run_id: o.upTo,
      counted_at: o.countedAt,
      requested_by: o.requestedBy,
      status: 'running',
      total: o.total,
      done: 0,
      changed: 0,
      last_run_id: null,
      confirm_hash: o.confirmHash,
      error: null,
      created_at: now,
      finished_at: null,
    })
    .execute();
  await enqueueJobs(trx, [{ kind: 'bulk', orgId: o.orgId, runId: null, payload: { operationId: o.id }, dueAt: now }], now);
  await appendAudit(trx, dialect, {
    orgId: o.orgId,
    actor: `user:${o.requestedBy}`,
    action: 'runs.bulk_requested',
    subject: `bulk:${o.id}`,
    data: { operationId: o.id, action: o.action, ids: o.selection.ids ?? null, filter: o.selection.filter ?? null, count: o.total },
    at: now,
  });
}

/** The operation as `GET /api/jobs/{id}` shows it. */
export function bulkJobView(op: BulkOperationsTable) {
  const sel = JSON.parse(op.filter) as BulkSelection;
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: op.id,
    kind: 'bulk' as const,
    action: op.action as BulkAction,
    status: op.status as 'running' | 'done' | 'failed',
    done: op.done,
    total: op.total,
    changed: op.changed,
    filter: sel.filter ?? null,
    idCount: sel.ids ? sel.ids.length : null,
    requestedBy: op.requested_by,
    error: op.error,
    createdAt: iso(op.created_at)!,
    finishedAt: iso(op.finished_at),
  };
}

export interface BulkDeps {
  db: Database;
  now: () => number;
  notifier: Notifier;
  logger: Logger;
  /** Aborts a phase handler running in this process (a cancelled run's executing phase). */
  abort: (executionId: string) => void;
  /** Runs per batch; BULK_BATCH unless a test says otherwise. */
  batchSize?: number;
  /** Counts the cancels once their batch has committed. */
  metrics?: Metrics;
}

interface BatchResult {
  orgId: string | null;
  changedRuns: string[];
  aborts: string[];
  /** The cancels applied, for the metrics. */
  applied: Applied[];
  more: boolean;
}

/** The worker's entry point for a `bulk` job: one batch, committed with its progress and the next job. */
export async function runBulkJob(deps: BulkDeps, job: Job): Promise<void> {
  const { operationId } = JSON.parse(job.payload) as { operationId: string };
  // A short breath before each batch, so the server keeps answering while a big operation
  // runs: with SQLite every query is synchronous, and batch after batch (the next job is
  // claimed the moment this one commits) would hold the event loop until the end.
  await new Promise<void>((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
  let res: BatchResult;
  try {
    res = await deps.db.tx((trx) => processBatch(trx, deps, job, operationId));
  } catch (err) {
    if (err instanceof LeaseLostError || job.attempts < MAX_BATCH_ATTEMPTS) throw err;
    deps.logger.error({ err, job: job.id, operationId }, 'a bulk operation batch kept failing; failing the operation');
    await failOperation(deps, job, operationId, `A batch kept failing: ${(err as Error)?.message ?? err}`);
    return;
  }
  for (const a of res.applied) deps.metrics?.transition(a);
  for (const id of res.aborts) deps.abort(id);
  for (const runId of res.changedRuns) deps.notifier.runChanged(runId, res.orgId!);
  if (res.more || res.changedRuns.length) deps.notifier.jobsDue();
}

async function processBatch(trx: Transaction<DB>, deps: BulkDeps, job: Job, operationId: string): Promise<BatchResult> {
  const { db } = deps;
  const now = deps.now();
  const batchSize = deps.batchSize ?? BULK_BATCH;
  // First: once this transaction holds the job row, no other worker can claim it, and a
  // lease that already moved on aborts the batch before anything is written.
  await completeJob(trx, job);
  await lockBulkOperation(trx, operationId);
  const op = await trx.selectFrom('bulk_operations').selectAll().where('id', '=', operationId).executeTakeFirst();
  const idle: BatchResult = { orgId: op?.org_id ?? null, changedRuns: [], aborts: [], applied: [], more: false };
  if (!op || op.status !== 'running') return idle;

  const sel = JSON.parse(op.filter) as BulkSelection;
  const scope: BulkScope = { orgId: op.org_id, action: op.action as BulkAction, spaceIds: JSON.parse(op.space_ids), upTo: op.up_to_run_id, countedAt: op.counted_at };
  let rows: Array<{ id: string }>;
  let cursor: string | null;
  let more: boolean;
  if (sel.ids) {
    // A list: walk it in id order, one chunk of candidates per batch.
    const rest = [...new Set(sel.ids)].sort().filter((id) => op.last_run_id === null || id > op.last_run_id);
    const chunk = rest.slice(0, batchSize);
    rows = chunk.length && scope.spaceIds.length ? await selectRuns(trx, scope, sel, { ids: chunk }).select('id').orderBy('id').execute() : [];
    cursor = chunk.length ? chunk[chunk.length - 1]! : op.last_run_id;
    more = rest.length > chunk.length;
  } else {
    rows = scope.spaceIds.length ? await selectRuns(trx, scope, sel, { after: op.last_run_id }).select('id').orderBy('id').limit(batchSize).execute() : [];
    cursor = rows.length ? rows[rows.length - 1]!.id : op.last_run_id;
    more = rows.length === batchSize;
  }
  const ids = rows.map((r) => r.id);
  const actor = `user:${op.requested_by}`;
  const changedRuns: string[] = [];
  const aborts: string[] = [];
  const appliedCancels: Applied[] = [];

  if (ids.length) {
    // Lock the whole batch up front, in id order, before the first audit write takes the
    // org's audit lock: locking runs one by one after it would deadlock against a worker
    // that holds a run and waits for that lock.
    await lockRuns(trx, ids);
    if (scope.action === 'cancel') {
      for (const id of ids) {
        const applied = await applyEvent(trx, db, id, { type: 'cancel', by: actor, reason: `bulk operation ${op.id}` }, now);
        // Refused: it finished since it was selected. It counts as handled, not as changed.
        if (!applied || !applied.decision.ok) continue;
        changedRuns.push(id);
        aborts.push(...applied.aborts);
        appliedCancels.push(applied);
      }
    } else {
      for (const id of ids) {
        // Only runs that had finished when the operation was counted are selected; one that
        // is unfinished or deleted by now is refused by decide() and left alone.
        const applied = await applyEvent(trx, db, id, { type: 'delete', by: actor, bulkOperationId: op.id }, now);
        if (applied?.decision.ok) changedRuns.push(id);
      }
    }
  }

  const changed = op.changed + changedRuns.length;
  // Runs that left the selection meanwhile are handled too: when the walk ends, all `total` are.
  const done = more ? Math.min(op.total, op.done + ids.length) : op.total;
  await trx
    .updateTable('bulk_operations')
    .set({ done, changed, last_run_id: cursor, ...(more ? {} : { status: 'done', finished_at: now }) })
    .where('id', '=', op.id)
    .where('status', '=', 'running')
    .execute();
  if (more) {
    await enqueueJobs(trx, [{ kind: 'bulk', orgId: op.org_id, runId: null, payload: { operationId: op.id }, dueAt: now }], now);
  } else {
    await appendAudit(trx, db.dialect, {
      orgId: op.org_id,
      actor,
      action: 'runs.bulk_done',
      subject: `bulk:${op.id}`,
      data: { operationId: op.id, action: op.action, count: op.total, changed },
      at: now,
    });
  }
  return { orgId: op.org_id, changedRuns, aborts, applied: appliedCancels, more };
}

async function failOperation(deps: BulkDeps, job: Job, operationId: string, message: string) {
  const now = deps.now();
  await deps.db
    .tx(async (trx) => {
      await completeJob(trx, job);
      const op = await trx.selectFrom('bulk_operations').selectAll().where('id', '=', operationId).executeTakeFirst();
      if (!op || op.status !== 'running') return;
      await trx.updateTable('bulk_operations').set({ status: 'failed', error: message, finished_at: now }).where('id', '=', op.id).where('status', '=', 'running').execute();
      await appendAudit(trx, deps.db.dialect, {
        orgId: op.org_id,
        actor: 'system',
        action: 'runs.bulk_failed',
        subject: `bulk:${op.id}`,
        data: { operationId: op.id, action: op.action, count: op.total, done: op.done, changed: op.changed, error: message },
        at: now,
      });
    })
    .catch((err) => deps.logger.error({ err, operationId }, 'recording the failure of a bulk operation failed'));
}
