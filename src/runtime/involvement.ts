/**
 * The command center's lists (docs/REQUIREMENTS.md section 12): the runs one user is involved in, across
 * the spaces they can read in their org. Each run lands in the first list that applies, so
 * the three are disjoint:
 *
 *   waitingOnMe  an approval gate of the run waits, the user is one of its approvers (from
 *                the definition or an escalation), has no counting decision on it, and the
 *                self-approval rule does not shut them out: the gates where a decision of
 *                theirs would be accepted now (recordDecision). Oldest request first.
 *   startedByMe  the run's `startedBy` is the user (by hand, re-run, or an edit of theirs that
 *                fired a trigger). Newest first.
 *   involved     the run's target is assigned to the user now (a content item's assignees, a
 *                task's assignee), or an in-app notification to the user names the run.
 *                Newest first.
 *
 * Every lookup starts from an index: the user's approver rows in request order (gate_approvers_key), the user's
 * runs (runs_started_by), the user's notifications (notifications_user), and the targets of
 * the spaces (content_items_space, tasks_space; assignees are a JSON list, so these are read
 * and filtered) with their runs (runs_target). Only then are the runs themselves read, by id.
 */
import { DEFAULTS } from '../definitions/index.js';
import type { Executor } from '../store/db.js';
import type { RunRow } from './run-store.js';
import { versionPhases } from './transition.js';

export interface Involved {
  userId: string;
  orgId: string;
  /** The spaces whose runs may appear: those the user can read. */
  spaceIds: string[];
}

export interface RunList {
  runs: RunRow[];
  /** More runs belong in the list than `limit` let through. */
  more: boolean;
}

export interface Involvement {
  waitingOnMe: RunList;
  startedByMe: RunList;
  involved: RunList;
}

/** A run row with the open gate that waits on the user, as the gate query reads it. */
type GateRow = RunRow & { gate_phase_index: number; asked_at: number; gate_execution_id: string };

/**
 * Runs whose open approval gate lists the user as an approver without a counting decision
 * from them. The self-approval rule lives in the pinned definition, so `canDecide` applies it.
 *
 * `from: 'approver'` walks the user's approver rows in request order (gate_approvers_key) and
 * looks each gate and run up by id: a page of the oldest requests costs a page, however many
 * runs of the org wait. CROSS JOIN fixes that order on SQLite (PostgreSQL plans it alike from
 * the index and the LIMIT). `from: 'runs'` starts from given runs (`r.id IN …`).
 */
function openGatesAwaiting(db: Executor, who: Involved, from: 'approver' | 'runs') {
  const key = `user:${who.userId}`;
  const joined =
    from === 'approver'
      ? db
          .selectFrom('gate_approvers as ga')
          .crossJoin('phase_executions as pe')
          .crossJoin('runs as r')
          .where('ga.approver_key', '=', key)
          .whereRef('pe.id', '=', 'ga.execution_id')
          .whereRef('r.id', '=', 'pe.run_id')
      : db
          .selectFrom('runs as r')
          .innerJoin('phase_executions as pe', 'pe.run_id', 'r.id')
          .innerJoin('gate_approvers as ga', (j) => j.onRef('ga.execution_id', '=', 'pe.id').on('ga.approver_key', '=', key));
  return joined
    .selectAll('r')
    .select(['pe.phase_index as gate_phase_index', 'ga.created_at as asked_at', 'ga.execution_id as gate_execution_id'])
    .where('r.space_id', 'in', who.spaceIds)
    .where('r.org_id', '=', who.orgId)
    .where('r.status', '=', 'waiting')
    // A gate already decided but held back by flow control takes no more decisions.
    .where('r.waiting_for', '=', 'approval')
    .where('r.deleted_at', 'is', null)
    .where('pe.status', '=', 'waiting')
    .where('pe.waiting_for', '=', 'approval')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('gate_decisions as d').select('d.id').whereRef('d.execution_id', '=', 'pe.id').where('d.approver_key', '=', key).where('d.counts', '=', 1))),
    );
}

/** False when the user started the run and its gate does not allow self-approval. */
async function canDecide(db: Executor, userId: string, row: GateRow): Promise<boolean> {
  if (row.started_by !== userId) return true;
  const spec = (await versionPhases(db, row.workflow_id, row.workflow_version))[row.gate_phase_index];
  return spec?.type === 'approval' && (spec.allowSelfApproval ?? DEFAULTS.approval.allowSelfApproval);
}

/** Of `runs`, the ids of those waiting on the user's decision. */
async function waitingOnAmong(db: Executor, who: Involved, runs: RunRow[]): Promise<Set<string>> {
  if (!runs.length) return new Set();
  const rows = (await openGatesAwaiting(db, who, 'runs').where('r.id', 'in', runs.map((r) => r.id)).execute()) as GateRow[];
  const out = new Set<string>();
  for (const row of rows) if (await canDecide(db, who.userId, row)) out.add(row.id);
  return out;
}

/**
 * Reads `fetch` batch by batch (keyset, from `after`) and keeps what `keep` lets through,
 * until `limit + 1` rows are kept or the source runs dry. Batches grow, so a long stretch of
 * dropped rows costs few round trips.
 */
async function collect<T>(
  limit: number,
  fetch: (after: T | undefined, n: number) => Promise<T[]>,
  keep: (batch: T[]) => Promise<T[]>,
): Promise<{ rows: T[]; more: boolean }> {
  const kept: T[] = [];
  let after: T | undefined;
  for (let n = limit + 1; ; n = Math.min(n * 2, 1000)) {
    const batch = await fetch(after, n);
    kept.push(...(await keep(batch)));
    if (kept.length > limit || batch.length < n) break;
    after = batch[batch.length - 1];
  }
  return { rows: kept.slice(0, limit), more: kept.length > limit };
}

/** Strips the gate columns a GateRow carries, leaving the run row. */
function runRow({ gate_phase_index: _p, asked_at: _a, gate_execution_id: _e, ...row }: GateRow): RunRow {
  return row;
}

export async function involvement(db: Executor, who: Involved, limit: number): Promise<Involvement> {
  const none: RunList = { runs: [], more: false };
  if (!who.spaceIds.length) return { waitingOnMe: none, startedByMe: none, involved: none };
  const notWaitingOnMe = async (batch: RunRow[]) => {
    const waiting = await waitingOnAmong(db, who, batch);
    return batch.filter((r) => !waiting.has(r.id));
  };

  const waitingOnMe = await collect<GateRow>(
    limit,
    (after, n) => {
      let q = openGatesAwaiting(db, who, 'approver');
      if (after) q = q.where((eb) => eb.or([eb('ga.created_at', '>', after.asked_at), eb.and([eb('ga.created_at', '=', after.asked_at), eb('ga.execution_id', '>', after.gate_execution_id)])]));
      return q.orderBy('ga.created_at').orderBy('ga.execution_id').limit(n).execute() as Promise<GateRow[]>;
    },
    async (batch) => {
      const ok = await Promise.all(batch.map((r) => canDecide(db, who.userId, r)));
      return batch.filter((_, i) => ok[i]);
    },
  );

  const startedByMe = await collect<RunRow>(
    limit,
    (after, n) => {
      let q = db
        .selectFrom('runs')
        .selectAll()
        .where('started_by', '=', who.userId)
        .where('org_id', '=', who.orgId)
        .where('space_id', 'in', who.spaceIds)
        .where('deleted_at', 'is', null);
      if (after) q = q.where('id', '<', after.id);
      return q.orderBy('id', 'desc').limit(n).execute();
    },
    notWaitingOnMe,
  );

  // Run ids the user is tied to without having started them. User ids are UUIDs (hex and
  // dashes), so they carry no LIKE wildcards; assignees are stored as a JSON array of ids.
  const notified = db.selectFrom('notifications as n').select('n.run_id as id').where('n.user_id', '=', who.userId).where('n.org_id', '=', who.orgId).where('n.run_id', 'is not', null);
  const onTasks = db
    .selectFrom('tasks as t')
    .innerJoin('runs as tr', (j) => j.onRef('tr.target_id', '=', 't.id').on('tr.target_type', '=', 'task'))
    .select('tr.id as id')
    .where('t.space_id', 'in', who.spaceIds)
    .where('t.assignee', '=', who.userId)
    .where('t.deleted_at', 'is', null);
  const onContent = db
    .selectFrom('content_items as c')
    .innerJoin('runs as cr', (j) => j.onRef('cr.target_id', '=', 'c.id').on('cr.target_type', '=', 'content'))
    .select('cr.id as id')
    .where('c.space_id', 'in', who.spaceIds)
    .where('c.assignees', 'like', `%${JSON.stringify(who.userId)}%`)
    .where('c.deleted_at', 'is', null);

  const key = `user:${who.userId}`;
  const involved = await collect<RunRow>(
    limit,
    (after, n) => {
      // CROSS JOIN: SQLite then walks the user's few candidates and looks each run up by id,
      // instead of walking every run of the org and probing the candidates.
      let q = db
        .selectFrom(notified.union(onTasks).union(onContent).as('inv'))
        .crossJoin('runs as r')
        .selectAll('r')
        .whereRef('r.id', '=', 'inv.id')
        .where('r.org_id', '=', who.orgId)
        .where('r.space_id', 'in', who.spaceIds)
        .where('r.deleted_at', 'is', null)
        .where((eb) => eb.or([eb('r.started_by', 'is', null), eb('r.started_by', '<>', who.userId)]))
        // Runs waiting on the user belong to waitingOnMe: left out here, in the query, so a
        // user notified of many runs that all wait on them does not read them batch by
        // batch only to drop them. They did not start these runs, so the self-approval rule
        // never shuts them out, and this is exactly the gate query's rule.
        .where(({ eb, and, not, exists, selectFrom }) =>
          not(
            and([
              eb('r.status', '=', 'waiting'),
              eb('r.waiting_for', '=', 'approval'),
              exists(
                selectFrom('phase_executions as pe')
                  .innerJoin('gate_approvers as ga', (j) => j.onRef('ga.execution_id', '=', 'pe.id').on('ga.approver_key', '=', key))
                  .select('pe.id')
                  .whereRef('pe.run_id', '=', 'r.id')
                  .where('pe.status', '=', 'waiting')
                  .where('pe.waiting_for', '=', 'approval')
                  .where(({ not: no, exists: ex, selectFrom: from }) =>
                    no(ex(from('gate_decisions as d').select('d.id').whereRef('d.execution_id', '=', 'pe.id').where('d.approver_key', '=', key).where('d.counts', '=', 1))),
                  ),
              ),
            ]),
          ),
        );
      if (after) q = q.where('r.id', '<', after.id);
      return q.orderBy('r.id', 'desc').limit(n).execute();
    },
    async (batch) => batch,
  );

  return {
    waitingOnMe: { runs: waitingOnMe.rows.map(runRow), more: waitingOnMe.more },
    startedByMe: { runs: startedByMe.rows, more: startedByMe.more },
    involved: { runs: involved.rows, more: involved.more },
  };
}
