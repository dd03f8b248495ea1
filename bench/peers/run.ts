/**
 * Peer benchmark: Flowgate beside DBOS Transact and graphile-worker on one PostgreSQL
 * server, each system in its own database, the same small workloads, trials interleaved
 * (see bench/README.md for what the figures mean and what they leave out).
 *
 *   npx tsx bench/peers/run.ts [--runs 500] [--trials 3] [--warmup N]
 *                              [--only flowgate-pg1,flowgate-pg4,dbos,graphile-worker,flowgate-sqlite,sqlite-bound]
 *                              [--workloads three,gated]
 *
 * Workloads:
 *   three  three steps, each a small write: Flowgate's notify → mutate → comment workflow;
 *          a DBOS workflow of three steps; a graphile-worker chain of three jobs.
 *   gated  a step, then a gate that an API call decides, then two steps: Flowgate's
 *          comment → approval → comment → comment, decided through the decision endpoint;
 *          a DBOS workflow step → DBOS.recv → step → step, decided by DBOS.send.
 *
 * Each trial of each set-up gets a fresh database and fresh processes: warm-up runs first,
 * then the commit counter of the database is read, then `--runs` runs are timed. The
 * server is FLOWGATE_BENCH_PG_URL (or FLOWGATE_TEST_PG_URL), else a throw-away one with
 * durable settings (fsync on). Figures go to stdout (markdown) and to
 * bench/results/peers-latest.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DBOSClient } from '@dbos-inc/dbos-sdk';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { startServeProcess, stopAllProcesses } from '../../test/helpers/processes.js';
import {
  CHILD_ENV,
  CLIENT_CONCURRENCY,
  THREE_PHASES,
  createItems,
  createWorkflow,
  finishedRunsPg,
  http,
  startPostgresProcesses,
  startRun,
  stop,
  world,
  type FlowgateProcess,
  type ServeProcess,
  type World,
} from '../lib/flowgate.js';
import { inFlight, option } from '../lib/options.js';
import { CommitCounter, CountingClient, createDatabase, dropDatabase, startDurablePostgres, type PostgresServer } from '../lib/postgres.js';
import { median, quantile } from '../lib/stats.js';
import { startPeer, stopAllPeers, type PeerProcess } from './peer-process.js';
import type { RunTimes, Workload } from './protocol.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = path.join(ROOT, 'bench/results/peers-latest.json');

// ---------------------------------------------------------------------------------------------
// Options

const RUNS = Number(option('runs', '500'));
const TRIALS = Number(option('trials', '3'));
/** Runs before the measured ones in each trial, on the same processes: JIT, pools, caches. */
const WARMUP = Number(option('warmup', String(Math.min(50, Math.max(10, Math.round(RUNS / 10))))));
const ALL_SETUPS = ['flowgate-pg1', 'flowgate-pg4', 'dbos', 'graphile-worker', 'flowgate-sqlite', 'sqlite-bound'] as const;
type SetupName = (typeof ALL_SETUPS)[number];
const ONLY = option('only', ALL_SETUPS.join(',')).split(',') as SetupName[];
const WORKLOADS = option('workloads', 'three,gated').split(',') as Workload[];
for (const o of ONLY) if (!ALL_SETUPS.includes(o)) throw new Error(`--only: unknown set-up ${o} (known: ${ALL_SETUPS.join(', ')})`);
for (const w of WORKLOADS) if (w !== 'three' && w !== 'gated') throw new Error(`--workloads: unknown workload ${w} (known: three, gated)`);
/** How often the driver looks at a store for finished (and, gated, waiting) runs. */
const POLL_MS = 10;
/** How long the SQLite commit bound loops. */
const BOUND_MS = 3000;

// ---------------------------------------------------------------------------------------------
// Workflows

/** The gated workload in Flowgate: a comment, an approval gate the owner decides, two comments. */
const gatedWorkflow = (approver: string) => ({
  name: 'Comment, approve, comment, comment',
  trigger: { type: 'manual' },
  phases: [
    { id: 'submit', type: 'comment', body: 'Submitted by run {{run.id}}' },
    // The owner starts the runs and decides them: self-approval must be allowed.
    { id: 'gate', type: 'approval', approvers: { members: [approver] }, required: 'any', allowSelfApproval: true },
    { id: 'after', type: 'comment', body: 'Approved' },
    { id: 'done', type: 'comment', body: 'Done' },
  ],
});

// ---------------------------------------------------------------------------------------------
// Set-ups: each trial opens a session (fresh processes on a fresh database), runs a warm-up
// batch and a measured batch in it, and closes it.

interface Batch {
  elapsedMs: number;
  /** Per run: from just before its start call to when it was recorded finished (ms). */
  latencies: number[];
  /** gated: from just before the decision call to when the phase after the gate started (ms). */
  decisionLatencies?: number[];
  /** Statements the driver (or the peer's own watcher) ran on the system's database, to take off its commit count. */
  ownQueries: number;
}

/** A batch made ready (workflow and target items created, nothing started): `run()` times it. */
type Prepared = () => Promise<Batch>;

interface Session {
  /**
   * Prepares `n` runs of the workload; the returned function starts them
   * (`CLIENT_CONCURRENCY` start calls in flight) and waits until every one has finished.
   */
  prepare(label: string, n: number): Promise<Prepared>;
  /** Stops the processes and closes every connection to the database. */
  close(): Promise<void>;
}

interface Setup {
  name: SetupName;
  describe: string;
  workloads: Workload[];
  /** PostgreSQL set-ups get a database per trial and commit counts; SQLite ones do not. */
  postgres: boolean;
  open(workload: Workload, dbUrl: string | null): Promise<Session>;
}

const poll = () => new Promise((r) => setTimeout(r, POLL_MS));
const deadlineAfter = (ms: number) => {
  const at = Date.now() + ms;
  return (what: string) => {
    if (Date.now() > at) throw new Error(`${what}: not done in ${ms / 1000} s`);
  };
};

/** Flowgate on PostgreSQL: `flowgate serve --no-worker` + `workers` × `flowgate worker`. */
function flowgatePg(workers: number): Setup {
  return {
    name: `flowgate-pg${workers}` as SetupName,
    describe: `Flowgate, PostgreSQL, serve --no-worker + ${workers} worker process${workers > 1 ? 'es' : ''}`,
    workloads: ['three', 'gated'],
    postgres: true,
    async open(workload, url) {
      const procs = await startPostgresProcesses(url!, workers);
      const all: FlowgateProcess[] = [procs.api, ...procs.workers];
      try {
        const w = await world(procs.api);
        const reader = await CountingClient.open(url!);
        return {
          prepare: (label, n) => (workload === 'three' ? flowgateThree(procs.api, w, reader, label, n) : flowgateGated(procs.api, w, reader, label, n)),
          async close() {
            await reader.close();
            await Promise.all(all.map(stop));
          },
        };
      } catch (e) {
        await Promise.all(all.map(stop));
        throw e;
      }
    },
  };
}

/** Starts one run per item, `CLIENT_CONCURRENCY` requests in flight; returns when each start was sent, by run id. */
async function startRuns(api: ServeProcess, w: World, workflowId: string, items: string[]): Promise<Map<string, number>> {
  const startedAt = new Map<string, number>();
  await inFlight(items.length, CLIENT_CONCURRENCY, async (i) => {
    const t = Date.now();
    startedAt.set(await startRun(api, w.token, workflowId, items[i]!), t);
  });
  return startedAt;
}

async function flowgateThree(api: ServeProcess, w: World, reader: CountingClient, label: string, n: number): Promise<Prepared> {
  const wf = await createWorkflow(api, w, { ...THREE_PHASES, name: `${THREE_PHASES.name} ${label}` });
  const items = await createItems(api, w, n);
  return async () => {
    const q0 = reader.queries;
    const t0 = performance.now();
    const startedAt = await startRuns(api, w, wf, items);
    const check = deadlineAfter(10 * 60_000);
    for (;;) {
      const f = await finishedRunsPg(reader, wf);
      if (f.failed > 0) throw new Error(`${f.failed} Flowgate runs did not complete (${label})`);
      if (f.done >= n) break;
      check(`Flowgate, ${label}: ${f.done} of ${n} runs`);
      await poll();
    }
    const elapsedMs = performance.now() - t0;
    const ownQueries = reader.queries - q0 + 1; // and the read below
    const ended = await reader.query<{ id: string; ended_at: string }>(`SELECT id, ended_at FROM runs WHERE workflow_id = $1`, [wf]);
    return { elapsedMs, latencies: ended.rows.map((r) => Number(r.ended_at) - startedAt.get(r.id)!), ownQueries };
  };
}

async function flowgateGated(api: ServeProcess, w: World, reader: CountingClient, label: string, n: number): Promise<Prepared> {
  const wf = await createWorkflow(api, w, { ...gatedWorkflow(w.userId), name: `Gated ${label}` });
  const items = await createItems(api, w, n);
  return async () => {
    const q0 = reader.queries;
    const decidedAt = new Map<string, number>();
    const toDecide: string[] = [];
    let finished = false;
    let decisionError: unknown;
    // Deciders: every run seen waiting at its gate is approved through the API, 32 calls at most in flight.
    const deciders = Array.from({ length: CLIENT_CONCURRENCY }, async () => {
      while (!finished) {
        const id = toDecide.shift();
        if (!id) {
          await poll();
          continue;
        }
        decidedAt.set(id, Date.now());
        await http(api, 'POST', `/api/runs/${id}/phases/gate/decision`, w.token, { decision: 'approve' }).catch((e: unknown) => void (decisionError ??= e));
      }
    });
    const t0 = performance.now();
    let startedAt: Map<string, number> | undefined;
    const starting = startRuns(api, w, wf, items).then(
      (m) => void (startedAt = m),
      (e: unknown) => void (decisionError ??= e),
    );
    const check = deadlineAfter(10 * 60_000);
    let elapsedMs = 0;
    try {
      for (;;) {
        const r = await reader.query<{ done: number; failed: number; waiting: string[] | null }>(
          `SELECT count(*) FILTER (WHERE status IN ('completed', 'failed', 'cancelled'))::int AS done,
                  count(*) FILTER (WHERE status IN ('failed', 'cancelled'))::int AS failed,
                  array_agg(id) FILTER (WHERE status = 'waiting' AND waiting_for = 'approval') AS waiting
             FROM runs WHERE workflow_id = $1`,
          [wf],
        );
        const f = r.rows[0]!;
        if (decisionError) throw decisionError;
        if (f.failed > 0) throw new Error(`${f.failed} Flowgate runs did not complete (${label})`);
        for (const id of f.waiting ?? []) if (!decidedAt.has(id) && !toDecide.includes(id)) toDecide.push(id);
        if (f.done >= n) {
          elapsedMs = performance.now() - t0;
          break;
        }
        check(`Flowgate, ${label}: ${f.done} of ${n} runs`);
        await poll();
      }
      await starting;
    } finally {
      finished = true;
      await Promise.allSettled(deciders);
    }
    const ownQueries = reader.queries - q0 + 2; // and the two reads below
    const ended = await reader.query<{ id: string; ended_at: string }>(`SELECT id, ended_at FROM runs WHERE workflow_id = $1`, [wf]);
    const next = await reader.query<{ run_id: string; started_at: string }>(
      `SELECT pe.run_id, pe.started_at FROM phase_executions pe JOIN runs r ON r.id = pe.run_id WHERE r.workflow_id = $1 AND pe.phase_id = 'after'`,
      [wf],
    );
    return {
      elapsedMs,
      latencies: ended.rows.map((r) => Number(r.ended_at) - startedAt!.get(r.id)!),
      decisionLatencies: next.rows.map((r) => Number(r.started_at) - decidedAt.get(r.run_id)!),
      ownQueries,
    };
  };
}

/** Flowgate on SQLite: one `flowgate serve` (API + embedded worker), WAL, synchronous=FULL. */
const flowgateSqlite: Setup = {
  name: 'flowgate-sqlite',
  describe: 'Flowgate, SQLite, 1 serve process (API + worker)',
  workloads: ['three'],
  postgres: false,
  async open() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-peers-'));
    const file = path.join(dir, 'flowgate.db');
    const api = await startServeProcess(file, { env: CHILD_ENV });
    const close = async () => {
      await stop(api);
      fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
      const w = await world(api);
      const reader = new Sqlite(file, { readonly: true });
      const finishedQ = reader.prepare(`SELECT sum(status IN ('completed', 'failed', 'cancelled')) AS done, sum(status IN ('failed', 'cancelled')) AS failed FROM runs WHERE workflow_id = ?`);
      const endedQ = reader.prepare(`SELECT id, ended_at FROM runs WHERE workflow_id = ?`);
      return {
        async prepare(label, n) {
          const wf = await createWorkflow(api, w, { ...THREE_PHASES, name: `${THREE_PHASES.name} ${label}` });
          const items = await createItems(api, w, n);
          return async () => {
            const t0 = performance.now();
            const startedAt = await startRuns(api, w, wf, items);
            const check = deadlineAfter(10 * 60_000);
            for (;;) {
              const f = finishedQ.get(wf) as { done: number | null; failed: number | null };
              if ((f.failed ?? 0) > 0) throw new Error(`${f.failed} Flowgate runs did not complete (${label})`);
              if ((f.done ?? 0) >= n) break;
              check(`Flowgate SQLite, ${label}: ${f.done} of ${n} runs`);
              await poll();
            }
            const elapsedMs = performance.now() - t0;
            const ended = endedQ.all(wf) as { id: string; ended_at: number }[];
            return { elapsedMs, latencies: ended.map((r) => r.ended_at - startedAt.get(r.id)!), ownQueries: 0 };
          };
        },
        async close() {
          reader.close();
          await close();
        },
      };
    } catch (e) {
      await close();
      throw e;
    }
  },
};

/** DBOS Transact in one process (dbos-app.ts) that starts its own workflows; gated runs are decided by DBOSClient.send from the driver. */
const dbos: Setup = {
  name: 'dbos',
  describe: 'DBOS Transact, 1 process (starts and executes the workflows)',
  workloads: ['three', 'gated'],
  postgres: true,
  async open(workload, url) {
    const peer = await startPeer('dbos-app.ts', { BENCH_DB_URL: url! });
    let client: DBOSClient | undefined;
    let reader: CountingClient | undefined;
    try {
      if (workload === 'gated') {
        client = await DBOSClient.create({ systemDatabaseUrl: url!, applicationName: 'flowgate-peer-bench' });
        reader = await CountingClient.open(url!);
      }
    } catch (e) {
      await peer.stop();
      throw e;
    }
    return {
      async prepare(label, n) {
        if (workload === 'gated') return () => dbosGated(peer, client!, reader!, label, n);
        return async () => {
          const r = await peer.start({ workload, prefix: label, n, concurrency: CLIENT_CONCURRENCY });
          return { elapsedMs: r.elapsedMs, latencies: latenciesOf(r.runs), ownQueries: r.ownQueries };
        };
      },
      async close() {
        await client?.destroy();
        await reader?.close();
        await peer.stop();
      },
    };
  },
};

const latenciesOf = (runs: RunTimes[]) => runs.map((r) => r.endedAt - r.startedAt);

async function dbosGated(peer: PeerProcess, client: DBOSClient, reader: CountingClient, label: string, n: number): Promise<Batch> {
  const q0 = reader.queries;
  const decidedAt = new Map<string, number>();
  const toDecide: string[] = [];
  let finished = false;
  const deciders = Array.from({ length: CLIENT_CONCURRENCY }, async () => {
    while (!finished) {
      const id = toDecide.shift();
      if (!id) {
        await poll();
        continue;
      }
      decidedAt.set(id, Date.now());
      await client.send(id, 'approve', 'decision').catch((e: unknown) => void (failure ??= e));
    }
  });
  let result: Awaited<ReturnType<PeerProcess['start']>> | undefined;
  let failure: unknown;
  const running = peer.start({ workload: 'gated', prefix: label, n, concurrency: CLIENT_CONCURRENCY }).then(
    (r) => void (result = r),
    (e: unknown) => void (failure = e),
  );
  try {
    // A workflow waits in DBOS.recv once the recv has recorded its timeout (a `DBOS.sleep`
    // checkpoint); no message has been sent to it yet.
    while (!result && !failure) {
      const r = await reader.query<{ id: string }>(
        `SELECT o.workflow_uuid AS id FROM dbos.operation_outputs o
          WHERE o.function_name = 'DBOS.sleep' AND o.workflow_uuid LIKE $1
            AND NOT EXISTS (SELECT 1 FROM dbos.notifications m WHERE m.destination_uuid = o.workflow_uuid)`,
        [`${label}-%`],
      );
      for (const { id } of r.rows) if (!decidedAt.has(id) && !toDecide.includes(id)) toDecide.push(id);
      await poll();
    }
    await running;
  } finally {
    finished = true;
    await Promise.allSettled(deciders);
  }
  if (failure) throw failure;
  const ownQueries = reader.queries - q0 + 1;
  const next = await reader.query<{ id: string; started_at: string }>(
    `SELECT workflow_uuid AS id, started_at_epoch_ms AS started_at FROM dbos.operation_outputs WHERE function_name = 'step2' AND workflow_uuid LIKE $1`,
    [`${label}-%`],
  );
  return {
    elapsedMs: result!.elapsedMs,
    latencies: latenciesOf(result!.runs),
    decisionLatencies: next.rows.map((r) => Number(r.started_at) - decidedAt.get(r.id)!),
    ownQueries: ownQueries + result!.ownQueries,
  };
}

/** graphile-worker in one process (graphile-app.ts) that adds its own job chains. */
const graphile: Setup = {
  name: 'graphile-worker',
  describe: 'graphile-worker, 1 process (adds and runs the jobs)',
  workloads: ['three'],
  postgres: true,
  async open(workload, url) {
    const peer = await startPeer('graphile-app.ts', { BENCH_DB_URL: url! });
    return {
      async prepare(label, n) {
        return async () => {
          const r = await peer.start({ workload, prefix: label, n, concurrency: CLIENT_CONCURRENCY });
          return { elapsedMs: r.elapsedMs, latencies: latenciesOf(r.runs), ownQueries: r.ownQueries };
        };
      },
      close: () => peer.stop(),
    };
  },
};

const SETUPS: Setup[] = [flowgatePg(1), flowgatePg(4), dbos, graphile, flowgateSqlite];

// ---------------------------------------------------------------------------------------------
// The SQLite bound: single-row INSERT transactions, one after another, WAL + synchronous=FULL

function sqliteCommitBound(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-peers-bound-'));
  try {
    const db = new Sqlite(path.join(dir, 'bound.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < BOUND_MS) insert.run(`row ${n++}`);
    const rate = (n * 1000) / (performance.now() - t0);
    db.close();
    return rate;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Trials

interface TrialResult {
  setup: SetupName;
  workload: Workload | 'commit-bound';
  trial: number;
  runs: number;
  runsPerSec: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** Δ pg_stat_database.xact_commit of the system's database over the measured batch ÷ runs (null on SQLite). */
  commitsPerRun: number | null;
  decisionP50Ms: number | null;
  decisionP99Ms: number | null;
  /** sqlite-bound only. */
  commitsPerSec?: number;
}

let basePg: string | null = null;
let ownPg: PostgresServer | null = null;

async function postgresBase(): Promise<string> {
  if (basePg) return basePg;
  const given = process.env.FLOWGATE_BENCH_PG_URL ?? process.env.FLOWGATE_TEST_PG_URL;
  if (given) return (basePg = given);
  ownPg = await startDurablePostgres();
  return (basePg = ownPg.url);
}

async function trial(s: Setup, workload: Workload, t: number): Promise<TrialResult> {
  let dbName: string | null = null;
  let url: string | null = null;
  let counter: CommitCounter | null = null;
  const base = s.postgres ? await postgresBase() : null;
  if (base) {
    dbName = `peers_${s.name.replace(/-/g, '_')}_${workload}_${t}_${process.pid}`;
    url = await createDatabase(base, dbName);
    counter = await CommitCounter.open(base, dbName);
  }
  try {
    const session = await s.open(workload, url);
    let batch: Batch;
    let c0 = 0;
    try {
      if (WARMUP > 0) await (await session.prepare(`warm${t}`, WARMUP))();
      const measured = await session.prepare(`run${t}`, RUNS);
      if (counter) {
        await counter.settle();
        c0 = await counter.commits();
      }
      batch = await measured();
    } finally {
      await session.close();
    }
    let commitsPerRun: number | null = null;
    if (counter) {
      await counter.untilNoSessions();
      commitsPerRun = ((await counter.commits()) - c0 - batch.ownQueries) / RUNS;
    }
    if (batch.latencies.length !== RUNS) throw new Error(`${s.name} ${workload}: ${batch.latencies.length} latencies for ${RUNS} runs`);
    const d = batch.decisionLatencies;
    return {
      setup: s.name,
      workload,
      trial: t,
      runs: RUNS,
      runsPerSec: (RUNS * 1000) / batch.elapsedMs,
      latencyP50Ms: quantile(batch.latencies, 0.5),
      latencyP99Ms: quantile(batch.latencies, 0.99),
      commitsPerRun,
      decisionP50Ms: d?.length ? quantile(d, 0.5) : null,
      decisionP99Ms: d?.length ? quantile(d, 0.99) : null,
    };
  } finally {
    await counter?.close();
    if (base && dbName) await dropDatabase(base, dbName);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n: number | null | undefined, d = 0) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(d));
const medianOf = (rs: TrialResult[], f: (r: TrialResult) => number | null | undefined) => {
  const xs = rs.map(f).filter((x): x is number => typeof x === 'number');
  return xs.length ? median(xs) : null;
};

interface Summary {
  setup: SetupName;
  workload: TrialResult['workload'];
  describe: string;
  trials: number;
  runsPerSec: number | null;
  runsPerSecMin: number | null;
  runsPerSecMax: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  commitsPerRun: number | null;
  decisionP50Ms: number | null;
  decisionP99Ms: number | null;
  commitsPerSec: number | null;
}

function summarize(results: TrialResult[]): Summary[] {
  const keys = [...new Set(results.map((r) => `${r.workload}\u0000${r.setup}`))];
  return keys.map((k) => {
    const [workload, setup] = k.split('\u0000') as [TrialResult['workload'], SetupName];
    const rs = results.filter((r) => r.setup === setup && r.workload === workload);
    const rps = rs.map((r) => r.runsPerSec);
    return {
      setup,
      workload,
      describe: setup === 'sqlite-bound' ? 'SQLite one-row commit bound (INSERT per transaction, WAL, synchronous=FULL)' : SETUPS.find((s) => s.name === setup)!.describe,
      trials: rs.length,
      runsPerSec: setup === 'sqlite-bound' ? null : median(rps),
      runsPerSecMin: setup === 'sqlite-bound' ? null : Math.min(...rps),
      runsPerSecMax: setup === 'sqlite-bound' ? null : Math.max(...rps),
      latencyP50Ms: medianOf(rs, (r) => r.latencyP50Ms),
      latencyP99Ms: medianOf(rs, (r) => r.latencyP99Ms),
      commitsPerRun: medianOf(rs, (r) => r.commitsPerRun),
      decisionP50Ms: medianOf(rs, (r) => r.decisionP50Ms),
      decisionP99Ms: medianOf(rs, (r) => r.decisionP99Ms),
      commitsPerSec: medianOf(rs, (r) => r.commitsPerSec),
    };
  });
}

interface Ratio {
  workload: Workload;
  flowgate: SetupName;
  peer: SetupName;
  /** Flowgate runs/s ÷ peer runs/s (medians). */
  runsPerSec: number;
  /** Flowgate commits per run ÷ peer commits per run (medians). */
  commitsPerRun: number | null;
}

function ratios(summary: Summary[]): Ratio[] {
  const out: Ratio[] = [];
  for (const f of summary.filter((s) => s.setup.startsWith('flowgate-pg'))) {
    for (const p of summary.filter((s) => s.workload === f.workload && !s.setup.startsWith('flowgate-') && s.setup !== 'sqlite-bound')) {
      out.push({
        workload: f.workload as Workload,
        flowgate: f.setup,
        peer: p.setup,
        runsPerSec: f.runsPerSec! / p.runsPerSec!,
        commitsPerRun: f.commitsPerRun !== null && p.commitsPerRun !== null ? f.commitsPerRun / p.commitsPerRun : null,
      });
    }
  }
  return out;
}

function table(rows: string[][]): string {
  return [rows[0]!, rows[0]!.map(() => '---'), ...rows.slice(1)].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function postgresInfo(base: string) {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    const one = async (q: string) => (await c.query(q)).rows[0];
    return {
      version: (await one('SHOW server_version')).server_version as string,
      fsync: (await one('SHOW fsync')).fsync as string,
      synchronousCommit: (await one('SHOW synchronous_commit')).synchronous_commit as string,
      ownServer: ownPg !== null,
    };
  } finally {
    await c.end();
  }
}

const installedVersion = (pkg: string) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;
  } catch {
    return null;
  }
};

// ---------------------------------------------------------------------------------------------
// Main

let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllPeers();
    await stopAllProcesses();
    await ownPg?.stop();
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping every process started by the bench`);
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  const started = new Date();
  const load = os.loadavg();
  console.error(
    `Flowgate peer bench: ${RUNS} runs (after ${WARMUP} warm-up runs) × ${TRIALS} trials, interleaved; set-ups ${ONLY.join(', ')}; workloads ${WORKLOADS.join(', ')}; ` +
      `${os.cpus().length} CPUs, Node ${process.version}, load average ${load.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const results: TrialResult[] = [];
  for (let t = 1; t <= TRIALS; t++) {
    for (const s of SETUPS.filter((s) => ONLY.includes(s.name))) {
      for (const workload of s.workloads.filter((w) => WORKLOADS.includes(w))) {
        const r = await trial(s, workload, t);
        results.push(r);
        console.error(
          `  trial ${t} ${s.name} ${workload}: ${fmt(r.runsPerSec, 1)} runs/s, latency p50 ${fmt(r.latencyP50Ms)} ms, p99 ${fmt(r.latencyP99Ms)} ms` +
            (r.commitsPerRun !== null ? `, ${fmt(r.commitsPerRun, 1)} commits/run` : '') +
            (r.decisionP50Ms !== null ? `, decision → next phase p50 ${fmt(r.decisionP50Ms)} ms, p99 ${fmt(r.decisionP99Ms)} ms` : ''),
        );
      }
    }
    if (ONLY.includes('sqlite-bound')) {
      const rate = sqliteCommitBound();
      results.push({ setup: 'sqlite-bound', workload: 'commit-bound', trial: t, runs: 0, runsPerSec: 0, latencyP50Ms: null, latencyP99Ms: null, commitsPerRun: null, decisionP50Ms: null, decisionP99Ms: null, commitsPerSec: rate });
      console.error(`  trial ${t} sqlite-bound: ${fmt(rate)} one-row commits/s`);
    }
  }

  const summary = summarize(results);
  const rs = ratios(summary);
  const fgSqlite = summary.find((s) => s.setup === 'flowgate-sqlite' && s.workload === 'three');
  const bound = summary.find((s) => s.setup === 'sqlite-bound');
  const sqlite =
    fgSqlite && bound
      ? { flowgateRunsPerSec: fgSqlite.runsPerSec!, boundCommitsPerSec: bound.commitsPerSec!, runsPerBoundCommit: fgSqlite.runsPerSec! / bound.commitsPerSec!, boundCommitsPerRun: bound.commitsPerSec! / fgSqlite.runsPerSec! }
      : null;

  const report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, node: process.version, platform: `${os.type()} ${os.release()}`, loadAverageAtStart: load },
    options: { runs: RUNS, trials: TRIALS, warmup: WARMUP, clientConcurrency: CLIENT_CONCURRENCY, only: ONLY, workloads: WORKLOADS },
    postgres: basePg ? await postgresInfo(basePg) : null,
    versions: { flowgate: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version, dbos: installedVersion('@dbos-inc/dbos-sdk'), graphileWorker: installedVersion('graphile-worker') },
    summary,
    ratios: rs,
    sqlite,
    trials: results,
  };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, JSON.stringify(report, null, 2) + '\n');

  const out: string[] = [];
  out.push(`\n${RUNS} runs per trial (after ${WARMUP} warm-up runs), ${TRIALS} trial${TRIALS > 1 ? 's' : ''}, interleaved; medians over trials. PostgreSQL ${report.postgres?.version ?? '–'} (fsync ${report.postgres?.fsync ?? '–'}), one database per system.\n`);
  const head = ['workload', 'set-up', 'runs/s (median)', 'min–max', 'latency p50 / p99 (ms)', 'commits per run', 'decision → next phase p50 / p99 (ms)'];
  out.push(
    table([
      head,
      ...summary
        .filter((s) => s.setup !== 'sqlite-bound')
        .map((s) => [
          s.workload,
          s.describe,
          fmt(s.runsPerSec, 1),
          `${fmt(s.runsPerSecMin, 1)}–${fmt(s.runsPerSecMax, 1)}`,
          `${fmt(s.latencyP50Ms)} / ${fmt(s.latencyP99Ms)}`,
          fmt(s.commitsPerRun, 1),
          s.workload === 'gated' ? `${fmt(s.decisionP50Ms)} / ${fmt(s.decisionP99Ms)}` : '',
        ]),
    ]),
  );
  if (rs.length) {
    out.push('\nFlowgate ÷ peer (medians):\n');
    out.push(table([['workload', 'Flowgate set-up', 'peer', 'runs/s ratio', 'commits per run ratio'], ...rs.map((r) => [r.workload, r.flowgate, r.peer, fmt(r.runsPerSec, 2), fmt(r.commitsPerRun, 2)])]));
  }
  if (bound) out.push(`\nSQLite one-row commit bound (WAL, synchronous=FULL, ${os.tmpdir()}): ${fmt(bound.commitsPerSec)} commits/s.`);
  if (sqlite) out.push(`Flowgate on SQLite: ${fmt(sqlite.flowgateRunsPerSec, 1)} runs/s = ${fmt(sqlite.runsPerBoundCommit, 3)} × the bound (the bound allows ${fmt(sqlite.boundCommitsPerRun, 1)} one-row commits per run at that rate).`);
  out.push(`\nJSON: ${path.relative(ROOT, RESULTS)}`);
  console.log(out.join('\n'));
} finally {
  await cleanup();
}
