/**
 * Fencing (PostgreSQL, real processes): a worker stopped (SIGSTOP) past its leases while it
 * waits on outside calls loses its jobs to another worker, and when it resumes nothing it
 * does is written: every run completes once, its phase has one execution, its item one
 * comment, and the stopped worker reports each job it lost.
 *
 * Each round: the second worker is frozen, so the first one claims a batch of runs whose
 * `http` phase calls a local service that holds its answers; the first worker is frozen
 * with every call in flight; the second is let go, waits out the leases, calls again (same
 * Idempotency-Key) and finishes the runs; then the first is let go and must write nothing.
 * FLOWGATE_FENCING_ROUNDS sets the rounds (32 jobs each; default 2, 32 for 1,024 jobs).
 */
import http from 'node:http';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDbUrl } from './helpers/databases.js';
import { startServeProcess, startWorkerProcesses, stopAllProcesses, type ServeProcess } from './helpers/processes.js';
import { until } from './helpers/wait.js';
import { listenLocal } from './helpers/local-http.js';

const ROUNDS = Number(process.env.FLOWGATE_FENCING_ROUNDS ?? 2);
/** Jobs a worker holds at once (its concurrency). */
const PER_ROUND = 32;

interface Service {
  url: string;
  /** Idempotency keys in the order calls arrived. */
  keys: string[];
  /** Hold answers (true) or answer at once. */
  holding: boolean;
  answerHeld(): void;
  close(): Promise<void>;
}

async function startService(): Promise<Service> {
  const held: http.ServerResponse[] = [];
  const answer = (res: http.ServerResponse) => {
    if (!res.writableEnded && !res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };
  const svc: Service = {
    url: '',
    keys: [],
    holding: true,
    answerHeld: () => held.splice(0).forEach(answer),
    close: async () => {},
  };
  const local = await listenLocal((req, res) => {
    req.resume();
    req.on('end', () => {
      svc.keys.push(String(req.headers['idempotency-key'] ?? ''));
      if (svc.holding) held.push(res);
      else answer(res);
    });
  });
  svc.url = local.url;
  svc.close = local.close;
  return svc;
}

/** Counts the lines a process writes that report a lost job (its kept output is cut when long). */
function countLost(child: { stdout: NodeJS.ReadableStream | null; stderr: NodeJS.ReadableStream | null }) {
  const counter = { n: 0 };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      counter.n += lines.filter((l) => l.includes('expired and another worker took it')).length;
    });
  }
  return counter;
}

describe('fencing (postgres)', { timeout: 60_000 + ROUNDS * 30_000 }, () => {
  afterAll(() => stopAllProcesses());

  it(`a worker stopped past its leases writes nothing once resumed (${ROUNDS} rounds of ${PER_ROUND} jobs)`, async () => {
    const svc = await startService();
    const dbUrl = await freshDbUrl('postgres');
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const api: ServeProcess = await startServeProcess(dbUrl, { worker: false });
      const [victim, survivor] = await startWorkerProcesses(dbUrl, 2);
      const lost = countLost(victim!.child);
      const setup = await api.call('POST', '/api/setup', { body: { orgName: 'Fence', email: 'owner@fence.example', name: 'Owner', password: 'correct horse' } });
      const token = setup.body.token as string;
      const space = await api.call('POST', '/api/spaces', { token, body: { name: 'S' } });
      const wf = await api.call('POST', `/api/spaces/${space.body.id}/workflows`, {
        token,
        body: {
          name: 'Publish, then note',
          trigger: { type: 'manual' },
          phases: [
            { id: 'pub', type: 'http', url: `${svc.url}/publish/{{target.id}}`, timeout: '1m' },
            { id: 'note', type: 'comment', body: 'Published by {{run.id}}' },
          ],
        },
      });
      expect(wf.status, JSON.stringify(wf.body)).toBe(201);

      const runIds: string[] = [];
      const itemOf = new Map<string, string>();
      for (let round = 1; round <= ROUNDS; round++) {
        svc.holding = true;
        survivor!.child.kill('SIGSTOP');
        const before = svc.keys.length;
        const lostBefore = lost.n;
        const batch: string[] = [];
        for (let i = 0; i < PER_ROUND; i++) {
          const item = await api.call('POST', `/api/spaces/${space.body.id}/content`, { token, body: { title: `Round ${round} item ${i}` } });
          const run = await api.call('POST', `/api/workflows/${wf.body.id}/runs`, { token, body: { target: { type: 'content', id: item.body.id } } });
          expect(run.status, JSON.stringify(run.body)).toBe(201);
          batch.push(run.body.id);
          itemOf.set(run.body.id, item.body.id);
        }
        runIds.push(...batch);
        // The first worker holds every job of the round, each with its call in flight.
        await until(`round ${round}: the first worker to call out for every run`, async () => svc.keys.length - before === PER_ROUND, 20_000);
        victim!.child.kill('SIGSTOP');
        svc.holding = false;
        svc.answerHeld();
        survivor!.child.kill('SIGCONT');
        // The second worker takes each job once its lease ran out, calls again, and finishes.
        await until(
          `round ${round}: the second worker to finish the runs`,
          async () => (await db.query(`SELECT count(*)::int AS n FROM runs WHERE id = ANY($1) AND status = 'completed'`, [batch])).rows[0].n === PER_ROUND,
          30_000,
        );
        victim!.child.kill('SIGCONT');
        // The control event: the first worker says, for each job, that it lost it.
        await until(`round ${round}: the first worker to report every lost job`, async () => lost.n - lostBefore >= PER_ROUND, 20_000);
      }

      // Nothing the stopped worker did after resuming was written.
      const execs = await db.query(
        `SELECT run_id, phase_id, count(*)::int AS n, min(status) AS status FROM phase_executions WHERE run_id = ANY($1) GROUP BY run_id, phase_id`,
        [runIds],
      );
      expect(execs.rows.filter((r) => r.n !== 1 || r.status !== 'succeeded')).toEqual([]);
      expect(execs.rows).toHaveLength(runIds.length * 2);
      const comments = await db.query(`SELECT target_id, count(*)::int AS n FROM comments WHERE run_id = ANY($1) GROUP BY target_id`, [runIds]);
      expect(comments.rows).toHaveLength(runIds.length);
      expect(comments.rows.filter((r) => r.n !== 1 || ![...itemOf.values()].includes(r.target_id))).toEqual([]);
      const runs = await db.query(`SELECT count(*)::int AS n FROM runs WHERE id = ANY($1) AND status = 'completed' AND outcome = 'succeeded'`, [runIds]);
      expect(runs.rows[0].n).toBe(runIds.length);
      expect((await db.query(`SELECT count(*)::int AS n FROM jobs WHERE run_id = ANY($1)`, [runIds])).rows[0].n).toBe(0);
      // At least once outside: each call went out twice, with one key per run's phase.
      const perKey = new Map<string, number>();
      for (const k of svc.keys) perKey.set(k, (perKey.get(k) ?? 0) + 1);
      expect(perKey.size).toBe(runIds.length);
      expect([...perKey.values()].every((n) => n === 2)).toBe(true);
      console.log(`fencing: ${runIds.length} jobs lost by a stopped worker, ${lost.n} reported lost by it, 0 of its writes applied; ${svc.keys.length} calls for ${perKey.size} keys`);
    } finally {
      await db.end();
      await svc.close();
    }
  });
});
