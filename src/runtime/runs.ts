/**
 * Creating runs and presenting them. A run is created `triggered` with a `run.start` job in
 * the same transaction, so it starts exactly once even if the process dies right after.
 */
import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/log.js';
import type { Dialect } from '../store/migrations.js';
import { newId } from '../store/ids.js';
import type { DB, PhaseExecutionsTable } from '../store/schema.js';
import type { Executor } from '../store/db.js';
import { enqueueJobs } from './jobs.js';
import { run, valuesList } from '../store/statements.js';
import { execFromRow, type RunRow } from './run-store.js';
import { queuePositions } from './flow-control.js';

export interface NewRun {
  orgId: string;
  spaceId: string;
  workflowId: string;
  workflowVersion: number;
  target: { type: 'content' | 'task'; id: string; version: number } | null;
  trigger: Record<string, unknown>;
  input: unknown;
  startedBy: string | null;
  rerunOf?: string | null;
  eventKey?: string | null;
  actor: string;
}

export async function createRun(trx: Transaction<DB>, dialect: Dialect, r: NewRun, now: number): Promise<string> {
  return (await insertRun(trx, dialect, r, now)).id;
}

const RUN_COLUMNS = [
  'id', 'org_id', 'space_id', 'workflow_id', 'workflow_version', 'status', 'outcome', 'target_type', 'target_id', 'target_version_start', 'target_version_seen',
  'trigger', 'input', 'event_key', 'started_by', 'rerun_of', 'current_phase_id', 'waiting_for', 'error', 'rev', 'created_at', 'started_at', 'ended_at', 'updated_at', 'deleted_at',
] as const;
const INSERT_RUN = `INSERT INTO runs (${RUN_COLUMNS.join(', ')}) VALUES ${valuesList(RUN_COLUMNS.length, 1)}`;

/**
 * Creates a run, `triggered`, with its `run.start` job and its audit event; returns its row as
 * stored (a new run has no phase executions yet).
 */
export async function insertRun(trx: Transaction<DB>, dialect: Dialect, r: NewRun, now: number): Promise<RunRow> {
  const row: RunRow = {
    id: newId(),
    org_id: r.orgId,
    space_id: r.spaceId,
    workflow_id: r.workflowId,
    workflow_version: r.workflowVersion,
    status: 'triggered',
    outcome: null,
    target_type: r.target?.type ?? null,
    target_id: r.target?.id ?? null,
    target_version_start: r.target?.version ?? null,
    target_version_seen: r.target?.version ?? null,
    trigger: JSON.stringify(r.trigger),
    input: JSON.stringify(r.input ?? {}),
    event_key: r.eventKey ?? null,
    started_by: r.startedBy,
    rerun_of: r.rerunOf ?? null,
    current_phase_id: null,
    waiting_for: null,
    error: null,
    rev: 0,
    created_at: now,
    started_at: null,
    ended_at: null,
    updated_at: now,
    deleted_at: null,
  };
  await run(trx, INSERT_RUN, RUN_COLUMNS.map((c) => row[c]));
  const id = row.id;
  await enqueueJobs(trx, [{ kind: 'run.start', orgId: r.orgId, runId: id, dueAt: now }], now);
  await appendAudit(trx, dialect, {
    orgId: r.orgId,
    actor: r.actor,
    action: 'run.created',
    subject: `run:${id}`,
    runId: id,
    data: { workflowId: r.workflowId, workflowVersion: r.workflowVersion, target: r.target, trigger: r.trigger, input: r.input ?? {}, rerunOf: r.rerunOf ?? null },
    at: now,
  });
  return row;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The run as the API answers it (docs/API.md "Runs"). */
export function runView(row: RunRow, execs: PhaseExecutionsTable[], extra: { queuePosition?: number | null } = {}) {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    spaceId: row.space_id,
    status: row.status,
    outcome: row.outcome,
    target: row.target_type ? { type: row.target_type, id: row.target_id, version: row.target_version_start, versionSeen: row.target_version_seen } : null,
    trigger: JSON.parse(row.trigger),
    input: JSON.parse(row.input),
    startedBy: row.started_by,
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    currentPhaseId: row.current_phase_id,
    queuePosition: extra.queuePosition ?? null,
    waitingFor: row.waiting_for,
    rerunOf: row.rerun_of,
    error: row.error ? JSON.parse(row.error) : null,
    phases: execs.map((e) => {
      const p = execFromRow(e);
      return {
        executionId: p.id,
        phaseId: p.phaseId,
        type: p.type,
        attempt: p.attempt,
        status: p.status,
        input: p.input ?? {},
        output: p.output ?? {},
        error: p.error,
        waitingFor: p.waitingFor,
        wakeAt: iso(p.wakeAt),
        skippedBy: p.skippedBy,
        skipReason: p.skipReason,
        startedAt: iso(p.startedAt),
        endedAt: iso(p.endedAt),
        durationMs: p.startedAt !== null && p.endedAt !== null ? p.endedAt - p.startedAt : null,
      };
    }),
  };
}

export async function loadRunView(db: Executor, runId: string) {
  const row = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!row) return null;
  const execs = await db.selectFrom('phase_executions').selectAll().where('run_id', '=', runId).orderBy('id').execute();
  const positions = await queuePositions(db, [row]);
  return { row, view: runView(row, execs, { queuePosition: positions.get(row.id) ?? null }) };
}
