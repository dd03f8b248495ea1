/**
 * Approval gates over real HTTP, on SQLite and PostgreSQL (docs/REQUIREMENTS.md section 5, docs/API.md
 * "Approvals"): the gate's arithmetic (`any` / `all` / N against approve/deny sequences),
 * where approved and denied gates lead, who may decide (self-approval, non-approvers,
 * viewers, second decisions), what `GET /api/runs/:id/approvals`, notifications and the
 * audit log record, timeouts (deny; escalate, then deny) and the `flowgate approve` CLI.
 * Nothing sleeps a fixed time: every wait polls with a deadline.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

type User = { id: string; token: string; email: string };
type Decision = 'approve' | 'deny';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/flowgate.js', import.meta.url));
const FINISHED = ['completed', 'failed', 'cancelled'];

/** `node bin/flowgate.js …` as a user runs it, against the test server. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(DIALECTS)('approval gates (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  /** Space members (editors) who act as approvers; `viewer` is a viewer-role member; `outsider` is a member named nowhere. */
  let A: User, B: User, C: User, X: User, viewer: User, outsider: User;

  const call = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => s.call(method, path, opts);

  async function workflow(name: string, phases: unknown[]): Promise<string> {
    const res = await call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name, trigger: { type: 'manual' }, phases } });
    if (res.status !== 201) throw new Error(`workflow ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async function content(title = 'Spring launch'): Promise<{ id: string; version: number }> {
    const res = await call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title } });
    if (res.status !== 201) throw new Error(`content: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function getRun(id: string): Promise<any> {
    const res = await call('GET', `/api/runs/${id}`, { token: w.owner.token });
    if (res.status !== 200) throw new Error(`get run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  const runUntil = (id: string, pred: (r: any) => boolean, what: string, timeoutMs = 10_000) =>
    waitFor(async () => {
      const r = await getRun(id);
      return pred(r) ? r : null;
    }, timeoutMs, `run ${id} ${what}`);
  const finished = (id: string, timeoutMs = 10_000) => runUntil(id, (r) => FINISHED.includes(r.status), 'to finish', timeoutMs);
  /** The run waits on the gate `phaseId` (its approvers are recorded by then). */
  const atGate = (id: string, phaseId = 'gate') => runUntil(id, (r) => r.status === 'waiting' && r.waitingFor === 'approval' && r.currentPhaseId === phaseId, `to wait on gate ${phaseId}`);

  /** Starts a run of `wf` on a fresh item (as the owner unless `by` says otherwise) and waits until it reaches its gate. */
  async function startAtGate(wf: string, opts: { by?: User | World['owner']; title?: string; phaseId?: string } = {}) {
    const item = await content(opts.title);
    const res = await call('POST', `/api/workflows/${wf}/runs`, { token: (opts.by ?? w.owner).token, body: { target: { type: 'content', id: item.id } } });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    const run = await atGate(res.body.id, opts.phaseId);
    return { runId: run.id as string, itemId: item.id, run };
  }

  const decide = (runId: string, who: { token: string }, decision: Decision, comment?: string, phaseId = 'gate') =>
    call('POST', `/api/runs/${runId}/phases/${phaseId}/decision`, { token: who.token, body: comment === undefined ? { decision } : { decision, comment } });

  async function gates(runId: string): Promise<any[]> {
    const res = await call('GET', `/api/runs/${runId}/approvals`, { token: w.owner.token });
    expect(res.status).toBe(200);
    return res.body.items;
  }

  async function audit(runId: string, action?: string): Promise<any[]> {
    const res = await call('GET', `/api/audit?runId=${runId}&limit=500${action ? `&action=${action}` : ''}`, { token: w.owner.token });
    expect(res.status).toBe(200);
    return [...res.body.items].reverse();
  }

  async function notifications(u: User): Promise<any[]> {
    const res = await call('GET', '/api/me/notifications?limit=500', { token: u.token });
    expect(res.status).toBe(200);
    return res.body.items;
  }

  async function comments(itemId: string): Promise<string[]> {
    const res = await call('GET', `/api/content/${itemId}/comments`, { token: w.owner.token });
    expect(res.status).toBe(200);
    return res.body.items.map((c: { body: string }) => c.body);
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    A = await addUser(s, w.owner.token, { email: 'ann@acme.example', name: 'Ann Approver', spaceId: w.spaceId });
    B = await addUser(s, w.owner.token, { email: 'ben@acme.example', name: 'Ben Approver', spaceId: w.spaceId });
    C = await addUser(s, w.owner.token, { email: 'cat@acme.example', name: 'Cat Approver', spaceId: w.spaceId });
    X = await addUser(s, w.owner.token, { email: 'xav@acme.example', name: 'Xav Escalation', spaceId: w.spaceId });
    viewer = await addUser(s, w.owner.token, { email: 'vic@acme.example', name: 'Vic Viewer', spaceId: w.spaceId, spaceRole: 'viewer' });
    outsider = await addUser(s, w.owner.token, { email: 'oz@acme.example', name: 'Oz Outsider', spaceId: w.spaceId });
  });
  afterAll(async () => s?.close());

  // ---------------------------------------------------------------------------------------
  // The gate's arithmetic

  type Case = { required: 'any' | 'all' | number; approvers: 1 | 3; onDeny?: 'end'; seq: Decision[]; expect: 'approved' | 'denied' | 'waiting' };
  const CASES: Case[] = [
    { required: 'any', approvers: 1, seq: ['approve'], expect: 'approved' },
    { required: 'any', approvers: 1, seq: ['deny'], expect: 'denied' },
    { required: 'any', approvers: 3, seq: ['approve'], expect: 'approved' },
    { required: 'any', approvers: 3, seq: ['deny', 'deny'], expect: 'waiting' },
    { required: 'any', approvers: 3, seq: ['deny', 'deny', 'deny'], expect: 'denied' },
    { required: 'any', approvers: 3, onDeny: 'end', seq: ['deny', 'deny', 'deny'], expect: 'denied' },
    { required: 'any', approvers: 3, seq: ['deny', 'deny', 'approve'], expect: 'approved' },
    { required: 'all', approvers: 3, seq: ['approve', 'approve'], expect: 'waiting' },
    { required: 'all', approvers: 3, seq: ['approve', 'deny'], expect: 'denied' },
    { required: 'all', approvers: 3, onDeny: 'end', seq: ['deny'], expect: 'denied' },
    { required: 'all', approvers: 3, seq: ['approve', 'approve', 'approve'], expect: 'approved' },
    { required: 2, approvers: 3, seq: ['approve', 'deny'], expect: 'waiting' },
    { required: 2, approvers: 3, seq: ['deny', 'deny'], expect: 'denied' },
    { required: 2, approvers: 3, seq: ['approve', 'approve'], expect: 'approved' },
    { required: 2, approvers: 3, seq: ['approve', 'deny', 'approve'], expect: 'approved' },
    { required: 3, approvers: 3, seq: ['approve', 'approve', 'deny'], expect: 'denied' },
  ];
  const label = (c: Case) => `${c.required} of ${c.approvers}${c.onDeny ? ` (onDeny ${c.onDeny})` : ''}: [${c.seq.join(', ')}] → ${c.expect}`;

  const gateWorkflows = new Map<string, string>();
  /** gate → comment "after the gate"; one workflow per gate shape, reused across cases. */
  async function gateWorkflow(c: Pick<Case, 'required' | 'approvers' | 'onDeny'>): Promise<string> {
    const key = `${c.required}/${c.approvers}/${c.onDeny ?? ''}`;
    if (!gateWorkflows.has(key)) {
      const members = [A, B, C].slice(0, c.approvers).map((u) => u.id);
      gateWorkflows.set(
        key,
        await workflow(`Gate ${key}`, [
          { id: 'gate', type: 'approval', approvers: { members }, required: c.required, ...(c.onDeny ? { onDeny: c.onDeny } : {}) },
          { id: 'after', type: 'comment', body: 'after the gate' },
        ]),
      );
    }
    return gateWorkflows.get(key)!;
  }

  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_label, c) => {
    const wf = await gateWorkflow(c);
    const { runId, itemId } = await startAtGate(wf);
    const approvers = [A, B, C];
    let last: any = null;
    for (const [i, d] of c.seq.entries()) {
      const res = await decide(runId, approvers[i]!, d, `${d} #${i + 1}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // Before the last decision the gate waits; the answer is the gate after this decision.
      expect(res.body.status).toBe(i === c.seq.length - 1 ? c.expect : 'waiting');
      last = res.body;
    }
    expect(last).toMatchObject({ phaseId: 'gate', required: c.required });
    expect(last.decisions.map((d: any) => d.decision)).toEqual(c.seq);

    if (c.expect === 'waiting') {
      const run = await getRun(runId);
      expect(run).toMatchObject({ status: 'waiting', waitingFor: 'approval', currentPhaseId: 'gate', outcome: null });
      expect(run.phases.map((p: any) => `${p.phaseId}:${p.status}`)).toEqual(['gate:waiting']);
      await call('POST', `/api/runs/${runId}/cancel`, { token: w.owner.token, body: { reason: 'test done' } });
      return;
    }
    const run = await finished(runId);
    if (c.expect === 'approved') {
      expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded', error: null });
      expect(run.phases.map((p: any) => `${p.phaseId}:${p.status}`)).toEqual(['gate:succeeded', 'after:succeeded']);
      expect(run.phases[0].output).toMatchObject({ decision: 'approve' });
      expect(await comments(itemId)).toEqual(['after the gate']);
    } else {
      expect(run).toMatchObject({ status: 'completed', outcome: 'denied', error: null });
      expect(run.phases.map((p: any) => `${p.phaseId}:${p.status}`)).toEqual(['gate:succeeded']);
      expect(run.phases[0].output).toMatchObject({ decision: 'deny' });
      expect(await comments(itemId)).toEqual([]);
    }
    const [gate] = await gates(runId);
    expect(gate.status).toBe(c.expect);
    expect((await audit(runId, 'run.completed')).map((e) => e.data)).toEqual([{ outcome: c.expect === 'approved' ? 'succeeded' : 'denied' }]);
  });

  it('onDeny {goto}: a denied gate jumps to the later phase and skips the approve path', async () => {
    const wf = await workflow('Deny goes to "later"', [
      { id: 'gate', type: 'approval', approvers: { members: [A.id] }, required: 'any', onDeny: { goto: 'later' } },
      { id: 'publish', type: 'comment', body: 'approved path', next: 'end' },
      { id: 'later', type: 'comment', body: 'deny path' },
    ]);
    const { runId, itemId } = await startAtGate(wf);
    const res = await decide(runId, A, 'deny', 'not this week');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('denied');
    const run = await finished(runId);
    // The deny path did not end the run: it went on to "later" and finished normally.
    expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(run.phases.map((p: any) => `${p.phaseId}:${p.status}`)).toEqual(['gate:succeeded', 'later:succeeded']);
    expect(await comments(itemId)).toEqual(['deny path']);

    // The approve path of the same workflow goes to "publish", whose `next: "end"` stops before "later".
    const approved = await startAtGate(wf);
    expect((await decide(approved.runId, A, 'approve')).status).toBe(200);
    const done = await finished(approved.runId);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(done.phases.map((p: any) => p.phaseId)).toEqual(['gate', 'publish']);
    expect(await comments(approved.itemId)).toEqual(['approved path']);
  });

  // ---------------------------------------------------------------------------------------
  // Who may decide

  it('self-approval: the member who started the run is refused (403 self_approval) unless the gate allows it', async () => {
    const strict = await workflow('No self-approval', [
      { id: 'gate', type: 'approval', approvers: { members: [w.owner.id, A.id] }, required: 'any' },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);
    const { runId } = await startAtGate(strict);
    expect((await getRun(runId)).trigger.by).toBe(w.owner.id);
    for (const d of ['approve', 'deny'] as const) {
      const refused = await decide(runId, w.owner, d);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('self_approval');
    }
    expect((await gates(runId))[0]).toMatchObject({ status: 'waiting', decisions: [] });
    expect(await audit(runId, 'gate.decision')).toEqual([]);
    // The other approver still can.
    expect((await decide(runId, A, 'approve')).body.status).toBe('approved');
    expect(await finished(runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });

    // A run A started: the owner, who did not start it, may approve this time; A may not.
    const byA = await startAtGate(strict, { by: A });
    expect((await decide(byA.runId, A, 'approve')).body.error.code).toBe('self_approval');
    expect((await decide(byA.runId, w.owner, 'approve')).status).toBe(200);
    expect(await finished(byA.runId)).toMatchObject({ outcome: 'succeeded' });

    const lenient = await workflow('Self-approval allowed', [
      { id: 'gate', type: 'approval', approvers: { members: [w.owner.id, A.id] }, required: 'any', allowSelfApproval: true },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);
    const own = await startAtGate(lenient);
    const allowed = await decide(own.runId, w.owner, 'approve', 'my own content, allowed');
    expect(allowed.status).toBe(200);
    expect(allowed.body.status).toBe('approved');
    expect(allowed.body.decisions).toMatchObject([{ approver: { userId: w.owner.id }, decision: 'approve', comment: 'my own content, allowed', counts: true }]);
    expect(await finished(own.runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it('refuses a member who is not an approver (403), a second decision (409), and a phase that is not waiting (409)', async () => {
    const wf = await gateWorkflow({ required: 'any', approvers: 3 });
    const { runId } = await startAtGate(wf);

    const stranger = await decide(runId, outsider, 'approve');
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.code).toBe('not_an_approver');

    expect((await decide(runId, A, 'deny', 'first thoughts')).status).toBe(200);
    for (const d of ['deny', 'approve'] as const) {
      const again = await decide(runId, A, d, 'second thoughts');
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('already_decided');
    }
    // Counted once: one deny out of three approvers, still waiting.
    const [gate] = await gates(runId);
    expect(gate.status).toBe('waiting');
    expect(gate.decisions).toHaveLength(1);
    expect(gate.decisions[0]).toMatchObject({ approver: { userId: A.id }, decision: 'deny', comment: 'first thoughts', counts: true });

    // The next phase is not waiting (it has not even started), and there is no such phase.
    const notYet = await decide(runId, B, 'approve', undefined, 'after');
    expect(notYet.status).toBe(409);
    expect(notYet.body.error.code).toBe('gate_not_waiting');
    expect((await decide(runId, B, 'approve', undefined, 'nope')).status).toBe(409);

    // Once the gate is decided, nobody else's decision lands.
    expect((await decide(runId, B, 'approve')).body.status).toBe('approved');
    const late = await decide(runId, C, 'approve');
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('gate_not_waiting');
    await finished(runId);
    const afterEnd = await decide(runId, C, 'deny');
    expect(afterEnd.status).toBe(409);
    expect(afterEnd.body.error.code).toBe('gate_not_waiting');
    expect((await gates(runId))[0].decisions).toHaveLength(2);

    // An unknown run is not found.
    expect((await decide('01900000-0000-7000-8000-000000000000', A, 'approve')).status).toBe(404);
  });

  it('a viewer-role space member named as an approver can decide', async () => {
    const wf = await workflow('Viewer decides', [
      { id: 'gate', type: 'approval', approvers: { members: [viewer.id] }, required: 'any' },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);
    const { runId } = await startAtGate(wf);
    const res = await decide(runId, viewer, 'approve', 'fine by me');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('approved');
    expect(await finished(runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  // ---------------------------------------------------------------------------------------
  // What is recorded

  it('GET approvals, notifications and the audit log record each decision: who, via, target version, comment, when', async () => {
    const wf = await gateWorkflow({ required: 2, approvers: 3 });
    const before = Date.now();
    const { runId, itemId } = await startAtGate(wf, { title: 'Launch post' });

    // Members are told in-app that their approval is needed; the starter (not an approver) is not.
    for (const u of [A, B, C]) {
      const mine = (await notifications(u)).filter((n) => n.runId === runId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ kind: 'approval.requested', runId, readAt: null });
      expect(mine[0].message).toContain('Launch post');
    }
    expect((await notifications(outsider)).filter((n) => n.runId === runId)).toEqual([]);

    const opened = await gates(runId);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ phaseId: 'gate', status: 'waiting', required: 2, decisions: [] });

    expect((await decide(runId, A, 'approve', 'Looks great')).status).toBe(200);
    expect((await decide(runId, B, 'deny', 'Typo in the caption')).status).toBe(200);
    expect((await decide(runId, C, 'approve')).status).toBe(200);
    await finished(runId);
    const after = Date.now();

    const [gate] = await gates(runId);
    expect(gate).toMatchObject({ phaseId: 'gate', status: 'approved', required: 2 });
    expect(gate.decisions).toEqual([
      { approver: { userId: A.id }, decision: 'approve', comment: 'Looks great', targetVersion: 1, via: 'api', at: expect.any(String), counts: true },
      { approver: { userId: B.id }, decision: 'deny', comment: 'Typo in the caption', targetVersion: 1, via: 'api', at: expect.any(String), counts: true },
      { approver: { userId: C.id }, decision: 'approve', comment: null, targetVersion: 1, via: 'api', at: expect.any(String), counts: true },
    ]);
    const times = gate.decisions.map((d: any) => Date.parse(d.at));
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(before - 5);
      expect(t).toBeLessThanOrEqual(after + 5);
    }
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // "Who approved this content?" straight from the audit log.
    const trail = await audit(runId, 'gate.decision');
    expect(trail.map((e) => [e.actor, e.data.decision, e.data.via, e.data.targetVersion, e.data.comment])).toEqual([
      [`user:${A.id}`, 'approve', 'api', 1, 'Looks great'],
      [`user:${B.id}`, 'deny', 'api', 1, 'Typo in the caption'],
      [`user:${C.id}`, 'approve', 'api', 1, null],
    ]);
    for (const e of trail) expect(e).toMatchObject({ subject: `run:${runId}`, data: { phaseId: 'gate' } });
    const byA = await call('GET', `/api/audit?runId=${runId}&actor=user:${A.id}&action=gate.decision`, { token: w.owner.token });
    expect(byA.body.items).toHaveLength(1);
    const all = (await audit(runId)).map((e) => e.action);
    expect(all.indexOf('gate.opened')).toBeGreaterThan(-1);
    expect(all.indexOf('gate.opened')).toBeLessThan(all.indexOf('gate.decision'));
    expect(all.filter((a) => a === 'run.completed')).toHaveLength(1);
    expect(await comments(itemId)).toEqual(['after the gate']);
    expect((await call('GET', '/api/audit/verify', { token: w.owner.token })).body.ok).toBe(true);
  });

  // ---------------------------------------------------------------------------------------
  // Timeouts

  it('timeout deny: nobody decides within 1s, the run completes denied and the audit says why', async () => {
    const wf = await workflow('Deny after 1s', [
      { id: 'gate', type: 'approval', approvers: { members: [A.id, B.id] }, required: 'all', timeout: { after: '1s', action: 'deny' } },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);
    const { runId, itemId, run: waiting } = await startAtGate(wf);
    const gatePhase = waiting.phases[0];
    const deadline = Date.parse(gatePhase.wakeAt) - Date.parse(gatePhase.startedAt);
    expect(deadline).toBeGreaterThanOrEqual(1000);
    expect(deadline).toBeLessThan(3000);
    expect((await decide(runId, A, 'approve')).body.status).toBe('waiting');

    const run = await finished(runId, 10_000);
    expect(run).toMatchObject({ status: 'completed', outcome: 'denied' });
    expect(Date.parse(run.endedAt)).toBeGreaterThanOrEqual(Date.parse(gatePhase.wakeAt));
    expect(run.phases.map((p: any) => `${p.phaseId}:${p.status}`)).toEqual(['gate:succeeded']);
    expect(run.phases[0].output).toMatchObject({ decision: 'deny', reason: 'timeout' });
    expect((await gates(runId))[0]).toMatchObject({ status: 'denied' });
    const timeouts = await audit(runId, 'gate.timeout');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toMatchObject({ actor: 'system', data: { phaseId: 'gate', stage: 1, action: 'deny' } });
    expect((await audit(runId, 'run.completed')).map((e) => e.data)).toEqual([{ outcome: 'denied' }]);
    expect(await comments(itemId)).toEqual([]);
    const late = await decide(runId, B, 'approve');
    expect(late.status).toBe(409);
    // The timer is gone with the gate.
    await waitFor(async () => (await s.db.k.selectFrom('jobs').select('id').where('run_id', '=', runId).execute()).length === 0, 5000, 'the jobs to drain');
  });

  it('escalate: after 1s the escalation approver is added and notified, and can approve before the second deadline', async () => {
    const wf = await workflow('Escalate to X', [
      { id: 'gate', type: 'approval', approvers: { members: [A.id] }, required: 'any', timeout: { after: '1s', action: 'escalate', escalateTo: { members: [X.id] }, then: { after: '30s', action: 'deny' } } },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);
    const { runId, itemId } = await startAtGate(wf, { title: 'Escalated post' });
    // Not an approver until the escalation.
    const early = await decide(runId, X, 'approve');
    expect(early.status).toBe(403);
    expect(early.body.error.code).toBe('not_an_approver');

    const notified = await waitFor(async () => (await notifications(X)).find((n) => n.runId === runId && n.kind === 'approval.requested'), 10_000, 'X to be notified');
    expect(notified.message).toContain('Escalated');
    expect(notified.message).toContain('Escalated post');
    expect(await audit(runId, 'gate.escalated')).toMatchObject([{ actor: 'system', data: { phaseId: 'gate', members: [X.id] } }]);
    expect(await audit(runId, 'gate.timeout')).toMatchObject([{ data: { stage: 1, action: 'escalate' } }]);
    const escalatedRun = await getRun(runId);
    expect(escalatedRun.status).toBe('waiting');
    // The second deadline (30 s after the escalation) is the one the run shows now.
    expect(Date.parse(escalatedRun.phases[0].wakeAt) - Date.parse(escalatedRun.phases[0].startedAt)).toBeGreaterThanOrEqual(31_000);
    expect(escalatedRun.phases[0].output).toMatchObject({ stage: 2 });
    expect((await gates(runId))[0].approvers).toEqual([
      { userId: A.id, addedBy: 'definition' },
      { userId: X.id, addedBy: 'escalation' },
    ]);

    const res = await decide(runId, X, 'approve', 'approving on behalf of the team');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('approved');
    expect(await finished(runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(await comments(itemId)).toEqual(['after the gate']);
    expect(await audit(runId, 'gate.decision')).toMatchObject([{ actor: `user:${X.id}`, data: { decision: 'approve', via: 'api', targetVersion: 1 } }]);
    // The second-stage timer died with the gate.
    await waitFor(async () => (await s.db.k.selectFrom('jobs').select('id').where('run_id', '=', runId).execute()).length === 0, 5000, 'the jobs to drain');
  });

  it('escalate then deny: nobody decides, the gate is denied after the second deadline', async () => {
    const wf = await workflow('Escalate, then deny', [
      { id: 'gate', type: 'approval', approvers: { members: [A.id] }, required: 'any', timeout: { after: '1s', action: 'escalate', escalateTo: { members: [X.id] }, then: { after: '1s', action: 'deny' } } },
      { id: 'after', type: 'comment', body: 'after the gate' },
    ]);
    const { runId, itemId, run: waiting } = await startAtGate(wf);
    const firstDeadline = Date.parse(waiting.phases[0].wakeAt);
    // After the escalation the gate shows its second deadline, 1 s after the first fired.
    const escalated = await runUntil(runId, (r) => r.status !== 'waiting' || r.phases[0].output.stage === 2, 'to escalate');
    if (escalated.status === 'waiting') {
      expect(Date.parse(escalated.phases[0].wakeAt)).toBeGreaterThanOrEqual(firstDeadline + 1000);
      expect(escalated.phases[0].output).toMatchObject({ stage: 2, timeoutAt: escalated.phases[0].wakeAt });
    }
    const run = await finished(runId, 15_000);
    expect(run).toMatchObject({ status: 'completed', outcome: 'denied' });
    // Two deadlines: at least 2 s after the gate opened.
    expect(Date.parse(run.endedAt) - Date.parse(waiting.phases[0].startedAt)).toBeGreaterThanOrEqual(2000);
    expect(run.phases[0].output).toMatchObject({ decision: 'deny', reason: 'timeout', stage: 2 });
    expect((await audit(runId, 'gate.timeout')).map((e) => [e.data.stage, e.data.action])).toEqual([
      [1, 'escalate'],
      [2, 'deny'],
    ]);
    expect(await audit(runId, 'gate.escalated')).toHaveLength(1);
    expect((await notifications(X)).filter((n) => n.runId === runId && n.kind === 'approval.requested')).toHaveLength(1);
    expect(await comments(itemId)).toEqual([]);
    expect((await decide(runId, X, 'approve')).status).toBe(409);
  });

  // ---------------------------------------------------------------------------------------
  // CLI

  // The CLI only speaks HTTP, so one store is enough; each child process pays tsx's start-up.
  if (dialect === 'sqlite') it('flowgate approve / deny / approvals against the server', { timeout: 180_000 }, async () => {
    const wf = await gateWorkflow({ required: 2, approvers: 3 });
    const { runId } = await startAtGate(wf);
    const as = (u: User) => ({ FLOWGATE_URL: s.url, FLOWGATE_TOKEN: u.token });

    const denied = await cli(['deny', runId, 'gate', '--comment', 'Needs a new picture'], as(B));
    expect(denied.stderr).toBe('');
    expect(denied).toMatchObject({ code: 0, stdout: `Denied gate gate of run ${runId}: the gate still waits (0 of 2 approvals, 1 denial).\n` });

    const approved = await cli(['approve', runId, 'gate', '--comment', 'Ship it'], as(A));
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe(`Approved gate gate of run ${runId}: the gate still waits (1 of 2 approvals, 1 denial).\n`);

    // --url and --token flags win over the environment.
    const last = await cli(['approve', runId, 'gate', '--url', s.url, '--token', C.token], { FLOWGATE_URL: 'http://127.0.0.1:9', FLOWGATE_TOKEN: 'nope' });
    expect(last.stderr).toBe('');
    expect(last).toMatchObject({ code: 0, stdout: `Approved gate gate of run ${runId}: the gate is approved; the run moves on (2 of 2 approvals, 1 denial).\n` });
    expect(await finished(runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    const [gate] = await gates(runId);
    expect(gate.status).toBe('approved');
    expect(gate.decisions.map((d: any) => [d.approver.userId, d.decision, d.via, d.comment])).toEqual([
      [B.id, 'deny', 'api', 'Needs a new picture'],
      [A.id, 'approve', 'api', 'Ship it'],
      [C.id, 'approve', 'api', null],
    ]);

    const list = await cli(['approvals', runId], as(A));
    const again = await cli(['approve', runId, 'gate'], as(A));
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Gate gate: approved — required 2; 2 of 2 approvals, 1 denial');
    expect(lines[1]).toMatch(/^\s+APPROVER\s+DECISION\s+VIA\s+TARGET\s+COUNTS\s+AT\s+COMMENT$/);
    expect(lines[2]).toMatch(new RegExp(`^\\s+user:${B.id}\\s+deny\\s+api\\s+v1\\s+yes\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+Needs a new picture$`));
    expect(lines[3]).toMatch(new RegExp(`^\\s+user:${A.id}\\s+approve\\s+api\\s+v1\\s+yes\\s+\\S+ \\S+\\s+Ship it$`));
    expect(lines[4]).toMatch(new RegExp(`^\\s+user:${C.id}\\s+approve\\s+api\\s+v1\\s+yes\\s+\\S+ \\S+$`));
    // A refusal prints the API's sentence and exits 1.
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^flowgate: The gate "gate" is not waiting for decisions/);
  });
});
