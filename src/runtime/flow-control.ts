/**
 * Org flow control (docs/REQUIREMENTS.md section 9): at most `maxActiveRuns` runs of an org are `active`
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
import { rows, run } from '../store/statements.js';
import type { DB } from '../store/schema.js';
import { defer, registerFlusher } from '../store/before-commit.js';

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
    const held = await rows(trx, 'SELECT slot FROM org_slots WHERE org_id = ? AND run_id = ?', [orgId, runId]);
    if (held.length) return true;
  }
  const noneParked = opts.queued ? `AND NOT EXISTS (SELECT 1 FROM jobs WHERE org_id = ? AND kind = 'resume' AND due_at = ${PARKED})` : '';
  const lock = dialectOf(trx) === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
  const r = await rows<{ slot: number }>(
    trx,
    `UPDATE org_slots SET run_id = ?
     WHERE org_id = ? AND slot = (
       SELECT s.slot FROM org_slots s
       WHERE s.org_id = ? AND s.run_id IS NULL AND s.slot < (SELECT max_active_runs FROM orgs WHERE id = ?) ${noneParked}
       ORDER BY s.slot LIMIT 1 ${lock})
     RETURNING slot`,
    opts.queued ? [runId, orgId, orgId, orgId, orgId] : [runId, orgId, orgId, orgId],
  );
  return r.length > 0;
}

/** Frees every slot run `runId` holds (at most one); returns how many. */
export async function releaseSlot(trx: Executor, orgId: string, runId: string): Promise<number> {
  return run(trx, 'UPDATE org_slots SET run_id = NULL WHERE org_id = ? AND run_id = ?', [orgId, runId]);
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

interface Queued {
  jobId: string;
  id: string;
  space_id: string;
  workflow_id: string;
}

/** The org's parked runs, oldest first, at most `limit`. */
function parkedRuns(q: Executor, orgId: string, limit: number): Promise<Queued[]> {
  return q
    .selectFrom('jobs as j')
    .innerJoin('runs as r', 'r.id', 'j.run_id')
    .select(['j.id as jobId', 'r.id', 'r.space_id', 'r.workflow_id'])
    .where('j.org_id', '=', orgId)
    .where('j.kind', '=', 'resume')
    .where('j.due_at', '=', PARKED)
    .orderBy('r.id')
    .limit(limit)
    .execute();
}

/** The space and workflow of each run holding a slot of the org. */
function slotHolders(q: Executor, orgId: string): Promise<Array<{ space_id: string; workflow_id: string }>> {
  return q.selectFrom('org_slots as s').innerJoin('runs as r', 'r.id', 's.run_id').select(['r.space_id', 'r.workflow_id']).where('s.org_id', '=', orgId).execute();
}

/**
 * The order in which slots go to parked runs (`parked` oldest first): each next slot goes
 * to the least busy space (fewest runs holding slots, counting those admitted before it),
 * then the least busy workflow, then the oldest run. Admission takes slots in this order,
 * and queue positions are places in it.
 */
export function fairOrder<T extends { space_id: string; workflow_id: string }>(parked: readonly T[], holders: ReadonlyArray<{ space_id: string; workflow_id: string }>): T[] {
  const bySpace = new Map<string, number>();
  const byWorkflow = new Map<string, number>();
  const count = (u: { space_id: string; workflow_id: string }) => {
    bySpace.set(u.space_id, (bySpace.get(u.space_id) ?? 0) + 1);
    byWorkflow.set(u.workflow_id, (byWorkflow.get(u.workflow_id) ?? 0) + 1);
  };
  for (const u of holders) count(u);
  // One queue per space and workflow, each oldest first; the head of each is a candidate.
  const groups = new Map<string, { items: T[]; head: number }>();
  parked.forEach((p) => {
    const key = `${p.space_id} ${p.workflow_id}`;
    const g = groups.get(key);
    if (g) g.items.push(p);
    else groups.set(key, { items: [p], head: 0 });
  });
  const age = new Map(parked.map((p, i) => [p, i]));
  const out: T[] = [];
  while (out.length < parked.length) {
    let best: { items: T[]; head: number } | null = null;
    for (const g of groups.values()) {
      if (g.head >= g.items.length) continue;
      if (!best) {
        best = g;
        continue;
      }
      const a = g.items[g.head]!;
      const b = best.items[best.head]!;
      const sa = bySpace.get(a.space_id) ?? 0;
      const sb = bySpace.get(b.space_id) ?? 0;
      const wa = byWorkflow.get(a.workflow_id) ?? 0;
      const wb = byWorkflow.get(b.workflow_id) ?? 0;
      if (sa < sb || (sa === sb && (wa < wb || (wa === wb && age.get(a)! < age.get(b)!)))) best = g;
    }
    const pick = best!.items[best!.head++]!;
    out.push(pick);
    count(pick);
  }
  return out;
}

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
  const parked = await parkedRuns(trx, orgId, ADMIT_WINDOW);
  if (!parked.length) return 0;
  const free = (
    await sql<{ slot: number }>`
      SELECT slot FROM org_slots WHERE org_id = ${orgId} AND run_id IS NULL AND slot < ${limit}
      ORDER BY slot LIMIT ${parked.length} ${skipLocked(trx)}`.execute(trx)
  ).rows.map((r) => r.slot);
  if (!free.length) return 0;
  const holders = await slotHolders(trx, orgId);
  const order = fairOrder(parked, holders);
  let admitted = 0;
  // A pick whose job another transaction holds (admitting or cancelling it) is passed over.
  for (let next = 0; admitted < free.length && next < order.length; ) {
    const picks = order.slice(next, next + free.length - admitted);
    next += picks.length;
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

/** Most parked runs of one org placed in the fair order for queue positions; later ones are placed by age after them. */
const POSITION_WINDOW = 5000;

/**
 * Queue positions (1 = next) of parked runs: their places in the order admission will give
 * them slots (fairOrder) as things stand now. A run parked behind more than POSITION_WINDOW
 * others of its org is placed by age after them.
 */
export async function queuePositions(q: Executor, runs: Array<{ id: string; org_id: string; waiting_for: string | null }>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const orgs = [...new Set(runs.filter((r) => r.waiting_for === 'flow_control').map((r) => r.org_id))];
  for (const orgId of orgs) {
    // Runs admitted already (a slot is theirs, their resume job is due) start first, oldest first.
    const admitted = await q.selectFrom('jobs').select('run_id').where('org_id', '=', orgId).where('kind', '=', 'resume').where('due_at', '<', PARKED).orderBy('run_id').execute();
    const place = new Map<string, number>(admitted.map((a, i) => [a.run_id!, i + 1]));
    const parked = await parkedRuns(q, orgId, POSITION_WINDOW);
    fairOrder(parked, await slotHolders(q, orgId)).forEach((p, i) => place.set(p.id, admitted.length + i + 1));
    for (const r of runs) {
      if (r.org_id !== orgId || r.waiting_for !== 'flow_control') continue;
      const at = place.get(r.id);
      if (at !== undefined) {
        out.set(r.id, at);
        continue;
      }
      // Past the window: by age, after the runs ahead of it.
      const ahead = await q
        .selectFrom('jobs as j')
        .innerJoin('runs as r', 'r.id', 'j.run_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('j.org_id', '=', orgId)
        .where('j.kind', '=', 'resume')
        .where('j.due_at', '=', PARKED)
        .where('r.id', '<', r.id)
        .executeTakeFirst();
      out.set(r.id, admitted.length + Number(ahead?.n ?? 0) + 1);
    }
  }
  return out;
}
