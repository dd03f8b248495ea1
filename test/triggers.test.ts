/**
 * Triggers over real HTTP, on SQLite and PostgreSQL (docs/REQUIREMENTS.md section 2; docs/API.md "Workflows"):
 * every entity event type fires each matching enabled workflow of its space exactly once;
 * filters (`fields`, `from`/`to`) hold; disabled workflows and other spaces' workflows stay
 * quiet; a run's own changes do not fire its own workflow; webhooks authenticate by secret and
 * dedupe by delivery id. Entity-event runs are written in the edit's own transaction, so
 * "no run" can be checked as soon as the edit answers: no test sleeps to prove an absence.
 *
 * Last, on SQLite with a real `flowgate serve` child: a server SIGKILLed right after an edit
 * answered still has exactly one run for it after a restart, and that run completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { liveProcesses, startServeProcess, stopAllProcesses, type ServeProcess } from './helpers/processes.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

const FINISHED = ['completed', 'failed', 'cancelled'];

/**
 * The child server of the crash test starts with the file, while the in-process tests run:
 * starting a `flowgate` child takes a while on a busy machine.
 */
let crashServer: Promise<{ dbUrl: string; serve: ServeProcess }> | null = null;
beforeAll(() => {
  crashServer = (async () => {
    const dbUrl = await freshDbUrl('sqlite');
    return { dbUrl, serve: await startServeProcess(dbUrl) };
  })();
  crashServer.catch(() => {}); // reported where it is awaited
});
afterAll(async () => {
  await crashServer?.catch(() => {});
  await stopAllProcesses();
  expect(liveProcesses()).toHaveLength(0);
});

describe.each(DIALECTS)('triggers (%s)', { timeout: 60_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  const call = (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    s.call(method, path, { token: w?.owner.token, ...opts });

  /** A fresh space per test: workflows of one test never see another test's events. */
  async function space(name: string): Promise<string> {
    const res = await call('POST', '/api/spaces', { body: { name } });
    if (res.status !== 201) throw new Error(`space: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** A cheap phase that shows the event: an in-app note to the owner. */
  const note = (text = '{{input.event.targetId}} v{{input.event.version}}') => ({ id: 'note', type: 'notify', to: [w.owner.id], channels: ['in_app'], message: text });

  async function workflow(spaceId: string, name: string, trigger: Record<string, unknown>, phases: unknown[] = [note()], extra: Record<string, unknown> = {}): Promise<any> {
    const res = await call('POST', `/api/spaces/${spaceId}/workflows`, { body: { name, trigger, phases, ...extra } });
    if (res.status !== 201) throw new Error(`workflow ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function runsOf(workflowId: string): Promise<any[]> {
    const res = await call('GET', `/api/workflows/${workflowId}/runs?limit=500`);
    if (res.status !== 200) throw new Error(`runs: ${res.status} ${JSON.stringify(res.body)}`);
    return [...res.body.items].reverse(); // oldest first
  }

  async function counts(ids: Record<string, string>): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [k, id] of Object.entries(ids)) out[k] = (await runsOf(id)).length;
    return out;
  }

  const finished = (runId: string) =>
    waitFor(async () => {
      const r = await call('GET', `/api/runs/${runId}`);
      return FINISHED.includes(r.body.status) ? r.body : null;
    }, 20_000, `run ${runId} to finish`);

  async function content(spaceId: string, fields: Record<string, unknown> = {}): Promise<any> {
    const res = await call('POST', `/api/spaces/${spaceId}/content`, { body: { title: 'Spring launch', ...fields } });
    if (res.status !== 201) throw new Error(`content: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function patch(kind: 'content' | 'tasks', id: string, body: Record<string, unknown>, ifMatch?: number) {
    return call('PATCH', `/api/${kind}/${id}`, { body, ...(ifMatch === undefined ? {} : { headers: { 'if-match': String(ifMatch) } }) });
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
  });
  afterAll(async () => s?.close());

  it('content.created fires each matching enabled workflow of the space once, and nothing else', async () => {
    const sp = await space('Created');
    const other = await space('Elsewhere');
    const created = await workflow(sp, 'On create', { type: 'content.created' });
    const updated = await workflow(sp, 'On update', { type: 'content.updated' });
    const off = await workflow(sp, 'On create, disabled', { type: 'content.created' }, [note()], { enabled: false });
    const elsewhere = await workflow(other, 'On create, other space', { type: 'content.created' });
    const manual = await workflow(sp, 'Manual', { type: 'manual' });

    const item = await content(sp, { title: 'New post' });
    // The run is written in the creation's own transaction: it is there as soon as the answer is.
    const runs = await runsOf(created.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      workflowId: created.id,
      spaceId: sp,
      target: { type: 'content', id: item.id, version: 1 },
      trigger: { type: 'content.created', by: w.owner.id, event: { targetId: item.id, version: 1 } },
      input: { event: { targetId: item.id, version: 1 } },
    });
    expect(await counts({ updated: updated.id, off: off.id, elsewhere: elsewhere.id, manual: manual.id })).toEqual({ updated: 0, off: 0, elsewhere: 0, manual: 0 });

    const done = await finished(runs[0].id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(done.phases[0].output).toEqual({ inApp: [w.owner.id], emails: [] });
    const inbox = await call('GET', '/api/me/notifications?limit=500');
    expect(inbox.body.items.filter((n: any) => n.runId === runs[0].id).map((n: any) => n.message)).toEqual([`${item.id} v1`]);

    // An item in the other space fires only that space's workflow.
    await content(other, { title: 'Other post' });
    expect(await counts({ created: created.id, elsewhere: elsewhere.id, off: off.id })).toEqual({ created: 1, elsewhere: 1, off: 0 });

    // Disabling a workflow stops it firing; enabling it again resumes.
    expect((await call('PATCH', `/api/workflows/${created.id}`, { body: { enabled: false } })).status).toBe(200);
    await content(sp, { title: 'While off' });
    expect((await runsOf(created.id)).length).toBe(1);
    expect((await call('PATCH', `/api/workflows/${created.id}`, { body: { enabled: true } })).status).toBe(200);
    await content(sp, { title: 'Back on' });
    expect((await runsOf(created.id)).length).toBe(2);
  });

  it('content.updated fires on any change, or only when a listed field changed', async () => {
    const sp = await space('Updated');
    const any = await workflow(sp, 'Any edit', { type: 'content.updated' });
    const caption = await workflow(sp, 'Caption edits', { type: 'content.updated', fields: ['caption'] });
    const item = await content(sp, { title: 'Draft', caption: 'first' });
    expect(await counts({ any: any.id, caption: caption.id })).toEqual({ any: 0, caption: 0 });

    // A title-only edit: the any-change workflow fires, the caption one does not.
    const t = await patch('content', item.id, { title: 'Draft 2' });
    expect(t.status).toBe(200);
    expect(await counts({ any: any.id, caption: caption.id })).toEqual({ any: 1, caption: 0 });
    expect((await runsOf(any.id))[0]).toMatchObject({ target: { id: item.id, version: 2 }, trigger: { type: 'content.updated', event: { version: 2, changed: ['title'] } } });

    // A caption edit fires both.
    expect((await patch('content', item.id, { caption: 'second' })).status).toBe(200);
    expect(await counts({ any: any.id, caption: caption.id })).toEqual({ any: 2, caption: 1 });
    expect((await runsOf(caption.id))[0]).toMatchObject({ target: { id: item.id, version: 3 }, trigger: { event: { changed: ['caption'] } } });

    // An edit that changes nothing makes no version and no event.
    const same = await patch('content', item.id, { caption: 'second' });
    expect(same.body.version).toBe(3);
    expect(await counts({ any: any.id, caption: caption.id })).toEqual({ any: 2, caption: 1 });

    // Title and caption at once: one event, so one run per workflow.
    expect((await patch('content', item.id, { title: 'Draft 3', caption: 'third' })).status).toBe(200);
    expect(await counts({ any: any.id, caption: caption.id })).toEqual({ any: 3, caption: 2 });
    for (const r of [...(await runsOf(any.id)), ...(await runsOf(caption.id))]) expect(await finished(r.id)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it('content.status_changed fires only on matching transitions', async () => {
    const sp = await space('Statuses');
    const anyChange = await workflow(sp, 'Any status change', { type: 'content.status_changed' });
    const toApproved = await workflow(sp, 'To Approved', { type: 'content.status_changed', to: 'Approved' });
    const pendingToApproved = await workflow(sp, 'Pending to Approved', { type: 'content.status_changed', from: 'Pending', to: 'Approved' });
    const fromPending = await workflow(sp, 'Leaving Pending', { type: 'content.status_changed', from: 'Pending' });
    const ids = { anyChange: anyChange.id, toApproved: toApproved.id, pendingToApproved: pendingToApproved.id, fromPending: fromPending.id };

    const a = await content(sp, { title: 'A' });
    expect(a.status).toBe('Ideas');
    // Not a status change: nothing fires.
    await patch('content', a.id, { caption: 'hello' });
    expect(await counts(ids)).toEqual({ anyChange: 0, toApproved: 0, pendingToApproved: 0, fromPending: 0 });

    await patch('content', a.id, { status: 'Pending' }); // Ideas → Pending
    expect(await counts(ids)).toEqual({ anyChange: 1, toApproved: 0, pendingToApproved: 0, fromPending: 0 });
    await patch('content', a.id, { status: 'Approved' }); // Pending → Approved
    expect(await counts(ids)).toEqual({ anyChange: 2, toApproved: 1, pendingToApproved: 1, fromPending: 1 });
    expect((await runsOf(pendingToApproved.id))[0]).toMatchObject({
      target: { id: a.id, version: 4 },
      trigger: { type: 'content.status_changed', event: { targetId: a.id, version: 4, from: 'Pending', to: 'Approved' } },
    });

    const b = await content(sp, { title: 'B' });
    await patch('content', b.id, { status: 'Approved' }); // Ideas → Approved: "to" matches, "from Pending" does not
    expect(await counts(ids)).toEqual({ anyChange: 3, toApproved: 2, pendingToApproved: 1, fromPending: 1 });
    await patch('content', b.id, { status: 'Pending' }); // Approved → Pending
    await patch('content', b.id, { status: 'Completed' }); // Pending → Completed
    expect(await counts(ids)).toEqual({ anyChange: 5, toApproved: 2, pendingToApproved: 1, fromPending: 2 });
  });

  it('task.created, task.updated and task.status_changed fire once each, with the same filters', async () => {
    const sp = await space('Tasks');
    const created = await workflow(sp, 'Task created', { type: 'task.created' });
    const updated = await workflow(sp, 'Task updated', { type: 'task.updated' });
    const described = await workflow(sp, 'Task description', { type: 'task.updated', fields: ['description'] });
    const status = await workflow(sp, 'Task to Completed', { type: 'task.status_changed', to: 'Completed' });
    const contentCreated = await workflow(sp, 'Content created', { type: 'content.created' });
    const ids = { created: created.id, updated: updated.id, described: described.id, status: status.id, contentCreated: contentCreated.id };

    const task = await call('POST', `/api/spaces/${sp}/tasks`, { body: { title: 'Write copy' } });
    expect(task.status).toBe(201);
    expect(await counts(ids)).toEqual({ created: 1, updated: 0, described: 0, status: 0, contentCreated: 0 });
    expect((await runsOf(created.id))[0]).toMatchObject({ target: { type: 'task', id: task.body.id, version: 1 }, trigger: { type: 'task.created' } });

    await patch('tasks', task.body.id, { title: 'Write better copy' });
    expect(await counts(ids)).toEqual({ created: 1, updated: 1, described: 0, status: 0, contentCreated: 0 });
    await patch('tasks', task.body.id, { description: 'Two paragraphs' });
    expect(await counts(ids)).toEqual({ created: 1, updated: 2, described: 1, status: 0, contentCreated: 0 });
    await patch('tasks', task.body.id, { status: 'In Progress' });
    expect(await counts(ids)).toEqual({ created: 1, updated: 3, described: 1, status: 0, contentCreated: 0 });
    await patch('tasks', task.body.id, { status: 'Completed' });
    expect(await counts(ids)).toEqual({ created: 1, updated: 4, described: 1, status: 1, contentCreated: 0 });
    expect((await runsOf(status.id))[0]).toMatchObject({ target: { type: 'task', version: 5 }, trigger: { type: 'task.status_changed', event: { from: 'In Progress', to: 'Completed' } } });
    for (const id of Object.values(ids)) for (const r of await runsOf(id)) expect(await finished(r.id)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
  });

  it("comment.created fires on a person's comment, not on the comment its own run writes", async () => {
    const sp = await space('Comments');
    const reply = await workflow(sp, 'Auto-reply', { type: 'comment.created' }, [{ id: 'reply', type: 'comment', body: 'Thanks for comment {{input.event.commentId}}' }]);
    const item = await content(sp, { title: 'Discuss me' });
    const task = await call('POST', `/api/spaces/${sp}/tasks`, { body: { title: 'Discuss me too' } });
    expect(await runsOf(reply.id)).toHaveLength(0);

    const c = await call('POST', `/api/content/${item.id}/comments`, { body: { body: 'Looks good?' } });
    expect(c.status).toBe(201);
    const runs = await runsOf(reply.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ target: { type: 'content', id: item.id }, trigger: { type: 'comment.created', by: w.owner.id, event: { commentId: c.body.id, source: 'app' } } });
    expect(await finished(runs[0].id)).toMatchObject({ status: 'completed', outcome: 'succeeded' });

    // The run's reply is a comment too, but one written by this workflow: it does not fire it again.
    const thread = await call('GET', `/api/content/${item.id}/comments`);
    expect(thread.body.items.map((x: any) => [x.source, x.body])).toEqual([
      ['app', 'Looks good?'],
      ['workflow', `Thanks for comment ${c.body.id}`],
    ]);
    expect(await runsOf(reply.id)).toHaveLength(1);
    // Comments do not change the target's version, and fire nothing else.
    expect((await call('GET', `/api/content/${item.id}`)).body.version).toBe(1);

    // A comment on a task fires it as well.
    expect((await call('POST', `/api/tasks/${task.body.id}/comments`, { body: { body: 'On it' } })).status).toBe(201);
    const after = await runsOf(reply.id);
    expect(after).toHaveLength(2);
    expect(after[1].target).toMatchObject({ type: 'task', id: task.body.id });
    await finished(after[1].id);
    expect(await runsOf(reply.id)).toHaveLength(2);
  });

  it('the same event delivered twice makes one run: a retried PATCH with the old If-Match is a 409 and no run', async () => {
    const sp = await space('Twice');
    const wf = await workflow(sp, 'On edit', { type: 'content.updated' });
    const item = await content(sp);
    const first = await patch('content', item.id, { caption: 'once' }, 1);
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(2);
    const again = await patch('content', item.id, { caption: 'once' }, 1);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('version_mismatch');
    // Also a retry that races with a different change: still refused, still one run.
    const other = await patch('content', item.id, { caption: 'different' }, 1);
    expect(other.status).toBe(409);
    const runs = await runsOf(wf.id);
    expect(runs).toHaveLength(1);
    expect(runs[0].target.version).toBe(2);
    expect((await call('GET', `/api/content/${item.id}`)).body.version).toBe(2);
  });

  it('a workflow whose phase edits its own target does not trigger itself again', async () => {
    const sp = await space('Loop');
    const self = await workflow(sp, 'Tidy caption', { type: 'content.updated' }, [
      { id: 'tidy', type: 'mutate', set: { caption: '{{target.caption}} (checked)' } },
      { id: 'note', type: 'comment', body: 'Tidied to v{{phases.tidy.output.version}}' },
    ]);
    // Another workflow on the same event is fired by the run's edit, as by anyone's.
    const watcher = await workflow(sp, 'Watch edits', { type: 'content.updated' });
    const item = await content(sp);
    await patch('content', item.id, { caption: 'Hello' });
    const runs = await runsOf(self.id);
    expect(runs).toHaveLength(1);
    const done = await finished(runs[0].id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(done.phases.map((p: any) => [p.phaseId, p.status])).toEqual([
      ['tidy', 'succeeded'],
      ['note', 'succeeded'],
    ]);
    const after = await call('GET', `/api/content/${item.id}`);
    expect(after.body).toMatchObject({ caption: 'Hello (checked)', version: 3 });
    // Exactly one run of the self-editing workflow, even after its edit committed.
    expect(await runsOf(self.id)).toHaveLength(1);
    const watched = await runsOf(watcher.id);
    expect(watched.map((r) => r.target.version)).toEqual([2, 3]);
    expect(watched[1].trigger.by).toBeUndefined();
  });

  describe('webhooks', () => {
    const hook = (workflowId: string, body: unknown, headers: Record<string, string> = {}) =>
      s.call('POST', `/api/hooks/${workflowId}`, { body, headers });

    it('shows the secret once, starts a run with the body as input, and refuses wrong or missing secrets', async () => {
      const sp = await space('Hooks');
      const wf = await workflow(sp, 'Inbound', { type: 'webhook' }, [note('order {{input.order}}')]);
      expect(typeof wf.webhookSecret).toBe('string');
      expect(wf.webhookSecret.length).toBeGreaterThanOrEqual(20);
      const read = await call('GET', `/api/workflows/${wf.id}`);
      expect(read.body.webhookSecret).toBeUndefined();
      expect(JSON.stringify(read.body)).not.toContain(wf.webhookSecret);
      const listed = await call('GET', `/api/spaces/${sp}/workflows`);
      expect(JSON.stringify(listed.body)).not.toContain(wf.webhookSecret);
      // A workflow with another trigger has no secret to show.
      expect((await workflow(sp, 'Not a hook', { type: 'manual' })).webhookSecret).toBeUndefined();

      const body = { order: 'A-17', items: [1, 2, 3], nested: { ok: true } };
      const ok = await hook(wf.id, body, { 'x-flowgate-secret': wf.webhookSecret });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ workflowId: wf.id, spaceId: sp, target: null, input: body, trigger: { type: 'webhook' } });
      const done = await finished(ok.body.id);
      expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
      expect(done.phases[0].input).toMatchObject({ message: 'order A-17' });

      const wrong = await hook(wf.id, body, { 'x-flowgate-secret': `${wf.webhookSecret}x` });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('unauthenticated');
      expect((await hook(wf.id, body)).status).toBe(401);
      expect((await hook(wf.id, body, { authorization: `Bearer ${w.owner.token}` })).status).toBe(401);
      // An unknown workflow answers like a wrong secret: ids cannot be probed.
      expect((await hook('01900000-0000-7000-8000-000000000000', body, { 'x-flowgate-secret': wf.webhookSecret })).status).toBe(401);
      expect(await runsOf(wf.id)).toHaveLength(1);

      // A disabled workflow refuses with 409, and starts nothing.
      expect((await call('PATCH', `/api/workflows/${wf.id}`, { body: { enabled: false } })).status).toBe(200);
      const disabled = await hook(wf.id, body, { 'x-flowgate-secret': wf.webhookSecret });
      expect(disabled.status).toBe(409);
      expect(await runsOf(wf.id)).toHaveLength(1);
      expect((await call('PATCH', `/api/workflows/${wf.id}`, { body: { enabled: true } })).status).toBe(200);

      // Rotating the secret kills the old one at once.
      const rotated = await call('POST', `/api/workflows/${wf.id}/webhook-secret`);
      expect(rotated.status).toBe(200);
      expect((await hook(wf.id, body, { 'x-flowgate-secret': wf.webhookSecret })).status).toBe(401);
      expect((await hook(wf.id, { order: 'B-1' }, { 'x-flowgate-secret': rotated.body.webhookSecret })).status).toBe(201);
      expect(await runsOf(wf.id)).toHaveLength(2);
    });

    it('the same delivery id twice makes one run; the second answer is 200 with the same run', async () => {
      const sp = await space('Deliveries');
      const wf = await workflow(sp, 'Inbound', { type: 'webhook' }, [note('delivery')]);
      const secret = { 'x-flowgate-secret': wf.webhookSecret };
      const first = await hook(wf.id, { n: 1 }, { ...secret, 'x-flowgate-delivery': 'd-1' });
      expect(first.status).toBe(201);
      const again = await hook(wf.id, { n: 1 }, { ...secret, 'x-flowgate-delivery': 'd-1' });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      // Idempotency-Key works the same way, and is its own delivery.
      const k1 = await hook(wf.id, { n: 2 }, { ...secret, 'idempotency-key': 'k-1' });
      const k2 = await hook(wf.id, { n: 2 }, { ...secret, 'idempotency-key': 'k-1' });
      expect([k1.status, k2.status]).toEqual([201, 200]);
      expect(k2.body.id).toBe(k1.body.id);
      expect(k1.body.id).not.toBe(first.body.id);
      // No delivery id: every POST is a new run.
      expect((await hook(wf.id, { n: 3 }, secret)).status).toBe(201);
      expect((await hook(wf.id, { n: 3 }, secret)).status).toBe(201);
      expect(await runsOf(wf.id)).toHaveLength(4);

      // Redeliveries racing each other still make one run.
      const racing = await Promise.all(Array.from({ length: 6 }, () => hook(wf.id, { n: 4 }, { ...secret, 'x-flowgate-delivery': 'd-race' })));
      expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
      const runs = await runsOf(wf.id);
      expect(runs).toHaveLength(5);
      for (const r of runs) expect(await finished(r.id)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    });
  });
});

describe('triggers survive a crash between the edit and the run (sqlite, child process)', { timeout: 90_000 }, () => {
  it('a server SIGKILLed right after the edit answered has exactly one run after restart, and it completes', async () => {
    const first = await crashServer!;
    const dbUrl = first.dbUrl;
    let serve: ServeProcess = first.serve;
    const setup = await serve.call('POST', '/api/setup', { body: { orgName: 'Crash', email: 'owner@crash.example', name: 'Olive', password: 'correct horse' } });
    expect(setup.status).toBe(201);
    const token = setup.body.token as string;
    const ownerId = setup.body.user.id as string;
    const sp = (await serve.call('POST', '/api/spaces', { token, body: { name: 'Social' } })).body.id as string;
    const wf = await serve.call('POST', `/api/spaces/${sp}/workflows`, {
      token,
      body: {
        name: 'On caption',
        trigger: { type: 'content.updated', fields: ['caption'] },
        phases: [
          { id: 'note', type: 'notify', to: [ownerId], channels: ['in_app'], message: 'caption v{{input.event.version}}' },
          { id: 'say', type: 'comment', body: 'Saw v{{input.event.version}}' },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const item = await serve.call('POST', `/api/spaces/${sp}/content`, { token, body: { title: 'Crash me' } });
    expect(item.status).toBe(201);

    const edited = await serve.call('PATCH', `/api/content/${item.body.id}`, { token, body: { caption: 'edited just before the crash' } });
    expect(edited.status).toBe(200);
    await serve.kill('SIGKILL');

    serve = await startServeProcess(dbUrl);
    const runs = await serve.call('GET', `/api/workflows/${wf.body.id}/runs?limit=500`, { token });
    expect(runs.status).toBe(200);
    expect(runs.body.items).toHaveLength(1);
    const runId = runs.body.items[0].id as string;
    expect(runs.body.items[0]).toMatchObject({ target: { id: item.body.id, version: 2 }, trigger: { type: 'content.updated' } });
    const done = await waitFor(async () => {
      const r = await serve.call('GET', `/api/runs/${runId}`, { token });
      return FINISHED.includes(r.body.status) ? r.body : null;
    }, 30_000, 'the run to finish after restart');
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    const comments = await serve.call('GET', `/api/content/${item.body.id}/comments`, { token });
    expect(comments.body.items.map((c: any) => c.body)).toEqual(['Saw v2']);
    // Still exactly one run, and the workflow's own comment fired nothing.
    expect((await serve.call('GET', `/api/workflows/${wf.body.id}/runs?limit=500`, { token })).body.items).toHaveLength(1);
    await serve.kill('SIGKILL');
  });
});
