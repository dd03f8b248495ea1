/**
 * Requests that well-behaved clients send and the contract allows, on both stores: bodyless
 * calls with a JSON content type, internal email addresses and short passwords, a flow
 * control limit of 0, org admins named as approvers, retrying a mutate that went stale, and
 * the audit actor filter by plain user id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

describe.each(DIALECTS)('API edges (%s)', { timeout: 60_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
  });
  afterAll(async () => s?.close());

  async function workflow(phases: unknown[], name = 'Edge') {
    const r = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name, trigger: { type: 'manual' }, phases } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }
  async function content(title = 'Post') {
    return (await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title } })).body.id as string;
  }
  const run = async (id: string) => (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body;

  it('takes an empty body sent with Content-Type: application/json as no body', async () => {
    const wf = await workflow([{ id: 'hold', type: 'wait', duration: '1h' }]);
    const started = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, headers: json, raw: '' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    await waitFor(async () => (await run(started.body.id)).status === 'waiting');
    const cancelled = await s.call('POST', `/api/runs/${started.body.id}/cancel`, { token: w.owner.token, headers: json, raw: '' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const rerun = await s.call('POST', `/api/runs/${started.body.id}/rerun`, { token: w.owner.token, headers: json, raw: '' });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(201);
    const item = await content();
    expect((await s.call('DELETE', `/api/content/${item}`, { token: w.owner.token, headers: json, raw: '' })).status).toBe(204);
    // Malformed JSON is still refused.
    const bad = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, headers: json, raw: '{"target":' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
  });

  it('accepts internal email addresses and leaves password length to the operator', async () => {
    const r = await s.call('POST', '/api/users', { token: w.owner.token, body: { email: 'ops@localhost', name: 'Ops', password: 'pw', role: 'member' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const login = await s.call('POST', '/api/auth/login', { body: { email: 'ops@localhost', password: 'pw' } });
    expect(login.status).toBe(200);
    const bad = await s.call('POST', '/api/users', { token: w.owner.token, body: { email: 'not an email', name: 'X', password: '', role: 'member' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password']);
  });

  it('maxActiveRuns 0 holds every new run until the limit is raised', async () => {
    const wf = await workflow([{ id: 'note', type: 'comment', body: 'hi' }], 'Held');
    const item = await content('Held post');
    expect((await s.call('PATCH', '/api/org', { token: w.owner.token, body: { maxActiveRuns: 0 } })).body.maxActiveRuns).toBe(0);
    const started = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item } } });
    await waitFor(async () => (await run(started.body.id)).waitingFor === 'flow_control');
    expect((await run(started.body.id)).status).not.toBe('completed');
    await s.call('PATCH', '/api/org', { token: w.owner.token, body: { maxActiveRuns: 100 } });
    await waitFor(async () => (await run(started.body.id)).status === 'completed');
  });

  it('an org admin who is not a member of the space can be named approver and decide', async () => {
    const admin = await addUser(s, w.owner.token, { email: `admin-${dialect}@acme.example`, role: 'admin' });
    const wf = await workflow([{ id: 'gate', type: 'approval', approvers: { members: [admin.id] }, required: 'any' }], 'Admin gate');
    const started = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: {} });
    await waitFor(async () => (await run(started.body.id)).status === 'waiting');
    const d = await s.call('POST', `/api/runs/${started.body.id}/phases/gate/decision`, { token: admin.token, body: { decision: 'approve' } });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    await waitFor(async () => (await run(started.body.id)).status === 'completed');
    const notes = await s.call('GET', '/api/me/notifications', { token: admin.token });
    expect(notes.body.items.some((n: { runId: string }) => n.runId === started.body.id)).toBe(true);
  });

  it('retrying a mutate that failed stale applies it to the target as it is now', async () => {
    const item = await content('Stale post');
    const wf = await workflow(
      [
        { id: 'hold', type: 'wait', duration: '1s' },
        { id: 'publish', type: 'mutate', set: { status: 'Approved' } },
      ],
      'Stale retry',
    );
    const started = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item } } });
    await waitFor(async () => (await run(started.body.id)).status === 'waiting');
    // Someone edits the item while the run waits: the mutate must not overwrite it blindly.
    expect((await s.call('PATCH', `/api/content/${item}`, { token: w.owner.token, body: { caption: 'edited by hand' } })).body.version).toBe(2);
    const failed = await waitFor(async () => ((await run(started.body.id)).status === 'failed' ? run(started.body.id) : null));
    expect(failed.error).toMatchObject({ phaseId: 'publish', code: 'stale' });
    expect((await s.call('GET', `/api/content/${item}`, { token: w.owner.token })).body.status).not.toBe('Approved');
    // The person retrying has seen version 2: the retry applies on it.
    const retried = await s.call('POST', `/api/runs/${started.body.id}/retry`, { token: w.owner.token });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const done = await waitFor(async () => ((await run(started.body.id)).status === 'completed' ? run(started.body.id) : null));
    expect(done.phases.filter((p: { phaseId: string }) => p.phaseId === 'publish').map((p: { status: string }) => p.status)).toEqual(['failed', 'succeeded']);
    const after = (await s.call('GET', `/api/content/${item}`, { token: w.owner.token })).body;
    expect(after).toMatchObject({ status: 'Approved', caption: 'edited by hand', version: 3 });
  });

  it('filters the audit log by a plain user id as well as by user:<id>', async () => {
    const a = await s.call('GET', `/api/audit?actor=${w.owner.id}&limit=500`, { token: w.owner.token });
    const b = await s.call('GET', `/api/audit?actor=user:${w.owner.id}&limit=500`, { token: w.owner.token });
    expect(a.status).toBe(200);
    expect(a.body.items.length).toBeGreaterThan(0);
    expect(a.body.items).toEqual(b.body.items);
  });
});
