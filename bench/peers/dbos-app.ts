/**
 * The DBOS Transact side of the peer benchmark: one process that launches DBOS on the
 * benchmark's PostgreSQL database, registers the two workflows, and starts and awaits runs
 * when the driver asks (protocol.ts).
 *
 * DBOS 5 has no database transactions of its own (they live in separate data-source
 * packages), so each step does its write through a plain `pg` pool: one autocommitted
 * INSERT of one row, the counterpart of one Flowgate phase's write. DBOS then checkpoints
 * the step's result in its system tables (schema `dbos`, same database).
 *
 *   three: step1 → step2 → step3
 *   gated: step1 → DBOS.recv('decision') → step2 → step3   (the driver's DBOS.send decides)
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { inFlight } from '../lib/options.js';
import { servePeer, type RunTimes } from './protocol.js';

const url = process.env.BENCH_DB_URL;
if (!url) throw new Error('BENCH_DB_URL is not set');

const app = new pg.Pool({ connectionString: url, max: 10 });

async function write(run: string, step: number): Promise<void> {
  await app.query('INSERT INTO bench_steps (run_id, step) VALUES ($1, $2)', [run, step]);
}

/** How long a gated run waits for its decision before failing. */
const DECISION_TIMEOUT_S = 600;

const three = DBOS.registerWorkflow(
  async (run: string) => {
    await DBOS.runStep(() => write(run, 1), { name: 'step1' });
    await DBOS.runStep(() => write(run, 2), { name: 'step2' });
    await DBOS.runStep(() => write(run, 3), { name: 'step3' });
  },
  { name: 'three' },
);

const gated = DBOS.registerWorkflow(
  async (run: string) => {
    await DBOS.runStep(() => write(run, 1), { name: 'step1' });
    const decision = await DBOS.recv<string>('decision', DECISION_TIMEOUT_S);
    if (decision !== 'approve') throw new Error(`run ${run}: decision ${decision}`);
    await DBOS.runStep(() => write(run, 2), { name: 'step2' });
    await DBOS.runStep(() => write(run, 3), { name: 'step3' });
  },
  { name: 'gated' },
);

await app.query(`CREATE TABLE IF NOT EXISTS bench_steps (
  id BIGSERIAL PRIMARY KEY,
  run_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`);

DBOS.setConfig({ name: 'flowgate-peer-bench', systemDatabaseUrl: url, applicationVersion: 'bench', logLevel: 'warn' });
await DBOS.launch();

servePeer({
  async start(m) {
    const wf = m.workload === 'three' ? three : gated;
    const runs: RunTimes[] = [];
    const results: Promise<void>[] = [];
    const failures: string[] = [];
    const t0 = performance.now();
    await inFlight(m.n, m.concurrency, async (i) => {
      const key = `${m.prefix}-${i}`;
      const startedAt = Date.now();
      const handle = await DBOS.startWorkflow(wf, { workflowID: key })(key);
      results.push(
        handle.getResult().then(
          () => void (runs[i] = { key, startedAt, endedAt: Date.now() }),
          (e: unknown) => void failures.push(`${key}: ${e instanceof Error ? e.message : String(e)}`),
        ),
      );
    });
    await Promise.all(results);
    if (failures.length) throw new Error(`${failures.length} of ${m.n} workflows failed, e.g. ${failures[0]}`);
    return { runs, elapsedMs: performance.now() - t0, ownQueries: 0 };
  },
  async stop() {
    await DBOS.shutdown();
    await app.end();
  },
});
