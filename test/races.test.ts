/**
 * Cancel racing the engine. A run `wait 200ms → comment → comment` is cancelled at a random
 * moment, so the cancel lands on every state: triggered, the wait executing, waiting, the
 * timer firing, a comment executing, already completed. Whatever the interleaving, the
 * run ends in exactly one terminal state, nothing starts after a cancel, and what the run
 * says it did is what it did (one comment per succeeded comment phase, no more).
 * Two cancels of one run at the same instant: exactly one wins.
 */
import { sealAllPending } from '../src/audit/log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

const TRIALS = { sqlite: 100, postgres: 30 } as const;
const PARALLEL = 4;
const TERMINAL = ['completed', 'failed', 'cancelled'];

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(DIALECTS)('races: cancel against the engine (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  let raceWf: string;
  let holdWf: string;
  /** A moving average of the cancel request's round trip, which under load is far from zero. */
  let rtt = 20;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    const race = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: {
        name: 'Wait then two comments',
        trigger: { type: 'manual' },
        phases: [
          { id: 'hold', type: 'wait', duration: '200ms' },
          { id: 'first', type: 'comment', body: 'first' },
          { id: 'second', type: 'comment', body: 'second' },
        ],
      },
    });
    expect(race.status, JSON.stringify(race.body)).toBe(201);
    raceWf = race.body.id;
    const hold = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Hold an hour', trigger: { type: 'manual' }, phases: [{ id: 'hold', type: 'wait', duration: '1h' }, { id: 'after', type: 'comment', body: 'too late' }] },
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    holdWf = hold.body.id;
  });
  afterAll(async () => s?.close());

  async function newItem(title: string): Promise<string> {
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /**
   * One trial. Every fifth cancel goes out as soon as the run exists (it lands on a starting or
   * waiting run); the others at a random moment from just before the wait's wake-up to 60 ms
   * after it, where the timer, the comment phases and the cancel race each other. The moment is
   * taken from the run's own wakeAt, less half the recent round trip, not from when the client
   * heard back: under load an HTTP round trip alone can outlast the whole run.
   */
  async function trial(n: number) {
    const itemId = await newItem(`Race ${n}`);
    const started = await s.call('POST', `/api/workflows/${raceWf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: itemId } } });
    expect(started.status).toBe(201);
    const runId = started.body.id as string;
    const createdAt = Date.parse(started.body.createdAt);
    let aim = 'at once';
    if (n % 5 !== 0) {
      const jitter = Math.floor(Math.random() * 80) - 20;
      aim = `wake ${jitter >= 0 ? '+' : ''}${jitter} ms`;
      const wakeAt = await until(`run ${runId} to wait`, async () => {
        const r = await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token });
        const hold = r.body.phases.find((p: any) => p.phaseId === 'hold');
        return hold?.wakeAt ? Date.parse(hold.wakeAt) : TERMINAL.includes(r.body.status) ? 1 : null;
      });
      // Sent half a round trip early, it reaches the server about when aimed.
      const delay = wakeAt + jitter - rtt / 2 - Date.now();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    }
    const cancelSentAt = Date.now();
    const cancel = await s.call('POST', `/api/runs/${runId}/cancel`, { token: w.owner.token, body: { reason: `trial ${n}` } });
    const cancelAnsweredAt = Date.now();
    rtt = 0.7 * rtt + 0.3 * (cancelAnsweredAt - cancelSentAt);
    const where = `trial ${n} (cancel aimed ${aim}, sent ${cancelSentAt - createdAt} ms after the run was created, answered ${cancel.status}) run ${runId}`;
    expect([200, 409], where).toContain(cancel.status);

    const run = await until(`run ${runId} to end`, async () => {
      const r = await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token });
      return TERMINAL.includes(r.body.status) ? r.body : null;
    });
    // Jobs left for a cancelled run (a queued execute of the cancelled phase) are dropped when claimed.
    await until(`the jobs of run ${runId} to drain`, async () => (await s.db.k.selectFrom('jobs').select('id').where('run_id', '=', runId).execute()).length === 0);

    await sealAllPending(s.db);
    const endings = await s.db.k.selectFrom('audit_events').select('action').where('run_id', '=', runId).where('action', 'in', ['run.completed', 'run.failed', 'run.cancelled']).execute();
    expect(endings.map((e) => e.action), where).toEqual([`run.${run.status}`]);
    const comments = await s.call('GET', `/api/content/${itemId}/comments`, { token: w.owner.token });
    const bodies = (comments.body.items as Array<{ body: string; runId: string }>).map((c) => c.body);
    const phases = run.phases as Array<{ phaseId: string; status: string; startedAt: string; endedAt: string | null; attempt: number }>;
    for (const p of phases) expect(p.status, where).not.toMatch(/^(running|waiting)$/);
    for (const p of phases) expect(p.attempt, where).toBe(1);
    // Exactly the comments of the succeeded comment phases, in order.
    expect(bodies, where).toEqual(phases.filter((p) => p.phaseId !== 'hold' && p.status === 'succeeded').map((p) => p.phaseId));

    if (cancel.status === 200) {
      expect(cancel.body.status, where).toBe('cancelled');
      expect(run.status, where).toBe('cancelled');
      const endedAt = Date.parse(run.endedAt);
      expect(endedAt, where).toBeLessThanOrEqual(cancelAnsweredAt);
      for (const p of phases) expect(Date.parse(p.startedAt), `${where}: phase ${p.phaseId} started after the cancel`).toBeLessThanOrEqual(endedAt);
      // Phases ran in order up to the cancel: succeeded ones, then at most one cancelled one, then nothing.
      const statuses = phases.map((p) => p.status);
      expect(statuses.join(','), where).toMatch(/^(succeeded,)*(succeeded|cancelled)?$/);
      expect(phases.map((p) => p.phaseId), where).toEqual(['hold', 'first', 'second'].slice(0, phases.length));
      expect(statuses.filter((x) => x === 'succeeded').length, `${where}: a cancelled run did everything`).toBeLessThan(3);
    } else {
      // Refused: the run had already finished by itself.
      expect(run.status, where).toBe('completed');
      expect(run.outcome, where).toBe('succeeded');
      expect(phases.map((p) => `${p.phaseId}:${p.status}`), where).toEqual(['hold:succeeded', 'first:succeeded', 'second:succeeded']);
    }
    // A cancel that lands before the run starts leaves it with no phase at all.
    const last = phases[phases.length - 1];
    if (run.status !== 'cancelled') return run.status;
    return last ? `cancelled in ${last.phaseId} (${last.status})` : 'cancelled before it started';
  }

  it(`cancel at a random moment of a fast run: exactly one ending, nothing after it (${TRIALS[dialect]} trials)`, async () => {
    const results: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < TRIALS[dialect]) results.push(await trial(next++));
      }),
    );
    const tally: Record<string, number> = {};
    for (const r of results) tally[r] = (tally[r] ?? 0) + 1;
    console.log(`races (${dialect}), how the runs ended: ${JSON.stringify(tally)}`);
    expect(results).toHaveLength(TRIALS[dialect]);
  }, 60_000);

  it('two cancels of one run at the same instant: one 200, one 409', async () => {
    for (let i = 0; i < 10; i++) {
      const itemId = await newItem(`Double ${i}`);
      const started = await s.call('POST', `/api/workflows/${holdWf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: itemId } } });
      expect(started.status).toBe(201);
      const runId = started.body.id as string;
      // Half of them raced while the run is still starting, half once it waits.
      if (i % 2 === 1) {
        await until(`run ${runId} to wait`, async () => (await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body.status === 'waiting');
      }
      const both = await Promise.all([1, 2].map((k) => s.call('POST', `/api/runs/${runId}/cancel`, { token: w.owner.token, body: { reason: `cancel ${k}` } })));
      expect(both.map((r) => r.status).sort(), `run ${runId}: ${JSON.stringify(both.map((r) => r.body))}`).toEqual([200, 409]);
      const loser = both.find((r) => r.status === 409)!;
      expect(loser.body.error.code).toBe('conflict');
      await sealAllPending(s.db);
      const endings = await s.db.k.selectFrom('audit_events').select(['action', 'data']).where('run_id', '=', runId).where('action', '=', 'run.cancelled').execute();
      expect(endings).toHaveLength(1);
      const run = await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token });
      expect(run.body.status).toBe('cancelled');
      await until(`the jobs of run ${runId} to drain`, async () => (await s.db.k.selectFrom('jobs').select('id').where('run_id', '=', runId).execute()).length === 0);
      expect((await s.call('GET', `/api/content/${itemId}/comments`, { token: w.owner.token })).body.items).toEqual([]);
    }
  }, 60_000);
});
