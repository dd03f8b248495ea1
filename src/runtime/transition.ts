/**
 * Applies one event to one run inside a transaction: read the run (locked on PostgreSQL),
 * `decide()`, write the new state guarded by the old one, turn commands into job rows, and
 * append the audit events — all in the caller's transaction. Effects that must wait for the
 * commit (aborting a running phase, waking workers) are returned as `afterCommit`.
 */
import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/log.js';
import { decide, type Decision, type RunEvent, type RunState } from '../core/decide.js';
import type { Phase } from '../definitions/index.js';
import type { Database, Executor } from '../store/db.js';
import { newId } from '../store/ids.js';
import { rows } from '../store/statements.js';
import type { PhaseExecutionsTable } from '../store/schema.js';
import { versionDefinition } from '../store/workflows.js';
import type { DB } from '../store/schema.js';
import { completeJob, enqueueJobs, LeaseLostError, type Job, type NewJob } from './jobs.js';
import { loadRun, saveRunState, stateFromRows, type RunRow } from './run-store.js';
import { needsSlot, PARKED, releaseSlot, requestAdmission, takeSlot } from './flow-control.js';

export interface Applied {
  /** The type of the event applied (or refused). */
  event: RunEvent['type'];
  decision: Decision;
  row: RunRow;
  state: RunState;
  /** Execution ids whose running handler must be aborted once this commits. */
  aborts: string[];
  /** True when due jobs were enqueued: idle workers should be woken after the commit. */
  wake: boolean;
  /** True when flow control held the run (decide's `held`) instead of applying the event. */
  parked: boolean;
  /** An execution to run now in this transaction instead of through a job (ApplyOptions.inline). */
  inline: string | null;
  /** When the transition was stamped (the run's new updated_at when it applied). */
  at: number;
  /** The state the event was applied to. */
  prev: RunState;
  /** True when the new state is not written yet (ApplyOptions.defer): saveDeferred writes it. */
  deferred: boolean;
}

/** The phases of a workflow version (parsed once per process; see versionDefinition). */
export async function versionPhases(db: Executor, workflowId: string, version: number): Promise<Phase[]> {
  return (await versionDefinition(db, workflowId, version)).phases as Phase[];
}

export function actorOf(event: RunEvent): string {
  return 'by' in event && event.by ? event.by : 'system';
}

/** The run's row as an applied transition left it (Applied.row is the row it read, with the new rev). */
export function rowAfter(a: Applied): RunRow {
  const next = a.state;
  return {
    ...a.row,
    status: next.status,
    outcome: next.outcome,
    current_phase_id: next.currentPhaseId,
    waiting_for: next.waitingFor,
    error: next.error == null ? null : JSON.stringify(next.error),
    target_version_seen: next.targetVersionSeen,
    started_at: next.startedAt,
    ended_at: next.endedAt,
    deleted_at: next.deletedAt,
    updated_at: a.at,
  };
}

export interface ApplyOptions {
  /** The resume job being run, when flow control admitted this run. */
  resumeJobId?: string;
  /** The run as this transaction already read it, locked (lockAndLoadRun): not read again. */
  loaded?: { row: RunRow; state: RunState } | null;
  /**
   * Says whether the one phase this transition starts (of that type) runs in this same
   * transaction; then no job is queued for it and `Applied.inline` names it.
   */
  inline?: (phaseType: string) => boolean;
  /**
   * Leaves the run's row and executions unwritten: the caller applies more events to the
   * state in memory and writes the last one with `saveDeferred`, once. Everything else the
   * transition does (jobs, slots, links, audit) is written as usual.
   */
  defer?: boolean;
}

/** Locks the run's row (PostgreSQL) and reads it with its phase executions, in `trx`. */
export async function lockAndLoadRun(trx: Transaction<DB>, db: Database, runId: string): Promise<{ row: RunRow; state: RunState } | null> {
  if (db.dialect === 'sqlite') return loadRun(trx, runId);
  // One round trip locks the row and reads it with its executions. A locking read returns the
  // newest committed version of the row once the lock is granted, but the executions come from
  // the statement's snapshot, taken before any wait for the lock; `seen_rev` is the row's rev
  // in that snapshot. Every write of executions moves the rev (saveRunState), so when the two
  // revs agree the executions belong to the row returned; when they differ (the lock waited
  // for a transition that committed meanwhile), the executions are read again.
  const [found] = await rows<RunRow & { seen_rev: number | null; execs: PhaseExecutionsTable[] | null }>(
    trx,
    `SELECT r.*, (SELECT s.rev FROM runs s WHERE s.id = r.id) AS seen_rev,
       (SELECT json_agg(pe ORDER BY pe.id) FROM phase_executions pe WHERE pe.run_id = r.id) AS execs
     FROM runs r WHERE r.id = ? FOR NO KEY UPDATE OF r`,
    [runId],
  );
  if (!found) return null;
  const { seen_rev, execs, ...row } = found;
  const current = seen_rev === row.rev ? (execs ?? []) : await rows<PhaseExecutionsTable>(trx, 'SELECT * FROM phase_executions WHERE run_id = ? ORDER BY id', [runId]);
  return { row, state: stateFromRows(row, current) };
}

/**
 * Locks and reads a job's run and completes the job (the delete naming its fence;
 * LeaseLostError when another worker took it), as lockAndLoadRun then completeJob would: on
 * PostgreSQL in one round trip. The job goes before the event is applied: the event may delete
 * the run's jobs (a gate's cancel_timers), this one included.
 */
export async function completeJobAndLoadRun(trx: Transaction<DB>, db: Database, job: Job): Promise<{ row: RunRow; state: RunState } | null> {
  if (db.dialect === 'sqlite' || !job.run_id) {
    await completeJob(trx, job);
    return job.run_id ? lockAndLoadRun(trx, db, job.run_id) : null;
  }
  // The lock order of store/locks.ts holds inside the statement: the delete's condition reads
  // the locked run (an init plan, evaluated before the job row is deleted), so the run is
  // locked before the job. The left join keeps one row in the answer when the run is gone,
  // so the delete is always reported; the snapshot rule of lockAndLoadRun holds here too.
  const [found] = await rows<RunRow & { job_done: number | string; seen_rev: number | null; execs: PhaseExecutionsTable[] | null }>(
    trx,
    `WITH l AS (
       SELECT r.*, (SELECT s.rev FROM runs s WHERE s.id = r.id) AS seen_rev,
         (SELECT json_agg(pe ORDER BY pe.id) FROM phase_executions pe WHERE pe.run_id = r.id) AS execs
       FROM runs r WHERE r.id = ? FOR NO KEY UPDATE OF r),
     done AS (DELETE FROM jobs WHERE id = ? AND fence = ? AND (SELECT count(*) FROM l) >= 0 RETURNING 1)
     SELECT (SELECT count(*) FROM done) AS job_done, l.* FROM (SELECT 1) AS one LEFT JOIN l ON true`,
    [job.run_id, job.id, job.fence],
  );
  if (Number(found?.job_done) !== 1) throw new LeaseLostError(job.id);
  if (found!.id == null) return null;
  const { job_done: _done, seen_rev, execs, ...row } = found!;
  const current = seen_rev === row.rev ? (execs ?? []) : await rows<PhaseExecutionsTable>(trx, 'SELECT * FROM phase_executions WHERE run_id = ? ORDER BY id', [row.id]);
  return { row, state: stateFromRows(row, current) };
}

export async function applyEvent(trx: Transaction<DB>, db: Database, runId: string, event: RunEvent, at: number, opts: ApplyOptions = {}): Promise<Applied | null> {
  const loaded = opts.loaded !== undefined ? opts.loaded : await lockAndLoadRun(trx, db, runId);
  if (!loaded) return null;
  const { row, state } = loaded;
  // `at` was read before the lock was granted (or on another host's clock): never stamp a
  // transition before the one it follows, or a cancel could end a run before its last phase began.
  const now = Math.max(at, row.updated_at);
  const phases = await versionPhases(trx, row.workflow_id, row.workflow_version);
  let decision = decide(phases, state, event, { now, newId });
  if (!decision.ok) {
    // An admitted run whose held-back event no longer applies gives its slot back.
    if (opts.resumeJobId && (await releaseSlot(trx, row.org_id, runId))) await requestAdmission(trx, row.org_id, now);
    return { event: event.type, decision, row, state, aborts: [], wake: false, parked: false, inline: null, at: now, prev: state, deferred: false };
  }

  // Flow control: a run that would become active without a free slot is held instead, the
  // event kept for when a slot is given (decide's `held`). Manual retry and skip are not
  // held: they take a slot if one is free and go on regardless.
  let parked = false;
  if (state.status !== 'active' && decision.state.status === 'active') {
    const held = needsSlot(event);
    const got = await takeSlot(trx, row.org_id, runId, { queued: held && !opts.resumeJobId, admitted: !!opts.resumeJobId });
    if (!got && held) {
      decision = decide(phases, state, { type: 'held', event }, { now, newId });
      if (!decision.ok) throw new Error(`holding run ${runId} failed: ${decision.message}`);
      parked = true;
    }
  }
  const rev = opts.defer ? row.rev : await saveRunState(trx, row, state, decision.state, now);
  const jobs: NewJob[] = [];
  const aborts: string[] = [];
  const executes = decision.commands.filter((c) => c.type === 'execute');
  let inline: string | null = null;
  for (const c of decision.commands) {
    switch (c.type) {
      case 'execute':
        if (executes.length === 1 && opts.inline?.(c.phaseType)) {
          inline = c.executionId;
          break;
        }
        jobs.push({ kind: 'phase.execute', orgId: row.org_id, runId, executionId: c.executionId, dueAt: now });
        break;
      case 'schedule_timer':
        jobs.push({ kind: 'timer', orgId: row.org_id, runId, executionId: c.executionId, dueAt: c.dueAt });
        break;
      case 'cancel_timers':
        // Timers, and the resume job of a run parked by flow control.
        await trx.deleteFrom('jobs').where('run_id', '=', runId).where('kind', 'in', ['timer', 'resume']).execute();
        break;
      case 'abort':
        // A queued execute job for it is dropped when claimed (its execution is no longer running).
        aborts.push(c.executionId);
        break;
      case 'close_links':
        // Approval links die with their gate; share links (view and comment) live until they expire.
        await trx.updateTable('guest_links').set({ closed_at: now }).where('run_id', '=', runId).where('kind', '=', 'approval').where('closed_at', 'is', null).execute();
        break;
      case 'park':
        // Due "never" until admission hands the run a slot; a slot freed by a transaction that
        // could not see this park yet is handed over by the admission requested here.
        jobs.push({ kind: 'resume', orgId: row.org_id, runId, payload: { event: c.event }, dueAt: PARKED });
        await requestAdmission(trx, row.org_id, now);
        break;
      default: {
        const never: never = c;
        throw new Error(`unknown command ${(never as { type: string }).type}`);
      }
    }
  }
  await enqueueJobs(trx, jobs, now);
  // A run leaving `active` (or a parked run that ends, its resume job deleted above) frees
  // its slot for a parked one; admission happens once per org just before the commit.
  let admits = false;
  if (!parked && decision.state.status !== 'active' && (state.status === 'active' || row.waiting_for === 'flow_control')) {
    admits = (await releaseSlot(trx, row.org_id, runId)) > 0;
    if (admits) await requestAdmission(trx, row.org_id, now);
  }
  const actor = actorOf(event);
  await appendAudit(
    trx,
    db.dialect,
    decision.audit.map((a) => ({ orgId: row.org_id, actor, action: a.action, subject: `run:${runId}`, runId, data: a.data, at: now })),
  );
  return {
    event: parked ? 'held' : event.type,
    decision,
    row: { ...row, rev },
    state: decision.state,
    aborts,
    wake: admits || jobs.some((j) => j.dueAt <= now),
    parked,
    inline,
    at: now,
    prev: state,
    deferred: Boolean(opts.defer),
  };
}

/**
 * Writes the state of `last`, the newest of deferred transitions of one run applied one after
 * another to the state in memory, over what `first` (the oldest) read: one guarded write of
 * the row and one of its executions for the whole sequence. Returns the new rev.
 */
export async function saveDeferred(trx: Transaction<DB>, first: Applied, last: Applied): Promise<number> {
  return saveRunState(trx, first.row, first.prev, last.state, last.at);
}
