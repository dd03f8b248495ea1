/**
 * The graphile-worker side of the peer benchmark: one process running a graphile-worker
 * runner on the benchmark's PostgreSQL database, and adding job chains when the driver asks
 * (protocol.ts).
 *
 * graphile-worker is a job queue, not a workflow engine, so a three-step run is a chain of
 * jobs: task1 writes its row and adds task2 (`helpers.addJob`), task2 writes and adds task3,
 * task3 writes. Each write is one autocommitted INSERT of one row, the counterpart of one
 * Flowgate phase's write. A chain has finished once task3 has succeeded and the queue holds
 * no job any more.
 */
import { Logger, run, type Task } from 'graphile-worker';
import pg from 'pg';
import { inFlight } from '../lib/options.js';
import { servePeer, type RunTimes } from './protocol.js';

const url = process.env.BENCH_DB_URL;
if (!url) throw new Error('BENCH_DB_URL is not set');

/** Jobs run at once by the runner (its default is 1; 16 is in the range its docs suggest for I/O-bound tasks). */
const CONCURRENCY = Number(process.env.BENCH_GRAPHILE_CONCURRENCY ?? 16);

const insert = 'INSERT INTO bench_steps (run_id, step) VALUES ($1, $2)';
const chainOf = (payload: unknown) => (payload as { chain: string }).chain;

const task1: Task = async (payload, helpers) => {
  await helpers.query(insert, [chainOf(payload), 1]);
  await helpers.addJob('task2', { chain: chainOf(payload) });
};
const task2: Task = async (payload, helpers) => {
  await helpers.query(insert, [chainOf(payload), 2]);
  await helpers.addJob('task3', { chain: chainOf(payload) });
};
const task3: Task = async (payload, helpers) => {
  await helpers.query(insert, [chainOf(payload), 3]);
};

/** Errors only: the runner logs every job at info level. */
const logger = new Logger(() => (level, message) => {
  if (level === 'error') console.error(message);
});

const setup = new pg.Client({ connectionString: url });
await setup.connect();
await setup.query(`CREATE TABLE IF NOT EXISTS bench_steps (
  id BIGSERIAL PRIMARY KEY,
  run_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`);

const runner = await run({ connectionString: url, concurrency: CONCURRENCY, noHandleSignals: true, logger, taskList: { task1, task2, task3 } });

/** Chains waiting for their task3, by chain key. */
const waiting = new Map<string, () => void>();
runner.events.on('job:success', ({ job }) => {
  if (job.task_identifier === 'task3') waiting.get(chainOf(job.payload))?.();
});
runner.events.on('job:failed', ({ job, error }) => console.error(`job ${job.task_identifier} failed for good: ${String(error)}`));

servePeer({
  async start(m) {
    if (m.workload !== 'three') throw new Error(`graphile-worker has no ${m.workload} workload`);
    let ownQueries = 0;
    const runs: RunTimes[] = [];
    const done: Promise<void>[] = [];
    const t0 = performance.now();
    await inFlight(m.n, m.concurrency, async (i) => {
      const key = `${m.prefix}-${i}`;
      const startedAt = Date.now();
      done.push(
        new Promise<void>((resolve) =>
          waiting.set(key, () => {
            waiting.delete(key);
            runs[i] = { key, startedAt, endedAt: Date.now() };
            resolve();
          }),
        ),
      );
      await runner.addJob('task1', { chain: key });
    });
    await Promise.all(done);
    // task3's completion is committed just after its success event: wait for the queue to be empty.
    for (;;) {
      ownQueries++;
      const r = await setup.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker.jobs');
      if (r.rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return { runs, elapsedMs: performance.now() - t0, ownQueries };
  },
  async stop() {
    await runner.stop();
    await setup.end();
  },
});
