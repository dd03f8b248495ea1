/**
 * Org flow control (SPEC.md section 9): at most `maxActiveRuns` runs of an org are `active`
 * at once. A run about to become active (start, resume after a wait, continue after a gate)
 * without a free slot is parked instead: the event that would have moved it is kept in a
 * `resume` job due at PARKED, and the run shows `waitingFor: "flow_control"` (staying
 * `triggered` or `waiting`). When a run leaves `active`, the freed slots go to parked runs,
 * fairly: the space with the fewest runs holding slots first, then the least busy workflow
 * in it, oldest run first.
 *
 * The limit is a set of rows, `org_slots` (org, slot 0…limit-1, run or null), not a count
 * under a lock. A run entering `active` claims one free row in one statement (PostgreSQL:
 * `FOR UPDATE SKIP LOCKED`, so concurrent claimers take different rows and never wait for
 * each other); a run leaving it frees its row in the same transaction. Each row has one
 * holder, so the limit holds across every process, and no transition locks the org: two
 * transitions of one org contend only when they want the same slot row, and then the
 * second skips to another. A slot is held by an `active` run, or by a parked run already
 * admitted whose resume job has not run yet (admission hands the slot to the run itself).
 *
 * Admission runs once per org just before a transaction commits (store/before-commit.ts),
 * in the transaction that freed a slot or parked a run: it locks free slot rows and parked
 * jobs with SKIP LOCKED and hands them over. On PostgreSQL a transaction cannot see what
 * concurrent ones have not committed yet (a run parked while another freed a slot), so the
 * engine also sweeps every org with parked runs a few times a second (admitParkedEverywhere).
 */
import { sql, type Transaction } from 'kysely';
import type { RunEvent } from '../core/decide.js';
import type { Database, Executor } from '../store/db.js';
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

const skipLocked = (q: Executor) => (dialectOf(q) === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``);

/**
 * Makes the org's slot rows match its limit: rows 0…limit-1 exist, runs holding rows at or
 * past the limit move into free rows below it, and free rows at or past it are dropped.
 * Claims never take a row at or past the limit. Lowering the limit below the runs active
 * now stops none of them: a run left holding a row past the limit keeps it until it leaves
 * `active`, so the org runs at most the larger of the new limit and the runs active when
 * it was lowered, and drains to the limit as they finish. Called when an org is created
 * and when its limit changes.
 */
export async function resizeSlots(trx: Executor, orgId: string, limit: number): Promise<void> {
  const lock = dialectOf(trx) === 'postgres' ? sql`FOR UPDATE` : sql``;
  const rows = (await sql<{ slot: number; run_id: string | null }>`SELECT slot, run_id FROM org_slots WHERE org_id = ${orgId} ORDER BY slot ${lock}`.execute(trx)).rows;
  const have = new Set(rows.map((r) => r.slot));
  const missing: number[] = [];
  for (let i = 0; i < limit; i++) if (!have.has(i)) missing.push(i);
  for (let from = 0; from < missing.length; from += 1000) {
    await trx.insertInto('org_slots').values(missing.slice(from, from + 1000).map((slot) => ({ org_id: orgId, slot, run_id: null }))).execute();
  }
  const free = [...rows.filter((r) => r.slot < limit && !r.run_id).map((r) => r.slot), ...missing].sort((a, b) => a - b);
  for (const high of rows.filter((r) => r.slot >= limit && r.run_id)) {
    const to = free.shift();
    if (to === undefined) break;
    await trx.updateTable('org_slots').set({ run_id: high.run_id }).where('org_id', '=', orgId).where('slot', '=', to).execute();
    await trx.updateTable('org_slots').set({ run_id: null }).where('org_id', '=', orgId).where('slot', '=', high.slot).execute();
  }
  await trx.deleteFrom('org_slots').where('org_id', '=', orgId).where('slot', '>=', limit).where('run_id', 'is', null).execute();
}

/**
 * Gives run `runId` a slot of its org, in one statement; false when none is free. A run
 * entering `active` on its own (`queued: true`) may not overtake parked runs: while any wait,
 * it gets no slot. An admitted run (`admitted`) already holds the one admission gave it.
 */
export async function takeSlot(trx: Executor, orgId: string, runId: string, opts: { queued: boolean; admitted?: boolean }): Promise<boolean> {
  if (opts.admitted) {
    const held = await trx.selectFrom('org_slots').select('slot').where('org_id', '=', orgId).where('run_id', '=', runId).executeTakeFirst();
    if (held) return true;
  }
  const noneParked = opts.queued ? sql`AND NOT EXISTS (SELECT 1 FROM jobs WHERE org_id = ${orgId} AND kind = 'resume' AND due_at = ${PARKED})` : sql``;
  const r = await sql<{ slot: number }>`
    UPDATE org_slots SET run_id = ${runId}
    WHERE org_id = ${orgId} AND slot = (
      SELECT s.slot FROM org_slots s
      WHERE s.org_id = ${orgId} AND s.run_id IS NULL AND s.slot < (SELECT max_active_runs FROM orgs WHERE id = ${orgId}) ${noneParked}
      ORDER BY s.slot LIMIT 1 ${skipLocked(trx)})
    RETURNING slot`.execute(trx);
  return r.rows.length > 0;
}

/** Frees every slot run `runId` holds (at most one); returns how many. */
export async function releaseSlot(trx: Executor, orgId: string, runId: string): Promise<number> {
  const r = await trx.updateTable('org_slots').set({ run_id: null }).where('org_id', '=', orgId).where('run_id', '=', runId).executeTakeFirst();
  return Number(r.numUpdatedRows);
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
  // A slot freed by a transaction that could not see this park yet is handed over here.
  await requestAdmission(trx, row.org_id, now);
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

/** Most parked runs one admission considers (oldest first). */
const ADMIT_WINDOW = 2000;

/**
 * Gives free slots to parked runs, fairly. Returns how many were admitted. Takes no lock
 * but the free slot rows and the parked jobs it hands over, each skipped when another
 * transaction holds it: what is skipped is left to that transaction or to a later admission.
 */
export async function admitNext(trx: Transaction<DB>, orgId: string, now: number): Promise<number> {
  // The common case, nothing parked, costs one statement; a full org, two.
  const anyParked = await trx.selectFrom('jobs').select('id').where('org_id', '=', orgId).where('kind', '=', 'resume').where('due_at', '=', PARKED).limit(1).executeTakeFirst();
  if (!anyParked) return 0;
  const limit = sql`(SELECT max_active_runs FROM orgs WHERE id = ${orgId})`;
  const anyFree = await sql`SELECT slot FROM org_slots WHERE org_id = ${orgId} AND run_id IS NULL AND slot < ${limit} LIMIT 1`.execute(trx);
  if (!anyFree.rows.length) return 0;
  const parked = await trx
    .selectFrom('jobs as j')
    .innerJoin('runs as r', 'r.id', 'j.run_id')
    .select(['j.id as jobId', 'r.id', 'r.space_id', 'r.workflow_id'])
    .where('j.org_id', '=', orgId)
    .where('j.kind', '=', 'resume')
    .where('j.due_at', '=', PARKED)
    .orderBy('r.id')
    .limit(ADMIT_WINDOW)
    .execute();
  if (!parked.length) return 0;
  const free = (
    await sql<{ slot: number }>`
      SELECT slot FROM org_slots WHERE org_id = ${orgId} AND run_id IS NULL AND slot < ${limit}
      ORDER BY slot LIMIT ${parked.length} ${skipLocked(trx)}`.execute(trx)
  ).rows.map((r) => r.slot);
  if (!free.length) return 0;
  const holders = await trx.selectFrom('org_slots as s').innerJoin('runs as r', 'r.id', 's.run_id').select(['r.space_id', 'r.workflow_id']).where('s.org_id', '=', orgId).execute();
  const bySpace = new Map<string, number>();
  const byWorkflow = new Map<string, number>();
  const count = (u: { space_id: string; workflow_id: string }) => {
    bySpace.set(u.space_id, (bySpace.get(u.space_id) ?? 0) + 1);
    byWorkflow.set(u.workflow_id, (byWorkflow.get(u.workflow_id) ?? 0) + 1);
  };
  for (const u of holders) count(u);
  let admitted = 0;
  const remaining = [...parked];
  // A pick whose job another transaction holds (admitting or cancelling it) is passed over.
  while (admitted < free.length && remaining.length) {
    const picks: typeof parked = [];
    while (admitted + picks.length < free.length && remaining.length) {
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
      picks.push(pick);
      count(pick);
    }
    const locked = (
      await sql<{ id: string }>`
        SELECT id FROM jobs WHERE id IN (${sql.join(picks.map((p) => p.jobId))}) AND due_at = ${PARKED} ORDER BY id ${skipLocked(trx)}`.execute(trx)
    ).rows.map((r) => r.id);
    const got = new Set(locked);
    const take = picks.filter((p) => got.has(p.jobId));
    for (const p of take) await trx.updateTable('org_slots').set({ run_id: p.id }).where('org_id', '=', orgId).where('slot', '=', free[admitted++]!).execute();
    if (take.length) await trx.updateTable('jobs').set({ due_at: now }).where('id', 'in', take.map((p) => p.jobId)).execute();
  }
  return admitted;
}

/**
 * Admits parked runs of every org that has them (PostgreSQL's sweep, see above); returns
 * how many were admitted.
 */
export async function admitParkedEverywhere(db: Database, now: number): Promise<number> {
  const orgs = await db.k.selectFrom('jobs').select('org_id').distinct().where('kind', '=', 'resume').where('due_at', '=', PARKED).execute();
  let n = 0;
  for (const { org_id } of orgs) if (org_id) n += await db.tx((trx) => admitNext(trx, org_id, now));
  return n;
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
