/**
 * The store contract: the same cases over SQLite and PostgreSQL, on real databases, through
 * the store layer only (no HTTP). What one dialect does, the other must do the same way.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, GENESIS_HASH, sealAllPending, type AuditInput } from '../src/audit/log.js';
import { verifyAuditChain } from '../src/audit/verify.js';
import { isUniqueViolation, type Database } from '../src/store/db.js';
import { newId } from '../src/store/ids.js';
import { getWorkflow, getWorkflowVersion, insertWorkflow, saveWorkflowVersion, setWorkflowEnabled } from '../src/store/workflows.js';
import { openDatabase } from '../src/store/open.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { createRun } from '../src/runtime/runs.js';
import { decide } from '../src/core/decide.js';
import type { Phase } from '../src/definitions/index.js';
import { loadRun, LostRaceError, saveRunState } from '../src/runtime/run-store.js';
import { completeJobAndLoadRun, lockAndLoadRun } from '../src/runtime/transition.js';
import { claimJobs, claimJobsAndNextDue, completeJob, enqueueJobs, LeaseLostError, nextDueAt } from '../src/runtime/jobs.js';

describe.each(DIALECTS)('store contract (%s)', (dialect) => {
  let db: Database;
  const now = 1_750_000_000_000;

  async function newOrg(name = 'Org', createdAt = now): Promise<string> {
    const id = newId();
    await db.k.insertInto('orgs').values({ id, name, max_active_runs: 100, created_at: createdAt }).execute();
    return id;
  }

  beforeAll(async () => {
    db = await openDatabase({ db: await freshDbUrl(dialect) });
  });
  afterAll(async () => db?.close());

  it('reports its dialect', () => {
    expect(db.dialect).toBe(dialect);
  });

  it('rolls a transaction back when its function throws, and rethrows that error', async () => {
    const id = newId();
    const boom = new Error('boom');
    await expect(
      db.tx(async (trx) => {
        await trx.insertInto('orgs').values({ id, name: 'Ghost', max_active_runs: 100, created_at: now }).execute();
        expect(await trx.selectFrom('orgs').select('id').where('id', '=', id).executeTakeFirst()).toEqual({ id });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await db.k.selectFrom('orgs').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    // A committed one stays.
    await db.tx(async (trx) => trx.insertInto('orgs').values({ id, name: 'Real', max_active_runs: 100, created_at: now }).execute());
    expect(await db.k.selectFrom('orgs').select('name').where('id', '=', id).executeTakeFirst()).toEqual({ name: 'Real' });
  });

  it('recognises a duplicate key as a unique violation, and nothing else', async () => {
    const id = await newOrg();
    const dupPk = await db.k.insertInto('orgs').values({ id, name: 'Again', max_active_runs: 100, created_at: now }).execute().catch((e: unknown) => e);
    expect(isUniqueViolation(dupPk)).toBe(true);

    const user = { email: 'same@example.com', name: 'A', password_hash: 'x', is_instance_admin: 0, created_at: now };
    await db.k.insertInto('users').values({ id: newId(), ...user }).execute();
    const dupUnique = await db.k.insertInto('users').values({ id: newId(), ...user }).execute().catch((e: unknown) => e);
    expect(isUniqueViolation(dupUnique)).toBe(true);

    const notNull = await db.k
      .insertInto('orgs')
      .values({ id: newId(), name: null as unknown as string, max_active_runs: 100, created_at: now })
      .execute()
      .catch((e: unknown) => e);
    expect(notNull).toBeInstanceOf(Error);
    expect(isUniqueViolation(notNull)).toBe(false);
    expect(isUniqueViolation(new Error('x'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });

  it('round-trips BIGINT times and counts as numbers', async () => {
    const far = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    const id = await newOrg('Far', far);
    const row = await db.k.selectFrom('orgs').select(['created_at', 'max_active_runs']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.created_at).toBe(far);
    expect(typeof row.created_at).toBe('number');
    expect(row.max_active_runs).toBe(100);
    const nowMs = Date.now();
    await db.k.updateTable('orgs').set({ created_at: nowMs }).where('id', '=', id).execute();
    expect((await db.k.selectFrom('orgs').select('created_at').where('id', '=', id).executeTakeFirstOrThrow()).created_at).toBe(nowMs);
    const range = await db.k.selectFrom('orgs').select('id').where('created_at', '>=', nowMs).where('created_at', '<=', nowMs).execute();
    expect(range.map((r) => r.id)).toContain(id);
    const count = await db.k.selectFrom('orgs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(typeof count.n).toBe('number');
    const max = await sql<{ m: number }>`SELECT MAX(created_at) AS m FROM orgs`.execute(db.k);
    expect(max.rows[0]!.m).toBe(nowMs);
  });

  it('appends hash-chained audit events per org, and the verifier agrees', async () => {
    const a = await newOrg('A');
    const b = await newOrg('B');
    const ev = (orgId: string, i: number, extra: Partial<AuditInput> = {}): AuditInput => ({
      orgId,
      actor: 'system',
      action: 'test.event',
      subject: `thing:${i}`,
      data: { i, nested: { z: 1, a: [1, 'two', null] } },
      at: now + i,
      ...extra,
    });
    await db.tx((trx) => appendAudit(trx, db.dialect, [ev(a, 1), ev(b, 1), ev(a, 2)]));
    await db.tx((trx) => appendAudit(trx, db.dialect, ev(a, 3, { runId: 'run-1' })));
    // A rolled-back transaction leaves no event and no gap.
    await db.tx(async (trx) => {
      await appendAudit(trx, db.dialect, ev(a, 99));
      throw new Error('undo');
    }).catch(() => {});
    await db.tx((trx) => appendAudit(trx, db.dialect, ev(a, 4)));

    await sealAllPending(db);
    const rows = await db.k.selectFrom('audit_events').selectAll().where('org_id', '=', a).orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(rows.map((r) => JSON.parse(r.data).i)).toEqual([1, 2, 3, 4]);
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(rows[2]!.run_id).toBe('run-1');
    expect(typeof rows[0]!.seq).toBe('number');
    expect(await verifyAuditChain(db.k, a)).toEqual({ ok: true, checked: 4 });
    expect(await verifyAuditChain(db.k, b)).toEqual({ ok: true, checked: 1 });
    expect(await verifyAuditChain(db.k, newId())).toEqual({ ok: true, checked: 0 });
    // Small pages give the same answer.
    expect(await verifyAuditChain(db.k, a, 1)).toEqual({ ok: true, checked: 4 });

    // Changing any hashed field is caught at that event.
    await db.k.updateTable('audit_events').set({ actor: 'user:mallory' }).where('org_id', '=', a).where('seq', '=', 3).execute();
    expect(await verifyAuditChain(db.k, a)).toMatchObject({ ok: false, firstBad: 3, checked: 2 });
    await db.k.updateTable('audit_events').set({ actor: 'system' }).where('org_id', '=', a).where('seq', '=', 3).execute();
    await db.k.updateTable('audit_events').set({ at: now + 1000 }).where('org_id', '=', a).where('seq', '=', 2).execute();
    expect(await verifyAuditChain(db.k, a, 1)).toMatchObject({ ok: false, firstBad: 2 });
    await db.k.updateTable('audit_events').set({ at: now + 2 }).where('org_id', '=', a).where('seq', '=', 2).execute();
    await db.k.updateTable('audit_events').set({ data: 'not json' }).where('org_id', '=', a).where('seq', '=', 4).execute();
    expect(await verifyAuditChain(db.k, a)).toMatchObject({ ok: false, firstBad: 4, reason: expect.stringMatching(/unreadable/) });
    // Cutting off the newest events leaves a shorter chain that still adds up; it no longer
    // reaches the head recorded with the last append, so the cut is named.
    await db.k.deleteFrom('audit_events').where('org_id', '=', a).where('seq', '=', 4).execute();
    expect(await verifyAuditChain(db.k, a)).toMatchObject({ ok: false, checked: 3, firstBad: 4, reason: expect.stringMatching(/missing/) });
    // Re-hashing a forged event does not help: the next one no longer links to it.
    await db.k.updateTable('audit_events').set({ hash: 'f'.repeat(64) }).where('org_id', '=', a).where('seq', '=', 1).execute();
    expect(await verifyAuditChain(db.k, a)).toMatchObject({ ok: false, firstBad: 1 });
  });

  it('never forks an org chain when transactions append at once', async () => {
    const org = await newOrg('Busy');
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.tx(async (trx) => {
          await trx.insertInto('spaces').values({ id: newId(), org_id: org, name: `S${i}`, statuses: '[]', created_at: now }).execute();
          await appendAudit(trx, db.dialect, { orgId: org, actor: 'system', action: 'space.created', data: { i }, at: now + i });
        }),
      ),
    );
    await sealAllPending(db);
    const seqs = (await db.k.selectFrom('audit_events').select('seq').where('org_id', '=', org).orderBy('seq').execute()).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await verifyAuditChain(db.k, org)).toEqual({ ok: true, checked: 40 });
  });

  it('orders uuidv7 ids by creation, so keyset pages come back in creation order', async () => {
    const org = await newOrg('Keyset');
    const ids = Array.from({ length: 257 }, () => newId());
    expect([...ids].sort()).toEqual(ids);
    const shuffled = [...ids].sort(() => Math.random() - 0.5);
    await db.k
      .insertInto('spaces')
      .values(shuffled.map((id, i) => ({ id, org_id: org, name: `K${i}`, statuses: '[]', created_at: now })))
      .execute();
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      let q = db.k.selectFrom('spaces').select('id').where('org_id', '=', org);
      if (after) q = q.where('id', '>', after);
      const page = await q.orderBy('id').limit(50).execute();
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.id));
      after = page[page.length - 1]!.id;
    }
    expect(seen).toEqual(ids);
    const newestFirst = await db.k.selectFrom('spaces').select('id').where('org_id', '=', org).orderBy('id', 'desc').limit(3).execute();
    expect(newestFirst.map((r) => r.id)).toEqual(ids.slice(-3).reverse());
  });

  it('saves workflow versions only from the current one; a stale save writes nothing', async () => {
    const org = await newOrg('Flows');
    const spaceId = newId();
    await db.k.insertInto('spaces').values({ id: spaceId, org_id: org, name: 'S', statuses: '[]', created_at: now }).execute();
    const id = newId();
    const def = (body: string) => ({ trigger: { type: 'manual' as const }, phases: [{ id: 'c', type: 'comment' as const, body }] });
    await db.tx((trx) => insertWorkflow(trx, { id, orgId: org, spaceId, name: 'W', enabled: true, definition: def('one'), webhookSecretHash: null, createdBy: null, now }));
    const first = await db.tx((trx) => saveWorkflowVersion(trx, { id, expectedVersion: 1, name: 'W2', definition: def('two'), by: null, now: now + 1 }));
    expect(first).toEqual({ saved: true, version: 2 });
    const stale = await db.tx((trx) => saveWorkflowVersion(trx, { id, expectedVersion: 1, name: 'W3', definition: def('three'), by: null, now: now + 2 }));
    expect(stale).toEqual({ saved: false });
    const wf = await getWorkflow(db.k, org, id);
    expect(wf).toMatchObject({ version: 2, name: 'W2', enabled: true, phases: def('two').phases, createdAt: now, updatedAt: now + 1 });
    expect(await getWorkflow(db.k, newId(), id)).toBeUndefined();
    expect(await getWorkflowVersion(db.k, id, 1)).toMatchObject({ workflowId: id, version: 1, name: 'W', trigger: { type: 'manual' }, phases: def('one').phases });
    expect(await getWorkflowVersion(db.k, id, 3)).toBeUndefined();
    expect(await setWorkflowEnabled(db.k, id, false, now + 3)).toBe(true);
    expect(await setWorkflowEnabled(db.k, id, false, now + 4)).toBe(false);
    expect((await getWorkflow(db.k, org, id))!.version).toBe(2);
  });
  const PHASES: Phase[] = [{ id: 'c', type: 'comment', body: 'x' }];

  /** A run of a one-phase manual workflow, through the store functions the engine uses. */
  async function newRun(): Promise<{ org: string; runId: string }> {
    const org = await newOrg('Guards');
    const spaceId = newId();
    await db.k.insertInto('spaces').values({ id: spaceId, org_id: org, name: 'S', statuses: '[]', created_at: now }).execute();
    const wf = newId();
    await db.tx((trx) => insertWorkflow(trx, { id: wf, orgId: org, spaceId, name: 'W', enabled: true, definition: { trigger: { type: 'manual' }, phases: PHASES }, webhookSecretHash: null, createdBy: null, now }));
    const runId = await db.tx((trx) => createRun(trx, db.dialect, { orgId: org, spaceId, workflowId: wf, workflowVersion: 1, target: null, trigger: { type: 'manual' }, input: {}, startedBy: null, actor: 'system' }, now));
    return { org, runId };
  }

  it('guards a run write by its rev: a write from a stale read throws LostRaceError and changes nothing', async () => {
    const { runId } = await newRun();
    const read = (await loadRun(db.k, runId))!;
    const decided = decide(PHASES, read.state, { type: 'start' }, { now: now + 1, newId });
    if (!decided.ok) throw new Error(decided.message);
    expect(await db.tx((trx) => saveRunState(trx, read.row, read.state, decided.state, now + 1))).toBe(read.row.rev + 1);
    // The same event decided again from the same (now stale) read: refused whole.
    const again = decide(PHASES, read.state, { type: 'start' }, { now: now + 2, newId });
    if (!again.ok) throw new Error(again.message);
    const err = await db.tx((trx) => saveRunState(trx, read.row, read.state, again.state, now + 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LostRaceError);
    const after = (await loadRun(db.k, runId))!;
    expect(after.row).toMatchObject({ rev: read.row.rev + 1, status: 'active', updated_at: now + 1 });
    const exec = { id: decided.state.phases[0]!.id };
    expect(after.state.phases.map((p) => p.id)).toEqual([exec.id]);
  });

  it('reads a locked run with the executions of the version it locked, also after waiting for the lock', async () => {
    const { runId } = await newRun();
    const started = (await loadRun(db.k, runId))!;
    const decided = decide(PHASES, started.state, { type: 'start' }, { now: now + 1, newId });
    if (!decided.ok) throw new Error(decided.message);
    // Transaction A locks the run and writes a new execution; B asks for the lock meanwhile.
    let releaseA!: () => void;
    const aHolds = new Promise<void>((r) => (releaseA = r));
    let aLocked!: () => void;
    const aHasLock = new Promise<void>((r) => (aLocked = r));
    const a = db.txAlone(async (trx) => {
      const mine = (await lockAndLoadRun(trx, db, runId))!;
      await saveRunState(trx, mine.row, mine.state, decided.state, now + 1);
      aLocked();
      await aHolds;
    });
    await aHasLock;
    const b = db.txAlone((trx) => lockAndLoadRun(trx, db, runId));
    // On PostgreSQL B now waits for A's lock (SQLite has one writer: B runs after A).
    await new Promise((r) => setTimeout(r, 100));
    releaseA();
    await a;
    const seen = (await b)!;
    expect(seen.row.rev).toBe(started.row.rev + 1);
    expect(seen.state.status).toBe('active');
    expect(seen.state.phases.map((p) => p.id)).toEqual([decided.state.phases[0]!.id]);
  });

  it('guards a job by its fence: a worker whose lease expired cannot complete the job another worker took', async () => {
    const { org, runId } = await newRun();
    await db.tx((trx) => enqueueJobs(trx, [{ kind: 'timer', orgId: org, runId, dueAt: now - 10 }], now - 10));
    const mine = async (owner: string, at: number) => (await claimJobs(db, owner, at, 1000, 100)).find((j) => j.run_id === runId && j.kind === 'timer');
    const a = await mine('worker-a', now);
    expect(a).toBeDefined();
    expect(await mine('worker-b', now + 500)).toBeUndefined(); // a's lease still runs
    const b = await mine('worker-b', now + 1001);
    expect(b).toMatchObject({ id: a!.id, lease_owner: 'worker-b', fence: a!.fence + 1 });
    const err = await db.tx((trx) => completeJob(trx, a!)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseLostError);
    expect(await db.k.selectFrom('jobs').select('id').where('id', '=', a!.id).execute()).toHaveLength(1);
    await db.tx((trx) => completeJob(trx, b!));
    expect(await db.k.selectFrom('jobs').select('id').where('id', '=', a!.id).execute()).toHaveLength(0);
  });

  it('completes a job and reads its locked run in one step: a stale fence deletes nothing, a missing run still completes the job, a waited-for lock reads the new version', async () => {
    const { org, runId } = await newRun();
    await db.tx((trx) => enqueueJobs(trx, [{ kind: 'timer', orgId: org, runId, dueAt: now - 10 }], now - 10));
    const claim = async (owner: string, at: number) => (await claimJobs(db, owner, at, 1000, 100)).find((j) => j.run_id === runId && j.kind === 'timer')!;
    const stale = await claim('worker-a', now);
    const fresh = await claim('worker-b', now + 1001);
    const err = await db.tx((trx) => completeJobAndLoadRun(trx, db, stale)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseLostError);
    expect(await db.k.selectFrom('jobs').select('fence').where('id', '=', fresh.id).execute()).toEqual([{ fence: fresh.fence }]);

    // Another transaction holds the run's lock and writes a new version; the step waits for it.
    const started = (await loadRun(db.k, runId))!;
    const decided = decide(PHASES, started.state, { type: 'start' }, { now: now + 1, newId });
    if (!decided.ok) throw new Error(decided.message);
    let releaseA!: () => void;
    const aHolds = new Promise<void>((r) => (releaseA = r));
    let aLocked!: () => void;
    const aHasLock = new Promise<void>((r) => (aLocked = r));
    const a = db.txAlone(async (trx) => {
      const mine = (await lockAndLoadRun(trx, db, runId))!;
      await saveRunState(trx, mine.row, mine.state, decided.state, now + 1);
      aLocked();
      await aHolds;
    });
    await aHasLock;
    const b = db.txAlone((trx) => completeJobAndLoadRun(trx, db, fresh));
    await new Promise((r) => setTimeout(r, 100));
    releaseA();
    await a;
    const seen = (await b)!;
    expect(seen.row.rev).toBe(started.row.rev + 1);
    expect(seen.state.phases.map((p) => p.id)).toEqual([decided.state.phases[0]!.id]);
    expect(await db.k.selectFrom('jobs').select('id').where('id', '=', fresh.id).execute()).toHaveLength(0);

    // A job whose run is gone is completed all the same, and reads no run.
    const gone = newId();
    await db.tx((trx) => enqueueJobs(trx, [{ kind: 'timer', orgId: org, runId: gone, dueAt: now - 10 }], now - 10));
    const orphan = (await claimJobs(db, 'worker-c', now + 5000, 1000, 100)).find((j) => j.run_id === gone)!;
    expect(await db.tx((trx) => completeJobAndLoadRun(trx, db, orphan))).toBeNull();
    expect(await db.k.selectFrom('jobs').select('id').where('id', '=', orphan.id).execute()).toHaveLength(0);
  });

  it('takes one counting decision per approver per gate execution; one that stopped counting blocks nothing', async () => {
    const { org, runId } = await newRun();
    const execId = newId();
    await db.k.insertInto('phase_executions').values({ id: execId, run_id: runId, phase_id: 'g', phase_index: 0, type: 'approval', attempt: 1, status: 'waiting', input: null, output: null, error: null, waiting_for: 'approval', wake_at: null, skipped_by: null, skip_reason: null, started_at: now, ended_at: null }).execute();
    const decideAs = (decision: 'approve' | 'deny', counts: number) =>
      db.k.insertInto('gate_decisions').values({ id: newId(), org_id: org, run_id: runId, execution_id: execId, approver_key: 'user:ann', user_id: 'ann', email: null, decision, comment: null, target_version: 1, via: 'app', counts, created_at: now }).execute();
    await decideAs('approve', 1);
    const second = await decideAs('deny', 1).catch((e: unknown) => e);
    expect(isUniqueViolation(second)).toBe(true);
    await db.k.updateTable('gate_decisions').set({ counts: 0 }).where('execution_id', '=', execId).execute();
    await decideAs('deny', 1);
    const rows = await db.k.selectFrom('gate_decisions').select(['decision', 'counts']).where('execution_id', '=', execId).orderBy('id').execute();
    expect(rows).toEqual([{ decision: 'approve', counts: 0 }, { decision: 'deny', counts: 1 }]);
  });
  it('claims due jobs and says when the next unclaimed one falls due, leaving out what it claimed', async () => {
    const own = await openDatabase({ db: await freshDbUrl(dialect) });
    try {
      await own.tx((trx) =>
        enqueueJobs(trx, [
          { kind: 'timer', orgId: null, runId: null, dueAt: now - 20 },
          { kind: 'timer', orgId: null, runId: null, dueAt: now - 10 },
          { kind: 'timer', orgId: null, runId: null, dueAt: now + 5000 },
        ], now - 30),
      );
      // What the worker sleeps on: the answer's nextDue, or (SQLite) nextDueAt asked after.
      const claim = async (owner: string, limit: number) => {
        const r = await claimJobsAndNextDue(own, owner, now, 60_000, limit);
        return { due: r.jobs.map((j) => j.due_at), next: r.nextDue !== undefined ? r.nextDue : await nextDueAt(own.k, now) };
      };
      expect(await claim('a', 1)).toEqual({ due: [now - 20], next: now - 10 });
      expect(await claim('b', 5)).toEqual({ due: [now - 10], next: now + 5000 });
      expect(await claim('c', 5)).toEqual({ due: [], next: now + 5000 });
    } finally {
      await own.close();
    }
  });
});
