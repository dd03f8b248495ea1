/**
 * Approval gates under concurrency (docs/REQUIREMENTS.md section 5; src/runtime/approvals.ts): a decision,
 * the gate's evaluation and the run's transition are one transaction, so however decisions
 * interleave, a gate opens or closes exactly once.
 *
 * (a) A 3-of-5 gate receives all five decisions at the same instant from concurrent HTTP
 *     clients (3 approve + 2 deny, or 5 approve). Every time: each answer is 200 or 409
 *     `gate_not_waiting`; exactly three approvals are accepted; the gate's execution succeeds
 *     once; the next phase (a comment) runs once; `run.completed` is audited once.
 * (b) An approve aimed at the instant a `timeout: {after: "1s", action: "deny"}` fires: exactly
 *     one outcome — the decision answers 200 and the run goes on, or it answers 409 and the
 *     timeout denied the run — never both.
 *
 * SQLite: the in-process test server (one writer). PostgreSQL: one `flowgate serve --no-worker`
 * process taking the decisions over HTTP and two `flowgate worker` processes running the
 * phases and the timers, all on one database (FLOWGATE_LEASE_MS=2000). PostgreSQL trials are
 * bounded by time as well as by count; the achieved counts are printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { liveProcesses, startServeProcess, startWorkerProcesses, stopAllProcesses } from './helpers/processes.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Call = (method: string, path: string, opts?: { token?: string; body?: unknown }) => Promise<{ status: number; body: any }>;
type User = { id: string; token: string };
type Decision = 'approve' | 'deny';

/** Trial counts; FLOWGATE_RACE_GATE_TRIALS and FLOWGATE_RACE_TIMEOUT_TRIALS raise them for a long run. */
const GATE_TRIALS = Number(process.env.FLOWGATE_RACE_GATE_TRIALS ?? 200);
const TIMEOUT_TRIALS = Number(process.env.FLOWGATE_RACE_TIMEOUT_TRIALS ?? 100);
/** A long run gets the time it needs: about 0.1 s a gate trial and 1.5 s a timeout trial on SQLite. */
const scale = (ms: number, trials: number, perTrialMs: number) => Math.max(ms, trials * perTrialMs);
/**
 * Wall-clock budgets: no trial starts once its budget is spent. SQLite must reach the full
 * counts; PostgreSQL (three processes, a 2 s lease) does as many as fit and prints how many.
 */
const BUDGET_MS = {
  sqlite: { gate: scale(150_000, GATE_TRIALS, 100), timeout: scale(150_000, TIMEOUT_TRIALS, 1_500) },
  postgres: { gate: scale(110_000, GATE_TRIALS, 200), timeout: scale(90_000, TIMEOUT_TRIALS, 1_500) },
} as const;
/**
 * Trials in flight at once (each trial's own decisions are always concurrent). PostgreSQL
 * runs three processes on a 2-core machine; four lanes keep them busy without pushing
 * transactions past the 2 s lease.
 */
const PARALLEL = { sqlite: { gate: 4, timeout: 3 }, postgres: { gate: 4, timeout: 6 } } as const;
/** How long one run may take to reach its gate, or to finish. */
const STEP_MS = { sqlite: 20_000, postgres: 60_000 } as const;
const FINISHED = ['completed', 'failed', 'cancelled'];

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, everyMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Runs `trial(n)` for n = 0, 1, … on `parallel` lanes until `count` are done or `budgetMs` is spent. */
async function trials<R>(count: number, parallel: number, budgetMs: number, trial: (n: number) => Promise<R>): Promise<R[]> {
  const stopAt = Date.now() + budgetMs;
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count && Date.now() < stopAt) results.push(await trial(next++));
    }),
  );
  return results;
}

describe.each(DIALECTS)('approval races (%s)', (dialect) => {
  let call: Call;
  let server: TestServer | null = null;
  let owner: User;
  let spaceId: string;
  let approvers: User[];
  /** The child processes' output (PostgreSQL), to explain a failure. */
  let logs: (() => string) | null = null;

  async function ok(method: string, path: string, body: unknown, token: string | undefined, expected: number) {
    const res = await call(method, path, { token, body });
    if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}${logs ? `\n${logs()}` : ''}`);
    return res.body;
  }

  async function workflow(name: string, phases: unknown[]): Promise<string> {
    return (await ok('POST', `/api/spaces/${spaceId}/workflows`, { name, trigger: { type: 'manual' }, phases }, owner.token, 201)).id;
  }

  /** A fresh item and a run of `wf` on it, once the run waits on its gate. */
  async function runAtGate(wf: string, title: string) {
    const item = await ok('POST', `/api/spaces/${spaceId}/content`, { title }, owner.token, 201);
    const started = await ok('POST', `/api/workflows/${wf}/runs`, { target: { type: 'content', id: item.id } }, owner.token, 201);
    let last: any = null;
    const run = await until(`run ${started.id} to wait on its gate`, async () => {
      last = (await call('GET', `/api/runs/${started.id}`, { token: owner.token })).body;
      return last.status === 'waiting' && last.waitingFor === 'approval' ? last : null;
    }, STEP_MS[dialect], 20).catch((err) => {
      throw new Error(`${err.message}; last seen ${JSON.stringify(last)}${logs ? `\n${logs()}` : ''}`);
    });
    return { runId: run.id as string, itemId: item.id as string, run };
  }

  async function finished(runId: string) {
    let last: any = null;
    return until(`run ${runId} to finish`, async () => {
      last = (await call('GET', `/api/runs/${runId}`, { token: owner.token })).body;
      return FINISHED.includes(last.status) ? last : null;
    }, STEP_MS[dialect], 25).catch((err) => {
      throw new Error(`${err.message} [${new Date().toISOString()}]; last seen ${JSON.stringify(last)}${logs ? `\n${logs()}` : ''}`);
    });
  }

  async function auditOf(runId: string): Promise<any[]> {
    return [...(await ok('GET', `/api/audit?runId=${runId}&limit=500`, undefined, owner.token, 200)).items].reverse();
  }

  async function commentsOf(itemId: string): Promise<string[]> {
    return (await ok('GET', `/api/content/${itemId}/comments`, undefined, owner.token, 200)).items.map((c: { body: string }) => c.body);
  }

  const decide = (runId: string, who: User, decision: Decision) => call('POST', `/api/runs/${runId}/phases/gate/decision`, { token: who.token, body: { decision } });

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      server = await startTestServer('sqlite');
      call = (m, p, o) => server!.call(m, p, o);
    } else {
      const dbUrl = await freshDbUrl('postgres');
      const api = await startServeProcess(dbUrl, { worker: false, env: { FLOWGATE_LEASE_MS: '2000' } });
      const workers = await startWorkerProcesses(dbUrl, 2, { env: { FLOWGATE_LEASE_MS: '2000' } });
      call = (m, p, o) => api.call(m, p, o);
      logs = () => [api, ...workers].map((p) => `--- ${p.kind} ${p.pid} (${p.alive() ? 'alive' : 'dead'}) ---\n${p.output().slice(-3000)}`).join('\n');
    }
    const setup = await ok('POST', '/api/setup', { orgName: 'Acme', email: 'owner@acme.example', name: 'Olive Owner', password: 'correct horse' }, undefined, 201);
    owner = { id: setup.user.id, token: setup.token };
    spaceId = (await ok('POST', '/api/spaces', { name: 'Social' }, owner.token, 201)).id;
    approvers = [];
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve']) {
      const email = `${name}@acme.example`;
      const u = await ok('POST', '/api/users', { email, name, password: 'correct horse', role: 'member' }, owner.token, 201);
      await ok('PUT', `/api/spaces/${spaceId}/members/${u.id}`, { role: 'editor' }, owner.token, 200);
      const login = await ok('POST', '/api/auth/login', { email, password: 'correct horse' }, undefined, 200);
      approvers.push({ id: u.id, token: login.token });
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await stopAllProcesses();
    expect(liveProcesses()).toEqual([]);
  });

  it(`a 3-of-5 gate, all five decisions at once: exactly one transition (up to ${GATE_TRIALS} trials)`, { timeout: BUDGET_MS[dialect].gate + 250_000 }, async () => {
    const wf = await workflow('Three of five', [
      { id: 'gate', type: 'approval', approvers: { members: approvers.map((a) => a.id) }, required: 3 },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);

    const trial = async (n: number) => {
      const { runId, itemId } = await runAtGate(wf, `Race ${n}`);
      const plan: Decision[] = n % 2 === 0 ? shuffle(['approve', 'approve', 'approve', 'deny', 'deny']) : ['approve', 'approve', 'approve', 'approve', 'approve'];
      // Released together: five requests in flight on five connections.
      const answers = await Promise.all(plan.map((d, i) => decide(runId, approvers[i]!, d)));
      const where = `trial ${n} run ${runId} plan [${plan.join(',')}] → [${answers.map((a) => a.status).join(',')}]`;

      for (const a of answers) {
        expect([200, 409], `${where}: ${JSON.stringify(a.body)}`).toContain(a.status);
        if (a.status === 409) expect(a.body.error.code, where).toBe('gate_not_waiting');
      }
      const accepted = plan.filter((_, i) => answers[i]!.status === 200);
      // The third approval closes the gate; nothing after it lands, and a deny never can (two can't stop three of five).
      expect(accepted.filter((d) => d === 'approve').length, where).toBe(3);
      const deniesAccepted = accepted.length - 3;

      const run = await finished(runId);
      expect(run.status, where).toBe('completed');
      expect(run.outcome, where).toBe('succeeded');
      expect(run.phases.map((p: any) => `${p.phaseId}#${p.attempt}:${p.status}`), where).toEqual(['gate#1:succeeded', 'after#1:succeeded']);
      expect(run.phases[0].output, where).toMatchObject({ decision: 'approve', approvals: 3, denials: deniesAccepted, approvers: 5 });
      expect(await commentsOf(itemId), where).toEqual(['after the gate']);

      const trail = await auditOf(runId);
      const count = (action: string) => trail.filter((e) => e.action === action).length;
      expect(count('run.completed'), where).toBe(1);
      expect(count('gate.opened'), where).toBe(1);
      expect(count('phase.skipped') + count('run.failed') + count('run.cancelled'), where).toBe(0);
      const decisions = trail.filter((e) => e.action === 'gate.decision');
      expect(decisions.length, where).toBe(accepted.length);
      // Each accepted decision saw the tally of the ones before it; the last one, and only it, reached three.
      expect(decisions.map((e) => e.data.tally.approvals + e.data.tally.denials), where).toEqual(decisions.map((_, i) => i + 1));
      expect(decisions.filter((e) => e.data.tally.approvals >= 3).length, where).toBe(1);
      expect(decisions[decisions.length - 1]!.data.tally.approvals, where).toBe(3);

      const gates = (await ok('GET', `/api/runs/${runId}/approvals`, undefined, owner.token, 200)).items;
      expect(gates.length, where).toBe(1);
      expect(gates[0].status, where).toBe('approved');
      expect(gates[0].decisions.length, where).toBe(accepted.length);
      expect(gates[0].decisions.every((d: any) => d.counts), where).toBe(true);
      return { plan: n % 2 === 0 ? 'mixed' : 'five approves', accepted: accepted.length };
    };

    const started = Date.now();
    const results = await trials(GATE_TRIALS, PARALLEL[dialect].gate, BUDGET_MS[dialect].gate, trial);
    const tally: Record<string, number> = {};
    for (const r of results) tally[`${r.plan}: ${r.accepted} accepted`] = (tally[`${r.plan}: ${r.accepted} accepted`] ?? 0) + 1;
    console.log(`${dialect}: 3-of-5 gate, ${results.length} trials in ${Date.now() - started} ms: ${JSON.stringify(tally)}`);
    if (dialect === 'sqlite') expect(results).toHaveLength(GATE_TRIALS);
    else expect(results.length).toBeGreaterThanOrEqual(10);
  });

  it(`an approve at the instant the timeout denies: exactly one outcome (up to ${TIMEOUT_TRIALS} trials)`, { timeout: BUDGET_MS[dialect].timeout + 250_000 }, async () => {
    const wf = await workflow('Deny after 1s', [
      { id: 'gate', type: 'approval', approvers: { members: [approvers[0]!.id] }, required: 'any', timeout: { after: '1s', action: 'deny' } },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);

    // Calibration: how long after its wakeAt a timer's denial is committed here (the worker's lag).
    const probes = await Promise.all([0, 1, 2].map(async (i) => {
      const { runId, run } = await runAtGate(wf, `Probe ${i}`);
      const done = await finished(runId);
      expect(done.outcome).toBe('denied');
      return Date.parse(done.endedAt) - Date.parse(run.phases[0].wakeAt);
    }));
    const lag = [...probes].sort((a, b) => a - b)[1]!;
    // Where to aim, relative to wakeAt: a staircase that steps later after an approval and
    // earlier after a timeout denial, so the approves keep landing where the two meet (it
    // also absorbs this process's own timer and HTTP delays).
    let aim = lag;

    const trial = async (n: number) => {
      const { runId, itemId, run } = await runAtGate(wf, `Instant ${n}`);
      const gate = run.phases[0];
      expect(gate.phaseId).toBe('gate');
      const wakeAt = Date.parse(gate.wakeAt);
      await sleepUntil(wakeAt + aim + Math.round(Math.random() * 6 - 3));
      const sentAt = Date.now();
      const answer = await decide(runId, approvers[0]!, 'approve');
      const where = `trial ${n} run ${runId}: approve sent ${sentAt - wakeAt} ms after wakeAt, answered ${answer.status} ${JSON.stringify(answer.body?.error ?? answer.body?.status)}`;
      expect([200, 409], where).toContain(answer.status);
      aim += answer.status === 200 ? 3 : -3;

      const done = await finished(runId);
      const trail = await auditOf(runId);
      const count = (action: string) => trail.filter((e) => e.action === action).length;
      expect(count('run.completed'), where).toBe(1);
      const gates = (await ok('GET', `/api/runs/${runId}/approvals`, undefined, owner.token, 200)).items;
      if (answer.status === 200) {
        expect(answer.body.status, where).toBe('approved');
        expect(done.outcome, where).toBe('succeeded');
        expect(done.phases.map((p: any) => `${p.phaseId}:${p.status}`), where).toEqual(['gate:succeeded', 'after:succeeded']);
        expect(done.phases[0].output, where).toMatchObject({ decision: 'approve', approvals: 1 });
        expect(count('gate.decision'), where).toBe(1);
        expect(count('gate.timeout'), where).toBe(0);
        expect(gates[0].status, where).toBe('approved');
        expect(await commentsOf(itemId), where).toEqual(['after the gate']);
      } else {
        expect(answer.body.error.code, where).toBe('gate_not_waiting');
        expect(done.outcome, where).toBe('denied');
        expect(done.phases.map((p: any) => `${p.phaseId}:${p.status}`), where).toEqual(['gate:succeeded']);
        expect(done.phases[0].output, where).toMatchObject({ decision: 'deny', reason: 'timeout' });
        expect(count('gate.decision'), where).toBe(0);
        expect(count('gate.timeout'), where).toBe(1);
        expect(gates[0].status, where).toBe('denied');
        expect(gates[0].decisions, where).toEqual([]);
        expect(await commentsOf(itemId), where).toEqual([]);
      }
      return { outcome: answer.status === 200 ? 'approved' : 'denied by timeout', offset: sentAt - wakeAt };
    };

    const started = Date.now();
    // Lanes start apart, so their aiming instants do not line up.
    const results = await trials(TIMEOUT_TRIALS, PARALLEL[dialect].timeout, BUDGET_MS[dialect].timeout, async (n) => {
      if (n < PARALLEL[dialect].timeout) await new Promise((r) => setTimeout(r, n * 331));
      return trial(n);
    });
    const tally: Record<string, number> = {};
    for (const r of results) tally[r.outcome] = (tally[r.outcome] ?? 0) + 1;
    const offsets = results.map((r) => r.offset).sort((a, b) => a - b);
    console.log(
      `${dialect}: approve vs timeout, ${results.length} trials in ${Date.now() - started} ms (timer lag ${lag} ms; approves sent ${offsets[0]}..${offsets[offsets.length - 1]} ms after wakeAt, median ${offsets[offsets.length >> 1]}): ${JSON.stringify(tally)}`,
    );
    if (dialect === 'sqlite') expect(results).toHaveLength(TIMEOUT_TRIALS);
    else expect(results.length).toBeGreaterThanOrEqual(10);
  });
});
