/**
 * Reading a run into the core's RunState and writing a decided state back. Every write is
 * guarded by the state it was computed from: the run row by its `rev`, each phase execution
 * by its previous status. A zero row count is a lost race and aborts the transaction.
 */
import { sql, type Transaction } from 'kysely';
import { dialectOf } from '../store/dialect.js';
import type { PhaseExec, RunState } from '../core/decide.js';
import { IllegalStateError } from '../core/errors.js';
import type { PhaseStatus, RunOutcome, RunStatus, WaitingFor } from '../core/states.js';
import type { Executor } from '../store/db.js';
import type { DB, PhaseExecutionsTable, RunsTable } from '../store/schema.js';
import { rows, run, valuesList } from '../store/statements.js';

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
    deletedAt: run.deleted_at,
    phases: execs.map(execFromRow),
  };
}

export async function loadRun(db: Executor, runId: string): Promise<{ row: RunRow; state: RunState } | null> {
  const [row] = await rows<RunRow>(db, 'SELECT * FROM runs WHERE id = ?', [runId]);
  if (!row) return null;
  const execs = await rows<PhaseExecutionsTable>(db, 'SELECT * FROM phase_executions WHERE run_id = ? ORDER BY id', [runId]);
  return { row, state: stateFromRows(row, execs) };
}

/** Writes `next` over `prev` for run `row`, guarded; returns the new rev. */
export async function saveRunState(trx: Transaction<DB>, row: RunRow, prev: RunState, next: RunState, now: number): Promise<number> {
  const before = new Map(prev.phases.map((p) => [p.id, p]));
  const inserts: PhaseExecutionsTable[] = [];
  const updates: Array<{ row: PhaseExecutionsTable; oldStatus: string }> = [];
  for (const p of next.phases) {
    const old = before.get(p.id);
    if (!old) {
      inserts.push(execToRow(row.id, p));
      continue;
    }
    const newRow = execToRow(row.id, p);
    if (JSON.stringify(execToRow(row.id, old)) !== JSON.stringify(newRow)) updates.push({ row: newRow, oldStatus: old.status });
  }
  if (dialectOf(trx) === 'postgres') return saveInOneStatement(trx, row, next, now, updates, inserts);
  const changed = await run(
    trx,
    `UPDATE runs SET status = ?, outcome = ?, current_phase_id = ?, waiting_for = ?, error = ?, target_version_seen = ?, started_at = ?, ended_at = ?, deleted_at = ?, updated_at = ?, rev = ?
     WHERE id = ? AND rev = ?`,
    [next.status, next.outcome, next.currentPhaseId, next.waitingFor, json(next.error), next.targetVersionSeen, next.startedAt, next.endedAt, next.deletedAt, now, row.rev + 1, row.id, row.rev],
  );
  if (changed !== 1) throw new LostRaceError(`run ${row.id}`);
  for (const { row: e, oldStatus } of updates) {
    const n = await run(
      trx,
      `UPDATE phase_executions SET status = ?, input = ?, output = ?, error = ?, waiting_for = ?, wake_at = ?, skipped_by = ?, skip_reason = ?, ended_at = ?
       WHERE id = ? AND status = ?`,
      [e.status, e.input, e.output, e.error, e.waiting_for, e.wake_at, e.skipped_by, e.skip_reason, e.ended_at, e.id, oldStatus],
    );
    if (n !== 1) throw new LostRaceError(`phase execution ${e.id}`);
  }
  if (inserts.length) {
    // An attempt of a phase that another transition started already is a lost race too.
    const params = inserts.flatMap((e) => EXEC_COLUMNS.map((c) => e[c]));
    const n = await run(trx, `INSERT INTO phase_executions (${EXEC_COLUMNS.join(', ')}) VALUES ${valuesList(EXEC_COLUMNS.length, inserts.length)} ON CONFLICT DO NOTHING`, params);
    if (n !== inserts.length) throw new LostRaceError(`run ${row.id}: a phase attempt it starts exists`);
  }
  return row.rev + 1;
}

const EXEC_COLUMNS = ['id', 'run_id', 'phase_id', 'phase_index', 'type', 'attempt', 'status', 'input', 'output', 'error', 'waiting_for', 'wake_at', 'skipped_by', 'skip_reason', 'started_at', 'ended_at'] as const;

/**
 * PostgreSQL: the same guarded writes as one statement (one round trip): data-modifying CTEs
 * for the run, each changed execution and the new ones, and the row counts of the guarded
 * ones. All parts run whatever the guards find; a guard that matched nothing throws
 * LostRaceError, which rolls the transaction (or the unit's savepoint) back with them.
 */
async function saveInOneStatement(
  trx: Transaction<DB>,
  row: RunRow,
  next: RunState,
  now: number,
  updates: Array<{ row: PhaseExecutionsTable; oldStatus: string }>,
  inserts: PhaseExecutionsTable[],
): Promise<number> {
  const ctes = [
    sql`r AS (UPDATE runs SET status = ${next.status}, outcome = ${next.outcome}, current_phase_id = ${next.currentPhaseId}, waiting_for = ${next.waitingFor},
      error = ${json(next.error)}, target_version_seen = ${next.targetVersionSeen}, started_at = ${next.startedAt}, ended_at = ${next.endedAt}, deleted_at = ${next.deletedAt}, updated_at = ${now}, rev = ${row.rev + 1}
      WHERE id = ${row.id} AND rev = ${row.rev} RETURNING 1)`,
    ...updates.map(
      ({ row: e, oldStatus }, i) =>
        sql`${sql.id(`e${i}`)} AS (UPDATE phase_executions SET status = ${e.status}, input = ${e.input}, output = ${e.output}, error = ${e.error}, waiting_for = ${e.waiting_for},
          wake_at = ${e.wake_at}, skipped_by = ${e.skipped_by}, skip_reason = ${e.skip_reason}, ended_at = ${e.ended_at}
          WHERE id = ${e.id} AND status = ${oldStatus} RETURNING 1)`,
    ),
  ];
  if (inserts.length) {
    const values = inserts.map((e) => sql`(${sql.join(EXEC_COLUMNS.map((c) => e[c]))})`);
    // A conflict (an attempt another transition started, e.g. from the same stale read) is a
    // lost race, reported as one below, not a unique violation.
    ctes.push(sql`ins AS (INSERT INTO phase_executions (${sql.join(EXEC_COLUMNS.map((c) => sql.id(c)))}) VALUES ${sql.join(values)} ON CONFLICT DO NOTHING RETURNING 1)`);
  }
  const counts = [sql`(SELECT count(*) FROM r) AS r`, ...updates.map((_, i) => sql`(SELECT count(*) FROM ${sql.id(`e${i}`)}) AS ${sql.id(`e${i}`)}`)];
  if (inserts.length) counts.push(sql`(SELECT count(*) FROM ins) AS ins`);
  const res = await sql<Record<string, number | string>>`WITH ${sql.join(ctes)} SELECT ${sql.join(counts)}`.execute(trx);
  const got = res.rows[0]!;
  if (Number(got.r) !== 1) throw new LostRaceError(`run ${row.id}`);
  updates.forEach(({ row: e }, i) => {
    if (Number(got[`e${i}`]) !== 1) throw new LostRaceError(`phase execution ${e.id}`);
  });
  if (inserts.length && Number(got.ins) !== inserts.length) throw new LostRaceError(`run ${row.id}: a phase attempt it starts exists`);
  return row.rev + 1;
}
