/**
 * Reading a run into the core's RunState and writing a decided state back. Every write is
 * guarded by the state it was computed from: the run row by its `rev`, each phase execution
 * by its previous status. A zero row count is a lost race and aborts the transaction.
 */
import type { Transaction } from 'kysely';
import type { PhaseExec, RunState } from '../core/decide.js';
import { IllegalStateError } from '../core/errors.js';
import type { PhaseStatus, RunOutcome, RunStatus, WaitingFor } from '../core/states.js';
import type { Executor } from '../store/db.js';
import type { DB, PhaseExecutionsTable, RunsTable } from '../store/schema.js';

export type RunRow = RunsTable;

export class LostRaceError extends IllegalStateError {
  constructor(what: string) {
    super(`Another transition changed ${what} first; the decision was not applied.`);
  }
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (s: string | null) => (s === null ? null : JSON.parse(s));

export function execFromRow(r: PhaseExecutionsTable): PhaseExec {
  return {
    id: r.id,
    phaseId: r.phase_id,
    index: r.phase_index,
    type: r.type,
    attempt: r.attempt,
    status: r.status as PhaseStatus,
    input: parse(r.input),
    output: parse(r.output),
    error: parse(r.error),
    waitingFor: r.waiting_for as WaitingFor | null,
    wakeAt: r.wake_at,
    skippedBy: r.skipped_by,
    skipReason: r.skip_reason,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

function execToRow(runId: string, p: PhaseExec): PhaseExecutionsTable {
  return {
    id: p.id,
    run_id: runId,
    phase_id: p.phaseId,
    phase_index: p.index,
    type: p.type,
    attempt: p.attempt,
    status: p.status,
    input: json(p.input),
    output: json(p.output),
    error: json(p.error),
    waiting_for: p.waitingFor,
    wake_at: p.wakeAt,
    skipped_by: p.skippedBy,
    skip_reason: p.skipReason,
    started_at: p.startedAt,
    ended_at: p.endedAt,
  };
}

export function stateFromRows(run: RunRow, execs: PhaseExecutionsTable[]): RunState {
  return {
    id: run.id,
    status: run.status as RunStatus,
    outcome: run.outcome as RunOutcome | null,
    currentPhaseId: run.current_phase_id,
    waitingFor: run.waiting_for as WaitingFor | null,
    error: parse(run.error),
    targetVersionSeen: run.target_version_seen,
    startedAt: run.started_at,
    endedAt: run.ended_at,
    phases: execs.map(execFromRow),
  };
}

export async function loadRun(db: Executor, runId: string): Promise<{ row: RunRow; state: RunState } | null> {
  const row = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!row) return null;
  const execs = await db.selectFrom('phase_executions').selectAll().where('run_id', '=', runId).orderBy('id').execute();
  return { row, state: stateFromRows(row, execs) };
}

/** Writes `next` over `prev` for run `row`, guarded; returns the new rev. */
export async function saveRunState(trx: Transaction<DB>, row: RunRow, prev: RunState, next: RunState, now: number): Promise<number> {
  const res = await trx
    .updateTable('runs')
    .set({
      status: next.status,
      outcome: next.outcome,
      current_phase_id: next.currentPhaseId,
      waiting_for: next.waitingFor,
      error: json(next.error),
      target_version_seen: next.targetVersionSeen,
      started_at: next.startedAt,
      ended_at: next.endedAt,
      updated_at: now,
      rev: row.rev + 1,
    })
    .where('id', '=', row.id)
    .where('rev', '=', row.rev)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw new LostRaceError(`run ${row.id}`);

  const before = new Map(prev.phases.map((p) => [p.id, p]));
  const inserts: PhaseExecutionsTable[] = [];
  for (const p of next.phases) {
    const old = before.get(p.id);
    if (!old) {
      inserts.push(execToRow(row.id, p));
      continue;
    }
    const oldRow = execToRow(row.id, old);
    const newRow = execToRow(row.id, p);
    if (JSON.stringify(oldRow) === JSON.stringify(newRow)) continue;
    const r = await trx
      .updateTable('phase_executions')
      .set({
        status: newRow.status,
        input: newRow.input,
        output: newRow.output,
        error: newRow.error,
        waiting_for: newRow.waiting_for,
        wake_at: newRow.wake_at,
        skipped_by: newRow.skipped_by,
        skip_reason: newRow.skip_reason,
        ended_at: newRow.ended_at,
      })
      .where('id', '=', p.id)
      .where('status', '=', old.status)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new LostRaceError(`phase execution ${p.id}`);
  }
  if (inserts.length) await trx.insertInto('phase_executions').values(inserts).execute();
  return row.rev + 1;
}
