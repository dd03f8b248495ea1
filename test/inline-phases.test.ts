/**
 * `tx` phases that a transition starts run in that same transaction (config.inlinePhasesMax),
 * not through a job each. What must hold: every phase's effects happen exactly once, the
 * metrics still count each phase and transition, `inlinePhasesMax: 0` queues every phase as
 * a job, and a phase that throws while running inline is rolled back alone and queued as a
 * job, while the phases before it stay committed.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

const PHASES = [
  { id: 'one', type: 'comment', body: 'one' },
  { id: 'two', type: 'comment', body: 'two' },
  { id: 'three', type: 'comment', body: 'three' },
];

async function metric(s: TestServer, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function runOnce(s: TestServer, token: string, spaceId: string) {
  const wf = await s.call('POST', `/api/spaces/${spaceId}/workflows`, { token, body: { name: `Three comments ${Math.random()}`, trigger: { type: 'manual' }, phases: PHASES } });
  expect(wf.status).toBe(201);
  const item = await s.call('POST', `/api/spaces/${spaceId}/content`, { token, body: { title: 'Launch post' } });
  const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token, body: { target: { type: 'content', id: item.body.id } } });
  expect(run.status).toBe(201);
  return { runId: run.body.id as string, itemId: item.body.id as string };
}

async function comments(s: TestServer, token: string, itemId: string): Promise<string[]> {
  const res = await s.call('GET', `/api/content/${itemId}/comments`, { token });
  return (res.body.items ?? res.body).map((c: { body: string }) => c.body).sort();
}

for (const dialect of DIALECTS) {
  describe(`phases run inline (${dialect})`, () => {
    let s: TestServer | null = null;
    afterEach(async () => {
      await s?.close();
      s = null;
    });

    it('runs three comment phases in the start transition: each once, counted, and no phase job', async () => {
      s = await startTestServer(dialect);
      const w = await setupWorld(s);
      const claimsBefore = await metric(s, 'flowgate_jobs_claimed_total', 'kind="phase.execute"');
      const { runId, itemId } = await runOnce(s, w.owner.token, w.spaceId);
      await until('the run to complete', async () => (await s!.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body.status === 'completed');
      expect(await comments(s, w.owner.token, itemId)).toEqual(['one', 'three', 'two']);
      const run = (await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body;
      expect(run.phases.map((p: { phaseId: string; status: string }) => `${p.phaseId}:${p.status}`)).toEqual(['one:succeeded', 'two:succeeded', 'three:succeeded']);
      expect(await metric(s, 'flowgate_jobs_claimed_total', 'kind="phase.execute"')).toBe(claimsBefore);
      expect(await metric(s, 'flowgate_run_transitions_total', 'event="phase_succeeded"')).toBe(3);
      expect(await metric(s, 'flowgate_phase_executions_total', 'type="comment",result="succeeded"')).toBe(3);
      // The run's audit trail: started and completed, once each, and the chain verifies.
      const audit = await s.call('GET', `/api/audit?runId=${runId}`, { token: w.owner.token });
      const actions = (audit.body.items as Array<{ action: string }>).map((e) => e.action);
      expect(actions.filter((a) => a === 'run.started')).toHaveLength(1);
      expect(actions.filter((a) => a === 'run.completed')).toHaveLength(1);
      const verify = await s.call('GET', '/api/audit/verify', { token: w.owner.token });
      expect(verify.body.ok).toBe(true);
    });

    it('with inlinePhasesMax 0 every phase is a job of its own, with the same outcome', async () => {
      s = await startTestServer(dialect, { inlinePhasesMax: 0 });
      const w = await setupWorld(s);
      const { runId, itemId } = await runOnce(s, w.owner.token, w.spaceId);
      await until('the run to complete', async () => (await s!.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body.status === 'completed');
      expect(await comments(s, w.owner.token, itemId)).toEqual(['one', 'three', 'two']);
      expect(await metric(s, 'flowgate_jobs_claimed_total', 'kind="phase.execute"')).toBe(3);
    });

    it('a phase that throws inline rolls its job back, which runs again with its phases queued: the phase before it commits, the failing one is retried as a job', async () => {
      s = await startTestServer(dialect);
      const db = s.db.k;
      // The database refuses comment "two" while inline_boom has a row.
      await sql`CREATE TABLE inline_boom (armed INTEGER)`.execute(db);
      await sql`INSERT INTO inline_boom (armed) VALUES (1)`.execute(db);
      if (dialect === 'sqlite') {
        await sql`CREATE TRIGGER inline_boom_t BEFORE INSERT ON comments WHEN NEW.body = 'two' AND EXISTS (SELECT 1 FROM inline_boom) BEGIN SELECT RAISE(ABORT, 'comment two refused'); END`.execute(db);
      } else {
        await sql.raw(`CREATE FUNCTION inline_boom_f() RETURNS trigger AS $$ BEGIN IF NEW.body = 'two' AND EXISTS (SELECT 1 FROM inline_boom) THEN RAISE EXCEPTION 'comment two refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`).execute(db);
        await sql`CREATE TRIGGER inline_boom_t BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION inline_boom_f()`.execute(db);
      }
      const w = await setupWorld(s);
      const { runId, itemId } = await runOnce(s, w.owner.token, w.spaceId);
      // Phase one committed with the start; phase two waits as a job that keeps failing.
      await until('phase two to be queued as a job', async () => {
        const job = await db.selectFrom('jobs').select('attempts').where('run_id', '=', runId).where('kind', '=', 'phase.execute').executeTakeFirst();
        return job && job.attempts >= 1 && (await comments(s!, w.owner.token, itemId)).length === 1;
      });
      expect(await comments(s, w.owner.token, itemId)).toEqual(['one']);
      const waiting = (await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body;
      expect(waiting.status).toBe('active');
      expect(waiting.currentPhaseId).toBe('two');
      await sql`DELETE FROM inline_boom`.execute(db);
      await until('the run to complete', async () => (await s!.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body.status === 'completed', 20_000);
      expect(await comments(s, w.owner.token, itemId)).toEqual(['one', 'three', 'two']);
    });
  });
}
