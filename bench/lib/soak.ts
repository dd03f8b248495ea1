/**
 * The kill -9 soak: runs through every phase type while real `flowgate` processes are killed
 * with SIGKILL at seeded random moments, then an account, from the database and from the side
 * servers, of what was lost, doubled or repeated. Used by bench/soak.ts (the long run) and by
 * test/soak.test.ts (a short one in `npm test`).
 *
 * The world: one org, one space, one workflow that goes through every phase type —
 *   tell (notify: in-app + email) → call (http to a local server that records Idempotency-Keys)
 *   → ask (ai against a local chat-completions server) → route (condition on the run's input)
 *   → team (approval by a member, decided over the API) | client (approval by an outside
 *   address, decided through the guest link in its email) → hold (wait) → edit (mutate)
 *   → share (share_email) → note (comment).
 * Each run has a content item of its own, so anything doubled shows on that item.
 *
 * The driver only starts runs and decides gates. Starting a run has no idempotency key in the
 * API (only webhooks take one), so a start whose answer was cut off by a kill is ambiguous:
 * once a server answers again the driver asks for the runs on that item and starts again only
 * if there is none. Each such start is counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { startServeProcess, startWorkerProcesses, type FlowgateProcess, type ServeProcess } from '../../test/helpers/processes.js';
import { listenLocal, type LocalHttp } from '../../test/helpers/local-http.js';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { parseMime } from '../../test/helpers/smtp.js';
import { inFlight } from './options.js';
import { median, quantile } from './stats.js';

export type SoakStore = 'sqlite' | 'pg';

export interface SoakOptions {
  store: SoakStore;
  /** SQLite file path or postgres:// URL of an empty database. */
  dbUrl: string;
  runs: number;
  kills: number;
  seed: number;
  /** PostgreSQL: worker processes beside the HTTP-only `serve`. */
  workers?: number;
  /** Runs started but not finished, at most (the driver waits before starting more). */
  window?: number;
  /** The wait phase's duration. */
  wait?: string;
  /** The job lease of the children (FLOWGATE_LEASE_MS): how long a killed process's jobs wait before another takes them. */
  leaseMs?: number;
  /** Stop starting runs after this long (the ones started are still waited for and counted). */
  budgetMs?: number;
  /** Give up waiting for the runs after this long without progress. */
  stallMs?: number;
  log?: (line: string) => void;
}

export interface KillRecord {
  n: number;
  victim: string;
  /** Seconds since the soak started. */
  atS: number;
  /** Runs finished when the process was killed. */
  finished: number;
  /** Kill → the replacement process ready (HTTP health, or LISTENing for a worker). */
  restartMs: number;
  /** The replacement process spawned → the next phase execution completed (null: none within 60 s). */
  resumeMs: number | null;
  /** The replacement ready → that phase completed (0 when it completed before the health check answered). */
  afterReadyMs: number | null;
}

export interface SoakReport {
  store: SoakStore;
  processes: string;
  seed: number;
  runs: number;
  kills: number;
  leaseMs: number;
  durationS: number;
  runsPerS: number;
  phaseExecutions: number;
  starts: { acknowledged: number; ambiguous: number; ambiguousHadStarted: number; ambiguousStartedAgain: number; refusedWhileDown: number };
  decisions: { api: number; apiAlreadyDecided: number; guest: number; guestAlreadyUsed: number; retried: number };
  /** The soak gave up waiting: no run finished for `stallMs` (unfinished runs then count as lost). */
  stalled: boolean;
  runsLost: number;
  runsDoubled: number;
  runsNotSucceeded: number;
  runsWithWrongPhases: number;
  phaseExecutionsDoubled: number;
  retriedAttempts: number;
  gateDecisionsDoubled: number;
  commentsDoubled: number;
  mutationsDoubled: number;
  notificationsDoubled: number;
  outboxRowsDoubled: number;
  emails: { queued: number; received: number; sentTwice: number; notDelivered: number };
  http: { calls: number; distinctKeys: number; repeatedSameKey: number; runsWithOtherThanOneKey: number; runsNeverCalled: number };
  ai: { calls: number; repeated: number };
  auditVerified: boolean;
  rawTokensFound: { tokens: number; inDatabase: number; inLogs: number; inAnswers: number };
  /** Restart (the replacement spawned) → the next phase execution completed. */
  resume: Summary & { unmeasured: number };
  /** Kill → the replacement ready. */
  restart: Summary;
  /** Replacement ready → the next phase execution completed. */
  afterReady: Summary;
  killLog: KillRecord[];
}

interface Summary {
  medianMs: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

const summary = (xs: number[]): Summary => (xs.length ? { medianMs: median(xs), p99Ms: quantile(xs, 0.99), maxMs: Math.max(...xs) } : { medianMs: null, p99Ms: null, maxMs: null });

/** mulberry32: a small seeded generator, so a soak's kill moments can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TERMINAL = ['completed', 'failed', 'cancelled'];
const GUEST = 'client@soak.example';
const WATCHER = 'watcher@soak.example';
const READER = 'reader@soak.example';
export const SOAK_LEASE_MS = 2000;
/** A process that has not started by then has failed (generous: a loaded machine starts slowly). */
const START_TIMEOUT_MS = 180_000;

/** The phases a run goes through, by the approval its input routes it to. */
export const PHASES_BY_ROUTE: Record<'team' | 'client', string[]> = {
  team: ['tell', 'call', 'ask', 'route', 'team', 'hold', 'edit', 'share', 'note'],
  client: ['tell', 'call', 'ask', 'route', 'client', 'hold', 'edit', 'share', 'note'],
};

function definition(ownerId: string, httpUrl: string, wait: string) {
  return {
    name: 'Soak: every phase type',
    trigger: { type: 'manual' },
    phases: [
      { id: 'tell', type: 'notify', to: ['space_admins', WATCHER], channels: ['in_app', 'email'], message: 'Run {{run.id}} started on {{target.title}}' },
      { id: 'call', type: 'http', method: 'POST', url: `${httpUrl}/publish`, body: { run: '{{run.id}}' }, timeout: '10s' },
      { id: 'ask', type: 'ai', prompt: 'A label for run {{run.id}}', output: { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] } },
      { id: 'route', type: 'condition', if: { field: 'input.route', op: 'eq', value: 'team' }, then: 'team', else: 'client' },
      { id: 'team', type: 'approval', approvers: { members: [ownerId] }, required: 'any', allowSelfApproval: true, next: 'hold' },
      { id: 'client', type: 'approval', approvers: { emails: [GUEST] }, required: 'any' },
      { id: 'hold', type: 'wait', duration: wait },
      { id: 'edit', type: 'mutate', set: { caption: 'Soaked by run {{run.id}}' } },
      { id: 'share', type: 'share_email', to: [READER], message: 'Have a look at {{target.title}}' },
      { id: 'note', type: 'comment', body: 'Run {{run.id}} was here' },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the store (never writing it)

interface Reader {
  all<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function sqliteReader(file: string): Reader {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return {
    all: async (sql, params = []) => db.prepare(sql).all(...params) as any[],
    close: async () => void db.close(),
  };
}

async function pgReader(url: string): Promise<Reader> {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  return {
    all: async (sql, params = []) => {
      let i = 0;
      const r = await pool.query(sql.replace(/\?/g, () => `$${++i}`), params as unknown[]);
      return r.rows;
    },
    close: () => pool.end(),
  };
}

const num = (v: unknown) => Number(v ?? 0);

// ---------------------------------------------------------------------------------------------
// The driver's HTTP client: follows the server across restarts and tells a request that never
// reached it (safe to send again) from one whose answer was lost (ambiguous).

type Answer = { status: number; body: any; text: string };
class Unreached extends Error {}
class Ambiguous extends Error {}

const REFUSED = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENOTFOUND']);

function causeCode(err: unknown): string | undefined {
  let e: any = err;
  for (let i = 0; e && i < 5; i++, e = e.cause) if (typeof e.code === 'string') return e.code;
  return undefined;
}

// ---------------------------------------------------------------------------------------------

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? (() => {});
  const rand = seeded(o.seed);
  const workersWanted = o.store === 'pg' ? (o.workers ?? 4) : 0;
  const windowSize = o.window ?? 300;
  const stallMs = o.stallMs ?? 120_000;
  const leaseMs = o.leaseMs ?? SOAK_LEASE_MS;
  const childEnv: Record<string, string> = { FLOWGATE_LEASE_MS: String(leaseMs), LOG_LEVEL: 'warn' };

  // Side servers: SMTP, the http phase's receiver, the AI provider.
  const smtp = await startSmtpSink();
  const keys = new Map<string, number>(); // Idempotency-Key → requests
  const keysByRun = new Map<string, Set<string>>();
  let httpCalls = 0;
  const receiver: LocalHttp = await listenLocal((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      httpCalls++;
      const key = String(req.headers['idempotency-key'] ?? '');
      keys.set(key, (keys.get(key) ?? 0) + 1);
      let run = '';
      try {
        run = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).run);
      } catch {}
      if (!keysByRun.has(run)) keysByRun.set(run, new Set());
      keysByRun.get(run)!.add(key);
      // A few milliseconds of "work", so that kills land while calls are in flight.
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"published":true}'), 5 + Math.floor(Math.random() * 20));
    });
  });
  const aiCallsByRun = new Map<string, number>();
  let aiCalls = 0;
  const ai: LocalHttp = await listenLocal((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      aiCalls++;
      const text = Buffer.concat(chunks).toString('utf8');
      const run = /run (\S+)/.exec(text)?.[1]?.replace(/[^A-Za-z0-9_-].*$/, '') ?? '';
      aiCallsByRun.set(run, (aiCallsByRun.get(run) ?? 0) + 1);
      const answer = { choices: [{ message: { role: 'assistant', content: JSON.stringify({ label: 'soaked' }) }, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } };
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)), 2 + Math.floor(Math.random() * 10));
    });
  });
  const env = { ...childEnv, SMTP_URL: smtp.url, FLOWGATE_AI_BASE_URL: `${ai.url}/v1`, FLOWGATE_AI_API_KEY: 'sk-soak-local' };

  // Processes. `serve` on SQLite runs the engine; on PostgreSQL it is HTTP only, beside the workers.
  const logs: string[] = [];
  let api: ServeProcess = await startServeProcess(o.dbUrl, { worker: o.store === 'sqlite', env, timeoutMs: START_TIMEOUT_MS });
  let workers: FlowgateProcess[] = workersWanted ? await startWorkerProcesses(o.dbUrl, workersWanted, { env, timeoutMs: START_TIMEOUT_MS }) : [];
  const processes = o.store === 'sqlite' ? '1 serve (API + engine), SQLite' : `1 serve (API only) + ${workersWanted} workers, PostgreSQL`;

  /** Every API answer after the owner's sign-up (whose answer is where its session token belongs). */
  const answers: string[] = [];
  let recordAnswers = false;
  async function call(method: string, p: string, token: string | undefined, body?: unknown): Promise<Answer> {
    const target = api;
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(target.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      // Refused: nothing was sent. Anything else (a socket cut by the kill): maybe it was.
      if (REFUSED.has(causeCode(err) ?? '')) throw new Unreached(String(err));
      throw new Ambiguous(`${method} ${p}: ${causeCode(err) ?? (err as Error).message}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new Ambiguous(`${method} ${p}: answer cut off: ${(err as Error).message}`);
    }
    if (recordAnswers) answers.push(text);
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed, text };
  }
  /** A call that must succeed (setup, reads): retried through restarts. */
  async function must(method: string, p: string, token: string | undefined, body: unknown, want: number): Promise<any> {
    for (let i = 0; ; i++) {
      try {
        const r = await call(method, p, token, body);
        if (r.status === want) return r.body;
        if (r.status < 500 || i > 50) throw new Error(`${method} ${p}: ${r.status} ${r.text.slice(0, 500)}\n${api.output().slice(-2000)}`);
      } catch (err) {
        if (!(err instanceof Unreached || err instanceof Ambiguous) || i > 600) throw err;
      }
      await sleep(100);
    }
  }

  let reader: Reader | null = null;
  /** Set when the soak is over (or has failed): the driver's loops stop. */
  let done = false;
  const closeAll = async () => {
    done = true;
    await reader?.close().catch(() => {});
    for (const p of [api, ...workers]) {
      if (p.alive()) await p.kill('SIGKILL');
      logs.push(p.output());
    }
    await Promise.all([smtp.close(), receiver.close(), ai.close()]);
  };

  try {
    // ---- the world
    const setup = await must('POST', '/api/setup', undefined, { orgName: 'Soak', email: 'owner@soak.example', name: 'Sam Soak', password: 'correct horse battery' }, 201);
    const token = setup.token as string;
    const ownerId = setup.user.id as string;
    recordAnswers = true;
    const space = await must('POST', '/api/spaces', token, { name: 'Soak' }, 201);
    const wf = await must('POST', `/api/spaces/${space.id}/workflows`, token, definition(ownerId, receiver.url, o.wait ?? '1s'), 201);
    const items: string[] = new Array(o.runs);
    await inFlight(o.runs, 16, async (i) => {
      items[i] = (await must('POST', `/api/spaces/${space.id}/content`, token, { title: `Soak item ${i}` }, 201)).id;
    });
    const routeOf = (i: number): 'team' | 'client' => (i % 2 === 0 ? 'team' : 'client');
    reader = o.store === 'sqlite' ? sqliteReader(o.dbUrl) : await pgReader(o.dbUrl);
    const db = reader;
    log(`soak ${o.store}: ${o.runs} runs, ${o.kills} kills, seed ${o.seed}; ${processes}; lease ${leaseMs} ms`);

    // ---- kills, planned by runs started (seeded): kill k comes once that many runs have started,
    // a random few milliseconds later, with the window of unfinished runs in every state. Starts
    // wait for a kill that is due, so no kill lands after the work is done.
    const plan = Array.from({ length: o.kills }, () => ({ afterStarts: Math.floor((0.02 + rand() * 0.96) * o.runs), delayMs: Math.floor(rand() * 250), pick: rand() })).sort((a, b) => a.afterStarts - b.afterStarts);
    log(`kill plan (after this many runs started): ${plan.map((k) => k.afterStarts).join(' ')}`);
    /** Kills carried out: starts go on from there, so the restart meets work in flight and work still coming. */
    let killsFired = 0;
    let startsOver = false;
    let restarting = false;

    const t0 = Date.now();
    const stats = {
      acknowledged: 0, ambiguous: 0, ambiguousHadStarted: 0, ambiguousStartedAgain: 0, refusedWhileDown: 0,
      api: 0, apiAlreadyDecided: 0, guest: 0, guestAlreadyUsed: 0, retried: 0,
    };
    let finished = 0;
    let started = 0;
    const startedItems = new Set<number>();
    const budgetEnd = t0 + (o.budgetMs ?? Infinity);
    let overBudget = false;
    let lastProgressAt = Date.now();
    let failure: Error | null = null;

    // ---- monitor: finished runs, gates waiting on the team
    const teamWaiting = new Set<string>();
    const deciding = new Set<string>();
    const monitor = (async () => {
      while (!done) {
        try {
          const f = num((await db.all(`SELECT count(*) AS n FROM runs WHERE status IN ('completed', 'failed', 'cancelled')`))[0]?.n);
          if (f !== finished) lastProgressAt = Date.now();
          finished = f;
          const waiting = await db.all<{ id: string }>(`SELECT id FROM runs WHERE status = 'waiting' AND current_phase_id = 'team'`);
          for (const r of waiting) if (!deciding.has(r.id)) teamWaiting.add(r.id);
        } catch (err) {
          log(`monitor: ${(err as Error).message}`);
        }
        await sleep(100);
      }
    })();

    // ---- gates decided over the API, as the member approver
    const decideApi = (async () => {
      while (!done) {
        const batch = [...teamWaiting].slice(0, 64);
        teamWaiting.clear();
        await Promise.all(batch.map(async (runId) => {
          if (deciding.has(runId)) return;
          deciding.add(runId);
          try {
            const r = await call('POST', `/api/runs/${runId}/phases/team/decision`, token, { decision: 'approve', comment: 'Fine by me' });
            if (r.status === 200) stats.api++;
            else if (r.status === 409) stats.apiAlreadyDecided++; // decided before the answer was lost
            else throw new Error(`decision on ${runId}: ${r.status} ${r.text.slice(0, 300)}`);
          } catch (err) {
            if (!(err instanceof Unreached || err instanceof Ambiguous)) throw err;
            stats.retried++;
          } finally {
            // Decided or not, the monitor sees the run again while it still waits on the team.
            setTimeout(() => deciding.delete(runId), 1000);
          }
        }));
        await sleep(50);
      }
    })();

    // ---- gates decided through the guest link in the email to the outside approver
    const guestTokens = new Set<string>();
    const allGuestTokens = new Set<string>();
    const received = new Map<string, number>(); // Message-ID → copies received
    const drainMail = () => {
      const batch = smtp.messages.splice(0);
      for (const m of batch) {
        const mime = parseMime(m.raw);
        const id = mime.headers['message-id'] ?? `(none ${received.size})`;
        received.set(id, (received.get(id) ?? 0) + 1);
        for (const part of mime.parts) {
          for (const match of part.body.matchAll(/\/review\/([A-Za-z0-9_-]{20,})/g)) {
            allGuestTokens.add(match[1]!);
            if (m.to.includes(GUEST) && received.get(id) === 1) guestTokens.add(match[1]!);
          }
        }
      }
    };
    const decideGuest = (async () => {
      const pending = new Map<string, number>(); // token → attempts
      while (!done) {
        drainMail();
        for (const t of guestTokens) pending.set(t, 0);
        guestTokens.clear();
        await Promise.all([...pending.keys()].slice(0, 64).map(async (t) => {
          try {
            const r = await call('POST', `/api/guest/${t}/decision`, undefined, { decision: 'approve', comment: 'Looks right' });
            if (r.status === 200) stats.guest++;
            else if (r.status === 410) stats.guestAlreadyUsed++; // used before the answer was lost
            else throw new Error(`guest decision: ${r.status} ${r.text.slice(0, 300)}`);
            pending.delete(t);
          } catch (err) {
            if (!(err instanceof Unreached || err instanceof Ambiguous)) throw err;
            stats.retried++;
          }
        }));
        await sleep(50);
      }
    })();

    // ---- starts
    async function startOne(i: number) {
      const body = { target: { type: 'content', id: items[i] }, input: { route: routeOf(i) } };
      for (;;) {
        try {
          const r = await call('POST', `/api/workflows/${wf.id}/runs`, token, body);
          if (r.status === 201) {
            stats.acknowledged++;
            return;
          }
          throw new Error(`start: ${r.status} ${r.text.slice(0, 300)}`);
        } catch (err) {
          if (err instanceof Unreached) {
            stats.refusedWhileDown++;
            await sleep(100);
            continue;
          }
          if (!(err instanceof Ambiguous)) throw err;
        }
        // The answer was lost: did the run start? Ask once a server answers, then start again only if not.
        stats.ambiguous++;
        const list = await must('GET', `/api/workflows/${wf.id}/runs?targetId=${items[i]}`, token, undefined, 200);
        if ((list.items as unknown[]).length > 0) {
          stats.ambiguousHadStarted++;
          stats.acknowledged++;
          return;
        }
        stats.ambiguousStartedAgain++;
      }
    }
    const starter = (async () => {
      await inFlight(o.runs, 16, async (i) => {
        while (started - finished >= windowSize && !done) await sleep(20);
        while (killsFired < plan.length && started >= plan[killsFired]!.afterStarts && !done) await sleep(20);
        if (Date.now() > budgetEnd) {
          overBudget = true;
          return;
        }
        await startOne(i);
        startedItems.add(i);
        started++;
        lastProgressAt = Date.now();
      });
    })();

    // ---- the killer
    const killLog: KillRecord[] = [];
    const lastPhaseEndAfter = async (t: number) => num((await db.all(`SELECT min(ended_at) AS t FROM phase_executions WHERE ended_at >= ?`, [t]))[0]?.t);
    const killer = (async () => {
      for (const [n, k] of plan.entries()) {
        while (started < k.afterStarts) {
          if (done || startsOver) return;
          await sleep(20);
        }
        restarting = true;
        await sleep(k.delayMs);
        const victims: FlowgateProcess[] = [api, ...workers];
        const victim = victims[Math.floor(k.pick * victims.length)]!;
        const name = victim === api ? 'serve' : `worker ${workers.indexOf(victim) + 1}`;
        const listening = victim === api ? 0 : await listeners(o.dbUrl);
        const killedAt = Date.now();
        const finishedAtKill = finished;
        await victim.kill('SIGKILL');
        killsFired++;
        logs.push(victim.output());
        const spawnedAt = Date.now();
        if (victim === api) {
          api = await startServeProcess(o.dbUrl, { worker: o.store === 'sqlite', env, timeoutMs: START_TIMEOUT_MS });
        } else {
          // The dead worker's session must be gone before the new one's LISTEN is counted.
          await untilListeners(o.dbUrl, listening - 1);
          const [fresh] = await startWorkerProcesses(o.dbUrl, 1, { env, timeoutMs: START_TIMEOUT_MS });
          workers[workers.indexOf(victim)] = fresh!;
        }
        const readyAt = Date.now();
        let resumeMs: number | null = null;
        let afterReadyMs: number | null = null;
        const until = Date.now() + 60_000;
        while (Date.now() < until) {
          const t = await lastPhaseEndAfter(spawnedAt);
          if (t) {
            resumeMs = t - spawnedAt;
            afterReadyMs = Math.max(0, t - readyAt);
            break;
          }
          await sleep(50);
        }
        const rec = { n: n + 1, victim: name, atS: Math.round((killedAt - t0) / 100) / 10, finished: finishedAtKill, restartMs: readyAt - killedAt, resumeMs, afterReadyMs };
        killLog.push(rec);
        lastProgressAt = Date.now();
        restarting = false;
        log(`kill ${rec.n}/${o.kills}: ${name} at ${rec.atS} s (${finishedAtKill} runs finished); ready again in ${rec.restartMs} ms; next phase completed ${resumeMs ?? '—'} ms after the restart (${afterReadyMs ?? '—'} ms after ready)`);
      }
    })();

    // ---- until every run has finished and every kill has happened
    const guard = <T>(p: Promise<T>) => p.catch((err: Error) => { failure ??= err; });
    void guard(decideApi);
    void guard(decideGuest);
    void guard(starter).then(() => (startsOver = true));
    const killerDone = guard(killer);
    let killsDone = false;
    void killerDone.then(() => (killsDone = true));
    let lastReport = Date.now();
    let stalled = false;
    while (!((killsDone || overBudget) && startsOver && finished >= started)) {
      if (failure) throw failure;
      if (!restarting && Date.now() - lastProgressAt > stallMs) {
        stalled = true;
        log(`STALLED: no run finished for ${stallMs / 1000} s (${started} started, ${finished} finished); counting what there is`);
        break;
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`${Math.round((Date.now() - t0) / 1000)} s: ${started} started, ${finished} finished, ${killLog.length} kills`);
      }
      await sleep(100);
    }
    const durationS = (Date.now() - t0) / 1000;
    if (failure) throw failure;

    // Every email delivered before counting (the outbox is drained by the running processes).
    const outboxDeadline = Date.now() + 60_000;
    while (Date.now() < outboxDeadline) {
      const left = num((await db.all(`SELECT count(*) AS n FROM outbox WHERE status <> 'sent'`))[0]?.n);
      if (left === 0) break;
      await sleep(200);
    }
    await sleep(300);
    done = true;
    await Promise.all([monitor, decideApi.catch(() => {}), decideGuest.catch(() => {}), starter.catch(() => {}), killerDone]);
    drainMail();

    // ---- the account, from the database
    const runRows = await db.all<{ id: string; target_id: string; status: string; outcome: string | null; input: string }>(`SELECT id, target_id, status, outcome, input FROM runs`);
    const runsByItem = new Map<string, typeof runRows>();
    for (const r of runRows) {
      if (!runsByItem.has(r.target_id)) runsByItem.set(r.target_id, []);
      runsByItem.get(r.target_id)!.push(r);
    }
    const runsLost = items.filter((id, i) => startedItems.has(i) && !runsByItem.has(id)).length + runRows.filter((r) => !TERMINAL.includes(r.status)).length;
    const runsDoubled = [...runsByItem.values()].filter((rs) => rs.length > 1).length;
    const runsNotSucceeded = runRows.filter((r) => TERMINAL.includes(r.status) && !(r.status === 'completed' && r.outcome === 'succeeded')).length;
    if (runsNotSucceeded) {
      // Why each run that did not succeed ended so: its failed or last phase, with the error.
      const why = await db.all<{ run_id: string; phase_id: string; type: string; status: string; attempt: number; error: string | null }>(
        `SELECT pe.run_id, pe.phase_id, pe.type, pe.status, pe.attempt, pe.error FROM phase_executions pe JOIN runs r ON r.id = pe.run_id
         WHERE NOT (r.status = 'completed' AND r.outcome = 'succeeded') AND r.status IN ('completed', 'failed', 'cancelled') AND pe.status IN ('failed', 'cancelled')`,
      );
      for (const w of why) log(`run ${w.run_id} did not succeed: phase ${w.phase_id} (${w.type}) ${w.status} on attempt ${w.attempt}: ${w.error ?? '—'}`);
    }

    const execs = await db.all<{ run_id: string; phase_id: string; n: number; attempts: number }>(`SELECT run_id, phase_id, count(*) AS n, max(attempt) AS attempts FROM phase_executions GROUP BY run_id, phase_id`);
    const phaseExecutions = execs.reduce((s, e) => s + num(e.n), 0);
    const phaseExecutionsDoubled = execs.filter((e) => num(e.n) > 1).length;
    const retriedAttempts = execs.filter((e) => num(e.attempts) > 1).length;
    const phasesOf = new Map<string, string[]>();
    for (const e of execs) {
      if (!phasesOf.has(e.run_id)) phasesOf.set(e.run_id, []);
      phasesOf.get(e.run_id)!.push(e.phase_id);
    }
    const runsWithWrongPhases = runRows.filter((r) => {
      const route = JSON.parse(r.input).route as 'team' | 'client';
      return [...(phasesOf.get(r.id) ?? [])].sort().join() !== [...PHASES_BY_ROUTE[route]].sort().join();
    }).length;

    const countOver = async (sql: string) => num((await db.all(`SELECT count(*) AS n FROM (${sql}) x`))[0]?.n);
    const gateDecisionsDoubled = await countOver(`SELECT execution_id FROM gate_decisions GROUP BY execution_id HAVING count(*) > 1`);
    const commentsDoubled = await countOver(`SELECT run_id FROM comments WHERE source = 'workflow' GROUP BY run_id HAVING count(*) > 1`);
    const mutationsDoubled = num((await db.all(`SELECT count(*) AS n FROM content_items WHERE version > 2`))[0]?.n);
    const notificationsDoubled = await countOver(`SELECT run_id, user_id, kind FROM notifications GROUP BY run_id, user_id, kind, message HAVING count(*) > 1`);
    const outboxRowsDoubled = await countOver(`SELECT run_id, execution_id, to_addr FROM outbox GROUP BY run_id, execution_id, to_addr HAVING count(*) > 1`);
    const sentIds = await db.all<{ message_id: string | null }>(`SELECT message_id FROM outbox`);
    const queued = sentIds.length;
    const notDelivered = sentIds.filter((r) => !r.message_id || !received.has(r.message_id)).length;
    const copies = [...received.values()];

    const runIds = new Set(runRows.map((r) => r.id));
    const keyCounts = [...keys.values()];
    const runsWithOtherThanOneKey = [...runIds].filter((id) => {
      const ks = keysByRun.get(id);
      return ks !== undefined && (ks.size !== 1 || ![...ks][0]!.startsWith(`${id}:`));
    }).length;
    const runsNeverCalled = [...runIds].filter((id) => !keysByRun.has(id)).length;

    const verify = await must('GET', '/api/audit/verify', token, undefined, 200);

    // ---- raw tokens: the owner's session token and every guest token, anywhere but an email body
    for (const p of [api, ...workers]) logs.push(p.output());
    const secrets = new Set<string>([token.slice(token.indexOf('_') + 1), ...[...allGuestTokens].map((t) => t.slice(t.indexOf('_') + 1))]);
    const scan = (text: string) => {
      let hits = 0;
      for (const m of text.matchAll(/[A-Za-z0-9_-]{43,}/g)) {
        for (let k = 0; k + 43 <= m[0].length; k++) if (secrets.has(m[0].slice(k, k + 43))) hits++;
      }
      return hits;
    };
    let inDatabase = 0;
    const tables = o.store === 'sqlite'
      ? (await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((t) => t.name)
      : (await db.all<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`)).map((t) => t.name);
    for (const t of tables) {
      const rows = await db.all(`SELECT * FROM ${t}`);
      for (const row of rows) {
        // The email itself is the one place a guest link's token is written down.
        if (t === 'outbox') delete row.text_body, delete row.html_body, delete row.links;
        inDatabase += scan(JSON.stringify(row));
      }
    }
    const inLogs = logs.reduce((s, l) => s + scan(l), 0);
    const inAnswers = answers.reduce((s, a) => s + scan(a), 0);

    const resumes = killLog.map((k) => k.resumeMs).filter((x): x is number => x !== null);
    const afterReady = killLog.map((k) => k.afterReadyMs).filter((x): x is number => x !== null);
    return {
      store: o.store,
      processes,
      seed: o.seed,
      runs: runRows.length,
      kills: killLog.length,
      leaseMs,
      durationS: Math.round(durationS * 10) / 10,
      runsPerS: Math.round((runRows.length / durationS) * 10) / 10,
      phaseExecutions,
      starts: { acknowledged: stats.acknowledged, ambiguous: stats.ambiguous, ambiguousHadStarted: stats.ambiguousHadStarted, ambiguousStartedAgain: stats.ambiguousStartedAgain, refusedWhileDown: stats.refusedWhileDown },
      decisions: { api: stats.api, apiAlreadyDecided: stats.apiAlreadyDecided, guest: stats.guest, guestAlreadyUsed: stats.guestAlreadyUsed, retried: stats.retried },
      stalled,
      runsLost,
      runsDoubled,
      runsNotSucceeded,
      runsWithWrongPhases,
      phaseExecutionsDoubled,
      retriedAttempts,
      gateDecisionsDoubled,
      commentsDoubled,
      mutationsDoubled,
      notificationsDoubled,
      outboxRowsDoubled,
      emails: { queued, received: copies.reduce((s, c) => s + c, 0), sentTwice: copies.filter((c) => c > 1).reduce((s, c) => s + c - 1, 0), notDelivered },
      http: { calls: httpCalls, distinctKeys: keys.size, repeatedSameKey: keyCounts.filter((c) => c > 1).reduce((s, c) => s + c - 1, 0), runsWithOtherThanOneKey, runsNeverCalled },
      ai: { calls: aiCalls, repeated: [...aiCallsByRun.values()].filter((c) => c > 1).reduce((s, c) => s + c - 1, 0) },
      auditVerified: verify.ok === true,
      rawTokensFound: { tokens: secrets.size, inDatabase, inLogs, inAnswers },
      resume: { ...summary(resumes), unmeasured: killLog.length - resumes.length },
      restart: summary(killLog.map((k) => k.restartMs)),
      afterReady: summary(afterReady),
      killLog,
    };
  } finally {
    await closeAll();
  }
}

/**
 * A real SMTP server on loopback that keeps what it receives until drained. A client killed
 * mid-message (a flowgate process killed while sending) is one of the things it must survive.
 */
async function startSmtpSink() {
  const messages: Array<{ to: string[]; raw: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  server.on('error', () => {}); // a connection reset by a killed sender
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { messages, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const LISTENERS = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'`;

/** Sessions LISTENing on the database: one per running engine. */
async function listeners(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>(LISTENERS)).rows[0]!.n;
  } finally {
    await c.end();
  }
}

/** Waits until at most `n` sessions LISTEN on the database (a killed worker's session has ended). */
async function untilListeners(url: string, n: number) {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && (await listeners(url)) > n) await sleep(20);
}

/** The report as a table of figures, one line each. */
export function formatReport(r: SoakReport): string {
  const ms = (x: number | null) => (x === null ? '—' : `${Math.round(x)} ms`);
  const rows: Array<[string, string]> = [
    ['store / processes', r.processes],
    ['seed', String(r.seed)],
    ['runs / kills', `${r.runs} / ${r.kills} (lease ${r.leaseMs} ms)`],
    ['duration, throughput', `${r.durationS} s, ${r.runsPerS} runs/s, ${r.phaseExecutions} phase executions`],
    ['starts', `${r.starts.acknowledged} acknowledged; ${r.starts.ambiguous} answers lost to a kill (${r.starts.ambiguousHadStarted} had started, ${r.starts.ambiguousStartedAgain} started again); ${r.starts.refusedWhileDown} refused while down, sent again`],
    ['decisions', `${r.decisions.api} over the API (${r.decisions.apiAlreadyDecided} already decided), ${r.decisions.guest} by guest link (${r.decisions.guestAlreadyUsed} already used), ${r.decisions.retried} sent again`],
    ['runs lost', `${r.runsLost}${r.stalled ? ' (STALLED: gave up waiting)' : ''}`],
    ['runs doubled', String(r.runsDoubled)],
    ['runs not succeeded / wrong phases', `${r.runsNotSucceeded} / ${r.runsWithWrongPhases}`],
    ['phase executions doubled', `${r.phaseExecutionsDoubled} (retried attempts: ${r.retriedAttempts})`],
    ['gate decisions doubled', String(r.gateDecisionsDoubled)],
    ['comments / mutations doubled', `${r.commentsDoubled} / ${r.mutationsDoubled}`],
    ['notifications / outbox rows doubled', `${r.notificationsDoubled} / ${r.outboxRowsDoubled}`],
    ['emails', `${r.emails.queued} queued, ${r.emails.received} received, ${r.emails.sentTwice} sent twice (same Message-ID), ${r.emails.notDelivered} not delivered`],
    ['http calls', `${r.http.calls} calls, ${r.http.distinctKeys} keys, ${r.http.repeatedSameKey} repeated with the same key; runs with ≠1 key: ${r.http.runsWithOtherThanOneKey}; never called: ${r.http.runsNeverCalled}`],
    ['ai calls', `${r.ai.calls} (${r.ai.repeated} repeated)`],
    ['audit chain', r.auditVerified ? 'verified' : 'BROKEN'],
    ['raw tokens outside email bodies', `${r.rawTokensFound.inDatabase} in the database, ${r.rawTokensFound.inLogs} in logs, ${r.rawTokensFound.inAnswers} in API answers (of ${r.rawTokensFound.tokens} tokens)`],
    ['resume: restart → next phase done', `median ${ms(r.resume.medianMs)}, p99 ${ms(r.resume.p99Ms)}, max ${ms(r.resume.maxMs)}${r.resume.unmeasured ? `, ${r.resume.unmeasured} unmeasured` : ''}`],
    ['  of which: kill → ready', `median ${ms(r.restart.medianMs)}, p99 ${ms(r.restart.p99Ms)}, max ${ms(r.restart.maxMs)}`],
    ['  ready → next phase done', `median ${ms(r.afterReady.medianMs)}, p99 ${ms(r.afterReady.p99Ms)}, max ${ms(r.afterReady.maxMs)}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
