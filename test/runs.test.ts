/**
 * Runs over real HTTP, on SQLite and PostgreSQL: starting, reading, listing, the manual
 * controls (cancel, skip, retry, rerun, delete), the SSE stream, notifications and the audit
 * trail. docs/API.md "Runs"; docs/REQUIREMENTS.md sections 4, 7 and 8. Nothing sleeps a fixed time except
 * where a test proves that something does NOT happen.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor, sleep } from './helpers/wait.js';

type User = { id: string; token: string; email: string };

const FINISHED = ['completed', 'failed', 'cancelled'];

// Generous limits: the suite also runs on busy CI machines; polls return as soon as they can.
describe.each(DIALECTS)('runs (%s)', { timeout: 90_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  let editor: User;
  let viewer: User;
  let spaceB: string;
  let memberB: User;
  let stranger: { token: string };

  const call = (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => s.call(method, path, opts);

  async function workflow(name: string, phases: unknown[], opts: { spaceId?: string; enabled?: boolean; token?: string } = {}): Promise<string> {
    const res = await call('POST', `/api/spaces/${opts.spaceId ?? w.spaceId}/workflows`, {
      token: opts.token ?? w.owner.token,
      body: { name, trigger: { type: 'manual' }, phases, ...(opts.enabled === undefined ? {} : { enabled: opts.enabled }) },
    });
    if (res.status !== 201) throw new Error(`workflow ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async function content(fields: Record<string, unknown> = {}, spaceId = w.spaceId): Promise<any> {
    const res = await call('POST', `/api/spaces/${spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch', ...fields } });
    if (res.status !== 201) throw new Error(`content: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function start(workflowId: string, body: Record<string, unknown> = {}, token = editor.token): Promise<any> {
    const res = await call('POST', `/api/workflows/${workflowId}/runs`, { token, body });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function getRun(id: string, token = w.owner.token): Promise<any> {
    const res = await call('GET', `/api/runs/${id}`, { token });
    if (res.status !== 200) throw new Error(`get run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Polls the run until `pred` holds. */
  function runUntil(id: string, pred: (run: any) => boolean, timeoutMs = 20_000, what = 'the run'): Promise<any> {
    return waitFor(async () => {
      const r = await getRun(id);
      return pred(r) ? r : null;
    }, timeoutMs, what);
  }
  const finished = (id: string, timeoutMs = 20_000) => runUntil(id, (r) => FINISHED.includes(r.status), timeoutMs, `run ${id} to finish`);
  const waiting = (id: string) => runUntil(id, (r) => r.status === 'waiting', 20_000, `run ${id} to wait`);

  async function audit(runId: string): Promise<any[]> {
    const res = await call('GET', `/api/audit?runId=${runId}&limit=500`, { token: w.owner.token });
    expect(res.status).toBe(200);
    return [...res.body.items].reverse();
  }

  async function comments(type: 'content' | 'task', id: string): Promise<any[]> {
    const res = await call('GET', `/api/${type === 'content' ? 'content' : 'tasks'}/${id}/comments`, { token: w.owner.token });
    expect(res.status).toBe(200);
    return res.body.items;
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'ed@acme.example', name: 'Eddie Editor', spaceId: w.spaceId, spaceRole: 'editor' });
    viewer = await addUser(s, w.owner.token, { email: 'vi@acme.example', spaceId: w.spaceId, spaceRole: 'viewer' });
    spaceB = (await call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Newsletter' } })).body.id;
    memberB = await addUser(s, w.owner.token, { email: 'bee@acme.example', spaceId: spaceB, spaceRole: 'editor' });
    await call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Globex', owner: { email: 'boss@globex.example', name: 'Boss', password: 'correct horse' } } });
    stranger = { token: (await call('POST', '/api/auth/login', { body: { email: 'boss@globex.example', password: 'correct horse' } })).body.token };
  });
  afterAll(async () => s?.close());

  // ---------------------------------------------------------------------------------------
  // Starting runs

  it('starts a run on a content item and on a task, pinned to the target version at start', async () => {
    const wf = await workflow('Comment on it', [{ id: 'done', type: 'comment', body: 'Seen: {{target.title}}' }]);
    const item = await content({ title: 'Launch post' });
    const edited = await call('PATCH', `/api/content/${item.id}`, { token: w.owner.token, body: { caption: 'v2 caption' } });
    expect(edited.body.version).toBe(2);

    const run = await start(wf, { target: { type: 'content', id: item.id } });
    // The answer is the run as created (docs/decisions.md); where it is now is GET /api/runs/{id}.
    expect(run).toMatchObject({ status: 'triggered', phases: [], startedAt: null, queuePosition: null });
    expect(run).toMatchObject({ workflowId: wf, workflowVersion: 1, spaceId: w.spaceId, target: { type: 'content', id: item.id, version: 2 }, trigger: { type: 'manual', by: editor.id }, rerunOf: null });
    expect(typeof run.id).toBe('string');
    expect(Date.parse(run.createdAt)).not.toBeNaN();
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded', error: null });
    expect((await comments('content', item.id)).map((c) => c.body)).toEqual(['Seen: Launch post']);

    const task = await call('POST', `/api/spaces/${w.spaceId}/tasks`, { token: w.owner.token, body: { title: 'Write copy', assignee: editor.id } });
    expect(task.status).toBe(201);
    const taskRun = await start(wf, { target: { type: 'task', id: task.body.id } });
    expect(taskRun.target).toMatchObject({ type: 'task', id: task.body.id, version: 1 });
    expect(await finished(taskRun.id)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect((await comments('task', task.body.id)).map((c) => c.body)).toEqual(['Seen: Write copy']);
  });

  it('starts a run without a target when its phases need none', async () => {
    const waitOnly = await workflow('Just wait', [{ id: 'hold', type: 'wait', duration: '1s' }]);
    const run = await start(waitOnly);
    expect(run.target).toBeNull();
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded', target: null });
    expect(done.phases).toHaveLength(1);
    expect(done.phases[0]).toMatchObject({ phaseId: 'hold', status: 'succeeded', attempt: 1 });
    expect(done.phases[0].durationMs).toBeGreaterThanOrEqual(1000);

    // A POST with no body at all is a start with no target and no input.
    const bare = await call('POST', `/api/workflows/${waitOnly}/runs`, { token: editor.token });
    expect(bare.status).toBe(201);
    expect(bare.body).toMatchObject({ target: null, input: {} });
    const bareCancel = await call('POST', `/api/runs/${bare.body.id}/cancel`, { token: editor.token });
    expect(bareCancel.status).toBe(200);
    expect(bareCancel.body.status).toBe('cancelled');

    const notifyOnly = await workflow('Ping', [{ id: 'ping', type: 'notify', to: [editor.id], channels: ['in_app'], message: 'Ping from run {{run.id}}' }]);
    const pinged = await start(notifyOnly, { input: { why: 'because' } });
    const done2 = await finished(pinged.id);
    expect(done2).toMatchObject({ status: 'completed', outcome: 'succeeded', target: null, input: { why: 'because' } });
    expect(done2.phases[0].output).toEqual({ inApp: [editor.id], emails: [] });
    const inbox = await call('GET', '/api/me/notifications', { token: editor.token });
    expect(inbox.body.items.some((n: any) => n.runId === pinged.id && n.message === `Ping from run ${pinged.id}`)).toBe(true);
  });

  it('refuses bad starts with the documented status and error', async () => {
    const wf = await workflow('Guarded', [{ id: 'done', type: 'comment', body: 'x' }]);
    const item = await content();

    const unknown = await call('POST', `/api/workflows/${wf}/runs`, { token: editor.token, body: { target: { type: 'content', id: '01900000-0000-7000-8000-000000000000' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.map((d: any) => d.path)).toEqual(['target.id']);

    // The id of a content item, sent as a task, is no task.
    const wrongKind = await call('POST', `/api/workflows/${wf}/runs`, { token: editor.token, body: { target: { type: 'task', id: item.id } } });
    expect(wrongKind.status).toBe(400);

    const itemB = await content({ title: 'Other space' }, spaceB);
    const otherSpace = await call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: itemB.id } } });
    expect(otherSpace.status).toBe(400);
    expect(otherSpace.body.error.details.map((d: any) => d.path)).toEqual(['target.id']);

    const off = await workflow('Off', [{ id: 'done', type: 'comment', body: 'x' }], { enabled: false });
    const disabled = await call('POST', `/api/workflows/${off}/runs`, { token: editor.token, body: { target: { type: 'content', id: item.id } } });
    expect(disabled.status).toBe(409);
    expect(typeof disabled.body.error.message).toBe('string');

    const byViewer = await call('POST', `/api/workflows/${wf}/runs`, { token: viewer.token, body: { target: { type: 'content', id: item.id } } });
    expect(byViewer.status).toBe(403);
    expect((await call('POST', `/api/workflows/${wf}/runs`, { token: memberB.token, body: {} })).status).toBe(403);

    expect((await call('POST', `/api/workflows/${wf}/runs`, { token: stranger.token, body: {} })).status).toBe(404);
    expect((await call('POST', `/api/workflows/does-not-exist/runs`, { token: editor.token, body: {} })).status).toBe(404);

    const anon = await call('POST', `/api/workflows/${wf}/runs`, { body: {} });
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('unauthenticated');

    const extra = await call('POST', `/api/workflows/${wf}/runs`, { token: editor.token, body: { target: { type: 'content', id: item.id }, priority: 'high' } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe('invalid_input');
    const extraInTarget = await call('POST', `/api/workflows/${wf}/runs`, { token: editor.token, body: { target: { type: 'content', id: item.id, version: 3 } } });
    expect(extraInTarget.status).toBe(400);
    const badType = await call('POST', `/api/workflows/${wf}/runs`, { token: editor.token, body: { target: { type: 'page', id: item.id } } });
    expect(badType.status).toBe(400);
    expect(badType.body.error.details.map((d: any) => d.path)).toEqual(['target.type']);

    // None of the refused starts made a run.
    const list = await call('GET', `/api/workflows/${wf}/runs`, { token: w.owner.token });
    expect(list.body.items).toEqual([]);
    expect((await call('GET', `/api/workflows/${off}/runs`, { token: w.owner.token })).body.items).toEqual([]);
  });

  // ---------------------------------------------------------------------------------------
  // A whole run

  let fullRun: any;
  let fullItem: any;

  it('runs notify → mutate → wait 1s → comment to completion, with a full timeline', async () => {
    const wf = await workflow('Sign-off', [
      { id: 'brief', type: 'notify', to: ['assignees'], channels: ['in_app'], message: '{{target.title}} needs review' },
      { id: 'approve', type: 'mutate', set: { status: 'Approved' } },
      { id: 'hold', type: 'wait', duration: '1s' },
      { id: 'done', type: 'comment', body: '{{target.title}} is now {{target.status}}' },
    ]);
    fullItem = await content({ title: 'Summer teaser', assignees: [editor.id] });
    expect(fullItem).toMatchObject({ status: 'Ideas', version: 1 });
    const started = await start(wf, { target: { type: 'content', id: fullItem.id } });
    const midway = await waiting(started.id);
    expect(midway).toMatchObject({ waitingFor: 'wait', currentPhaseId: 'hold' });

    fullRun = await finished(started.id);
    expect(fullRun).toMatchObject({ status: 'completed', outcome: 'succeeded', error: null, waitingFor: null, target: { type: 'content', id: fullItem.id, version: 1 } });
    expect(Date.parse(fullRun.startedAt)).toBeGreaterThanOrEqual(Date.parse(fullRun.createdAt));
    expect(Date.parse(fullRun.endedAt)).toBeGreaterThanOrEqual(Date.parse(fullRun.startedAt));
    expect(fullRun.phases.map((p: any) => [p.phaseId, p.type, p.attempt, p.status])).toEqual([
      ['brief', 'notify', 1, 'succeeded'],
      ['approve', 'mutate', 1, 'succeeded'],
      ['hold', 'wait', 1, 'succeeded'],
      ['done', 'comment', 1, 'succeeded'],
    ]);
    for (const p of fullRun.phases) {
      expect(p.error).toBeNull();
      expect(Date.parse(p.startedAt)).not.toBeNaN();
      expect(Date.parse(p.endedAt)).toBeGreaterThanOrEqual(Date.parse(p.startedAt));
      expect(p.durationMs).toBe(Date.parse(p.endedAt) - Date.parse(p.startedAt));
    }
    const [brief, approve, hold, done] = fullRun.phases;
    expect(brief.input).toEqual({ to: ['assignees'], channels: ['in_app'], message: 'Summer teaser needs review' });
    expect(brief.output).toEqual({ inApp: [editor.id], emails: [] });
    expect(approve.input).toEqual({ set: { status: 'Approved' }, expectedVersion: 1 });
    expect(approve.output).toEqual({ changed: ['status'], version: 2 });
    expect(hold.input).toEqual({ duration: '1s' });
    expect(hold.output).toMatchObject({ wakeAt: expect.any(String), waitedUntil: expect.any(String) });
    expect(hold.durationMs).toBeGreaterThanOrEqual(1000);
    expect(done.input).toEqual({ body: 'Summer teaser is now Approved' });
    expect(done.output).toEqual({ commentId: expect.any(String) });

    // The mutation changed the item (and its version); the comment is there exactly once.
    const item = await call('GET', `/api/content/${fullItem.id}`, { token: w.owner.token });
    expect(item.body).toMatchObject({ status: 'Approved', version: 2 });
    const list = await comments('content', fullItem.id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: done.output.commentId, body: 'Summer teaser is now Approved', source: 'workflow', runId: fullRun.id });

    // GET /api/runs/:id answers the same run to a viewer; others' ids are 404.
    expect(await getRun(fullRun.id, viewer.token)).toEqual(fullRun);
    expect((await call('GET', `/api/runs/${fullRun.id}`, { token: stranger.token })).status).toBe(404);
    expect((await call('GET', `/api/runs/${fullRun.id}`, { token: memberB.token })).status).toBe(403);
    expect((await call('GET', `/api/runs/${fullRun.id}`)).status).toBe(401);
    expect((await call('GET', '/api/runs/no-such-run', { token: w.owner.token })).status).toBe(404);
  });

  it('puts an in-app notification in the assignee inbox, which only they can mark read', async () => {
    const inbox = await call('GET', '/api/me/notifications', { token: editor.token });
    expect(inbox.status).toBe(200);
    const n = inbox.body.items.find((x: any) => x.runId === fullRun.id);
    expect(n).toMatchObject({ id: expect.any(String), kind: expect.any(String), runId: fullRun.id, message: 'Summer teaser needs review', readAt: null });
    expect(Date.parse(n.createdAt)).not.toBeNaN();
    // Nobody else was notified by that run.
    for (const u of [w.owner, viewer]) {
      const theirs = await call('GET', '/api/me/notifications', { token: u.token });
      expect(theirs.body.items.filter((x: any) => x.runId === fullRun.id)).toEqual([]);
    }

    expect((await call('POST', `/api/me/notifications/${n.id}/read`, { token: viewer.token })).status).toBe(404);
    expect((await call('POST', `/api/me/notifications/${n.id}/read`, { token: w.owner.token })).status).toBe(404);
    expect((await call('POST', `/api/me/notifications/${n.id}/read`, { token: stranger.token })).status).toBe(404);
    expect((await call('POST', `/api/me/notifications/${n.id}/read`)).status).toBe(401);
    const read = await call('POST', `/api/me/notifications/${n.id}/read`, { token: editor.token });
    expect(read.status).toBe(200);
    const after = (await call('GET', '/api/me/notifications', { token: editor.token })).body.items.find((x: any) => x.id === n.id);
    expect(Date.parse(after.readAt)).not.toBeNaN();
    // Reading again is harmless and keeps the first time.
    const again = await call('POST', `/api/me/notifications/${n.id}/read`, { token: editor.token });
    expect(again.status).toBe(200);
    expect((await call('GET', '/api/me/notifications', { token: editor.token })).body.items.find((x: any) => x.id === n.id).readAt).toBe(after.readAt);
  });

  it('records run.created by the starter, then run.started and run.completed', async () => {
    const events = await audit(fullRun.id);
    const actions = events.map((e) => e.action);
    expect(actions[0]).toBe('run.created');
    expect(actions).toContain('run.started');
    expect(actions[actions.length - 1]).toBe('run.completed');
    expect(events[0]).toMatchObject({ actor: `user:${editor.id}`, subject: `run:${fullRun.id}`, data: { workflowId: fullRun.workflowId, workflowVersion: 1 } });
    expect(events.find((e) => e.action === 'run.completed').data).toMatchObject({ outcome: 'succeeded' });
    const verify = await call('GET', '/api/audit/verify', { token: w.owner.token });
    expect(verify.body.ok).toBe(true);
  });

  it('branches a condition phase to then or else by the target status', async () => {
    const wf = await workflow('Branch', [
      { id: 'check', type: 'condition', if: { field: 'target.status', op: 'eq', value: 'Pending' }, then: 'yes', else: 'no' },
      { id: 'yes', type: 'comment', body: 'took then', next: 'end' },
      { id: 'no', type: 'comment', body: 'took else' },
    ]);
    const pending = await content({ title: 'Pending one', status: 'Pending' });
    const ideas = await content({ title: 'Idea one' });
    const a = await finished((await start(wf, { target: { type: 'content', id: pending.id } })).id);
    const b = await finished((await start(wf, { target: { type: 'content', id: ideas.id } })).id);
    expect(a.status).toBe('completed');
    expect(a.phases.map((p: any) => p.phaseId)).toEqual(['check', 'yes']);
    expect(a.phases[0].output).toMatchObject({ result: true, next: 'yes' });
    expect(b.phases.map((p: any) => p.phaseId)).toEqual(['check', 'no']);
    expect(b.phases[0].output).toMatchObject({ result: false, next: 'no' });
    expect((await comments('content', pending.id)).map((c) => c.body)).toEqual(['took then']);
    expect((await comments('content', ideas.id)).map((c) => c.body)).toEqual(['took else']);
  });

  // ---------------------------------------------------------------------------------------
  // Staleness, and retry

  it('fails a mutate with stale after an outside edit, writes nothing; a retry applies it to the target as it is now', async () => {
    const wf = await workflow('Approve later', [
      { id: 'hold', type: 'wait', duration: '2s' },
      { id: 'approve', type: 'mutate', set: { status: 'Approved' } },
    ]);
    const item = await content({ title: 'Edited meanwhile' });
    const run = await start(wf, { target: { type: 'content', id: item.id } });
    await waiting(run.id);
    const edit = await call('PATCH', `/api/content/${item.id}`, { token: w.owner.token, body: { title: 'Edited by a person' } });
    expect(edit.body.version).toBe(2);

    const failed = await finished(run.id);
    expect(failed).toMatchObject({ status: 'failed', outcome: null, currentPhaseId: 'approve', error: { phaseId: 'approve', code: 'stale', message: expect.any(String) } });
    expect(failed.phases.at(-1)).toMatchObject({ phaseId: 'approve', attempt: 1, status: 'failed', error: { code: 'stale' } });
    const unchanged = await call('GET', `/api/content/${item.id}`, { token: w.owner.token });
    expect(unchanged.body).toMatchObject({ status: 'Ideas', version: 2, title: 'Edited by a person' });
    expect((await audit(run.id)).map((e) => e.action)).toContain('run.failed');

    // Retry: a new attempt of the same phase, checked against the version the person retried
    // on (2), so it applies now (docs/REQUIREMENTS.md section 7: "whose staleness check runs again").
    const retried = await call('POST', `/api/runs/${run.id}/retry`, { token: editor.token });
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(run.id);
    const again = await runUntil(run.id, (r) => r.status === 'completed', 20_000, 'the retried mutate to apply');
    expect(again.phases.map((p: any) => [p.phaseId, p.attempt, p.status, p.error?.code ?? null])).toEqual([
      ['hold', 1, 'succeeded', null],
      ['approve', 1, 'failed', 'stale'],
      ['approve', 2, 'succeeded', null],
    ]);
    expect(again.target).toMatchObject({ version: 1, versionSeen: 3 });
    expect((await call('GET', `/api/content/${item.id}`, { token: w.owner.token })).body).toMatchObject({ status: 'Approved', version: 3, title: 'Edited by a person' });
    const retriedEvent = (await audit(run.id)).find((e) => e.action === 'run.retried');
    expect(retriedEvent).toMatchObject({ actor: `user:${editor.id}`, data: { phaseId: 'approve', attempt: 2 } });
  });

  it('fails a mutate with deleted when the target was deleted during the run', async () => {
    const wf = await workflow('Approve after delete', [
      { id: 'hold', type: 'wait', duration: '2s' },
      { id: 'approve', type: 'mutate', set: { status: 'Approved' } },
    ]);
    const item = await content({ title: 'Doomed' });
    const run = await start(wf, { target: { type: 'content', id: item.id } });
    await waiting(run.id);
    expect((await call('DELETE', `/api/content/${item.id}`, { token: w.owner.token })).status).toBe(204);
    const failed = await finished(run.id);
    expect(failed).toMatchObject({ status: 'failed', error: { phaseId: 'approve', code: 'deleted' } });
  });

  it('retries a failed http phase (retryable) as attempt 2 with the same idempotency key', async () => {
    // A real HTTP receiver on loopback: 503 the first time, 200 after.
    const received: Array<{ key: string | undefined }> = [];
    const receiver = http.createServer((req, res) => {
      received.push({ key: req.headers['idempotency-key'] as string | undefined });
      req.resume();
      res.writeHead(received.length === 1 ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: received.length > 1 }));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const wf = await workflow('Publish', [{ id: 'publish', type: 'http', url: `http://127.0.0.1:${port}/publish` }]);
      const run = await start(wf);
      const failed = await finished(run.id);
      expect(failed).toMatchObject({ status: 'failed', error: { phaseId: 'publish', code: 'external_error' } });

      expect((await call('POST', `/api/runs/${run.id}/retry`, { token: viewer.token })).status).toBe(403);
      expect((await call('POST', `/api/runs/${run.id}/retry`, { token: stranger.token })).status).toBe(404);
      const retried = await call('POST', `/api/runs/${run.id}/retry`, { token: editor.token });
      expect(retried.status).toBe(200);
      expect(retried.body.error).toBeNull();
      const done = await finished(run.id);
      expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded', error: null });
      expect(done.phases.map((p: any) => [p.phaseId, p.attempt, p.status, p.error?.code ?? null])).toEqual([
        ['publish', 1, 'failed', 'external_error'],
        ['publish', 2, 'succeeded', null],
      ]);
      expect(done.phases[1].output).toMatchObject({ status: 200, body: { ok: true } });
      expect(received).toHaveLength(2);
      expect(received[0]!.key).toBeTruthy();
      expect(received[1]!.key).toBe(received[0]!.key);
      const actions = (await audit(run.id)).map((e) => e.action);
      expect(actions.filter((a) => a === 'run.failed')).toHaveLength(1);
      expect(actions).toEqual(expect.arrayContaining(['run.retried', 'run.completed']));
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it('refuses to retry a run that is completed, still waiting, or failed on a non-retryable approval gate', async () => {
    const completed = await call('POST', `/api/runs/${fullRun.id}/retry`, { token: editor.token });
    expect(completed.status).toBe(409);
    expect(completed.body.error.message).toMatch(/completed/);

    const gate = await workflow('Gate', [{ id: 'gate', type: 'approval', approvers: { members: [editor.id] }, required: 'any' }]);
    const run = await start(gate);
    const gated = await runUntil(run.id, (r) => FINISHED.includes(r.status) || r.status === 'waiting', 20_000, 'the gate');
    if (gated.status === 'waiting') {
      expect((await call('POST', `/api/runs/${run.id}/retry`, { token: editor.token })).status).toBe(409);
      // Approval gates never fail (docs/REQUIREMENTS.md section 3), so no request can make one fail. Mark this
      // one failed in the store, as a crash-recovered "internal" failure would, to check that
      // the API still refuses to retry it.
      const now = Date.now();
      const row = await s.db.k.selectFrom('runs').select('rev').where('id', '=', run.id).executeTakeFirstOrThrow();
      await s.db.k.deleteFrom('jobs').where('run_id', '=', run.id).execute();
      await s.db.k
        .updateTable('phase_executions')
        .set({ status: 'failed', waiting_for: null, ended_at: now, error: JSON.stringify({ code: 'internal', message: 'made up' }) })
        .where('run_id', '=', run.id)
        .execute();
      await s.db.k
        .updateTable('runs')
        .set({ status: 'failed', waiting_for: null, ended_at: now, rev: row.rev + 1, error: JSON.stringify({ phaseId: 'gate', code: 'internal', message: 'made up' }) })
        .where('id', '=', run.id)
        .execute();
    }
    expect((await getRun(run.id))).toMatchObject({ status: 'failed', error: { phaseId: 'gate' } });
    const refused = await call('POST', `/api/runs/${run.id}/retry`, { token: editor.token });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/approval/);
    expect((await getRun(run.id)).phases).toHaveLength(1);
  });

  // ---------------------------------------------------------------------------------------
  // Lists

  it('lists a workflow\u2019s runs newest first, filtered, with keyset pagination', async () => {
    const wf = await workflow('Lister', [{ id: 'done', type: 'comment', body: 'listed' }]);
    const a = await content({ title: 'A' });
    const b = await content({ title: 'B' });
    const ids: string[] = [];
    for (const t of [a, b, a, b, a]) ids.push((await start(wf, { target: { type: 'content', id: t.id } })).id);
    for (const id of ids) await finished(id);
    const newestFirst = [...ids].reverse();

    const all = await call('GET', `/api/workflows/${wf}/runs`, { token: viewer.token });
    expect(all.status).toBe(200);
    expect(all.body.items.map((r: any) => r.id)).toEqual(newestFirst);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items[0].phases).toHaveLength(1);

    const seen: string[] = [];
    let cursor: string | null = null;
    const pages: number[] = [];
    do {
      const res: any = await call('GET', `/api/workflows/${wf}/runs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: viewer.token });
      expect(res.status).toBe(200);
      pages.push(res.body.items.length);
      seen.push(...res.body.items.map((r: any) => r.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(newestFirst);
    expect(new Set(seen).size).toBe(5);

    const onA = await call('GET', `/api/workflows/${wf}/runs?targetId=${a.id}`, { token: viewer.token });
    expect(onA.body.items.map((r: any) => r.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect((await call('GET', `/api/workflows/${wf}/runs?status=completed&outcome=succeeded`, { token: viewer.token })).body.items).toHaveLength(5);
    expect((await call('GET', `/api/workflows/${wf}/runs?status=failed`, { token: viewer.token })).body.items).toEqual([]);
    expect((await call('GET', `/api/workflows/${wf}/runs?outcome=denied`, { token: viewer.token })).body.items).toEqual([]);
    expect((await call('GET', `/api/workflows/${wf}/runs?status=finished`, { token: viewer.token })).status).toBe(400);
    expect((await call('GET', `/api/workflows/${wf}/runs?limit=0`, { token: viewer.token })).status).toBe(400);
    expect((await call('GET', `/api/workflows/${wf}/runs?cursor=garbage!`, { token: viewer.token })).status).toBe(400);
    expect((await call('GET', `/api/workflows/${wf}/runs`, { token: stranger.token })).status).toBe(404);
    expect((await call('GET', `/api/workflows/${wf}/runs`, { token: memberB.token })).status).toBe(403);

    // Across spaces: GET /api/runs, only in the caller's spaces.
    const wfB = await workflow('Other space', [{ id: 'done', type: 'comment', body: 'b' }], { spaceId: spaceB });
    const itemB = await content({ title: 'In B' }, spaceB);
    const runB = await start(wfB, { target: { type: 'content', id: itemB.id } }, memberB.token);
    await finished(runB.id);

    const byWorkflow = await call('GET', `/api/runs?workflowId=${wf}`, { token: w.owner.token });
    expect(byWorkflow.body.items.map((r: any) => r.id)).toEqual(newestFirst);
    const inB = await call('GET', `/api/runs?spaceId=${spaceB}`, { token: w.owner.token });
    expect(inB.body.items.map((r: any) => r.id)).toEqual([runB.id]);
    const ownerAll = await call('GET', '/api/runs?limit=500', { token: w.owner.token });
    expect(ownerAll.body.items.map((r: any) => r.id)).toEqual(expect.arrayContaining([runB.id, ...ids]));
    const ownerAllIds = ownerAll.body.items.map((r: any) => r.id);
    expect(ownerAllIds).toEqual([...ownerAllIds].sort().reverse());

    const bees = await call('GET', '/api/runs?limit=500', { token: memberB.token });
    expect(bees.body.items.map((r: any) => r.id)).toEqual([runB.id]);
    expect((await call('GET', `/api/runs?spaceId=${w.spaceId}`, { token: memberB.token })).body.items).toEqual([]);
    expect((await call('GET', `/api/runs?workflowId=${wf}`, { token: memberB.token })).body.items).toEqual([]);

    const eds = await call('GET', '/api/runs?limit=500', { token: editor.token });
    expect(eds.body.items.every((r: any) => r.spaceId === w.spaceId)).toBe(true);
    expect(eds.body.items.map((r: any) => r.id)).not.toContain(runB.id);
    expect((await call('GET', '/api/runs', { token: stranger.token })).body.items).toEqual([]);

    const completedHere = await call('GET', `/api/runs?status=completed&spaceId=${w.spaceId}&limit=500`, { token: editor.token });
    expect(completedHere.body.items.length).toBeGreaterThanOrEqual(5);
    expect(completedHere.body.items.every((r: any) => r.status === 'completed' && r.spaceId === w.spaceId)).toBe(true);
    const failedHere = await call('GET', '/api/runs?status=failed&limit=500', { token: editor.token });
    expect(failedHere.body.items.length).toBeGreaterThan(0);
    expect(failedHere.body.items.every((r: any) => r.status === 'failed')).toBe(true);

    const paged1 = await call('GET', `/api/runs?workflowId=${wf}&limit=3`, { token: w.owner.token });
    const paged2 = await call('GET', `/api/runs?workflowId=${wf}&limit=3&cursor=${paged1.body.nextCursor}`, { token: w.owner.token });
    expect([...paged1.body.items, ...paged2.body.items].map((r: any) => r.id)).toEqual(newestFirst);
    expect(paged2.body.nextCursor).toBeNull();
    expect((await call('GET', '/api/runs')).status).toBe(401);
  });

  // ---------------------------------------------------------------------------------------
  // Manual controls

  it('cancels a waiting run: the phase is cancelled, nothing later starts, and a second cancel is 409', async () => {
    const wf = await workflow('Long wait', [
      { id: 'hold', type: 'wait', duration: '30s' },
      { id: 'done', type: 'comment', body: 'should never appear' },
    ]);
    const item = await content({ title: 'Cancelled one' });
    const run = await start(wf, { target: { type: 'content', id: item.id } });
    await waiting(run.id);

    expect((await call('POST', `/api/runs/${run.id}/cancel`, { token: viewer.token, body: {} })).status).toBe(403);
    expect((await call('POST', `/api/runs/${run.id}/cancel`, { token: stranger.token, body: {} })).status).toBe(404);
    expect((await call('POST', `/api/runs/${run.id}/cancel`, { token: editor.token, body: { reason: 'x', extra: 1 } })).status).toBe(400);

    const res = await call('POST', `/api/runs/${run.id}/cancel`, { token: editor.token, body: { reason: 'No longer needed' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: run.id, status: 'cancelled', outcome: null, waitingFor: null });
    expect(Date.parse(res.body.endedAt)).not.toBeNaN();
    expect(res.body.phases.map((p: any) => [p.phaseId, p.status])).toEqual([['hold', 'cancelled']]);

    await sleep(1500);
    const later = await getRun(run.id);
    expect(later.status).toBe('cancelled');
    expect(later.phases.map((p: any) => p.phaseId)).toEqual(['hold']);
    expect(await comments('content', item.id)).toEqual([]);

    const again = await call('POST', `/api/runs/${run.id}/cancel`, { token: editor.token, body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/cancelled/);
    expect((await call('POST', `/api/runs/${fullRun.id}/cancel`, { token: editor.token })).status).toBe(409);

    const cancelled = (await audit(run.id)).find((e) => e.action === 'run.cancelled');
    expect(cancelled).toMatchObject({ actor: `user:${editor.id}`, data: { by: `user:${editor.id}`, reason: 'No longer needed', phaseId: 'hold' } });
    expect((await audit(run.id)).filter((e) => e.action === 'run.cancelled')).toHaveLength(1);
  });

  it('skips the waiting phase with who and why; the run moves on; other skips are refused', async () => {
    const wf = await workflow('Skippable', [
      { id: 'hold', type: 'wait', duration: '30s' },
      { id: 'done', type: 'comment', body: 'after the skip' },
    ]);
    const item = await content({ title: 'Skipped one' });
    const run = await start(wf, { target: { type: 'content', id: item.id } });
    await waiting(run.id);

    const notCurrent = await call('POST', `/api/runs/${run.id}/phases/done/skip`, { token: editor.token, body: { reason: 'not yet' } });
    expect(notCurrent.status).toBe(409);
    expect((await call('POST', `/api/runs/${run.id}/phases/nope/skip`, { token: editor.token, body: { reason: 'x' } })).status).toBe(409);
    const noReason = await call('POST', `/api/runs/${run.id}/phases/hold/skip`, { token: editor.token, body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.map((d: any) => d.path)).toEqual(['reason']);
    expect((await call('POST', `/api/runs/${run.id}/phases/hold/skip`, { token: editor.token, body: { reason: '' } })).status).toBe(400);
    expect((await call('POST', `/api/runs/${run.id}/phases/hold/skip`, { token: viewer.token, body: { reason: 'viewer' } })).status).toBe(403);
    expect((await getRun(run.id)).status).toBe('waiting');

    const res = await call('POST', `/api/runs/${run.id}/phases/hold/skip`, { token: editor.token, body: { reason: 'Client already agreed' } });
    expect(res.status).toBe(200);
    expect(res.body.phases[0]).toMatchObject({ phaseId: 'hold', status: 'skipped', skippedBy: `user:${editor.id}`, skipReason: 'Client already agreed' });
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(done.phases.map((p: any) => [p.phaseId, p.status])).toEqual([
      ['hold', 'skipped'],
      ['done', 'succeeded'],
    ]);
    expect((await comments('content', item.id)).map((c) => c.body)).toEqual(['after the skip']);
    expect((await call('POST', `/api/runs/${run.id}/phases/hold/skip`, { token: editor.token, body: { reason: 'again' } })).status).toBe(409);

    const skipped = (await audit(run.id)).find((e) => e.action === 'phase.skipped');
    expect(skipped).toMatchObject({ actor: `user:${editor.id}`, data: { phaseId: 'hold', reason: 'Client already agreed' } });
  });

  it('re-runs a finished run on the workflow\u2019s current version; refuses an unfinished one', async () => {
    const def = (body: string) => ({ name: 'Rerunnable', trigger: { type: 'manual' }, phases: [{ id: 'done', type: 'comment', body }] });
    const created = await call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: def('first version') });
    const wf = created.body.id;
    const item = await content({ title: 'Rerun me' });
    const first = await finished((await start(wf, { target: { type: 'content', id: item.id }, input: { n: 1 } })).id);
    expect(first.workflowVersion).toBe(1);
    await call('PATCH', `/api/content/${item.id}`, { token: w.owner.token, body: { caption: 'edited' } });
    const saved = await call('PUT', `/api/workflows/${wf}`, { token: w.owner.token, body: def('second version') });
    expect(saved.body.version).toBe(2);

    const rerun = await call('POST', `/api/runs/${first.id}/rerun`, { token: editor.token });
    expect(rerun.status).toBe(201);
    expect(rerun.body.id).not.toBe(first.id);
    expect(rerun.body).toMatchObject({ rerunOf: first.id, workflowId: wf, workflowVersion: 2, input: { n: 1 }, target: { type: 'content', id: item.id, version: 2 } });
    const done = await finished(rerun.body.id);
    expect(done.status).toBe('completed');
    expect((await comments('content', item.id)).map((c) => c.body)).toEqual(['first version', 'second version']);
    expect((await audit(rerun.body.id))[0]).toMatchObject({ action: 'run.created', actor: `user:${editor.id}`, data: { rerunOf: first.id } });

    const slow = await workflow('Slow', [{ id: 'hold', type: 'wait', duration: '30s' }]);
    const running = await start(slow);
    const refused = await call('POST', `/api/runs/${running.id}/rerun`, { token: editor.token });
    expect(refused.status).toBe(409);
    expect((await call('POST', `/api/runs/${first.id}/rerun`, { token: viewer.token })).status).toBe(403);
    expect((await call('POST', `/api/runs/${first.id}/rerun`, { token: stranger.token })).status).toBe(404);
    await call('POST', `/api/runs/${running.id}/cancel`, { token: editor.token });
  });

  it('deletes a run from lists and pages while its audit trail stays; an unfinished one is cancelled first', async () => {
    const wf = await workflow('Deletable', [{ id: 'done', type: 'comment', body: 'bye' }]);
    const item = await content({ title: 'Delete my run' });
    const run = await finished((await start(wf, { target: { type: 'content', id: item.id } })).id);
    const kept = await finished((await start(wf, { target: { type: 'content', id: item.id } })).id);

    expect((await call('DELETE', `/api/runs/${run.id}`, { token: viewer.token })).status).toBe(403);
    const del = await call('DELETE', `/api/runs/${run.id}`, { token: editor.token });
    expect(del.status).toBe(204);
    expect((await call('GET', `/api/runs/${run.id}`, { token: w.owner.token })).status).toBe(404);
    expect((await call('DELETE', `/api/runs/${run.id}`, { token: editor.token })).status).toBe(404);
    expect((await call('POST', `/api/runs/${run.id}/rerun`, { token: editor.token })).status).toBe(404);
    expect((await call('GET', `/api/workflows/${wf}/runs`, { token: w.owner.token })).body.items.map((r: any) => r.id)).toEqual([kept.id]);
    expect((await call('GET', `/api/runs?workflowId=${wf}`, { token: w.owner.token })).body.items.map((r: any) => r.id)).toEqual([kept.id]);
    expect((await call('GET', `/api/workflows/${wf}/runs?targetId=${item.id}`, { token: w.owner.token })).body.items.map((r: any) => r.id)).toEqual([kept.id]);

    const trail = await audit(run.id);
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['run.created', 'run.started', 'run.completed', 'run.deleted']));
    expect(trail.find((e) => e.action === 'run.deleted')).toMatchObject({ actor: `user:${editor.id}` });
    // A member of the space can still read the deleted run's trail.
    expect((await call('GET', `/api/audit?runId=${run.id}`, { token: editor.token })).body.items.length).toBe(trail.length);

    const slow = await workflow('Slow to delete', [{ id: 'hold', type: 'wait', duration: '30s' }]);
    const running = await start(slow);
    await waiting(running.id);
    // An unfinished run is cancelled, then deleted: both are in its trail.
    expect((await call('DELETE', `/api/runs/${running.id}`, { token: editor.token })).status).toBe(204);
    expect((await call('GET', `/api/runs/${running.id}`, { token: editor.token })).status).toBe(404);
    const runningTrail = (await call('GET', `/api/audit?runId=${running.id}`, { token: w.owner.token })).body.items as { action: string; data: { reason?: string } }[];
    expect(runningTrail.map((e) => e.action).slice(0, 2)).toEqual(['run.deleted', 'run.cancelled']);
    const row = await s.db.k.selectFrom('runs').select(['status', 'deleted_at']).where('id', '=', running.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('cancelled');
    expect(row.deleted_at).not.toBeNull();
    // Its timer is gone with it: nothing of the run is left to fire.
    expect(await s.db.k.selectFrom('jobs').select('id').where('run_id', '=', running.id).execute()).toEqual([]);
  });

  // ---------------------------------------------------------------------------------------
  // Live updates

  it('streams the run as Server-Sent Events: the run now, then one event per change', async () => {
    const wf = await workflow('Streamed', [{ id: 'hold', type: 'wait', duration: '1s' }]);
    const run = await start(wf);
    const controller = new AbortController();
    const res = await fetch(`${s.url}/api/runs/${run.id}/stream`, { headers: { authorization: `Bearer ${editor.token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const events: Array<{ event: string; data: any }> = [];
    let buffer = '';
    const deadline = Date.now() + 20_000;
    try {
      while (!events.some((e) => e.data?.status === 'completed')) {
        if (Date.now() > deadline) throw new Error(`no completed event; got ${JSON.stringify(events.map((e) => e.data?.status))}`);
        const chunk = await Promise.race([reader.read(), sleep(20_000).then(() => ({ done: true, value: undefined }))]);
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const lines = block.split('\n').filter((l) => !l.startsWith(':'));
          if (!lines.length) continue;
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          events.push({ event, data: JSON.parse(data) });
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
      controller.abort();
    }
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.event === 'run' && e.data.id === run.id)).toBe(true);
    const statuses = events.map((e) => e.data.status);
    expect(statuses).toContain('waiting');
    expect(statuses.at(-1)).toBe('completed');
    expect(statuses.indexOf('waiting')).toBeLessThan(statuses.indexOf('completed'));
    expect(events.at(-1)!.data.phases[0]).toMatchObject({ phaseId: 'hold', status: 'succeeded' });

    expect((await fetch(`${s.url}/api/runs/${run.id}/stream`)).status).toBe(401);
    const foreign = await fetch(`${s.url}/api/runs/${run.id}/stream`, { headers: { authorization: `Bearer ${stranger.token}` } });
    expect(foreign.status).toBe(404);
    await foreign.body?.cancel();
  });

  it('stops cleanly while a client still holds a stream open', async () => {
    const wf = await workflow('Held open', [{ id: 'hold', type: 'wait', duration: '30s' }]);
    const run = await start(wf);
    const res = await fetch(`${s.url}/api/runs/${run.id}/stream`, { headers: { authorization: `Bearer ${editor.token}` } });
    const reader = res.body!.getReader();
    await reader.read();
    const closed = await Promise.race([s.close().then(() => 'closed'), sleep(15_000).then(() => 'hung')]);
    await reader.cancel().catch(() => {});
    expect(closed).toBe('closed');
  });
});
