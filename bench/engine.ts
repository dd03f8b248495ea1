/**
 * Engine benchmark: how many runs per second Flowgate completes, and how long one short run
 * takes from `POST /runs` to `completed`. Real processes over real databases, driven over
 * HTTP exactly as a client would (see bench/README.md for what the figures mean).
 *
 *   npx tsx bench/engine.ts [--runs 300] [--trials 3] [--latency 50] [--only sqlite,pg1,pg4] [--group-commit on,off]
 *
 * Set-ups: `sqlite` = one `flowgate serve` (API + embedded worker) on a SQLite file;
 * `pgN` = one `flowgate serve --no-worker` for the API plus N `flowgate worker` processes on
 * PostgreSQL (FLOWGATE_BENCH_PG_URL or FLOWGATE_TEST_PG_URL names a server to use; otherwise
 * a throw-away one is started with durable settings: fsync on, like SQLite's synchronous=FULL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { startServeProcess, startWorkerProcesses, stopAllProcesses, type ServeProcess } from '../test/helpers/processes.js';
import { CHILD_ENV, CLIENT_CONCURRENCY, THREE_PHASES, createItems as createItemsIn, http, stop, world } from './lib/flowgate.js';
import { option } from './lib/options.js';
import { createDatabase, startDurablePostgres } from './lib/postgres.js';
import { median, quantile } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------
// Options

const RUNS = Number(option('runs', '300'));
const TRIALS = Number(option('trials', '3'));
const LATENCY_RUNS = Number(option('latency', '50'));
const ONLY = option('only', 'sqlite,pg1,pg4').split(',');
/** Group commit on (the default, 64 transitions a transaction at most) and/or off (each transition alone). */
const GROUP_COMMIT = option('group-commit', 'on').split(',') as ('on' | 'off')[];
// ---------------------------------------------------------------------------------------------
// One set-up: processes, a world, and a way to count finished runs straight from the store

interface Setup {
  name: string;
  describe: string;
  api: ServeProcess;
  token: string;
  spaceId: string;
  /** Finished runs of a workflow, by status, read from the database (not through the API under test). */
  finished(workflowId: string): Promise<{ done: number; failed: number }>;
  close(): Promise<void>;
}

const gcEnv = (gc: 'on' | 'off') => ({ ...CHILD_ENV, FLOWGATE_GROUP_COMMIT_MAX: gc === 'on' ? '64' : '1' });
const gcLabel = (gc: 'on' | 'off') => (GROUP_COMMIT.length > 1 ? `, group commit ${gc}` : '');

async function sqliteSetup(gc: 'on' | 'off'): Promise<Setup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-bench-'));
  const file = path.join(dir, 'flowgate.db');
  const api = await startServeProcess(file, { env: gcEnv(gc) });
  const { token, spaceId } = await world(api);
  const reader = new Sqlite(file, { readonly: true });
  const q = reader.prepare(`SELECT sum(status IN ('completed', 'failed', 'cancelled')) AS done, sum(status = 'failed') AS failed FROM runs WHERE workflow_id = ?`);
  return {
    name: 'sqlite',
    describe: `SQLite, 1 serve process (API + worker)${gcLabel(gc)}`,
    api,
    token,
    spaceId,
    async finished(id) {
      const r = q.get(id) as { done: number | null; failed: number | null };
      return { done: r.done ?? 0, failed: r.failed ?? 0 };
    },
    async close() {
      reader.close();
      await stop(api);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pgSetup(baseUrl: string, workers: number, gc: 'on' | 'off'): Promise<Setup> {
  const url = await createDatabase(baseUrl, `flowgate_bench_${workers}w_${process.pid}`);
  const api = await startServeProcess(url, { worker: false, env: CHILD_ENV });
  const procs = await startWorkerProcesses(url, workers, { env: gcEnv(gc) });
  const { token, spaceId } = await world(api);
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  return {
    name: `pg${workers}`,
    describe: `PostgreSQL, serve --no-worker + ${workers} worker process${workers > 1 ? 'es' : ''}${gcLabel(gc)}`,
    api,
    token,
    spaceId,
    async finished(id) {
      const r = await reader.query(
        `SELECT count(*) FILTER (WHERE status IN ('completed', 'failed', 'cancelled'))::int AS done, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM runs WHERE workflow_id = $1`,
        [id],
      );
      return r.rows[0];
    },
    async close() {
      await reader.end();
      await Promise.all([api, ...procs].map(stop));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements

const createItems = (s: Setup, n: number) => createItemsIn(s.api, s, n);

/** One trial: start `RUNS` runs (32 requests in flight) and time until the last one finishes. */
async function throughputTrial(s: Setup, trial: number) {
  const wf = await http(s.api, 'POST', `/api/spaces/${s.spaceId}/workflows`, s.token, { ...THREE_PHASES, name: `${THREE_PHASES.name} ${trial}` }, 201);
  const items = await createItems(s, RUNS);
  // The API's own responsiveness while the engine is busy: /api/health every 50 ms.
  const health: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const t = performance.now();
      const ok = await fetch(`${s.api.url}/api/health`).then((r) => r.ok, () => false);
      if (ok) health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENT_CONCURRENCY }, async () => {
        while (next < RUNS) {
          const i = next++;
          await http(s.api, 'POST', `/api/workflows/${wf.id}/runs`, s.token, { target: { type: 'content', id: items[i] } }, 201);
        }
      }),
    );
    const accepted = performance.now() - t0;
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const f = await s.finished(wf.id);
      if (f.done >= RUNS) {
        if (f.failed > 0) throw new Error(`${f.failed} runs failed in ${s.name} trial ${trial}`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`${s.name} trial ${trial}: only ${f.done} of ${RUNS} runs finished in 10 minutes`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const elapsed = performance.now() - t0;
    return { runsPerSec: (RUNS * 1000) / elapsed, acceptedPerSec: (RUNS * 1000) / accepted, healthP95: quantile(health, 0.95), healthMax: Math.max(...health) };
  } finally {
    probing = false;
    await prober;
  }
}

/** Reads an SSE stream until a `run` event shows the run finished; resolves with when that arrived. */
async function untilFinishedOverSse(s: Setup, runId: string): Promise<number> {
  const ctl = new AbortController();
  const res = await fetch(`${s.api.url}/api/runs/${runId}/stream`, { headers: { authorization: `Bearer ${s.token}` }, signal: ctl.signal });
  if (!res.ok || !res.body) throw new Error(`stream ${runId}: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ${runId} ended before the run finished`);
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = event.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const run = JSON.parse(data.slice(6));
        if (['completed', 'failed', 'cancelled'].includes(run.status)) {
          if (run.status !== 'completed') throw new Error(`run ${runId} ended ${run.status}`);
          return performance.now();
        }
      }
    }
  } finally {
    ctl.abort();
  }
}

/** `POST /runs` of a 1-phase comment workflow → `completed`, one run at a time. */
async function latency(s: Setup) {
  const wf = await http(s.api, 'POST', `/api/spaces/${s.spaceId}/workflows`, s.token, { name: 'One comment', trigger: { type: 'manual' }, phases: [{ id: 'note', type: 'comment', body: 'Hello' }] }, 201);
  const items = await createItems(s, LATENCY_RUNS + 5);
  const client: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const t0 = performance.now();
    const run = await http(s.api, 'POST', `/api/workflows/${wf.id}/runs`, s.token, { target: { type: 'content', id: items[i] } }, 201);
    const t1 = await untilFinishedOverSse(s, run.id);
    if (i < 5) continue; // warm-up
    client.push(t1 - t0);
    const done = await http(s.api, 'GET', `/api/runs/${run.id}`, s.token);
    server.push(Date.parse(done.endedAt) - Date.parse(done.createdAt));
  }
  return { clientMedian: median(client), clientP95: quantile(client, 0.95), serverMedian: median(server), serverP95: quantile(server, 0.95) };
}

// ---------------------------------------------------------------------------------------------
// Main

const fmt = (n: number, d = 0) => n.toFixed(d);
const rows: string[][] = [];
let ownPg: { url: string; stop(): Promise<void> } | null = null;

async function bench(make: () => Promise<Setup>) {
  const s = await make();
  try {
    const trials = [];
    for (let t = 1; t <= TRIALS; t++) {
      const r = await throughputTrial(s, t);
      console.error(`  ${s.name} trial ${t}: ${fmt(r.runsPerSec, 1)} runs/s (accepted ${fmt(r.acceptedPerSec, 1)}/s; /api/health p95 ${fmt(r.healthP95)} ms, max ${fmt(r.healthMax)} ms)`);
      trials.push(r);
    }
    const l = await latency(s);
    console.error(`  ${s.name} latency: client median ${fmt(l.clientMedian, 1)} ms, p95 ${fmt(l.clientP95, 1)} ms; server median ${fmt(l.serverMedian)} ms, p95 ${fmt(l.serverP95)} ms`);
    const rps = trials.map((t) => t.runsPerSec);
    rows.push([
      s.describe,
      fmt(median(rps), 1),
      `${fmt(Math.min(...rps), 1)}–${fmt(Math.max(...rps), 1)}`,
      fmt(median(trials.map((t) => t.healthP95))),
      `${fmt(l.clientMedian, 1)} / ${fmt(l.clientP95, 1)}`,
      `${fmt(l.serverMedian)} / ${fmt(l.serverP95)}`,
    ]);
  } finally {
    await s.close();
  }
}

try {
  console.error(`Flowgate engine bench: ${RUNS} runs × ${TRIALS} trials per set-up, latency over ${LATENCY_RUNS} runs; ${os.cpus().length} CPUs, Node ${process.version}`);
  if (ONLY.includes('sqlite')) for (const gc of GROUP_COMMIT) await bench(() => sqliteSetup(gc));
  const pgWanted = ONLY.filter((o) => /^pg\d+$/.test(o));
  if (pgWanted.length) {
    let base = process.env.FLOWGATE_BENCH_PG_URL ?? process.env.FLOWGATE_TEST_PG_URL;
    if (!base) {
      ownPg = await startDurablePostgres();
      base = ownPg.url;
    }
    for (const o of pgWanted) for (const gc of GROUP_COMMIT) await bench(() => pgSetup(base!, Number(o.slice(2)), gc));
  }
  const head = ['set-up', 'runs/s (median)', 'min–max', '/api/health p95 under load (ms)', 'latency client median / p95 (ms)', 'latency server median / p95 (ms)'];
  const table = [head, head.map(() => '---'), ...rows];
  console.log(`\n${RUNS} runs of notify → mutate → comment per trial, ${TRIALS} trials; latency: 1-phase comment run, ${LATENCY_RUNS} runs one at a time\n`);
  for (const r of table) console.log(`| ${r.join(' | ')} |`);
} finally {
  await stopAllProcesses();
  await ownPg?.stop();
}
