/**
 * Editing a target while a run works on it (docs/REQUIREMENTS.md section 6), over real HTTP on SQLite
 * and PostgreSQL:
 * - an edit while a gate waits makes the decisions made on the older version stop counting
 *   (unless the gate says `resetOnEdit: false`), tells those approvers what changed, and
 *   lets them decide again;
 * - an edit after the gate (and after the run last saw the target) makes a later `mutate`
 *   fail `stale` and write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

type User = { id: string; token: string; email: string };

const FINISHED = ['completed', 'failed', 'cancelled'];

describe.each(DIALECTS)('editing a target during a run (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  let A: User, B: User;

  const call = (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => s.call(method, path, opts);

  async function workflow(name: string, phases: unknown[]): Promise<string> {
    const res = await call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name, trigger: { type: 'manual' }, phases } });
    if (res.status !== 201) throw new Error(`workflow ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
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
  const finished = (id: string) => runUntil(id, (r) => FINISHED.includes(r.status), 'to finish');

  async function startAtGate(wf: string, fields: Record<string, unknown> = {}) {
    const item = await call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch', caption: 'First caption', status: 'Pending', ...fields } });
    expect(item.status).toBe(201);
    const started = await call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(started.status).toBe(201);
    await runUntil(started.body.id, (r) => r.status === 'waiting' && r.waitingFor === 'approval', 'to wait on its gate');
    return { runId: started.body.id as string, itemId: item.body.id as string };
  }

  const decide = (runId: string, who: User, decision: 'approve' | 'deny', comment?: string) =>
    call('POST', `/api/runs/${runId}/phases/gate/decision`, { token: who.token, body: comment === undefined ? { decision } : { decision, comment } });

  async function edit(itemId: string, changes: Record<string, unknown>) {
    const res = await call('PATCH', `/api/content/${itemId}`, { token: w.owner.token, body: changes });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  async function gate(runId: string): Promise<any> {
    const res = await call('GET', `/api/runs/${runId}/approvals`, { token: w.owner.token });
    expect(res.status).toBe(200);
    return res.body.items[0];
  }

  async function notifications(u: User, runId: string, kind: string): Promise<any[]> {
    const res = await call('GET', '/api/me/notifications?limit=500', { token: u.token });
    expect(res.status).toBe(200);
    return res.body.items.filter((n: any) => n.runId === runId && n.kind === kind);
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    A = await addUser(s, w.owner.token, { email: 'ann@acme.example', name: 'Ann Approver', spaceId: w.spaceId });
    B = await addUser(s, w.owner.token, { email: 'ben@acme.example', name: 'Ben Approver', spaceId: w.spaceId });
  });
  afterAll(async () => s?.close());

  const twoOfTwo = (extra: Record<string, unknown> = {}) => [
    { id: 'gate', type: 'approval', approvers: { members: [A.id, B.id] }, required: 2, ...extra },
    { id: 'after', type: 'comment', body: 'approved: {{target.title}}' },
  ];

  it('an edit between two approvals resets the first: the approver is told what changed and approves again', async () => {
    const wf = await workflow('Two of two', twoOfTwo());
    const { runId, itemId } = await startAtGate(wf);

    const first = await decide(runId, A, 'approve', 'good as it is');
    expect(first.status).toBe(200);
    expect(first.body.decisions).toMatchObject([{ approver: { userId: A.id }, targetVersion: 1, counts: true }]);

    const edited = await edit(itemId, { title: 'Spring launch (final)' });
    expect(edited.version).toBe(2);
    const afterEdit = await gate(runId);
    expect(afterEdit.status).toBe('waiting');
    expect(afterEdit.decisions).toMatchObject([{ approver: { userId: A.id }, decision: 'approve', targetVersion: 1, counts: false }]);

    // B approves the new version: one counting approval of two, so the gate still waits.
    const second = await decide(runId, B, 'approve');
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('waiting');
    expect(second.body.decisions.map((d: any) => [d.approver.userId, d.targetVersion, d.counts])).toEqual([
      [A.id, 1, false],
      [B.id, 2, true],
    ]);
    expect((await getRun(runId)).status).toBe('waiting');

    // A is told, with what changed; B, who had not decided yet, is not.
    const told = await notifications(A, runId, 'approval.reset');
    expect(told).toHaveLength(1);
    expect(told[0].message).toContain('Spring launch');
    expect(told[0].message).toContain('"Spring launch" → "Spring launch (final)"');
    expect(await notifications(B, runId, 'approval.reset')).toEqual([]);
    const reevaluated = await call('GET', `/api/audit?runId=${runId}&action=gate.reevaluated`, { token: w.owner.token });
    expect(reevaluated.body.items).toHaveLength(1);
    expect(reevaluated.body.items[0].data).toMatchObject({ phaseId: 'gate', targetVersion: 2, changed: ['title'], reset: 1, resetOnEdit: true });

    // A decision that stopped counting does not block a fresh one.
    const again = await decide(runId, A, 'approve', 'still good');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.status).toBe('approved');
    expect(again.body.decisions.map((d: any) => [d.approver.userId, d.comment, d.targetVersion, d.counts])).toEqual([
      [A.id, 'good as it is', 1, false],
      [B.id, null, 2, true],
      [A.id, 'still good', 2, true],
    ]);
    const run = await finished(runId);
    expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    const comments = await call('GET', `/api/content/${itemId}/comments`, { token: w.owner.token });
    expect(comments.body.items.map((c: any) => c.body)).toEqual(['approved: Spring launch (final)']);
    // Twice A's decision is in the audit log, each with its target version.
    const decisions = await call('GET', `/api/audit?runId=${runId}&action=gate.decision&actor=user:${A.id}`, { token: w.owner.token });
    expect(decisions.body.items.map((e: any) => e.data.targetVersion).sort()).toEqual([1, 2]);
  });

  it('a second decision on the same version is still refused after an edit reset someone else', async () => {
    const wf = await workflow('Two of two (B first)', twoOfTwo());
    const { runId, itemId } = await startAtGate(wf);
    expect((await decide(runId, A, 'approve')).status).toBe(200);
    await edit(itemId, { caption: 'Second caption' });
    expect((await decide(runId, B, 'approve')).status).toBe(200);
    // B's decision was made on the current version: it counts, and B cannot decide twice.
    const twice = await decide(runId, B, 'deny');
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_decided');
    const told = await notifications(A, runId, 'approval.reset');
    expect(told).toHaveLength(1);
    expect(told[0].message).toContain('caption: "First caption" → "Second caption"');
    await call('POST', `/api/runs/${runId}/cancel`, { token: w.owner.token, body: {} });
  });

  it('resetOnEdit: false keeps the earlier decision counting', async () => {
    const wf = await workflow('Two of two, no reset', twoOfTwo({ resetOnEdit: false }));
    const { runId, itemId } = await startAtGate(wf);
    expect((await decide(runId, A, 'approve')).status).toBe(200);
    await edit(itemId, { title: 'Spring launch (final)' });
    expect((await gate(runId)).decisions).toMatchObject([{ approver: { userId: A.id }, targetVersion: 1, counts: true }]);
    expect(await notifications(A, runId, 'approval.reset')).toEqual([]);

    const second = await decide(runId, B, 'approve');
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('approved');
    expect(second.body.decisions.map((d: any) => [d.targetVersion, d.counts])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(await finished(runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  const approveWaitMutate = () => [
    { id: 'gate', type: 'approval', approvers: { members: [A.id] }, required: 'any' },
    { id: 'hold', type: 'wait', duration: '2s' },
    { id: 'publish', type: 'mutate', set: { status: 'Approved' } },
  ];

  it('an edit after the gate makes the following mutate fail stale, and the field stays unchanged', async () => {
    const wf = await workflow('Approve, wait, mutate', approveWaitMutate());
    const { runId, itemId } = await startAtGate(wf);
    expect((await decide(runId, A, 'approve')).body.status).toBe('approved');
    await runUntil(runId, (r) => r.status === 'waiting' && r.waitingFor === 'wait' && r.currentPhaseId === 'hold', 'to wait on "hold"');
    const edited = await edit(itemId, { caption: 'Edited while the run waits' });
    expect(edited.version).toBe(2);

    const run = await finished(runId);
    expect(run).toMatchObject({ status: 'failed', outcome: null, error: { phaseId: 'publish', code: 'stale' } });
    expect(run.phases.map((p: any) => `${p.phaseId}:${p.status}`)).toEqual(['gate:succeeded', 'hold:succeeded', 'publish:failed']);
    expect(run.phases[2].error.code).toBe('stale');
    const item = (await call('GET', `/api/content/${itemId}`, { token: w.owner.token })).body;
    expect(item).toMatchObject({ status: 'Pending', caption: 'Edited while the run waits', version: 2 });
  });

  it('controls: with no edit the mutate applies; an edit before the approval is what the approver saw, so it applies too', async () => {
    const wf = await workflow('Approve, wait, mutate (controls)', approveWaitMutate());

    const untouched = await startAtGate(wf);
    expect((await decide(untouched.runId, A, 'approve')).status).toBe(200);
    expect(await finished(untouched.runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect((await call('GET', `/api/content/${untouched.itemId}`, { token: w.owner.token })).body).toMatchObject({ status: 'Approved', version: 2 });

    // Edited while the gate waits: the approval is made on version 2, which the run then has seen.
    const editedFirst = await startAtGate(wf);
    await edit(editedFirst.itemId, { caption: 'Edited before the approval' });
    const approved = await decide(editedFirst.runId, A, 'approve');
    expect(approved.body.decisions).toMatchObject([{ targetVersion: 2, counts: true }]);
    expect(await finished(editedFirst.runId)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect((await call('GET', `/api/content/${editedFirst.itemId}`, { token: w.owner.token })).body).toMatchObject({ status: 'Approved', caption: 'Edited before the approval', version: 3 });
  });
});
