/**
 * Scheduled workflows (docs/REQUIREMENTS.md section 2: "a cron expression read in an IANA
 * time zone; such runs have no target"), on SQLite and PostgreSQL, with a cron that fires every second
 * (`* * * * * *`, seconds first). A scheduled workflow has one `schedule` job row; each slot
 * fires once; disabling stops the fires; after downtime the missed time fires once (marked
 * late when over a minute late), not once per missed slot. Last, on PostgreSQL, a `serve`
 * and a `worker` process share the database and each slot still fires exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/open.js';
import { LATE_AFTER_MS, nextSlot } from '../src/runtime/schedules.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { liveProcesses, startServeProcess, startWorkerProcesses, stopAllProcesses, type FlowgateProcess, type ServeProcess } from './helpers/processes.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor, sleep } from './helpers/wait.js';

const EVERY_SECOND = { type: 'schedule', cron: '* * * * * *', timezone: 'UTC' };
const slotOf = (run: any) => Date.parse(run.trigger.slot);

/**
 * The two PostgreSQL processes of the last test start with the file, while the in-process
 * tests run: starting `flowgate` children takes a while on a busy machine.
 */
let twoProcesses: Promise<{ dbUrl: string; serve: ServeProcess; workers: FlowgateProcess[] }> | null = null;
beforeAll(() => {
  twoProcesses = (async () => {
    const dbUrl = await freshDbUrl('postgres');
    const serve = await startServeProcess(dbUrl);
    const workers = await startWorkerProcesses(dbUrl, 1);
    return { dbUrl, serve, workers };
  })();
  twoProcesses.catch(() => {}); // reported where it is awaited
});
afterAll(async () => {
  await twoProcesses?.catch(() => {});
  await stopAllProcesses();
  expect(liveProcesses()).toHaveLength(0);
});

describe('nextSlot', () => {
  it('reads 6-field crons with seconds, and 5-field crons in their time zone', () => {
    const t = Date.parse('2030-03-05T10:00:00.400Z');
    expect(nextSlot({ type: 'schedule', cron: '* * * * * *', timezone: 'UTC' }, t)).toBe(Date.parse('2030-03-05T10:00:01.000Z'));
    // From exactly a slot, the next one is strictly after it.
    expect(nextSlot({ type: 'schedule', cron: '* * * * * *', timezone: 'UTC' }, Date.parse('2030-03-05T10:00:01.000Z'))).toBe(Date.parse('2030-03-05T10:00:02.000Z'));
    expect(nextSlot({ type: 'schedule', cron: '*/15 * * * * *', timezone: 'UTC' }, t)).toBe(Date.parse('2030-03-05T10:00:15.000Z'));
    // Tuesdays at 09:00 in Paris (UTC+1 in March before the switch): 2030-03-05 is a Tuesday.
    expect(nextSlot({ type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Paris' }, t)).toBe(Date.parse('2030-03-12T08:00:00.000Z'));
    expect(nextSlot({ type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Paris' }, Date.parse('2030-03-05T07:00:00Z'))).toBe(Date.parse('2030-03-05T08:00:00.000Z'));
  });
});

describe.each(DIALECTS)('schedules (%s)', { timeout: 60_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  const call = (method: string, path: string, body?: unknown) => s.call(method, path, { token: w.owner.token, body });

  const note = () => ({ id: 'note', type: 'notify', to: [w.owner.id], channels: ['in_app'], message: 'Tick {{input.slot}}' });

  async function scheduled(name: string, trigger: Record<string, unknown> = EVERY_SECOND): Promise<string> {
    const res = await call('POST', `/api/spaces/${w.spaceId}/workflows`, { name, trigger, phases: [note()] });
    if (res.status !== 201) throw new Error(`workflow ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async function runsOf(workflowId: string): Promise<any[]> {
    const res = await call('GET', `/api/workflows/${workflowId}/runs?limit=500`);
    if (res.status !== 200) throw new Error(`runs: ${res.status} ${JSON.stringify(res.body)}`);
    return [...res.body.items].reverse();
  }

  /** The workflow's pending schedule jobs, straight from the store. */
  async function scheduleJobs(workflowId: string) {
    const rows = await s.db.k.selectFrom('jobs').select(['id', 'payload', 'due_at']).where('kind', '=', 'schedule').execute();
    return rows.filter((r) => JSON.parse(r.payload).workflowId === workflowId).map((r) => ({ id: r.id, dueAt: Number(r.due_at), slot: JSON.parse(r.payload).slot as number }));
  }

  function expectScheduleRun(run: any, workflowId: string) {
    expect(run).toMatchObject({ workflowId, target: null, trigger: { type: 'schedule', cron: '* * * * * *', timezone: 'UTC' } });
    expect(run.startedBy ?? null).toBeNull();
    const slot = slotOf(run);
    expect(slot % 1000).toBe(0);
    expect(run.input).toEqual({ slot: run.trigger.slot, late: run.trigger.late });
    expect(Date.parse(run.createdAt)).toBeGreaterThanOrEqual(slot);
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
  });
  afterAll(async () => s?.close());

  it('refuses a bad cron or time zone, and accepts seconds', async () => {
    const bad = await call('POST', `/api/spaces/${w.spaceId}/workflows`, { name: 'Bad', trigger: { type: 'schedule', cron: '61 * * * *', timezone: 'UTC' }, phases: [note()] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toContain('trigger.cron');
    const badZone = await call('POST', `/api/spaces/${w.spaceId}/workflows`, { name: 'Bad zone', trigger: { type: 'schedule', cron: '0 9 * * 2', timezone: 'Mars/Olympus' }, phases: [note()] });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.details.map((d: any) => d.path)).toContain('trigger.timezone');
    const weekly = await scheduled('Weekly', { type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Paris' });
    const jobs = await scheduleJobs(weekly);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.dueAt).toBe(jobs[0]!.slot);
    expect(jobs[0]!.slot).toBe(nextSlot({ type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Paris' }, Date.now() - 60_000));
    // A save that moves away from a schedule drops the job; a disabled schedule has none.
    const put = await call('PUT', `/api/workflows/${weekly}`, { name: 'Weekly', trigger: { type: 'manual' }, phases: [note()] });
    expect(put.status).toBe(200);
    expect(await scheduleJobs(weekly)).toHaveLength(0);
    const off = await call('POST', `/api/spaces/${w.spaceId}/workflows`, { name: 'Off', enabled: false, trigger: EVERY_SECOND, phases: [note()] });
    expect(off.status).toBe(201);
    expect(await scheduleJobs(off.body.id)).toHaveLength(0);
  });

  it('fires every second with trigger.type schedule and no target; disabling stops the fires', async () => {
    const wf = await scheduled('Every second');
    expect(await scheduleJobs(wf)).toHaveLength(1);
    const runs = await waitFor(async () => {
      const r = await runsOf(wf);
      return r.length >= 3 ? r : null;
    }, 20_000, 'three scheduled runs');
    for (const run of runs) {
      expectScheduleRun(run, wf);
      expect(run.trigger.late).toBe(false);
    }
    const slots = runs.map(slotOf);
    expect(new Set(slots).size).toBe(slots.length);
    expect([...slots].sort((a, b) => a - b)).toEqual(slots);
    // Still one job, for a slot after the last fired one.
    const jobs = await scheduleJobs(wf);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.slot).toBeGreaterThan(Math.max(...slots));

    // Saving a new version keeps one job.
    const saved = await call('PUT', `/api/workflows/${wf}`, { name: 'Every second, v2', trigger: EVERY_SECOND, phases: [note()] });
    expect(saved.status).toBe(200);
    expect(await scheduleJobs(wf)).toHaveLength(1);
    const v2 = await waitFor(async () => (await runsOf(wf)).find((r) => r.workflowVersion === 2), 10_000, 'a fire of version 2');
    expectScheduleRun(v2, wf);

    const disabled = await call('PATCH', `/api/workflows/${wf}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect(await scheduleJobs(wf)).toHaveLength(0);
    const atDisable = (await runsOf(wf)).length;
    await sleep(2500); // proving an absence: a few slots pass with no fire
    const after = await runsOf(wf);
    expect(after.length).toBe(atDisable);
    for (const run of after) {
      const done = await waitFor(async () => {
        const r = await call('GET', `/api/runs/${run.id}`);
        return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : null;
      }, 20_000, `run ${run.id} to finish`);
      expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    }

    // Enabling again resumes from now, without catching up on the disabled time.
    const enabledAt = Date.now();
    expect((await call('PATCH', `/api/workflows/${wf}`, { enabled: true })).status).toBe(200);
    const resumed = await waitFor(async () => {
      const r = await runsOf(wf);
      return r.length > atDisable ? r.slice(atDisable) : null;
    }, 10_000, 'a fire after enabling again');
    for (const run of resumed) expect(slotOf(run)).toBeGreaterThan(enabledAt - 1000);
    expect((await call('PATCH', `/api/workflows/${wf}`, { enabled: false })).status).toBe(200);
  });

  it('a schedule across a restart fires once for the missed time, marked late when over a minute late, then resumes', async () => {
    // Its own server and database: this test stops and restarts it.
    let srv = await startTestServer(dialect);
    const world = await setupWorld(srv);
    const api = (method: string, path: string, body?: unknown) => srv.call(method, path, { token: world.owner.token, body });
    const created = await api('POST', `/api/spaces/${world.spaceId}/workflows`, {
      name: 'Every second',
      trigger: EVERY_SECOND,
      phases: [{ id: 'note', type: 'notify', to: [world.owner.id], channels: ['in_app'], message: 'Tick {{input.slot}}' }],
    });
    expect(created.status).toBe(201);
    const wf = created.body.id as string;
    const list = async () => [...(await api('GET', `/api/workflows/${wf}/runs?limit=500`)).body.items].reverse();
    const jobsOf = async (db: { k: TestServer['db']['k'] }) =>
      (await db.k.selectFrom('jobs').selectAll().where('kind', '=', 'schedule').execute()).filter((j) => JSON.parse(j.payload).workflowId === wf);

    try {
      await waitFor(async () => (await list()).length >= 1, 20_000, 'a first fire');

      // 1. Stopped for several slots: one fire for the missed time, not one per missed second.
      await srv.close();
      const stoppedAt = Date.now();
      await sleep(3500);
      const before = new Set<string>();
      {
        const db = await openDatabase({ db: srv.dbUrl, migrate: false });
        try {
          const jobs = await jobsOf(db);
          expect(jobs).toHaveLength(1);
          expect(Number(jobs[0]!.due_at)).toBeLessThan(stoppedAt + 1500);
          for (const r of await db.k.selectFrom('runs').select('id').where('workflow_id', '=', wf).execute()) before.add(r.id);
        } finally {
          await db.close();
        }
      }
      const restartedAt = Date.now();
      srv = await startTestServer(dialect, {}, srv.dbUrl);
      const afterFirst = await waitFor(async () => {
        const fresh = (await list()).filter((r) => !before.has(r.id));
        return fresh.filter((r) => slotOf(r) >= restartedAt).length >= 2 ? fresh : null;
      }, 20_000, 'fires after the first restart');
      const missed = afterFirst.filter((r) => slotOf(r) < restartedAt);
      expect(missed).toHaveLength(1);
      expect(slotOf(missed[0])).toBeLessThan(stoppedAt + 1500);
      expect(missed[0].trigger.late).toBe(false); // a few seconds behind is not "late"
      for (const r of afterFirst) expectScheduleRun(r, wf);

      // 2. The pending job set back five minutes (as after a long outage): one late fire.
      await srv.close();
      const missedSlot = Math.floor(Date.now() / 1000) * 1000 - 5 * 60_000;
      const seen = new Set<string>();
      {
        const db = await openDatabase({ db: srv.dbUrl, migrate: false });
        try {
          const jobs = await jobsOf(db);
          expect(jobs).toHaveLength(1);
          await db.k.updateTable('jobs').set({ due_at: missedSlot, payload: JSON.stringify({ workflowId: wf, slot: missedSlot }), lease_owner: null, lease_until: null }).where('id', '=', jobs[0]!.id).execute();
          for (const r of await db.k.selectFrom('runs').select('id').where('workflow_id', '=', wf).execute()) seen.add(r.id);
        } finally {
          await db.close();
        }
      }
      const restartedAgain = Date.now();
      srv = await startTestServer(dialect, {}, srv.dbUrl);
      const fresh = await waitFor(async () => {
        const runs = (await list()).filter((r) => !seen.has(r.id));
        return runs.filter((r) => slotOf(r) >= restartedAgain).length >= 2 ? runs : null;
      }, 20_000, 'fires after the second restart');
      const late = fresh.filter((r) => r.trigger.late);
      expect(late).toHaveLength(1);
      expect(slotOf(late[0])).toBe(missedSlot);
      expect(Date.parse(late[0].createdAt) - missedSlot).toBeGreaterThan(LATE_AFTER_MS);
      expect(late[0].input).toEqual({ slot: new Date(missedSlot).toISOString(), late: true });
      // Nothing for the other 299 missed seconds: every other fire is a normal one after the restart.
      for (const r of fresh.filter((x) => x !== late[0])) {
        expect(r.trigger.late).toBe(false);
        expect(slotOf(r)).toBeGreaterThanOrEqual(restartedAgain);
      }
      const slots = fresh.map(slotOf);
      expect(new Set(slots).size).toBe(slots.length);
      expect(await jobsOf(srv.db)).toHaveLength(1);
    } finally {
      await srv.call('PATCH', `/api/workflows/${wf}`, { token: world.owner.token, body: { enabled: false } }).catch(() => {});
      await srv.close();
    }
  });
});

describe('schedules with two processes sharing PostgreSQL', { timeout: 90_000 }, () => {
  it('fires each slot exactly once with a serve and a worker process', async () => {
    const { dbUrl, serve, workers } = await twoProcesses!;
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      const setup = await serve.call('POST', '/api/setup', { body: { orgName: 'Tick', email: 'owner@tick.example', name: 'Olive', password: 'correct horse' } });
      expect(setup.status).toBe(201);
      const token = setup.body.token as string;
      const ownerId = setup.body.user.id as string;
      const sp = (await serve.call('POST', '/api/spaces', { token, body: { name: 'Clock' } })).body.id as string;
      const def = (name: string) => ({ name, trigger: EVERY_SECOND, phases: [{ id: 'note', type: 'notify', to: [ownerId], channels: ['in_app'], message: 'Tick {{input.slot}}' }] });
      const wf = await serve.call('POST', `/api/spaces/${sp}/workflows`, { token, body: def('Every second') });
      expect(wf.status).toBe(201);

      const jobCount = async () =>
        (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE kind = 'schedule' AND payload LIKE $1`, [`%${wf.body.id}%`])).rows[0]!.n;
      const counts: number[] = [];
      const started = Date.now();
      let saves = 0;
      // ~6 s of fires, with saves (each re-syncs the job) racing the fires now and then.
      while (Date.now() - started < 6000) {
        counts.push(await jobCount());
        if (Date.now() - started > saves * 1200 + 600 && saves < 4) {
          saves++;
          const put = await serve.call('PUT', `/api/workflows/${wf.body.id}`, { token, body: def(`Every second v${saves + 1}`) });
          expect(put.status).toBe(200);
        }
        await sleep(50);
      }
      expect(counts.every((n) => n === 1), `schedule jobs seen: ${[...new Set(counts)].join(', ')}`).toBe(true);
      expect((await serve.call('PATCH', `/api/workflows/${wf.body.id}`, { token, body: { enabled: false } })).status).toBe(200);
      expect(await jobCount()).toBe(0);

      const rows = (await client.query<{ event_key: string; trigger: string }>(`SELECT event_key, trigger FROM runs WHERE workflow_id = $1`, [wf.body.id])).rows;
      expect(rows.length).toBeGreaterThanOrEqual(3);
      const perSlot = new Map<string, number>();
      for (const r of rows) {
        const slot = JSON.parse(r.trigger).slot as string;
        perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
        expect(r.event_key).toBe(`schedule:${wf.body.id}:${Date.parse(slot)}`);
      }
      expect([...perSlot.values()].every((n) => n === 1), JSON.stringify([...perSlot])).toBe(true);
      // Every run finishes, wherever it ran.
      await waitFor(async () => {
        const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE workflow_id = $1 AND status <> 'completed'`, [wf.body.id]);
        return r.rows[0]!.n === 0;
      }, 30_000, 'every scheduled run to complete');
      for (const p of [serve, ...workers]) expect(p.output()).not.toMatch(/job failed|duplicate key/);
    } finally {
      await client.end();
      await Promise.all([serve.kill(), ...workers.map((p) => p.kill())]);
    }
  });
});
