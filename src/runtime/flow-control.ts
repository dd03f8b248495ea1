/**
 * Org flow control (SPEC.md section 9): at most `maxActiveRuns` runs of an org are `active`
 * at once. A run about to become active (start, resume after a wait, continue after a gate)
 * without a free slot is parked instead: the event that would have moved it is kept in a
 * `resume` job due at PARKED, and the run shows `waitingFor: "flow_control"` (staying
 * `triggered` or `waiting`). When a run leaves `active`, the freed slots go to parked runs,
 * fairly: the space with the fewest runs holding slots first, then the least busy workflow
 * in it, oldest run first. Admission happens under a per-org lock (PostgreSQL row lock;
 * SQLite has one writer), so the limit holds across every process.
 *
 * A slot is held by an `active` run, or by a parked run already admitted whose resume job
 * has not run yet (so two admissions racing one free slot cannot both win it).
 */
import { sql, type Transaction } from 'kysely';
import type { RunEvent } from '../core/decide.js';
import type { Executor } from '../store/db.js';
import { dialectOf } from '../store/dialect.js';
import type { DB } from '../store/schema.js';
import { enqueueJobs } from './jobs.js';
import { defer, registerFlusher } from '../store/before-commit.js';
import type { RunRow } from './run-store.js';
import { LostRaceError } from './run-store.js';

/** The due time of a parked job: never, until admission sets it to now. */
export const PARKED = 8_640_000_000_000_000;

/** Events that move a run into `active` on their own (manual retry and skip are not held). */
export function needsSlot(event: RunEvent): boolean {
  return event.type === 'start' || event.type === 'timer_fired' || event.type === 'gate_decided';
}

/**
 * FOR NO KEY UPDATE, not FOR UPDATE: nearly every row a transition inserts (comments, jobs,
 * notifications, audit events…) has a foreign key to its org, and each such insert takes
 * FOR KEY SHARE on the org row until commit. FOR UPDATE conflicts with that, so two
 * transitions that had each inserted a row and then asked for the org lock deadlocked.
 * FOR NO KEY UPDATE still excludes every other admission (and `UPDATE orgs`), not FK checks.
 */
async function lockOrg(trx: Transaction<DB>, orgId: string) {
  if (dialectOf(trx) === 'postgres') await sql`SELECT id FROM orgs WHERE id = ${orgId} FOR NO KEY UPDATE`.execute(trx);
}

async function slotUsers(trx: Executor, orgId: string, exceptJobId?: string) {
  const active = await trx.selectFrom('runs').select(['id', 'space_id', 'workflow_id']).where('org_id', '=', orgId).where('status', '=', 'active').execute();
  let admitted = trx
    .selectFrom('jobs as j')
    .innerJoin('runs as r', 'r.id', 'j.run_id')
    .select(['r.id', 'r.space_id', 'r.workflow_id'])
    .where('j.org_id', '=', orgId)
    .where('j.kind', '=', 'resume')
    .where('j.due_at', '<', PARKED);
  if (exceptJobId) admitted = admitted.where('j.id', '!=', exceptJobId);
  return [...active, ...(await admitted.execute())];
}

interface Slots {
  limit: number;
  /** Runs holding slots: `active` ones, and parked ones admitted whose resume job has not run yet. */
  held: number;
  /** Parked runs not admitted yet exist. */
  queued: boolean;
}

/**
 * The org's limit, slots held and whether runs are parked, in one statement. Read after
 * lockOrg, in a statement of its own: on PostgreSQL a statement's snapshot is taken when it
 * starts, so counts read in the statement that waited for the lock could miss the commit of
 * the transaction that held it.
 */
async function slots(trx: Executor, orgId: string, exceptJobId?: string): Promise<Slots> {
  const r = await sql<{ lim: number; active: number | string; admitted: number | string; queued: number | string }>`
    SELECT o.max_active_runs AS lim,
      (SELECT count(*) FROM runs WHERE org_id = ${orgId} AND status = 'active') AS active,
      (SELECT count(*) FROM jobs WHERE org_id = ${orgId} AND kind = 'resume' AND due_at < ${PARKED} AND id <> ${exceptJobId ?? ''}) AS admitted,
      (SELECT count(*) FROM (SELECT 1 FROM jobs WHERE org_id = ${orgId} AND kind = 'resume' AND due_at = ${PARKED} LIMIT 1) q) AS queued
    FROM orgs o WHERE o.id = ${orgId}`.execute(trx);
  const row = r.rows[0];
  if (!row) throw new Error(`org ${orgId} does not exist`);
  return { limit: Number(row.lim), held: Number(row.active) + Number(row.admitted), queued: Number(row.queued) > 0 };
}

/** Under the org lock: is there a slot for one more active run? */
export async function hasSlot(trx: Transaction<DB>, orgId: string, exceptJobId?: string): Promise<boolean> {
  await lockOrg(trx, orgId);
  const s = await slots(trx, orgId, exceptJobId);
  // Parked runs not yet admitted come first: a newcomer may not overtake them.
  if (s.queued && !exceptJobId) return false;
  return s.held < s.limit;
}

/** Parks `event` for run `row`: kept in a resume job, the run marked as waiting for a slot. */
export async function park(trx: Transaction<DB>, row: RunRow, event: RunEvent, now: number): Promise<void> {
  const r = await trx
    .updateTable('runs')
    .set({ waiting_for: 'flow_control', rev: row.rev + 1, updated_at: now })
    .where('id', '=', row.id)
    .where('rev', '=', row.rev)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new LostRaceError(`run ${row.id}`);
  await enqueueJobs(trx, [{ kind: 'resume', orgId: row.org_id, runId: row.id, payload: { event }, dueAt: PARKED }], now);
}

/**
 * Asks for free slots of `orgId` to go to its parked runs. In a transaction opened by the
 * store this happens once per org just before the commit, for all the transitions in it
 * (under group commit, a whole batch); elsewhere at once.
 */
export async function requestAdmission(trx: Transaction<DB>, orgId: string, now: number): Promise<void> {
  if (!defer(trx, 'admit', { orgId, now })) await admitNext(trx, orgId, now);
}

registerFlusher<{ orgId: string; now: number }>('admit', {
  order: 10,
  async flush(trx, entries) {
    const byOrg = new Map<string, number>();
    for (const e of entries) byOrg.set(e.orgId, Math.max(e.now, byOrg.get(e.orgId) ?? 0));
    for (const [orgId, now] of [...byOrg].sort(([a], [b]) => (a < b ? -1 : 1))) await admitNext(trx, orgId, now);
  },
});

/** Gives free slots to parked runs, fairly. Returns how many were admitted. */
export async function admitNext(trx: Transaction<DB>, orgId: string, now: number): Promise<number> {
  await lockOrg(trx, orgId);
  // Nothing parked (the common case), or no slot free: nothing to admit.
  const s = await slots(trx, orgId);
  if (!s.queued || s.held >= s.limit) return 0;
  const limit = s.limit;
  const users = await slotUsers(trx, orgId);
  let free = limit - users.length;
  if (free <= 0) return 0;
  const parked = await trx
    .selectFrom('jobs as j')
    .innerJoin('runs as r', 'r.id', 'j.run_id')
    .select(['j.id as jobId', 'r.id', 'r.space_id', 'r.workflow_id'])
    .where('j.org_id', '=', orgId)
    .where('j.kind', '=', 'resume')
    .where('j.due_at', '=', PARKED)
    .orderBy('r.id')
    .limit(2000)
    .execute();
  const bySpace = new Map<string, number>();
  const byWorkflow = new Map<string, number>();
  for (const u of users) {
    bySpace.set(u.space_id, (bySpace.get(u.space_id) ?? 0) + 1);
    byWorkflow.set(u.workflow_id, (byWorkflow.get(u.workflow_id) ?? 0) + 1);
  }
  const admitted: string[] = [];
  const remaining = [...parked];
  while (free > 0 && remaining.length) {
    // Least busy space, then least busy workflow, then oldest (remaining is in age order).
    let best = 0;
    for (let i = 1; i < remaining.length; i++) {
      const a = remaining[i]!;
      const b = remaining[best]!;
      const sa = bySpace.get(a.space_id) ?? 0;
      const sb = bySpace.get(b.space_id) ?? 0;
      if (sa < sb || (sa === sb && (byWorkflow.get(a.workflow_id) ?? 0) < (byWorkflow.get(b.workflow_id) ?? 0))) best = i;
    }
    const pick = remaining.splice(best, 1)[0]!;
    admitted.push(pick.jobId);
    bySpace.set(pick.space_id, (bySpace.get(pick.space_id) ?? 0) + 1);
    byWorkflow.set(pick.workflow_id, (byWorkflow.get(pick.workflow_id) ?? 0) + 1);
    free -= 1;
  }
  if (admitted.length) await trx.updateTable('jobs').set({ due_at: now }).where('id', 'in', admitted).execute();
  return admitted.length;
}

/** Queue positions (1 = next) of parked runs, in arrival order within their org. */
export async function queuePositions(q: Executor, runs: Array<{ id: string; org_id: string; waiting_for: string | null }>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const r of runs) {
    if (r.waiting_for !== 'flow_control') continue;
    const ahead = await q
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', r.org_id)
      .where('status', 'in', ['triggered', 'waiting'])
      .where('waiting_for', '=', 'flow_control')
      .where('id', '<', r.id)
      .executeTakeFirst();
    out.set(r.id, Number(ahead?.n ?? 0) + 1);
  }
  return out;
}
