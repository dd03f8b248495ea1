/**
 * Scale benchmark: Flowgate with many stored runs, on SQLite and on PostgreSQL.
 *
 *   npx tsx bench/scale.ts [--runs 1000000] [--waiting 100000] [--only sqlite,pg] [--scenarios list,waiting]
 *                          [--requests 300] [--exercise 60] [--spaces 4] [--items 2000] [--active 5]
 *
 * 1. `list`: a store with `--runs` runs (default 1,000,000; mostly completed, some failed,
 *    cancelled, waiting at an approval gate, and `--active` really active). p50/p99 of
 *    `GET /api/runs?status=<s>` (first page), with `&limit=50`, with `&spaceId=` and with
 *    `&workflowId=`, `--requests` sequential requests each after 20 warm-up ones, over HTTP
 *    against a `flowgate serve` started on that store. Goal: p99 ≤ 10 ms.
 * 2. `waiting`: a store with `--waiting` runs (default 100,000) waiting at an approval gate
 *    without a timeout. The resident memory (VmRSS) of a `flowgate serve` on it, after
 *    `--exercise` seconds of the run lists, the command center and gate reads, against the
 *    same of a serve on the store before seeding. Goal: growth ≤ 50 MB.
 *
 * `--keep` leaves the SQLite files behind (for EXPLAIN QUERY PLAN afterwards); `--skip
 * "GET /api/me/runs (reviewer)",…` leaves requests out of the waiting-runs exercise.
 *
 * How the stores are filled: a `flowgate serve` sets up the org, users, spaces, workflows
 * and content items through the API, and runs one run of each kind per space through the
 * engine; those runs' rows are then cloned straight into the database (bench/lib/seed.ts)
 * while no server runs, and a fresh `flowgate serve` is started on the result. PostgreSQL
 * gets an ANALYZE after seeding (autovacuum would do the same shortly after a bulk load);
 * SQLite gets none, as Flowgate never runs ANALYZE on it.
 *
 * PostgreSQL: FLOWGATE_BENCH_PG_URL (or FLOWGATE_TEST_PG_URL) names a server to use;
 * otherwise a throw-away one is started with durable settings (bench/lib/postgres.ts).
 * Figures go to bench/results/scale-latest.json, and a markdown table to stdout.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServeProcess, stopAllProcesses, type ServeProcess } from '../test/helpers/processes.js';
import { CHILD_ENV, http as call, stop } from './lib/flowgate.js';
import { inFlight, option } from './lib/options.js';
import { createDatabase, dropDatabase, startDurablePostgres } from './lib/postgres.js';
import { captureTemplate, mixSlots, openSeedStore, seedClones, type SeedStore, type Template } from './lib/seed.js';
import { median, quantile } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------
// Options and goals

const RUNS = Number(option('runs', '1000000'));
const WAITING = Number(option('waiting', '100000'));
const ONLY = option('only', 'sqlite,pg').split(',');
const SCENARIOS = option('scenarios', 'list,waiting').split(',');
const REQUESTS = Number(option('requests', '300'));
const EXERCISE_S = Number(option('exercise', '60'));
const SPACES = Number(option('spaces', '4'));
const ITEMS = Number(option('items', '2000'));
const ACTIVE = Number(option('active', '5'));
/** Leave the SQLite files behind (their paths are printed), to look into them afterwards. */
const KEEP = process.argv.includes('--keep');
/** Requests of the waiting-runs exercise to leave out, by name (e.g. `GET /api/me/runs (reviewer)`), to find which one costs memory. */
const SKIP = option('skip', '').split(',').filter(Boolean);

const GOAL_P99_MS = 10;
const GOAL_RSS_GROWTH_MB = 50;
const WARMUP = 20;
/** A list variant stops early after this long (a slow one would otherwise take many minutes). */
const VARIANT_BUDGET_MS = 30_000;
/** Seeded runs spread over this much past time, oldest first. */
const SPAN_MS = 180 * 86_400_000;

/** The mix of the `list` store, in percent: kind → share. Active runs come on top, for real. */
const LIST_MIX = { completed: 58, approved: 25, denied: 5, failed: 5, cancelled: 3, waiting: 4 };

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'scale-latest.json');

// ---------------------------------------------------------------------------------------------
// A stand-in for an outside publishing API: /fail answers 503, /hold never answers (until the
// bench ends), so the runs calling it stay `active` with their http phase running.

interface HookServer {
  port: number;
  held(): number;
  close(): Promise<void>;
}

async function startHookServer(): Promise<HookServer> {
  const held = new Set<http.ServerResponse>();
  const sockets = new Set<net.Socket>();
  const srv = http.createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/hold')) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    res.writeHead(503, { 'content-type': 'text/plain' }).end('CMS unavailable');
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    held: () => held.size,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The world: an org, an owner and a reviewer, spaces with three workflows each, content items

interface Space {
  id: string;
  publish: string;
  signoff: string;
  cms: string;
}

interface World {
  owner: { id: string; token: string };
  reviewer: { id: string; token: string };
  spaces: Space[];
  /** The pool of content items of each space, which seeded runs target. */
  items: Array<Array<{ id: string; title: string }>>;
}

const PASSWORD = 'correct horse';

async function buildWorld(api: ServeProcess, hookPort: number, itemsPerSpace: number): Promise<World> {
  const setup = await call(api, 'POST', '/api/setup', undefined, { orgName: 'Scale', email: 'owner@scale.example', name: 'Owner', password: PASSWORD }, 201);
  const token = setup.token as string;
  const rev = await call(api, 'POST', '/api/users', token, { email: 'reviewer@scale.example', name: 'Reviewer', password: PASSWORD, role: 'member' }, 201);
  const login = await call(api, 'POST', '/api/auth/login', undefined, { email: 'reviewer@scale.example', password: PASSWORD });
  const spaces: Space[] = [];
  const items: World['items'] = [];
  for (let s = 0; s < SPACES; s++) {
    const space = await call(api, 'POST', '/api/spaces', token, { name: `Brand ${s + 1}` }, 201);
    await call(api, 'PUT', `/api/spaces/${space.id}/members/${rev.id}`, token, { role: 'editor' });
    const wf = async (def: object) => (await call(api, 'POST', `/api/spaces/${space.id}/workflows`, token, def, 201)).id as string;
    spaces.push({
      id: space.id,
      publish: await wf({
        name: 'Publish',
        trigger: { type: 'manual' },
        phases: [
          { id: 'tell', type: 'notify', to: ['space_admins'], channels: ['in_app'], message: '{{target.title}} is being published' },
          { id: 'edit', type: 'mutate', set: { caption: 'published' } },
          { id: 'note', type: 'comment', body: 'Published by run {{run.id}}' },
        ],
      }),
      signoff: await wf({
        name: 'Client sign-off',
        trigger: { type: 'manual' },
        phases: [
          { id: 'review', type: 'approval', approvers: { members: [rev.id] }, required: 'any' },
          { id: 'approve', type: 'mutate', set: { caption: 'approved' } },
          { id: 'note', type: 'comment', body: 'Approved in run {{run.id}}' },
        ],
      }),
      cms: await wf({
        name: 'Send to CMS',
        trigger: { type: 'manual' },
        phases: [
          { id: 'stamp', type: 'mutate', set: { caption: 'sent to the CMS' } },
          { id: 'push', type: 'http', url: `http://127.0.0.1:${hookPort}/{{input.mode}}`, body: { title: '{{target.title}}' }, timeout: '2h' },
        ],
      }),
    });
    const pool: Array<{ id: string; title: string }> = [];
    await inFlight(itemsPerSpace, 16, async (i) => {
      const title = `Post ${s + 1}-${String(i).padStart(6, '0')}`;
      pool[i] = { id: (await call(api, 'POST', `/api/spaces/${space.id}/content`, token, { title }, 201)).id, title };
    });
    items.push(pool);
  }
  return { owner: { id: setup.user.id, token }, reviewer: { id: rev.id, token: login.token }, spaces, items };
}

/** Polls a run until `ok` says yes (20 s at most). */
async function untilRun(api: ServeProcess, token: string, id: string, ok: (run: any) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const run = await call(api, 'GET', `/api/runs/${id}`, token);
    if (ok(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} never became ${what}: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Kind = keyof typeof LIST_MIX;

/** Drives one run of `kind` through the engine on a fresh item of `space`; resolves with its id once it got there. */
async function templateRun(api: ServeProcess, w: World, s: number, kind: Kind): Promise<string> {
  const sp = w.spaces[s]!;
  const token = w.owner.token;
  const item = (await call(api, 'POST', `/api/spaces/${sp.id}/content`, token, { title: `Template ${s + 1} ${kind}` }, 201)).id;
  const start = (wf: string, input?: object) => call(api, 'POST', `/api/workflows/${wf}/runs`, token, { target: { type: 'content', id: item }, ...(input ? { input } : {}) }, 201).then((r) => r.id as string);
  const atGate = (r: any) => r.status === 'waiting' && r.waitingFor === 'approval';
  switch (kind) {
    case 'completed': {
      const id = await start(sp.publish);
      await untilRun(api, token, id, (r) => r.status === 'completed', 'completed');
      return id;
    }
    case 'failed': {
      const id = await start(sp.cms, { mode: 'fail' });
      await untilRun(api, token, id, (r) => r.status === 'failed', 'failed');
      return id;
    }
    case 'waiting': {
      const id = await start(sp.signoff);
      await untilRun(api, token, id, atGate, 'waiting at its gate');
      return id;
    }
    case 'approved':
    case 'denied': {
      const id = await start(sp.signoff);
      await untilRun(api, token, id, atGate, 'waiting at its gate');
      await call(api, 'POST', `/api/runs/${id}/phases/review/decision`, w.reviewer.token, { decision: kind === 'approved' ? 'approve' : 'deny', comment: kind === 'approved' ? 'Looks good' : 'Not this week' });
      await untilRun(api, token, id, (r) => r.status === 'completed', 'completed');
      return id;
    }
    case 'cancelled': {
      const id = await start(sp.signoff);
      await untilRun(api, token, id, atGate, 'waiting at its gate');
      await call(api, 'POST', `/api/runs/${id}/cancel`, token, { reason: 'Campaign dropped' });
      return id;
    }
  }
}

/** Waits until the mailer has dealt with every email of these runs (no SMTP: each is `held`). */
async function untilMailSettled(store: SeedStore, runIds: string[]) {
  const ph = runIds.map((_, i) => (store.dialect === 'postgres' ? `$${i + 1}` : '?')).join(', ');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await store.all<{ n: number | string }>(`SELECT count(*) AS n FROM outbox WHERE status = 'pending' AND run_id IN (${ph})`, runIds);
    if (Number(r[0]!.n) === 0) return;
    if (Date.now() > deadline) throw new Error('template emails still pending after 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// Stores

interface Store {
  name: 'sqlite' | 'pg';
  location: string;
  drop(): Promise<void>;
}

let pgBase: string | null = null;
let ownPg: { url: string; stop(): Promise<void> } | null = null;
const tmpDirs: string[] = [];

async function newStore(name: 'sqlite' | 'pg', label: string): Promise<Store> {
  if (name === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-scale-'));
    tmpDirs.push(dir);
    if (KEEP) tmpDirs.pop();
    const location = path.join(dir, 'flowgate.db');
    return { name, location, drop: async () => (KEEP ? console.error(`    kept ${location}`) : fs.rmSync(dir, { recursive: true, force: true })) };
  }
  if (!pgBase) {
    pgBase = process.env.FLOWGATE_BENCH_PG_URL ?? process.env.FLOWGATE_TEST_PG_URL ?? null;
    if (!pgBase) {
      ownPg = await startDurablePostgres();
      pgBase = ownPg.url;
    }
  }
  const db = `flowgate_scale_${label}_${process.pid}`;
  const url = await createDatabase(pgBase, db);
  return { name, location: url, drop: () => dropDatabase(pgBase!, db) };
}

const serve = (s: Store) => startServeProcess(s.location, { env: CHILD_ENV, timeoutMs: 120_000 });

async function seedAndReport(store: SeedStore, label: string, plan: Parameters<typeof seedClones>[1]) {
  const t0 = performance.now();
  let last = 0;
  await seedClones(store, {
    ...plan,
    onProgress: (n) => {
      if (performance.now() - last > 5000 || n === plan.total) {
        last = performance.now();
        console.error(`    ${label}: ${n.toLocaleString('en-US')} of ${plan.total.toLocaleString('en-US')} runs (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    },
  });
  if (store.dialect === 'postgres') await store.exec('ANALYZE');
  return (performance.now() - t0) / 1000;
}

async function countRows(store: SeedStore, tables: string[]) {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await store.all<{ n: number | string }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n);
  return out;
}

async function statusCounts(store: SeedStore) {
  const r = await store.all<{ status: string; n: number | string }>(`SELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY status`);
  return Object.fromEntries(r.map((x) => [x.status, Number(x.n)]));
}

/** The view of a clone matches its template's, ids and times aside. */
async function checkClone(api: ServeProcess, store: SeedStore, token: string, t: Template) {
  const run = t.rows[0]!.row;
  const ph = (i: number) => (store.dialect === 'postgres' ? `$${i}` : '?');
  const clone = (await store.all<{ id: string }>(
    `SELECT id FROM runs WHERE workflow_id = ${ph(1)} AND status = ${ph(2)} AND COALESCE(outcome, '') = ${ph(3)} AND id <> ${ph(4)} ORDER BY id LIMIT 1`,
    [run.workflow_id, run.status, run.outcome ?? '', t.runId],
  ))[0];
  if (!clone) throw new Error(`no clone of the ${t.kind} template found`);
  const shape = (v: any) => JSON.stringify({
    status: v.status, outcome: v.outcome, waitingFor: v.waitingFor, currentPhaseId: v.currentPhaseId, error: v.error && { phaseId: v.error.phaseId, code: v.error.code },
    phases: v.phases.map((p: any) => [p.phaseId, p.type, p.attempt, p.status, p.waitingFor, p.durationMs]),
  });
  const a = shape(await call(api, 'GET', `/api/runs/${t.runId}`, token));
  const b = shape(await call(api, 'GET', `/api/runs/${clone.id}`, token));
  if (a !== b) throw new Error(`a clone of the ${t.kind} template does not look like it:\n  template ${a}\n  clone    ${b}`);
}

// ---------------------------------------------------------------------------------------------
// Measuring

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');

/** Connections the server reset under a request, which was then sent again once. */
let resets = 0;

async function timedGet(api: ServeProcess, p: string, token: string): Promise<{ ms: number; body: any; bytes: number }> {
  const t = performance.now();
  const send = () => fetch(api.url + p, { headers: { authorization: `Bearer ${token}` } });
  // A kept-alive connection the server closes just as a request goes out is reset; a GET is
  // safe to send again (as browsers do). A server that is gone fails the second time too.
  const res = await send().catch((e: Error & { cause?: { code?: string } }) => {
    if (!api.alive() || !/ECONNRESET|UND_ERR_SOCKET/.test(String(e.cause?.code))) throw e;
    resets++;
    return send();
  });
  const text = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${text.slice(0, 500)}`);
  return { ms, body: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

interface Variant {
  status: string;
  filter: 'none' | 'limit=50' | 'spaceId' | 'workflowId';
  path: string;
  /** The workflow of a workflowId filter, by name. */
  workflow: string | null;
  n: number;
  rows: number;
  p50: number;
  p99: number;
  max: number;
  /** The same query run straight on the store from the bench process (no HTTP, no JSON). */
  sqlP50: number;
  sqlMax: number;
  /** Reading the page's phase executions the same way (the route's second query). */
  phasesSqlP50: number;
  /** Size of the answer's body. */
  bytes: number;
  plan: string[];
}

/** The SQL behind GET /api/runs with these filters (as src/api/routes/runs.ts builds it). */
function listQuery(dialect: 'sqlite' | 'postgres', spaceIds: string[], status: string, workflowId: string | null, limit: number): string {
  const q = (s: string) => `'${s}'`;
  const where = [`"space_id" in (${spaceIds.map(q).join(', ')})`, `"deleted_at" is null`, `"status" = ${q(status)}`];
  if (workflowId) where.push(`"workflow_id" = ${q(workflowId)}`);
  return `select * from "runs" where ${where.join(' and ')} order by "id" desc limit ${limit + 1}`;
}

async function explain(store: SeedStore, sql: string): Promise<string[]> {
  if (store.dialect === 'sqlite') return (await store.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)).map((r) => r.detail);
  return (await store.all<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`)).map((r) => r['QUERY PLAN']);
}

/** GET /api/health, as many times as a list variant: what the machine and HTTP alone cost. */
async function baseline(api: ServeProcess) {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const t = performance.now();
    await (await fetch(`${api.url}/api/health`)).text();
    if (i >= WARMUP) times.push(performance.now() - t);
  }
  const b = { n: times.length, p50: median(times), p99: quantile(times, 0.99), max: Math.max(...times) };
  console.error(`    ${'/api/health (reference)'.padEnd(64)}          p50 ${fmt(b.p50).padStart(7)} ms  p99 ${fmt(b.p99).padStart(7)} ms  (n=${b.n})`);
  return b;
}

async function measureList(api: ServeProcess, store: SeedStore, w: World): Promise<Variant[]> {
  const statuses = ['completed', 'failed', 'cancelled', 'waiting', 'active', 'triggered'];
  // A workflow that has runs in that status, and for `failed` also one that never fails (its
  // failures list is empty however many runs it has).
  const wfFor: Record<string, Array<keyof Omit<Space, 'id'>>> = { completed: ['publish'], failed: ['cms', 'publish'], cancelled: ['signoff'], waiting: ['signoff'], active: ['cms'], triggered: ['publish'] };
  const sp = w.spaces[0]!;
  const allSpaces = w.spaces.map((s) => s.id);
  const out: Variant[] = [];
  for (const status of statuses) {
    const variants: Array<[Variant['filter'], string, string[], string | null]> = [
      ['none', `/api/runs?status=${status}`, allSpaces, null],
      ['limit=50', `/api/runs?status=${status}&limit=50`, allSpaces, null],
      ['spaceId', `/api/runs?status=${status}&spaceId=${sp.id}`, [sp.id], null],
      ...wfFor[status]!.map((k): [Variant['filter'], string, string[], string | null] => ['workflowId', `/api/runs?status=${status}&workflowId=${sp[k]}`, allSpaces, sp[k]]),
    ];
    for (const [filter, p, spaceIds, wf] of variants) {
      let rows = 0;
      let bytes = 0;
      for (let i = 0; i < WARMUP; i++) {
        const r = await timedGet(api, p, w.owner.token);
        rows = r.body.items.length;
        bytes = r.bytes;
      }
      const times: number[] = [];
      const t0 = performance.now();
      while (times.length < REQUESTS && performance.now() - t0 < VARIANT_BUDGET_MS) times.push((await timedGet(api, p, w.owner.token)).ms);
      const sql = listQuery(store.dialect, spaceIds, status, wf, 50);
      const sqlTimes: number[] = [];
      const phaseTimes: number[] = [];
      for (let i = 0; i < 23; i++) {
        let t = performance.now();
        const page = (await store.all<{ id: string }>(sql)).slice(0, 50);
        if (i >= 3) sqlTimes.push(performance.now() - t);
        if (!page.length) continue;
        t = performance.now();
        await store.all(`select * from "phase_executions" where "run_id" in (${page.map((r) => `'${r.id}'`).join(', ')}) order by "id"`);
        if (i >= 3) phaseTimes.push(performance.now() - t);
      }
      const wfName = wf ? { [sp.publish]: 'Publish', [sp.signoff]: 'Client sign-off', [sp.cms]: 'Send to CMS' }[wf] : null;
      const v: Variant = {
        status, filter, path: p.replace(/[0-9a-f-]{36}/g, '…'), workflow: wfName, n: times.length, rows, p50: median(times), p99: quantile(times, 0.99), max: Math.max(...times),
        sqlP50: median(sqlTimes), sqlMax: Math.max(...sqlTimes), phasesSqlP50: phaseTimes.length ? median(phaseTimes) : 0, bytes, plan: await explain(store, sql),
      };
      console.error(`    ${(v.path + (v.workflow ? ` (${v.workflow})` : '')).padEnd(64)} ${String(rows).padStart(3)} rows  p50 ${fmt(v.p50).padStart(7)} ms  p99 ${fmt(v.p99).padStart(7)} ms  (n=${v.n}; ${Math.round(v.bytes / 1024)} KiB; the queries alone: runs ${fmt(v.sqlP50)} ms, phases ${fmt(v.phasesSqlP50)} ms)`);
      out.push(v);
    }
  }
  return out;
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

interface Exercise {
  rssStart: number;
  rssEnd: number;
  rssMax: number;
  hwm: number;
  requests: number;
  resets: number;
  latency: Record<string, { n: number; p50: number; p99: number }>;
}

/**
 * `seconds` of what people do with waiting runs, two requests in flight: the run list
 * filtered to waiting (three pages), the reviewer's and the owner's command center, the
 * reviewer's notifications, one waiting run and its gates. RSS is sampled every second.
 */
async function exercise(api: ServeProcess, w: World, waitingIds: string[], seconds: number): Promise<Exercise> {
  await new Promise((r) => setTimeout(r, 2000));
  const rssStart = rssOf(api.pid).rss;
  const lat = new Map<string, number[]>();
  const note = (k: string, ms: number) => lat.set(k, [...(lat.get(k) ?? []), ms]);
  let rssMax = rssStart;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssOf(api.pid).rss)), 1000);
  const deadline = performance.now() + seconds * 1000;
  let requests = 0;
  const resetsBefore = resets;
  let i = 0;
  const step = async () => {
    const pick = waitingIds[(i++ * 7919) % waitingIds.length]!;
    const get = async (k: string, p: string, token: string) => {
      if (SKIP.includes(k)) return { items: [], nextCursor: null };
      const r = await timedGet(api, p, token);
      note(k, r.ms);
      requests++;
      return r.body;
    };
    let page = await get('GET /api/runs?status=waiting', '/api/runs?status=waiting', w.owner.token);
    for (let n = 0; n < 2 && page.nextCursor; n++) page = await get('GET /api/runs?status=waiting&cursor=…', `/api/runs?status=waiting&cursor=${page.nextCursor}`, w.owner.token);
    await get('GET /api/me/runs (reviewer)', '/api/me/runs', w.reviewer.token);
    await get('GET /api/me/runs (owner)', '/api/me/runs', w.owner.token);
    await get('GET /api/runs?status=waiting (reviewer)', '/api/runs?status=waiting', w.reviewer.token);
    await get('GET /api/me/notifications (reviewer)', '/api/me/notifications', w.reviewer.token);
    await get('GET /api/runs/:id', `/api/runs/${pick}`, w.owner.token);
    await get('GET /api/runs/:id/approvals', `/api/runs/${pick}/approvals`, w.reviewer.token);
  };
  try {
    await Promise.all([0, 1].map(async () => {
      while (performance.now() < deadline) await step();
    }));
  } finally {
    clearInterval(sampler);
  }
  const end = rssOf(api.pid);
  return {
    rssStart,
    rssEnd: end.rss,
    rssMax: Math.max(rssMax, end.rss),
    hwm: end.hwm,
    requests,
    resets: resets - resetsBefore,
    latency: Object.fromEntries([...lat].map(([k, v]) => [k, { n: v.length, p50: median(v), p99: quantile(v, 0.99) }])),
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

async function listScenario(name: 'sqlite' | 'pg', hooks: HookServer) {
  console.error(`\n[${name}] list: ${RUNS.toLocaleString('en-US')} runs`);
  const s = await newStore(name, 'list');
  let store: SeedStore | null = null;
  try {
    let api = await serve(s);
    store = await openSeedStore(s.location);
    const w = await buildWorld(api, hooks.port, Math.max(1, Math.floor(ITEMS / SPACES)));
    const kinds = Object.keys(LIST_MIX) as Kind[];
    const templates: Array<Record<string, Template>> = [];
    for (let sp = 0; sp < SPACES; sp++) {
      const ids = await Promise.all(kinds.map((k) => templateRun(api, w, sp, k)));
      const byKind: Record<string, Template> = {};
      for (let k = 0; k < kinds.length; k++) byKind[kinds[k]!] = await captureTemplate(store, kinds[k]!, ids[k]!, ['phase_executions']);
      templates.push(byKind);
    }
    await stop(api);
    const seedS = await seedAndReport(store, 'seeding', {
      total: RUNS, spaces: SPACES, templates, slots: mixSlots(LIST_MIX), items: w.items,
      t0: Date.now() - SPAN_MS - 3_600_000, step: Math.max(1, Math.floor(SPAN_MS / RUNS)), chunk: 100_000,
    });
    const t = performance.now();
    api = await serve(s);
    const startS = (performance.now() - t) / 1000;
    for (const k of kinds) await checkClone(api, store, w.owner.token, templates[0]![k]!);
    // Really active runs: their http phase waits on the hook server.
    for (let i = 0; i < ACTIVE; i++) {
      const sp = w.spaces[i % SPACES]!;
      await call(api, 'POST', `/api/workflows/${sp.cms}/runs`, w.owner.token, { target: { type: 'content', id: w.items[i % SPACES]![i]!.id }, input: { mode: 'hold' } }, 201);
    }
    const deadline = Date.now() + 20_000;
    while (hooks.held() < ACTIVE) {
      if (Date.now() > deadline) throw new Error(`only ${hooks.held()} of ${ACTIVE} runs reached their http phase`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const counts = await statusCounts(store);
    const rows = await countRows(store, ['runs', 'phase_executions']);
    console.error(`    seeded in ${fmt(seedS)} s; serve healthy ${fmt(startS)} s after start; runs by status ${JSON.stringify(counts)}`);
    const health = await baseline(api);
    const variants = await measureList(api, store, w);
    const healthAfter = await baseline(api);
    await stop(api);
    return { runs: rows.runs, rows, statusCounts: counts, seedSeconds: seedS, serveStartSeconds: startS, health: [health, healthAfter], variants };
  } finally {
    await stopAllProcesses();
    await store?.close();
    await s.drop();
  }
}

async function waitingScenario(name: 'sqlite' | 'pg', hooks: HookServer) {
  console.error(`\n[${name}] waiting: ${WAITING.toLocaleString('en-US')} runs at an approval gate`);
  const s = await newStore(name, 'waiting');
  let store: SeedStore | null = null;
  try {
    let api = await serve(s);
    store = await openSeedStore(s.location);
    const w = await buildWorld(api, hooks.port, Math.max(1, Math.floor(ITEMS / SPACES)));
    const ids = await Promise.all(w.spaces.map((_, sp) => templateRun(api, w, sp, 'waiting')));
    await untilMailSettled(store, ids);
    const tables = ['phase_executions', 'gate_approvers', 'gate_decisions', 'guest_links', 'notifications', 'outbox'];
    const templates: Array<Record<string, Template>> = [];
    for (const id of ids) templates.push({ waiting: await captureTemplate(store, 'waiting', id, tables) });
    const perRun = Object.fromEntries(tables.map((t) => [t, templates[0]!.waiting!.rows.filter((r) => r.table === t).length]));
    await stop(api);

    // The same server on the store before seeding: a fresh process, the same exercise.
    api = await serve(s);
    const empty = await exercise(api, w, ids, EXERCISE_S);
    await stop(api);
    console.error(`    before seeding: RSS ${fmt(empty.rssStart)} MB at start, ${fmt(empty.rssEnd)} MB after ${EXERCISE_S} s (max ${fmt(empty.rssMax)}, peak ${fmt(empty.hwm)})`);

    const seedS = await seedAndReport(store, 'seeding', {
      total: WAITING, spaces: SPACES, templates, slots: mixSlots({ waiting: 1 }), items: w.items,
      t0: Date.now() - SPAN_MS - 3_600_000, step: Math.max(1, Math.floor(SPAN_MS / WAITING)), chunk: 50_000,
    });
    const t = performance.now();
    api = await serve(s);
    const startS = (performance.now() - t) / 1000;
    await checkClone(api, store, w.owner.token, templates[0]!.waiting!);
    const sample = (await store.all<{ id: string }>(`SELECT id FROM runs WHERE status = 'waiting' ORDER BY id LIMIT 2000`)).map((r) => r.id);
    const counts = await statusCounts(store);
    const rows = await countRows(store, ['runs', ...tables]);
    console.error(`    seeded in ${fmt(seedS)} s; serve healthy ${fmt(startS)} s after start; rows ${JSON.stringify(rows)}`);
    const served = api;
    const full = await exercise(api, w, sample, EXERCISE_S).catch(async (e) => {
      const exit = await Promise.race([served.exited, new Promise((r) => setTimeout(() => r(null), 1000))]);
      throw new Error(`${(e as Error).message}; the server ${exit ? `exited (${JSON.stringify(exit)})` : 'is still running'}:\n${served.output().slice(-3000)}`);
    });
    await stop(api);
    const growth = full.rssEnd - empty.rssEnd;
    console.error(`    with ${WAITING.toLocaleString('en-US')} waiting: RSS ${fmt(full.rssStart)} MB at start, ${fmt(full.rssEnd)} MB after ${EXERCISE_S} s (max ${fmt(full.rssMax)}, peak ${fmt(full.hwm)}); growth ${fmt(growth)} MB`);
    for (const [k, v] of Object.entries(full.latency)) console.error(`      ${k.padEnd(42)} p50 ${fmt(v.p50).padStart(7)} ms  p99 ${fmt(v.p99).padStart(7)} ms  (n=${v.n}; before seeding p50 ${fmt(empty.latency[k]?.p50 ?? NaN)})`);
    return {
      waitingRuns: counts.waiting ?? 0, statusCounts: counts, rows, rowsPerWaitingRun: perRun, seedSeconds: seedS, serveStartSeconds: startS,
      empty, full,
      growthMb: growth, growthAtStartMb: full.rssStart - empty.rssStart, growthMaxMb: full.rssMax - empty.rssMax,
    };
  } finally {
    await stopAllProcesses();
    await store?.close();
    await s.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

let hooks: HookServer | null = null;
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await stopAllProcesses();
  await hooks?.close().catch(() => {});
  await ownPg?.stop().catch(() => {});
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

const stores = (['sqlite', 'pg'] as const).filter((n) => ONLY.includes(n));
const results: Record<string, { list?: Awaited<ReturnType<typeof listScenario>>; waiting?: Awaited<ReturnType<typeof waitingScenario>> }> = {};
try {
  console.error(`Flowgate scale bench: ${os.cpus().length} CPUs, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  hooks = await startHookServer();
  for (const name of stores) {
    results[name] = {};
    if (SCENARIOS.includes('list')) results[name]!.list = await listScenario(name, hooks);
    if (SCENARIOS.includes('waiting')) results[name]!.waiting = await waitingScenario(name, hooks);
  }

  const misses: Array<{ store: string; figure: string; value: number; goal: string }> = [];
  const storeLabel = { sqlite: 'SQLite', pg: 'PostgreSQL' } as Record<string, string>;
  const listRows: string[][] = [];
  const waitRows: string[][] = [];
  const exerciseRows: string[][] = [];
  for (const [name, r] of Object.entries(results)) {
    for (const [i, h] of (r.list?.health ?? []).entries()) listRows.push([storeLabel[name]!, `\`/api/health\` (reference, ${i ? 'after' : 'before'} the lists)`, '', '', fmt(h.p50), fmt(h.p99), '', '']);
    for (const v of r.list?.variants ?? []) {
      const ok = v.p99 <= GOAL_P99_MS;
      if (!ok) misses.push({ store: name, figure: `p99 ${v.path}${v.workflow ? ` (${v.workflow})` : ''}`, value: v.p99, goal: `≤ ${GOAL_P99_MS} ms` });
      listRows.push([storeLabel[name]!, `\`${v.path}\`${v.workflow ? ` (${v.workflow})` : ''}`, String(v.rows), String(Math.round(v.bytes / 1024)), fmt(v.p50), fmt(v.p99), `${fmt(v.sqlP50)} + ${fmt(v.phasesSqlP50)}`, ok ? 'yes' : '**no**']);
    }
    if (r.waiting) {
      const x = r.waiting;
      const ok = x.growthMb <= GOAL_RSS_GROWTH_MB;
      if (!ok) misses.push({ store: name, figure: 'RSS growth with waiting runs', value: x.growthMb, goal: `≤ ${GOAL_RSS_GROWTH_MB} MB` });
      for (const [k, v] of Object.entries(x.full.latency)) {
        const e = x.empty.latency[k];
        exerciseRows.push([storeLabel[name]!, `\`${k}\``, e ? `${fmt(e.p50)} / ${fmt(e.p99)}` : '–', `${fmt(v.p50)} / ${fmt(v.p99)}`, String(v.n)]);
      }
      waitRows.push([storeLabel[name]!, x.waitingRuns.toLocaleString('en-US'), `${fmt(x.empty.rssStart)} / ${fmt(x.empty.rssEnd)}`, `${fmt(x.full.rssStart)} / ${fmt(x.full.rssEnd)}`, fmt(x.growthMb), `${fmt(x.empty.hwm)} → ${fmt(x.full.hwm)}`, ok ? 'yes' : '**no**']);
    }
  }

  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(
    RESULTS,
    JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: { cpus: os.cpus().length, node: process.version, loadavgAtEnd: os.loadavg() },
        options: { runs: RUNS, waiting: WAITING, skip: SKIP, only: stores, scenarios: SCENARIOS, requests: REQUESTS, warmup: WARMUP, exerciseSeconds: EXERCISE_S, spaces: SPACES, items: ITEMS, active: ACTIVE, listMix: LIST_MIX },
        goals: { listP99Ms: GOAL_P99_MS, waitingRssGrowthMb: GOAL_RSS_GROWTH_MB },
        results,
        misses,
      },
      null,
      1,
    ) + '\n',
  );

  const table = (head: string[], rows: string[][]) => [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  if (listRows.length) {
    const n = Object.values(results).find((r) => r.list)?.list?.runs ?? RUNS;
    console.log(`\nRuns list, first page, ${n.toLocaleString('en-US')} stored runs in ${SPACES} spaces; ${REQUESTS} sequential requests per row after ${WARMUP} warm-up (goal p99 ≤ ${GOAL_P99_MS} ms)\n`);
    console.log(table(['store', 'request', 'rows', 'KiB', 'p50 (ms)', 'p99 (ms)', 'runs + phases queries alone, median (ms)', 'goal'], listRows));
  }
  if (waitRows.length) {
    console.log(`\nServer memory with runs waiting at approval gates (VmRSS of \`flowgate serve\`, at start / after ${EXERCISE_S} s of reads; goal growth ≤ ${GOAL_RSS_GROWTH_MB} MB)\n`);
    console.log(table(['store', 'waiting runs', 'RSS before seeding (MB)', 'RSS with waiting runs (MB)', 'growth (MB)', 'peak RSS (MB)', 'goal'], waitRows));
    console.log(`\nRequests during those ${EXERCISE_S} s (two in flight; the exercise, not a goal of this bench)\n`);
    console.log(table(['store', 'request', 'p50 / p99 before seeding (ms)', 'p50 / p99 with waiting runs (ms)', 'requests'], exerciseRows));
  }
  if (misses.length) {
    console.log(`\nMissed goals:`);
    for (const m of misses) console.log(`- ${storeLabel[m.store]}: ${m.figure} = ${fmt(m.value)} (goal ${m.goal})`);
    for (const [name, r] of Object.entries(results)) {
      for (const v of r.list?.variants ?? []) if (v.p99 > GOAL_P99_MS && v.plan) console.log(`\n${storeLabel[name]} plan of ${v.path}${v.workflow ? ` (${v.workflow})` : ''}:\n    ${v.plan.join('\n    ')}`);
    }
  }
  console.log(`\nWritten to ${path.relative(process.cwd(), RESULTS)}`);
} finally {
  await cleanup();
}
