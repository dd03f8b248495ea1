/**
 * Group commit (ARCHITECTURE.md "Throughput"): units submitted together share one
 * transaction, each guarded on its own. On real SQLite and PostgreSQL databases: batching
 * happens, a failing unit loses its own writes and nobody else's, a lost lease is reported
 * to its caller alone, a unit's promise settles only after its writes are durable, and under
 * the engine many runs' transitions commit together and every run still completes.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeJob, enqueueJobs, LeaseLostError, type Job } from '../src/runtime/jobs.js';
import { GroupCommitter } from '../src/store/group-commit.js';
import { applyEvent, lockAndLoadRun } from '../src/runtime/transition.js';
import { LostRaceError } from '../src/runtime/run-store.js';
import { sleep, until } from './helpers/wait.js';
import type { Database } from '../src/store/db.js';
import { newId } from '../src/store/ids.js';
import { openDatabase } from '../src/store/open.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { setupWorld, startTestServer } from './helpers/server.js';

const now = 1_750_000_000_000;

describe.each(DIALECTS)('group commit (%s)', { timeout: 90_000 }, (dialect) => {
  let db: Database;
  let url: string;

  beforeAll(async () => {
    url = await freshDbUrl(dialect);
    db = await openDatabase({ db: url });
  });
  afterAll(async () => db?.close());

  /** A unit that writes one org row named `name`. */
  const writeOrg = (name: string) => async (trx: Parameters<Parameters<Database['tx']>[0]>[0]) => {
    const id = newId();
    await trx.insertInto('orgs').values({ id, name, max_active_runs: 100, created_at: now }).execute();
    return id;
  };
  const orgNamed = async (name: string) => (await db.k.selectFrom('orgs').select('id').where('name', '=', name).execute()).map((r) => r.id);

  it('commits units submitted together in fewer transactions, each with its own result', async () => {
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 16, parallel: 1 });
    const names = Array.from({ length: 40 }, (_, i) => `batched-${i}`);
    const ids = await Promise.all(names.map((n) => gc.run(writeOrg(n))));
    for (const [i, n] of names.entries()) expect(await orgNamed(n)).toEqual([ids[i]]);
    const st = gc.stats();
    expect(st.units).toBe(40);
    // 40 units, at most 16 a batch: 3 commits at best; anything well under 40 shows batching.
    expect(st.commits).toBeLessThanOrEqual(10);
    expect(st.largest).toBeGreaterThan(1);
    expect(st.largest).toBeLessThanOrEqual(16);
  });

  // SQLite has one connection: a second batch waits for it whatever the committer does.
  if (dialect === 'postgres') it('opens a further batch while one is open only once enough units wait (parallelFrom)', async () => {
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 64, parallel: 4, parallelFrom: 3 });
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const first = gc.run(async (trx) => {
      const id = await writeOrg('pf-0')(trx);
      await hold;
      return id;
    });
    await until('the first batch to be open', async () => gc.stats().commits === 0 && (await sleep(20), true));
    const two = [gc.run(writeOrg('pf-1')), gc.run(writeOrg('pf-2'))];
    await sleep(100);
    // Two waiting units are not worth a second transaction: they wait for the open one.
    expect(await orgNamed('pf-1')).toEqual([]);
    const third = gc.run(writeOrg('pf-3'));
    // Three are: they commit together while the first batch is still open.
    await until('the three waiting units to commit', async () => (await orgNamed('pf-3')).length === 1 && (await orgNamed('pf-1')).length === 1);
    expect(await orgNamed('pf-0')).toEqual([]);
    release();
    await Promise.all([first, ...two, third]);
    expect(gc.stats()).toMatchObject({ commits: 2, units: 4, largest: 3 });
  });

  it('rolls back only the unit that throws; the others commit, and the error reaches its caller', async () => {
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 16, parallel: 1 });
    const boom = new Error('unit failed');
    let attempts = 0;
    const results = await Promise.allSettled([
      gc.run(writeOrg('keep-1')),
      gc.run(async (trx) => {
        attempts++;
        await writeOrg('lost')(trx);
        throw boom;
      }),
      gc.run(writeOrg('keep-2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(boom);
    expect(await orgNamed('keep-1')).toHaveLength(1);
    expect(await orgNamed('keep-2')).toHaveLength(1);
    expect(await orgNamed('lost')).toEqual([]);
    // It ran in the batch, then once more alone (so its outcome is what it would be unbatched).
    expect(attempts).toBe(2);
    expect(gc.stats().ranAlone).toBe(1);
  });

  it('a unit that fails inside the batch but succeeds alone commits exactly once', async () => {
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 16, parallel: 1 });
    let attempts = 0;
    const [a, flaky, b] = await Promise.all([
      gc.run(writeOrg('steady-a')),
      gc.run(async (trx) => {
        attempts++;
        const id = await writeOrg('flaky')(trx);
        if (attempts === 1) throw new Error('transient');
        return id;
      }),
      gc.run(writeOrg('steady-b')),
    ]);
    expect(await orgNamed('flaky')).toEqual([flaky]);
    expect(await orgNamed('steady-a')).toEqual([a]);
    expect(await orgNamed('steady-b')).toEqual([b]);
  });

  it("keeps each job's fence its own: a second completion of one claim is a lost lease for that caller only", async () => {
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 16, parallel: 1 });
    await enqueueJobs(db.k, [{ kind: 'timer', orgId: null, runId: null, dueAt: now }], now);
    const job = (await db.k.selectFrom('jobs').selectAll().where('kind', '=', 'timer').executeTakeFirstOrThrow()) as Job;
    let lostAttempts = 0;
    const results = await Promise.allSettled([
      gc.run(async (trx) => {
        await completeJob(trx, job);
        return writeOrg('after-first-completion')(trx);
      }),
      gc.run(async (trx) => {
        lostAttempts++;
        await writeOrg('after-second-completion')(trx);
        await completeJob(trx, job);
      }),
    ]);
    expect(results[0]!.status).toBe('fulfilled');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    // A lost lease is final: not retried alone.
    expect(lostAttempts).toBe(1);
    expect(await orgNamed('after-first-completion')).toHaveLength(1);
    expect(await orgNamed('after-second-completion')).toEqual([]);
    expect(await db.k.selectFrom('jobs').select('id').where('id', '=', job.id).execute()).toEqual([]);
  });

  it("settles a unit's promise only once its writes are visible to other connections", async () => {
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 16, parallel: 1 });
    const names = Array.from({ length: 10 }, (_, i) => `visible-${i}`);
    const seen: boolean[] = [];
    const client = dialect === 'postgres' ? new pg.Pool({ connectionString: url, max: 4 }) : null;
    try {
      await Promise.all(
        names.map((n) =>
          gc.run(writeOrg(n)).then(async (id) => {
            // PostgreSQL: a separate session; SQLite: a separate connection to the file.
            if (client) seen.push((await client.query('SELECT 1 FROM orgs WHERE id = $1', [id])).rowCount === 1);
            else {
              const { default: Sqlite } = await import('better-sqlite3');
              const other = new Sqlite(url, { readonly: true });
              try {
                seen.push(Boolean(other.prepare('SELECT 1 FROM orgs WHERE id = ?').get(id)));
              } finally {
                other.close();
              }
            }
          }),
        ),
      );
    } finally {
      await client?.end();
    }
    expect(seen).toEqual(names.map(() => true));
  });

  it('maxBatch 1 commits every unit on its own', async () => {
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 1, parallel: 1 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => gc.run(writeOrg(`alone-${i}`))));
    expect(gc.stats()).toMatchObject({ commits: 5, units: 5, largest: 0 });
  });

  it("batches the engine's transitions under load, and every run still completes with one comment", async () => {
    const s = await startTestServer(dialect);
    try {
      const w = await setupWorld(s);
      const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
        token: w.owner.token,
        body: { name: 'Batch', trigger: { type: 'manual' }, phases: [{ id: 'c1', type: 'comment', body: 'one' }, { id: 'c2', type: 'comment', body: 'two' }] },
      });
      expect(wf.status).toBe(201);
      const items: string[] = [];
      for (let i = 0; i < 60; i++) {
        const c = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: `Item ${i}` } });
        items.push(c.body.id);
      }
      const runs = await Promise.all(
        items.map(async (id) => (await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id } } })).body.id as string),
      );
      const deadline = Date.now() + 60_000;
      for (;;) {
        const done = await s.db.k.selectFrom('runs').select(['id', 'status']).where('id', 'in', runs).where('status', '=', 'completed').execute();
        if (done.length === runs.length) break;
        if (Date.now() > deadline) throw new Error(`only ${done.length} of ${runs.length} runs completed`);
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const id of items) {
        const comments = await s.call('GET', `/api/content/${id}/comments`, { token: w.owner.token });
        expect((comments.body.items ?? comments.body).map((c: { body: string }) => c.body).sort()).toEqual(['one', 'two']);
      }
      const st = s.ctx.engine.worker!.committer.stats();
      // 60 runs, each a start whose two comment phases run inline: at least 60 units, in far fewer commits.
      expect(st.units).toBeGreaterThanOrEqual(60);
      expect(st.largest).toBeGreaterThan(1);
      expect(st.commits).toBeLessThan(st.units);
    } finally {
      await s.close();
    }
  });
});

describe.each(DIALECTS)('a lost race inside a batch (%s)', { timeout: 60_000 }, (dialect) => {
  it("drops only that run's decision: the other runs of the batch commit, and the loser's run is as the winner left it", async () => {
    const s = await startTestServer(dialect);
    try {
      const w = await setupWorld(s);
      const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: 'Hold', trigger: { type: 'manual' }, phases: [{ id: 'hold', type: 'wait', duration: '1h' }] } });
      expect(wf.status).toBe(201);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: {} })).body.id);
      await until('the runs to wait', async () => {
        const rows = await s.db.k.selectFrom('runs').select('status').where('id', 'in', ids).execute();
        return rows.every((r) => r.status === 'waiting');
      });
      // The loser decided from a state read before another transition (a cancel over the API) moved its run.
      const stale = await s.db.txAlone((trx) => lockAndLoadRun(trx, s.db, ids[0]!));
      expect((await s.call('POST', `/api/runs/${ids[0]}/cancel`, { token: w.owner.token, body: { reason: 'first' } })).status).toBe(200);

      const gc = new GroupCommitter(s.db.txAlone, { maxBatch: 16, parallel: 1 });
      const cancel = (id: string, loaded?: typeof stale) => gc.run((trx) => applyEvent(trx, s.db, id, { type: 'cancel', by: 'system', reason: 'batch' }, Date.now(), loaded ? { loaded } : {}));
      const results = await Promise.allSettled([cancel(ids[0]!, stale), cancel(ids[1]!), cancel(ids[2]!)]);
      expect(results[0]!.status).toBe('rejected');
      expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(LostRaceError);
      expect(results.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(gc.stats().largest).toBe(3);

      const runs = await s.db.k.selectFrom('runs').select(['id', 'status', 'rev']).where('id', 'in', ids).orderBy('id').execute();
      const byId = new Map(runs.map((r) => [r.id, r]));
      expect(ids.map((id) => byId.get(id)!.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      // The loser's run kept the winner's write: one cancel, with the winner's reason, and its rev moved once.
      expect(byId.get(ids[0]!)!.rev).toBe(stale!.row.rev + 1);
      const audit = await s.call('GET', `/api/audit?runId=${ids[0]}`, { token: w.owner.token });
      const cancels = (audit.body.items as Array<{ action: string; data: { reason?: string } }>).filter((e) => e.action === 'run.cancelled');
      expect(cancels.map((e) => e.data.reason)).toEqual(['first']);
      for (const id of ids.slice(1)) {
        const trail = await s.call('GET', `/api/audit?runId=${id}`, { token: w.owner.token });
        expect((trail.body.items as Array<{ action: string }>).filter((e) => e.action === 'run.cancelled')).toHaveLength(1);
      }
      expect((await s.call('GET', '/api/audit/verify', { token: w.owner.token })).body.ok).toBe(true);
    } finally {
      await s.close();
    }
  });
});
