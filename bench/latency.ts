/**
 * Latency bench: how soon a decision or a timer moves a run on, on one `flowgate serve`
 * (SQLite, synchronous=FULL), with and without other work going on.
 *
 *   npx tsx bench/latency.ts [--gates 100] [--timers 200] [--load 600]
 *
 * - decision → next phase started: a run waits at an approval gate; the client sends
 *   `POST /api/runs/{id}/phases/{gate}/decision` and the figure is the next phase's
 *   `started_at` (the server's clock, the same machine's) minus the moment before sending.
 * - timer lateness: runs of `wait 1s → comment`; the figure is the wait's `ended_at` (when the
 *   transition that fired it committed its time) minus its `wake_at`.
 * Each is measured on an idle server and again while `--load` three-phase runs go through it
 * (32 requests in flight). Figures are read from the store with a read-only connection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { startServeProcess, stopAllProcesses, type ServeProcess } from '../test/helpers/processes.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const GATES = Number(option('gates', '100'));
const TIMERS = Number(option('timers', '200'));
const LOAD = Number(option('load', '600'));

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function http(api: ServeProcess, method: string, p: string, token: string | undefined, body?: unknown, want = 200) {
  const res = await api.call(method, p, { token, body });
  if (res.status !== want) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function items(api: ServeProcess, token: string, spaceId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const i = next++;
        ids[i] = (await http(api, 'POST', `/api/spaces/${spaceId}/content`, token, { title: `Item ${i}` }, 201)).id;
      }
    }),
  );
  return ids;
}

/** Starts `n` runs of `workflowId`, `inFlight` requests at a time; resolves when all are accepted. */
async function startRuns(api: ServeProcess, token: string, workflowId: string, targets: string[], inFlight: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < targets.length) {
        const i = next++;
        ids[i] = (await http(api, 'POST', `/api/workflows/${workflowId}/runs`, token, { target: { type: 'content', id: targets[i] } }, 201)).id;
      }
    }),
  );
  return ids;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-latency-'));
  const file = path.join(dir, 'flowgate.db');
  const api = await startServeProcess(file, { env: { FLOWGATE_LEASE_MS: '30000', LOG_LEVEL: 'warn' } });
  try {
    const setup = await http(api, 'POST', '/api/setup', undefined, { orgName: 'Bench', email: 'owner@bench.example', name: 'Bench Owner', password: 'correct horse' }, 201);
    const token = setup.token as string;
    const ownerId = setup.user.id as string;
    const spaceId = (await http(api, 'POST', '/api/spaces', token, { name: 'Bench' }, 201)).id as string;
    // Runs of the load and the timer runs all count against one org's limit: raise it so the
    // figures are of the engine, not of flow control holding runs back.
    await http(api, 'PATCH', '/api/org', token, { maxActiveRuns: 100000 });
    const db = new Sqlite(file, { readonly: true });
    const execOf = db.prepare(`SELECT started_at, ended_at, wake_at, status FROM phase_executions WHERE run_id = ? AND phase_id = ?`);
    const runStatus = db.prepare(`SELECT status, waiting_for FROM runs WHERE id = ?`);
    const until = async (what: string, fn: () => boolean, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!fn()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(1);
      }
    };

    const gateWf = await http(api, 'POST', `/api/spaces/${spaceId}/workflows`, token, {
      name: 'Gate then comment',
      trigger: { type: 'manual' },
      phases: [
        { id: 'gate', type: 'approval', approvers: { members: [ownerId] }, required: 'any', allowSelfApproval: true },
        { id: 'after', type: 'comment', body: 'Approved' },
      ],
    }, 201);
    const timerWf = await http(api, 'POST', `/api/spaces/${spaceId}/workflows`, token, {
      name: 'Wait then comment',
      trigger: { type: 'manual' },
      phases: [
        { id: 'hold', type: 'wait', duration: '1s' },
        { id: 'after', type: 'comment', body: 'Woke up' },
      ],
    }, 201);
    const loadWf = await http(api, 'POST', `/api/spaces/${spaceId}/workflows`, token, {
      name: 'Load',
      trigger: { type: 'manual' },
      phases: [
        { id: 'tell', type: 'notify', to: ['space_admins'], channels: ['in_app'], message: '{{target.title}} is being processed' },
        { id: 'edit', type: 'mutate', set: { caption: 'processed' } },
        { id: 'note', type: 'comment', body: 'Processed by run {{run.id}}' },
      ],
    }, 201);

    async function gates(n: number): Promise<number[]> {
      const targets = await items(api, token, spaceId, n);
      const out: number[] = [];
      for (const target of targets) {
        const run = await http(api, 'POST', `/api/workflows/${gateWf.id}/runs`, token, { target: { type: 'content', id: target } }, 201);
        await until('the gate', () => (runStatus.get(run.id) as { waiting_for: string | null } | undefined)?.waiting_for === 'approval');
        const t0 = Date.now();
        await http(api, 'POST', `/api/runs/${run.id}/phases/gate/decision`, token, { decision: 'approve' });
        await until('the next phase', () => Boolean((execOf.get(run.id, 'after') as { started_at: number | null } | undefined)?.started_at));
        out.push((execOf.get(run.id, 'after') as { started_at: number }).started_at - t0);
      }
      return out;
    }

    async function timers(n: number): Promise<number[]> {
      const targets = await items(api, token, spaceId, n);
      const runs = await startRuns(api, token, timerWf.id, targets, 8);
      await until('every timer run', () => runs.every((id) => (runStatus.get(id) as { status: string }).status === 'completed'), 120_000);
      return runs.map((id) => {
        const e = execOf.get(id, 'hold') as { ended_at: number; wake_at: number | null };
        return e.ended_at - (e.wake_at ?? e.ended_at);
      });
    }

    async function underLoad<T>(fn: () => Promise<T>): Promise<T> {
      const targets = await items(api, token, spaceId, LOAD);
      const load = startRuns(api, token, loadWf.id, targets, 32);
      try {
        return await fn();
      } finally {
        await load;
      }
    }

    const rows: string[][] = [];
    const row = (what: string, xs: number[]) => {
      rows.push([what, String(xs.length), q(xs, 0.5).toFixed(0), q(xs, 0.99).toFixed(0), Math.max(...xs).toFixed(0)]);
      console.error(`  ${what}: p50 ${q(xs, 0.5)} ms, p99 ${q(xs, 0.99)} ms over ${xs.length}`);
    };
    console.error(`Flowgate latency bench (SQLite): ${GATES} gates, ${TIMERS} timers, load of ${LOAD} runs; ${os.cpus().length} CPUs, Node ${process.version}`);
    row('decision → next phase started, idle', await gates(GATES));
    row('decision → next phase started, under load', await underLoad(() => gates(Math.max(10, Math.round(GATES / 2)))));
    row('timer lateness, idle', await timers(TIMERS));
    row('timer lateness, under load', await underLoad(() => timers(TIMERS)));
    db.close();
    const head = ['figure (SQLite, one serve)', 'samples', 'p50 (ms)', 'p99 (ms)', 'max (ms)'];
    console.log('');
    for (const r of [head, head.map(() => '---'), ...rows]) console.log(`| ${r.join(' | ')} |`);
    fs.mkdirSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'results'), { recursive: true });
    fs.writeFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'latency-latest.json'), JSON.stringify({ at: new Date().toISOString(), rows: rows.map(([what, n, p50, p99, max]) => ({ what, n: Number(n), p50: Number(p50), p99: Number(p99), max: Number(max) })) }, null, 2));
  } finally {
    await stopAllProcesses();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
