/**
 * Org flow control (docs/REQUIREMENTS.md section 9), on SQLite and PostgreSQL over real HTTP: at most
 * `maxActiveRuns` runs are `active` at once; the others stay `triggered` (or `waiting`, when
 * resuming from a wait) with `waitingFor: "flow_control"` and a visible queue position, and
 * start in fair order across spaces as slots free. Raising the limit admits parked runs at
 * once; cancelling a parked run frees nothing. Last, on PostgreSQL, the limit holds across
 * two worker processes.
 *
 * The slow phase is an `http` call to a local server that answers after N ms, or — for the
 * tests that need a slot held for as long as they like — only when the test releases it.
 * The server also counts requests in flight: a second, independent measure of active runs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { liveProcesses, startServeProcess, startWorkerProcesses, stopAllProcesses, type FlowgateProcess, type ServeProcess } from './helpers/processes.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor, sleep } from './helpers/wait.js';
import type { Database } from '../src/store/db.js';
import { openDatabase } from '../src/store/open.js';
import { fairOrder, PARKED, releaseSlot, resizeSlots, takeSlot } from '../src/runtime/flow-control.js';

const FINISHED = ['completed', 'failed', 'cancelled'];

/** `/slow?ms=N` answers after N ms; `/hold/<key>` answers when the test calls release(key). */
async function startSlowServer() {
  let inFlight = 0;
  let maxInFlight = 0;
  const held = new Map<string, () => void>();
  /** Requests per Idempotency-Key (run id : phase id): more than one is a re-execution. */
  const keys = new Map<string, number>();
  const srv = http.createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: url.pathname }));
    };
    if (url.pathname.startsWith('/hold/')) {
      held.set(url.pathname.slice('/hold/'.length), answer);
      return;
    }
    const key = String(req.headers['idempotency-key'] ?? '');
    keys.set(key, (keys.get(key) ?? 0) + 1);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      answer();
    }, Number(url.searchParams.get('ms') ?? 300));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return {
    url,
    /** Most slow requests in flight at once since the last reset. */
    maxInFlight: () => maxInFlight,
    /** Idempotency keys that were called more than once. */
    repeated: () => [...keys].filter(([, n]) => n > 1).map(([k]) => k),
    reset: () => {
      maxInFlight = inFlight;
    },
    arrived: (key: string) => held.has(key),
    release(key: string) {
      const answer = held.get(key);
      held.delete(key);
      answer?.();
    },
    releaseAll() {
      for (const key of [...held.keys()]) this.release(key);
    },
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
type SlowServer = Awaited<ReturnType<typeof startSlowServer>>;

/** Samples `count()` every ~`everyMs` until stopped; reports the largest value seen. */
function sampler(count: () => Promise<number>, everyMs = 20) {
  let running = true;
  let max = 0;
  let samples = 0;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await count());
      samples++;
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}

/** The slow workflow: one http phase whose URL comes from the run input. */
function slowDefinition(name: string) {
  return {
    name,
    trigger: { type: 'manual' },
    phases: [{ id: 'call', type: 'http', method: 'POST', url: '{{input.url}}', timeout: '20s' }],
  };
}

/**
 * The PostgreSQL processes for the last test start with the file, while the in-process tests
 * run: starting three `flowgate` children takes a while on a busy machine. Their lease is
 * longer than the crash tests' (which want a quick takeover): this test is about the limit,
 * and a lease expiring under CPU load would make a live worker's phase run twice.
 */
let multiProcess: Promise<{ serve: ServeProcess & { dbUrl: string }; workers: FlowgateProcess[] }> | null = null;
beforeAll(() => {
  const env = { FLOWGATE_LEASE_MS: '15000' };
  multiProcess = (async () => {
    const dbUrl = await freshDbUrl('postgres');
    const serve = await startServeProcess(dbUrl, { worker: false, env });
    const workers = await startWorkerProcesses(dbUrl, 4, { env });
    return { serve: Object.assign(serve, { dbUrl }), workers };
  })();
  multiProcess.catch(() => {}); // reported where it is awaited
});
afterAll(async () => {
  await multiProcess?.catch(() => {});
  await stopAllProcesses();
  expect(liveProcesses()).toHaveLength(0);
});

describe.each(DIALECTS)('flow control (%s)', { timeout: 60_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  let slow: SlowServer;
  const call = (method: string, path: string, body?: unknown) => s.call(method, path, { token: w.owner.token, body });

  async function space(name: string): Promise<string> {
    const res = await call('POST', '/api/spaces', { name });
    if (res.status !== 201) throw new Error(`space: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async function workflow(spaceId: string, def: { name: string; trigger: unknown; phases: unknown[] }): Promise<string> {
    const res = await call('POST', `/api/spaces/${spaceId}/workflows`, { name: def.name, trigger: def.trigger, phases: def.phases });
    if (res.status !== 201) throw new Error(`workflow: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
  const slowWorkflow = (spaceId: string, name: string) => workflow(spaceId, slowDefinition(name));
  const notifyWorkflow = (spaceId: string, name: string) =>
    workflow(spaceId, { name, trigger: { type: 'manual' }, phases: [{ id: 'note', type: 'notify', to: [w.owner.id], channels: ['in_app'], message: 'Done: {{run.id}}' }] });

  async function start(workflowId: string, input: Record<string, unknown> = { url: `${slow.url}/slow?ms=300` }): Promise<any> {
    const res = await call('POST', `/api/workflows/${workflowId}/runs`, { input });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  /** Starts n runs, `parallel` requests at a time; returns them in submission order. */
  async function startMany(workflowId: string, n: number, parallel = 6): Promise<any[]> {
    const out: any[] = new Array(n);
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < n) {
          const i = next++;
          out[i] = await start(workflowId);
        }
      }),
    );
    return out;
  }

  async function getRun(id: string): Promise<any> {
    const res = await call('GET', `/api/runs/${id}`);
    if (res.status !== 200) throw new Error(`run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  const runUntil = (id: string, pred: (r: any) => boolean, what: string, timeoutMs = 20_000) =>
    waitFor(async () => {
      const r = await getRun(id);
      return pred(r) ? r : null;
    }, timeoutMs, what);
  const parked = (r: any) => r.waitingFor === 'flow_control';

  async function allFinished(ids: string[], timeoutMs = 45_000): Promise<Map<string, any>> {
    const wanted = new Set(ids);
    return waitFor(async () => {
      const res = await call('GET', '/api/runs?limit=500');
      const byId = new Map<string, any>((res.body.items as any[]).filter((r) => wanted.has(r.id)).map((r) => [r.id, r]));
      return ids.every((id) => FINISHED.includes(byId.get(id)?.status)) ? byId : null;
    }, timeoutMs, `${ids.length} runs to finish`);
  }

  async function setLimit(n: number) {
    const res = await call('PATCH', '/api/org', { maxActiveRuns: n });
    expect(res.status).toBe(200);
    expect(res.body.maxActiveRuns).toBe(n);
  }

  const activeInDb = async () => {
    const r = await s.db.k.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', w.orgId).where('status', '=', 'active').executeTakeFirstOrThrow();
    return Number(r.n);
  };
  /** The org's slot rows, and how many a run holds. */
  const slotsInDb = async () => {
    const rows = await s.db.k.selectFrom('org_slots').select(['slot', 'run_id']).where('org_id', '=', w.orgId).execute();
    return { n: rows.length, held: rows.filter((r) => r.run_id).length };
  };
  const activeInApi = async () => (await call('GET', '/api/runs?status=active&limit=500')).body.items.length as number;

  beforeAll(async () => {
    slow = await startSlowServer();
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    expect((await call('GET', '/api/org')).body.maxActiveRuns).toBe(100);
  });
  afterEach(() => slow.releaseAll());
  afterAll(async () => {
    slow?.releaseAll();
    await s?.close();
    await slow?.close();
  });

  it('limit 3: 40 slow runs never have more than 3 active, queue visibly, and all complete', async () => {
    await setLimit(3);
    const sp = await space('Forty');
    const wf = await slowWorkflow(sp, 'Slow call');
    slow.reset();
    const db = sampler(activeInDb);
    const api = sampler(activeInApi, 100); // the API too, less often: it competes with the server's work
    // While they are submitted, some queue: triggered, waiting for flow control, with a queue position.
    const [runs, queued] = await Promise.all([
      startMany(wf, 40),
      waitFor(async () => {
        const res = await call('GET', `/api/runs?status=triggered&workflowId=${wf}&limit=500`);
        const items = (res.body.items as any[]).filter(parked);
        return items.length >= 5 ? items : null;
      }, 15_000, 'queued runs'),
    ]);
    for (const r of queued) {
      expect(r.status).toBe('triggered');
      expect(r.startedAt).toBeNull();
      expect(r.phases).toEqual([]);
      expect(Number.isInteger(r.queuePosition)).toBe(true);
      expect(r.queuePosition).toBeGreaterThanOrEqual(1);
      expect(r.queuePosition).toBeLessThanOrEqual(40);
    }

    const done = await allFinished(runs.map((r) => r.id));
    const fromDb = await db.stop();
    const fromApi = await api.stop();
    expect(fromDb.max).toBeLessThanOrEqual(3);
    expect(fromApi.max).toBeLessThanOrEqual(3);
    expect(slow.maxInFlight()).toBeLessThanOrEqual(3);
    // The limit was reached, not merely respected by running one at a time.
    expect(fromDb.max).toBe(3);
    expect(fromDb.samples).toBeGreaterThan(20);
    for (const r of done.values()) {
      expect({ id: r.id, status: r.status, outcome: r.outcome, waitingFor: r.waitingFor, queuePosition: r.queuePosition }).toEqual({ id: r.id, status: 'completed', outcome: 'succeeded', waitingFor: null, queuePosition: null });
      expect(r.phases.map((p: any) => [p.phaseId, p.status, p.attempt])).toEqual([['call', 'succeeded', 1]]);
    }
    expect(await slotsInDb()).toEqual({ n: 3, held: 0 });
  });

  it('admits fairly across spaces: a small space is not stuck behind a big backlog', async () => {
    await setLimit(3);
    const spaceA = await space('Busy A');
    const spaceB = await space('Quiet B');
    const wfA = await slowWorkflow(spaceA, 'A calls');
    const wfB = await slowWorkflow(spaceB, 'B calls');
    // A's first three runs hold every slot until released, so the backlog is all queued
    // before anything drains: the admission order is flow control's alone.
    const holders: any[] = [];
    for (const key of ['a1', 'a2', 'a3']) holders.push(await start(wfA, { url: `${slow.url}/hold/${key}` }));
    await waitFor(async () => ['a1', 'a2', 'a3'].every(slow.arrived), 10_000, 'the holders to be calling');
    const backlogA: any[] = [];
    const quick = { url: `${slow.url}/slow?ms=200` };
    for (let i = 0; i < 27; i++) backlogA.push(await start(wfA, quick));
    const runsB: any[] = [];
    for (let i = 0; i < 3; i++) runsB.push(await start(wfB, quick));
    await waitFor(async () => {
      const res = await call('GET', '/api/runs?status=triggered&limit=500');
      return (res.body.items as any[]).filter(parked).length === 30;
    }, 10_000, 'all 30 to be queued');
    // Positions tell the order slots will go in, not arrival: B holds none of the slots, so
    // its three runs come first although they arrived last; A's backlog follows, oldest first.
    const posB = await Promise.all(runsB.map(async (r) => (await getRun(r.id)).queuePosition));
    expect(posB).toEqual([1, 2, 3]);
    const listed = new Map(((await call('GET', '/api/runs?status=triggered&limit=500')).body.items as any[]).map((r) => [r.id, r.queuePosition]));
    expect(backlogA.map((r) => listed.get(r.id))).toEqual(Array.from({ length: 27 }, (_, i) => i + 4));

    slow.release('a1');
    slow.release('a2');
    slow.release('a3');
    const done = await allFinished([...holders, ...backlogA, ...runsB].map((r) => r.id));
    const startOf = (id: string) => Date.parse(done.get(id)!.phases[0].startedAt);
    const startsA = backlogA.map((r) => startOf(r.id)).sort((a, b) => a - b);
    const startsB = runsB.map((r) => startOf(r.id));
    const lastB = Math.max(...startsB);
    // B's runs all start before A's backlog drains — well before: most of A's backlog starts after them.
    expect(lastB).toBeLessThan(startsA[startsA.length - 1]!);
    expect(startsA.filter((t) => t > lastB).length).toBeGreaterThanOrEqual(15);
    for (const r of done.values()) expect(r).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it('a run resuming from a wait while the org is full stays waiting for flow control until a slot frees', async () => {
    await setLimit(2);
    const sp = await space('Resume');
    const holdWf = await slowWorkflow(sp, 'Holder');
    const waitWf = await workflow(sp, {
      name: 'Wait then note',
      trigger: { type: 'manual' },
      phases: [
        { id: 'pause', type: 'wait', duration: '3s' },
        { id: 'note', type: 'notify', to: [w.owner.id], channels: ['in_app'], message: 'Resumed {{run.id}}' },
      ],
    });
    const waiter = await start(waitWf, {});
    await runUntil(waiter.id, (r) => r.status === 'waiting' && r.waitingFor === 'wait', 'the run to wait');
    const holder = await start(holdWf, { url: `${slow.url}/hold/resume` });
    await waitFor(async () => slow.arrived('resume'), 10_000, 'the holder to be calling');
    // Now the org is full: one active run, limit one. The wait's timer fires into a full org.
    await setLimit(1);
    const held = await runUntil(waiter.id, parked, 'the resuming run to be held by flow control', 15_000);
    expect(held).toMatchObject({ status: 'waiting', waitingFor: 'flow_control', queuePosition: 1, startedAt: expect.any(String) });
    expect(held.phases.map((p: any) => p.phaseId)).toEqual(['pause']);
    const listed = await call('GET', '/api/runs?status=waiting&limit=500');
    expect(listed.body.items.find((r: any) => r.id === waiter.id)).toMatchObject({ waitingFor: 'flow_control', queuePosition: 1 });
    await sleep(400); // still held while the slot is taken
    expect(await getRun(waiter.id)).toMatchObject({ status: 'waiting', waitingFor: 'flow_control' });
    expect(await activeInDb()).toBe(1);

    slow.release('resume');
    const [h, wr] = [await runUntil(holder.id, (r) => FINISHED.includes(r.status), 'the holder to finish'), await runUntil(waiter.id, (r) => FINISHED.includes(r.status), 'the waiter to finish')];
    expect(h).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(wr).toMatchObject({ status: 'completed', outcome: 'succeeded', waitingFor: null, queuePosition: null });
    expect(wr.phases.map((p: any) => [p.phaseId, p.status])).toEqual([
      ['pause', 'succeeded'],
      ['note', 'succeeded'],
    ]);
    expect(Date.parse(wr.phases[1].startedAt)).toBeGreaterThanOrEqual(Date.parse(h.endedAt));
  });

  it('raising the limit admits parked runs at once', async () => {
    await setLimit(1);
    const sp = await space('Raise');
    const holdWf = await slowWorkflow(sp, 'Holder');
    const quick = await notifyWorkflow(sp, 'Quick');
    const holder = await start(holdWf, { url: `${slow.url}/hold/raise` });
    await waitFor(async () => slow.arrived('raise'), 10_000, 'the holder to be calling');
    const queued: any[] = [];
    for (let i = 0; i < 3; i++) queued.push(await start(quick, {}));
    for (const r of queued) await runUntil(r.id, parked, 'the run to be parked');
    const positions = await Promise.all(queued.map(async (r) => (await getRun(r.id)).queuePosition));
    expect(positions).toEqual([1, 2, 3]);
    const listed = (await call('GET', '/api/runs?status=triggered&limit=500')).body.items.filter((r: any) => queued.some((q) => q.id === r.id));
    expect(listed.map((r: any) => [r.status, r.waitingFor, r.queuePosition]).sort()).toEqual([
      ['triggered', 'flow_control', 1],
      ['triggered', 'flow_control', 2],
      ['triggered', 'flow_control', 3],
    ]);

    await setLimit(4);
    // All three run to completion while the holder still holds its slot.
    for (const r of queued) expect(await runUntil(r.id, (x) => FINISHED.includes(x.status), 'a parked run to finish', 10_000)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(await getRun(holder.id)).toMatchObject({ status: 'active' });
    slow.release('raise');
    expect(await runUntil(holder.id, (r) => FINISHED.includes(r.status), 'the holder to finish')).toMatchObject({ status: 'completed' });
  });

  it('cancelling a parked run ends it cancelled and frees nothing it did not hold', async () => {
    await setLimit(1);
    const sp = await space('Cancel');
    const holdWf = await slowWorkflow(sp, 'Holder');
    const quick = await notifyWorkflow(sp, 'Quick');
    const holder = await start(holdWf, { url: `${slow.url}/hold/cancel` });
    await waitFor(async () => slow.arrived('cancel'), 10_000, 'the holder to be calling');
    const p1 = await start(quick, {});
    const p2 = await start(quick, {});
    await runUntil(p1.id, parked, 'p1 to be parked');
    await runUntil(p2.id, parked, 'p2 to be parked');
    expect((await getRun(p2.id)).queuePosition).toBe(2);

    const cancelled = await call('POST', `/api/runs/${p1.id}/cancel`, { reason: 'not needed' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', queuePosition: null });
    expect(cancelled.body.phases).toEqual([]);
    expect((await call('POST', `/api/runs/${p1.id}/cancel`, {})).status).toBe(409);
    // The slot stays with the holder; the other parked run moves up but does not start.
    await sleep(400);
    expect(await getRun(p2.id)).toMatchObject({ status: 'triggered', waitingFor: 'flow_control', queuePosition: 1 });
    expect(await getRun(holder.id)).toMatchObject({ status: 'active' });
    expect(await activeInDb()).toBe(1);
    const leftovers = await s.db.k.selectFrom('jobs').select('id').where('run_id', '=', p1.id).execute();
    expect(leftovers).toEqual([]);

    slow.release('cancel');
    expect(await runUntil(p2.id, (r) => FINISHED.includes(r.status), 'p2 to finish')).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(await getRun(p1.id)).toMatchObject({ status: 'cancelled', phases: [] });
    expect(await runUntil(holder.id, (r) => FINISHED.includes(r.status), 'the holder to finish')).toMatchObject({ status: 'completed' });
  });
});

describe('flow control across worker processes (postgres)', { timeout: 90_000 }, () => {
  let slow: SlowServer;
  afterAll(async () => {
    slow?.releaseAll();
    await slow?.close();
  });

  it('the limit holds with `serve --no-worker` and four `worker` processes', async () => {
    slow = await startSlowServer();
    const { serve, workers } = await multiProcess!;
    const client = new pg.Client({ connectionString: serve.dbUrl });
    await client.connect();
    try {
      const setup = await serve.call('POST', '/api/setup', { body: { orgName: 'Scale', email: 'owner@scale.example', name: 'Olive', password: 'correct horse' } });
      expect(setup.status).toBe(201);
      const token = setup.body.token as string;
      const sp = (await serve.call('POST', '/api/spaces', { token, body: { name: 'Social' } })).body.id as string;
      expect((await serve.call('PATCH', '/api/org', { token, body: { maxActiveRuns: 3 } })).status).toBe(200);
      // The last phase writes rows (notifications) in the transaction that ends the run and
      // frees its slot, then hands the slot to a parked run.
      const def = slowDefinition('Slow call');
      const phases = [...def.phases, { id: 'note', type: 'notify', to: [setup.body.user.id], channels: ['in_app'], message: 'Called back for {{run.id}}' }];
      const wf = await serve.call('POST', `/api/spaces/${sp}/workflows`, { token, body: { name: def.name, trigger: def.trigger, phases } });
      expect(wf.status).toBe(201);

      const active = sampler(async () => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status = 'active'`)).rows[0]!.n);
      let next = 0;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < 30) {
            next++;
            const res = await serve.call('POST', `/api/workflows/${wf.body.id}/runs`, { token, body: { input: { url: `${slow.url}/slow?ms=300` } } });
            expect(res.status).toBe(201);
          }
        }),
      );
      await waitFor(async () => {
        const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status IN ('completed', 'failed', 'cancelled')`);
        return r.rows[0]!.n === 30;
      }, 60_000, 'all 30 runs to finish');
      const seen = await active.stop();
      expect(seen.max).toBeLessThanOrEqual(3);
      expect(seen.max).toBeGreaterThanOrEqual(2);
      // Measured from outside as well: never more than 3 runs calling out at once, each once.
      expect(slow.maxInFlight()).toBeLessThanOrEqual(3);
      expect(slow.repeated()).toEqual([]);
      const statuses = (await client.query<{ status: string; outcome: string; n: number }>(`SELECT status, outcome, count(*)::int AS n FROM runs GROUP BY status, outcome`)).rows;
      expect(statuses).toEqual([{ status: 'completed', outcome: 'succeeded', n: 30 }]);
      expect((await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE kind = 'resume'`)).rows[0]!.n).toBe(0);
      // Every slot was given back, and the org has exactly its limit of them.
      expect((await client.query(`SELECT count(*)::int AS n, count(run_id)::int AS held FROM org_slots`)).rows).toEqual([{ n: 3, held: 0 }]);

      // A burst under a roomy limit: many runs end at once in four workers, each in a
      // transaction that first writes its comment (a row with a foreign key to the org), then
      // frees its slot and admits the next run.
      expect((await serve.call('PATCH', '/api/org', { token, body: { maxActiveRuns: 50 } })).status).toBe(200);
      const quick = await serve.call('POST', `/api/spaces/${sp}/workflows`, {
        token,
        body: { name: 'Quick', trigger: { type: 'manual' }, phases: [{ id: 'say', type: 'comment', body: 'Seen by {{run.id}}' }] },
      });
      expect(quick.status).toBe(201);
      const items = await Promise.all(Array.from({ length: 40 }, async (_, i) => (await serve.call('POST', `/api/spaces/${sp}/content`, { token, body: { title: `Post ${i}` } })).body.id as string));
      await Promise.all(items.map((id) => serve.call('POST', `/api/workflows/${quick.body.id}/runs`, { token, body: { target: { type: 'content', id } } })));
      await waitFor(async () => {
        const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE workflow_id = $1 AND status = 'completed'`, [quick.body.id]);
        return r.rows[0]!.n === 40;
      }, 30_000, 'the burst to complete');
      // No transaction deadlocked or failed: admission never deadlocks with the writes before it.
      for (const p of [serve, ...workers]) expect(p.output()).not.toMatch(/deadlock|job failed/);
    } finally {
      await client.end();
    }
  });

  it('the limit of 20 holds for 1,000 runs across four `worker` processes, each phase once', { timeout: 240_000 }, async () => {
    slow ??= await startSlowServer();
    slow.reset();
    const { serve, workers } = await multiProcess!;
    const client = new pg.Client({ connectionString: serve.dbUrl });
    await client.connect();
    try {
      // An org of its own: the first org if this test runs alone, else one the instance admin adds.
      const owner = { email: 'owner@thousand.example', name: 'Tess', password: 'correct horse' };
      const setup = await serve.call('POST', '/api/setup', { body: { orgName: 'Thousand', ...owner } });
      let orgId = setup.body.org?.id as string;
      if (setup.status !== 201) {
        const admin = await serve.call('POST', '/api/auth/login', { body: { email: 'owner@scale.example', password: 'correct horse' } });
        const made = await serve.call('POST', '/api/orgs', { token: admin.body.token, body: { name: 'Thousand', owner } });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        orgId = made.body.org.id;
      }
      const login = (await serve.call('POST', '/api/auth/login', { body: { email: owner.email, password: owner.password } })).body;
      const token = login.token as string;
      const org = { id: orgId };
      const sp = (await serve.call('POST', '/api/spaces', { token, body: { name: 'Thousand' } })).body.id as string;
      expect((await serve.call('PATCH', '/api/org', { token, body: { maxActiveRuns: 20 } })).status).toBe(200);
      const def = slowDefinition('Thousand calls');
      const wf = await serve.call('POST', `/api/spaces/${sp}/workflows`, { token, body: { ...def, phases: [...def.phases, { id: 'note', type: 'notify', to: [login.user.id], channels: ['in_app'], message: 'Called back for {{run.id}}' }] } });
      expect(wf.status, JSON.stringify(wf.body)).toBe(201);
      const active = sampler(async () => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status = 'active' AND org_id = $1`, [org.id])).rows[0]!.n);
      const total = 1000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < total) {
            next++;
            const res = await serve.call('POST', `/api/workflows/${wf.body.id}/runs`, { token, body: { input: { url: `${slow.url}/slow?ms=20` } } });
            expect(res.status, JSON.stringify(res.body)).toBe(201);
          }
        }),
      );
      await waitFor(async () => {
        const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE workflow_id = $1 AND status IN ('completed', 'failed', 'cancelled')`, [wf.body.id]);
        return r.rows[0]!.n === total;
      }, 200_000, 'all 1,000 runs to finish');
      const seen = await active.stop();
      expect(seen.max).toBeLessThanOrEqual(20);
      // Measured from outside: never more than 20 calls in flight, and each phase called once.
      expect(slow.maxInFlight()).toBeLessThanOrEqual(20);
      expect(slow.maxInFlight()).toBeGreaterThanOrEqual(5);
      expect(slow.repeated()).toEqual([]);
      const statuses = (await client.query(`SELECT status, outcome, count(*)::int AS n FROM runs WHERE workflow_id = $1 GROUP BY status, outcome`, [wf.body.id])).rows;
      expect(statuses).toEqual([{ status: 'completed', outcome: 'succeeded', n: total }]);
      const notes = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications n JOIN runs r ON r.id = n.run_id WHERE r.workflow_id = $1`, [wf.body.id])).rows[0]!.n;
      expect(notes).toBe(total);
      expect((await client.query(`SELECT count(*)::int AS n, count(run_id)::int AS held FROM org_slots WHERE org_id = $1`, [orgId])).rows).toEqual([{ n: 20, held: 0 }]);
      // The org's audit chain, written by five processes at once, verifies.
      const verify = await serve.call('GET', '/api/audit/verify', { token });
      expect(verify.body).toMatchObject({ ok: true });
      expect(verify.body.checked).toBeGreaterThanOrEqual(total * 2);
      // An edit of one stored event is found, and named.
      const victim = Math.floor(verify.body.checked / 2);
      await client.query(`UPDATE audit_events SET actor = 'user:mallory' WHERE org_id = $1 AND seq = $2`, [orgId, victim]);
      expect((await serve.call('GET', '/api/audit/verify', { token })).body).toMatchObject({ ok: false, firstBad: victim });
      for (const p of [serve, ...workers]) expect(p.output()).not.toMatch(/deadlock|job failed/);
    } finally {
      await client.end();
    }
  });
});

/**
 * The slot rows themselves, on both stores: each claim takes one free row, a newcomer does
 * not overtake parked runs, and changing the limit keeps every holder while never offering
 * more rows than the limit.
 */
describe.each(DIALECTS)('flow-control slots (%s)', (dialect) => {
  let db: Database;
  const org = 'org-slots';
  beforeAll(async () => {
    db = await openDatabase({ db: await freshDbUrl(dialect) });
    await db.k.insertInto('orgs').values({ id: org, name: 'Slots', max_active_runs: 3, created_at: Date.now() }).execute();
  });
  afterAll(async () => db?.close());

  const limit = (n: number) =>
    db.tx(async (trx) => {
      await trx.updateTable('orgs').set({ max_active_runs: n }).where('id', '=', org).execute();
      await resizeSlots(trx, org, n);
    });
  const take = (run: string, queued = true) => db.tx((trx) => takeSlot(trx, org, run, { queued }));
  const release = (run: string) => db.tx((trx) => releaseSlot(trx, org, run));
  const slots = async () => Object.fromEntries((await db.k.selectFrom('org_slots').select(['slot', 'run_id']).where('org_id', '=', org).orderBy('slot').execute()).map((r) => [r.slot, r.run_id]));

  it('claims one free row per run, and none past the limit', async () => {
    await limit(3);
    expect(await slots()).toEqual({ 0: null, 1: null, 2: null });
    expect([await take('a'), await take('b'), await take('c'), await take('d')]).toEqual([true, true, true, false]);
    expect(await slots()).toEqual({ 0: 'a', 1: 'b', 2: 'c' });
    expect(await release('a')).toBe(1);
    expect(await release('a')).toBe(0);
    expect(await slots()).toEqual({ 0: null, 1: 'b', 2: 'c' });
  });

  it('lowering the limit moves holders below it and drops the free rows past it', async () => {
    await limit(2);
    expect(await slots()).toEqual({ 0: 'c', 1: 'b' });
    expect(await take('d')).toBe(false);
    // Below the runs active now: they keep their rows; the org drains to the limit.
    await limit(1);
    expect(await slots()).toEqual({ 0: 'c', 1: 'b' });
    expect(await release('c')).toBe(1);
    expect(await take('d')).toBe(true);
    expect(await release('b')).toBe(1);
    expect(await take('e')).toBe(false);
    await limit(1);
    expect(await slots()).toEqual({ 0: 'd' });
    await limit(0);
    expect(await slots()).toEqual({ 0: 'd' });
    expect(await release('d')).toBe(1);
    expect(await take('e')).toBe(false);
    await limit(0);
    expect(await slots()).toEqual({});
  });

  it('orders parked runs as admission will: least busy space, then least busy workflow, then oldest', () => {
    const run = (id: string, space_id: string, workflow_id: string) => ({ id, space_id, workflow_id });
    const parked = [run('1', 'A', 'a1'), run('2', 'A', 'a1'), run('3', 'A', 'a2'), run('4', 'B', 'b1'), run('5', 'A', 'a2'), run('6', 'B', 'b1')];
    // A holds two slots (both workflow a1), B none.
    const order = fairOrder(parked, [{ space_id: 'A', workflow_id: 'a1' }, { space_id: 'A', workflow_id: 'a1' }]);
    expect(order.map((r) => r.id)).toEqual(['4', '6', '3', '5', '1', '2']);
    expect(fairOrder(parked, []).map((r) => r.id)).toEqual(['1', '4', '3', '6', '2', '5']);
    expect(fairOrder([], [])).toEqual([]);
  });

  it('a newcomer waits behind parked runs; an admitted or manual one does not', async () => {
    await limit(2);
    expect(await slots()).toEqual({ 0: null, 1: null });
    await db.k.insertInto('jobs').values({ id: 'parked-job', kind: 'resume', org_id: org, run_id: 'p', execution_id: null, payload: '{}', due_at: PARKED, lease_owner: null, lease_until: null, fence: 0, attempts: 0, created_at: Date.now() }).execute();
    expect(await take('n')).toBe(false);
    expect(await take('m', false)).toBe(true);
    await db.k.deleteFrom('jobs').where('id', '=', 'parked-job').execute();
    expect(await take('n')).toBe(true);
    expect(await slots()).toEqual({ 0: 'm', 1: 'n' });
  });
});
