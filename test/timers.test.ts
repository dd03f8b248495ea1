/**
 * Timers are rows, not in-memory callbacks: 200 runs each wait 1–3 s (random), started within
 * a short window, and the server is restarted halfway through starting them, while the first
 * half wait. No wait ends before
 * its wakeAt, none is lost, none fires twice. Lateness (endedAt − wakeAt) is reported: it is
 * the timer queue's precision plus, for timers that fell due while the server was down, the
 * downtime.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer } from './helpers/server.js';

/** 200 as asked on SQLite; PostgreSQL (slower per transition, and the suite runs files in parallel) checks the same with 100. */
const RUNS_BY_DIALECT = { sqlite: 200, postgres: 100 } as const;
/** Waits from 1 s to 3 s in steps of 100 ms: one workflow per duration. */
const DURATIONS_MS = Array.from({ length: 21 }, (_, i) => 1000 + i * 100);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

describe.each(DIALECTS)('timers survive a restart (%s)', (dialect) => {
  let s: TestServer | undefined;
  afterAll(async () => s?.close());

  const RUNS = RUNS_BY_DIALECT[dialect];
  it(`${RUNS} waits of 1–3 s across a restart: none early, none lost, each fires once`, async () => {
    s = await startTestServer(dialect);
    const w = await setupWorld(s);
    const token = w.owner.token;
    const workflows = await Promise.all(
      DURATIONS_MS.map(async (ms) => {
        const res = await s!.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
          token,
          body: { name: `Wait ${ms} ms`, trigger: { type: 'manual' }, phases: [{ id: 'hold', type: 'wait', duration: `${ms}ms` }] },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return { id: res.body.id as string, ms };
      }),
    );

    // Start the runs 20 requests at a time; halfway, restart the server (half the runs then wait
    // in the database only), and start the other half on the new server.
    const runs: Array<{ id: string; ms: number }> = [];
    const startRuns = async (n: number) => {
      let left = n;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (left > 0) {
            left--;
            const wf = workflows[Math.floor(Math.random() * workflows.length)]!;
            const res = await s!.call('POST', `/api/workflows/${wf.id}/runs`, { token, body: {} });
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            runs.push({ id: res.body.id, ms: wf.ms });
          }
        }),
      );
    };
    const count = async (status: string) => Number((await s!.db.k.selectFrom('runs').select((eb) => eb.fn.countAll().as('n')).where('status', '=', status).executeTakeFirstOrThrow()).n);
    const windowStart = Date.now();
    await startRuns(RUNS / 2);
    const dbUrl = s.dbUrl;
    const stopAt = Date.now();
    const completed = await count('completed');
    const before = { completed, waiting: await count('waiting'), unfinished: RUNS / 2 - completed };
    await s.close();
    s = undefined;
    s = await startTestServer(dialect, {}, dbUrl);
    const downtimeMs = Date.now() - stopAt;
    await startRuns(RUNS / 2);
    const windowMs = Date.now() - windowStart;
    console.log(`timers (${dialect}): ${RUNS} runs started in ${windowMs} ms; restarted after ${RUNS / 2} with ${before.completed} completed, ${before.waiting} waiting and ${before.unfinished - before.waiting} not yet waiting, down ${downtimeMs} ms`);
    expect(before.unfinished, 'the restart should come while runs still wait').toBeGreaterThan(0);

    // Every run completes (none lost) ...
    const deadline = Date.now() + 30_000;
    for (;;) {
      const open = await s.db.k.selectFrom('runs').select('id').where('status', 'not in', ['completed', 'failed', 'cancelled']).execute();
      if (open.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${open.length} runs still open 30 s after the restart, e.g. ${open[0]!.id}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // ... each wait fired exactly once, and never early.
    const ids = runs.map((r) => r.id);
    const rows = await s.db.k.selectFrom('runs').select(['id', 'status', 'outcome']).where('id', 'in', ids).execute();
    expect(rows).toHaveLength(RUNS);
    for (const r of rows) expect({ id: r.id, status: r.status, outcome: r.outcome }).toEqual({ id: r.id, status: 'completed', outcome: 'succeeded' });
    const execs = await s.db.k.selectFrom('phase_executions').selectAll().where('run_id', 'in', ids).execute();
    const byRun = new Map<string, typeof execs>();
    for (const e of execs) byRun.set(e.run_id, [...(byRun.get(e.run_id) ?? []), e]);
    const lateness: number[] = [];
    const latenessAfterRestart: number[] = [];
    const drift: number[] = [];
    for (const run of runs) {
      const mine = byRun.get(run.id) ?? [];
      expect(mine.map((e) => `${e.phase_id}#${e.attempt}:${e.status}`), `run ${run.id}`).toEqual(['hold#1:succeeded']);
      const e = mine[0]!;
      // The wait counts from when its handler ran, which is at or after the phase started.
      expect(e.wake_at! - e.started_at!, `run ${run.id}: wakeAt is less than the duration after the phase started`).toBeGreaterThanOrEqual(run.ms);
      drift.push(e.wake_at! - e.started_at! - run.ms);
      expect(e.ended_at!, `run ${run.id} woke ${e.wake_at! - e.ended_at!} ms early`).toBeGreaterThanOrEqual(e.wake_at!);
      lateness.push(e.ended_at! - e.wake_at!);
      if (e.wake_at! > stopAt) latenessAfterRestart.push(e.ended_at! - e.wake_at!);
    }
    // The timer rows are gone: none left to fire a second time.
    expect(await s.db.k.selectFrom('jobs').select('id').where('run_id', 'in', ids).execute()).toEqual([]);

    lateness.sort((a, b) => a - b);
    drift.sort((a, b) => a - b);
    latenessAfterRestart.sort((a, b) => a - b);
    const fmt = (l: number[]) => (l.length ? `median ${quantile(l, 0.5)} ms, p95 ${quantile(l, 0.95)} ms, max ${l[l.length - 1]} ms (n=${l.length})` : 'n=0');
    console.log(`timers (${dialect}): lateness (endedAt − wakeAt) all: ${fmt(lateness)}; due after the restart began: ${fmt(latenessAfterRestart)}; wakeAt later than startedAt + duration by ${fmt(drift)}`);
  }, 60_000);
});
