/**
 * Jobs are the work queue and the timers: a row with a kind, a run, and a `due_at`. Workers
 * claim due jobs in batches with a lease; each claim bumps `fence`, and a job is completed
 * only by a delete that names the fence it was claimed with, so a worker whose lease
 * expired (and whose job another worker took) writes nothing.
 */
import { sql, type Transaction } from 'kysely';
import type { Database, Executor } from '../store/db.js';
import { newId } from '../store/ids.js';
import { run, valuesList } from '../store/statements.js';
import type { DB, JobsTable } from '../store/schema.js';
import { IllegalStateError } from '../core/errors.js';

export type JobKind = 'run.start' | 'phase.execute' | 'timer' | 'bulk' | 'schedule' | 'resume';

export interface NewJob {
  kind: JobKind;
  orgId: string | null;
  runId: string | null;
  executionId?: string | null;
  payload?: Record<string, unknown>;
  dueAt: number;
}

export type Job = JobsTable;

export class LeaseLostError extends IllegalStateError {
  /** Final: group commit never runs the unit again alone (see isFinalError). */
  readonly final = true;
  constructor(jobId: string) {
    super(`The lease on job ${jobId} expired and another worker took it; this worker's result was discarded.`);
  }
}

const JOB_COLUMNS = 'id, kind, org_id, run_id, execution_id, payload, due_at, lease_owner, lease_until, fence, attempts, created_at';

export async function enqueueJobs(trx: Executor, jobs: NewJob[], now: number): Promise<void> {
  if (!jobs.length) return;
  const params: unknown[] = [];
  for (const j of jobs) params.push(newId(), j.kind, j.orgId, j.runId, j.executionId ?? null, JSON.stringify(j.payload ?? {}), j.dueAt, null, null, 0, 0, now);
  await run(trx, `INSERT INTO jobs (${JOB_COLUMNS}) VALUES ${valuesList(12, jobs.length)}`, params);
}

/** The claim: leases up to `limit` due jobs, oldest due first, skipping rows other workers hold. */
function claimStatement(db: Database, owner: string, now: number, leaseMs: number, limit: number) {
  const lockClause = db.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  return sql`
    UPDATE jobs SET lease_owner = ${owner}, lease_until = ${now + leaseMs}, fence = fence + 1, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM jobs
      WHERE due_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})
      ORDER BY due_at, id
      LIMIT ${limit}
      ${lockClause}
    )
    RETURNING *`;
}

const byDue = (a: Job, b: Job) => a.due_at - b.due_at || (a.id < b.id ? -1 : 1);

/** The earlier of a next due time and a next lease end, as the queries return them. */
function earliest(...times: Array<number | string | null | undefined>): number | null {
  const known = times.filter((t) => t != null).map(Number);
  return known.length ? Math.min(...known) : null;
}

/** Claims up to `limit` due jobs, oldest due first, skipping rows other workers hold. */
export async function claimJobs(db: Database, owner: string, now: number, leaseMs: number, limit: number): Promise<Job[]> {
  const res = await sql<Job>`${claimStatement(db, owner, now, leaseMs, limit)}`.execute(db.k);
  return res.rows.sort(byDue);
}

/**
 * Claims like claimJobs and, on PostgreSQL, also says when the next job becomes claimable
 * (nextDueAt), for the worker's sleep, in the same statement: one round trip instead of two,
 * which matters when several workers wake for every NOTIFY. The next-due times leave out
 * the jobs just claimed.
 */
export async function claimJobsAndNextDue(db: Database, owner: string, now: number, leaseMs: number, limit: number): Promise<{ jobs: Job[]; nextDue?: number | null }> {
  // SQLite (no writes inside WITH): local calls, and nextDueAt only when the worker is about to sleep.
  if (db.dialect !== 'postgres') return { jobs: await claimJobs(db, owner, now, leaseMs, limit) };
  const res = await sql<{ jobs: Job[] | null; free: number | string | null; leased: number | string | null }>`
    WITH c AS (${claimStatement(db, owner, now, leaseMs, limit)})
    SELECT (SELECT json_agg(c) FROM c) AS jobs,
      (SELECT min(due_at) FROM jobs WHERE lease_until IS NULL AND id NOT IN (SELECT id FROM c)) AS free,
      (SELECT min(lease_until) FROM jobs WHERE lease_until >= ${now} AND id NOT IN (SELECT id FROM c)) AS leased`.execute(db.k);
  const row = res.rows[0];
  return { jobs: (row?.jobs ?? []).sort(byDue), nextDue: earliest(row?.free, row?.leased) };
}

/** Deletes a finished job; throws LeaseLostError when its fence moved on (another worker has it). */
export async function completeJob(trx: Transaction<DB>, job: Job): Promise<void> {
  if ((await run(trx, 'DELETE FROM jobs WHERE id = ? AND fence = ?', [job.id, job.fence])) !== 1) throw new LeaseLostError(job.id);
}

/** Gives a job back to the queue (due again at `dueAt`), if this worker still holds it. */
export async function releaseJob(db: Executor, job: Job, dueAt: number): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ lease_owner: null, lease_until: null, due_at: dueAt })
    .where('id', '=', job.id)
    .where('fence', '=', job.fence)
    .execute();
}

export async function extendLease(db: Executor, job: Job, until: number): Promise<boolean> {
  const r = await db.updateTable('jobs').set({ lease_until: until }).where('id', '=', job.id).where('fence', '=', job.fence).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** When the next job becomes claimable: its due time, or the end of the lease someone holds on it. */
export async function nextDueAt(db: Executor, now: number): Promise<number | null> {
  // One statement (one round trip on PostgreSQL) for both times.
  const r = await sql<{ free: number | string | null; leased: number | string | null }>`
    SELECT (SELECT min(due_at) FROM jobs WHERE lease_until IS NULL) AS free,
           (SELECT min(lease_until) FROM jobs WHERE lease_until >= ${now}) AS leased`.execute(db);
  const row = r.rows[0];
  return earliest(row?.free, row?.leased);
}
