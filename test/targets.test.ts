import { sealAllPending } from '../src/audit/log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../src/audit/verify.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../src/core/errors.js';
import { addComment, deleteTarget, editTarget, getTarget, TargetDeletedError } from '../src/store/targets.js';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

type U = { id: string; token: string };

describe.each(DIALECTS)('targets: content items, tasks, comments (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  let editor: U;
  let viewer: U;
  let outsider: U;
  let otherOrg: string;

  const paths = (e: { body: { error: { details?: Array<{ path: string }> } } }) => (e.body.error.details ?? []).map((d) => d.path).sort();
  const newContent = async (body: Record<string, unknown> = { title: 'Launch post' }, token = w.owner.token) => {
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const newTask = async (body: Record<string, unknown> = { title: 'Shoot photos' }, token = w.owner.token) => {
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/tasks`, { token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'editor@acme.example', name: 'Eddie Editor', spaceId: w.spaceId, spaceRole: 'editor' });
    viewer = await addUser(s, w.owner.token, { email: 'viewer@acme.example', spaceId: w.spaceId, spaceRole: 'viewer' });
    outsider = await addUser(s, w.owner.token, { email: 'outsider@acme.example' });
    const org = await s.call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Globex', owner: { email: 'boss@globex.example', name: 'Boss', password: 'correct horse' } } });
    expect(org.status).toBe(201);
    otherOrg = (await s.call('POST', '/api/auth/login', { body: { email: 'boss@globex.example', password: 'correct horse' } })).body.token;
  });
  afterAll(async () => s?.close());

  it('creates, reads, edits and deletes a content item; the version grows by one per edit', async () => {
    const created = await newContent({ title: 'Launch post', caption: 'Hello', platforms: ['instagram'], tags: ['launch'], assignees: [editor.id] }, editor.token);
    expect(created).toMatchObject({
      type: 'content',
      spaceId: w.spaceId,
      title: 'Launch post',
      caption: 'Hello',
      status: 'Ideas',
      platforms: ['instagram'],
      scheduledAt: null,
      assignees: [editor.id],
      tags: ['launch'],
      version: 1,
      createdBy: editor.id,
    });
    expect(typeof created.id).toBe('string');
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);

    const got = await s.call('GET', `/api/content/${created.id}`, { token: w.owner.token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created);
    expect(got.headers.get('etag')).toBe('"1"');

    const p1 = await s.call('PATCH', `/api/content/${created.id}`, { token: editor.token, body: { title: 'Launch post v2', status: 'In Progress' } });
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ title: 'Launch post v2', status: 'In Progress', caption: 'Hello', version: 2 });

    const p2 = await s.call('PATCH', `/api/content/${created.id}`, { token: editor.token, body: { scheduledAt: '2030-05-01T11:00:00+02:00', caption: null } });
    expect(p2.body).toMatchObject({ scheduledAt: '2030-05-01T09:00:00.000Z', caption: null, version: 3 });

    // Same values (the same instant spelled differently) change nothing: no new version.
    const noop = await s.call('PATCH', `/api/content/${created.id}`, { token: editor.token, body: { title: 'Launch post v2', scheduledAt: '2030-05-01T09:00:00Z', tags: ['launch'] } });
    expect(noop.status).toBe(200);
    expect(noop.body.version).toBe(3);
    expect(noop.body.updatedAt).toBe(p2.body.updatedAt);
    expect((await s.call('PATCH', `/api/content/${created.id}`, { token: editor.token, body: {} })).body.version).toBe(3);

    const cleared = await s.call('PATCH', `/api/content/${created.id}`, { token: editor.token, body: { scheduledAt: null, platforms: [], assignees: [] } });
    expect(cleared.body).toMatchObject({ scheduledAt: null, platforms: [], assignees: [], version: 4 });

    expect((await s.call('DELETE', `/api/content/${created.id}`, { token: editor.token })).status).toBe(204);
    const gone = await s.call('GET', `/api/content/${created.id}`, { token: w.owner.token });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
    expect((await s.call('PATCH', `/api/content/${created.id}`, { token: w.owner.token, body: { title: 'zombie' } })).status).toBe(404);
    expect((await s.call('DELETE', `/api/content/${created.id}`, { token: w.owner.token })).status).toBe(404);
    expect((await s.call('POST', `/api/content/${created.id}/comments`, { token: w.owner.token, body: { body: 'hello?' } })).status).toBe(404);
    expect((await s.call('GET', `/api/content/${created.id}/comments`, { token: w.owner.token })).status).toBe(404);
    const row = await s.db.k.selectFrom('content_items').select(['deleted_at', 'version']).where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    expect(row.version).toBe(4);
  });

  it('creates, reads, edits and deletes a task', async () => {
    const t = await newTask({ title: 'Shoot photos', description: 'Studio B', assignee: editor.id, dueAt: '2030-01-31T09:00:00Z' });
    expect(t).toMatchObject({ type: 'task', title: 'Shoot photos', description: 'Studio B', status: 'Ideas', assignee: editor.id, dueAt: '2030-01-31T09:00:00.000Z', version: 1 });
    expect((await s.call('GET', `/api/tasks/${t.id}`, { token: viewer.token })).body).toEqual(t);
    const p = await s.call('PATCH', `/api/tasks/${t.id}`, { token: editor.token, body: { assignee: null, dueAt: null, status: 'Completed' } });
    expect(p.body).toMatchObject({ assignee: null, dueAt: null, status: 'Completed', version: 2 });
    expect((await s.call('PATCH', `/api/tasks/${t.id}`, { token: editor.token, body: { status: 'Completed' } })).body.version).toBe(2);
    // A task id is not a content id.
    expect((await s.call('GET', `/api/content/${t.id}`, { token: w.owner.token })).status).toBe(404);
    expect((await s.call('DELETE', `/api/tasks/${t.id}`, { token: editor.token })).status).toBe(204);
    expect((await s.call('GET', `/api/tasks/${t.id}`, { token: w.owner.token })).status).toBe(404);
    expect((await s.call('PATCH', `/api/tasks/${t.id}`, { token: w.owner.token, body: { title: 'x' } })).status).toBe(404);
  });

  it('honours If-Match on PATCH and DELETE: 1, "1" and W/"1" match; another version is 409 version_mismatch', async () => {
    const c = await newContent();
    const url = `/api/content/${c.id}`;
    const a = await s.call('PATCH', url, { token: w.owner.token, body: { title: 'a' }, headers: { 'if-match': '1' } });
    expect(a.status).toBe(200);
    expect(a.headers.get('etag')).toBe('"2"');
    expect((await s.call('PATCH', url, { token: w.owner.token, body: { title: 'b' }, headers: { 'if-match': '"2"' } })).body.version).toBe(3);
    expect((await s.call('PATCH', url, { token: w.owner.token, body: { title: 'c' }, headers: { 'if-match': 'W/"3"' } })).body.version).toBe(4);
    const stale = await s.call('PATCH', url, { token: w.owner.token, body: { title: 'd' }, headers: { 'if-match': '2' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_mismatch');
    expect(stale.body.error.message).toMatch(/version 4/);
    expect(stale.body.error.message).toMatch(/version 2/);
    // A no-op PATCH still checks the version.
    expect((await s.call('PATCH', url, { token: w.owner.token, body: {}, headers: { 'if-match': '3' } })).status).toBe(409);
    const bad = await s.call('PATCH', url, { token: w.owner.token, body: { title: 'd' }, headers: { 'if-match': 'banana' } });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['headers.if-match']);
    expect((await s.call('GET', url, { token: w.owner.token })).body).toMatchObject({ title: 'c', version: 4 });
    expect((await s.call('DELETE', url, { token: w.owner.token, headers: { 'if-match': '3' } })).status).toBe(409);
    expect((await s.call('DELETE', url, { token: w.owner.token, headers: { 'if-match': '"4"' } })).status).toBe(204);
  });

  it('concurrent edits: with If-Match exactly one wins; without, every edit lands once', async () => {
    const c = await newContent();
    const url = `/api/content/${c.id}`;
    const raced = await Promise.all([1, 2, 3, 4, 5].map((i) => s.call('PATCH', url, { token: w.owner.token, body: { title: `race ${i}` }, headers: { 'if-match': '1' } })));
    expect(raced.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(raced.filter((r) => r.status === 409).every((r) => r.body.error.code === 'version_mismatch')).toBe(true);
    const free = await Promise.all([1, 2, 3, 4, 5].map((i) => s.call('PATCH', url, { token: w.owner.token, body: { caption: `caption ${i}` } })));
    expect(free.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(free.map((r) => r.body.version).sort()).toEqual([3, 4, 5, 6, 7]);
    expect((await s.call('GET', url, { token: w.owner.token })).body.version).toBe(7);
  });

  it("accepts only the space's statuses, and follows a change of the list", async () => {
    const bad = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'x', status: 'Scheduled' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    expect(paths(bad)).toEqual(['status']);
    const c = await newContent();
    const badPatch = await s.call('PATCH', `/api/content/${c.id}`, { token: w.owner.token, body: { status: 'Scheduled' } });
    expect(badPatch.status).toBe(400);
    expect(paths(badPatch)).toEqual(['status']);
    const t = await newTask();
    expect(paths(await s.call('PATCH', `/api/tasks/${t.id}`, { token: w.owner.token, body: { status: 'Scheduled' } }))).toEqual(['status']);

    const space = await s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Blog' } });
    // An empty PATCH (found by fuzzing: it was a 500) changes nothing and answers the space.
    const empty = await s.call('PATCH', `/api/spaces/${space.body.id}`, { token: w.owner.token, body: {} });
    expect(empty).toMatchObject({ status: 200, body: { id: space.body.id, name: 'Blog' } });
    const statuses = await s.call('PATCH', `/api/spaces/${space.body.id}`, { token: w.owner.token, body: { statuses: ['Draft', 'Scheduled', 'Live'] } });
    expect(statuses.status).toBe(200);
    const post = await s.call('POST', `/api/spaces/${space.body.id}/content`, { token: w.owner.token, body: { title: 'Post' } });
    expect(post.body.status).toBe('Draft');
    const ok = await s.call('PATCH', `/api/content/${post.body.id}`, { token: w.owner.token, body: { status: 'Scheduled' } });
    expect(ok).toMatchObject({ status: 200, body: { status: 'Scheduled', version: 2 } });
    expect((await s.call('PATCH', `/api/content/${post.body.id}`, { token: w.owner.token, body: { status: 'Ideas' } })).status).toBe(400);
  });

  it('accepts only members of the space as assignees, naming the bad entry by path', async () => {
    const bad = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'x', assignees: [editor.id, outsider.id] } });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['assignees.1']);
    const c = await newContent({ title: 'x', assignees: [viewer.id] });
    expect(paths(await s.call('PATCH', `/api/content/${c.id}`, { token: w.owner.token, body: { assignees: ['nobody', viewer.id] } }))).toEqual(['assignees.0']);
    const t = await newTask();
    const badTask = await s.call('PATCH', `/api/tasks/${t.id}`, { token: w.owner.token, body: { assignee: outsider.id } });
    expect(badTask.status).toBe(400);
    expect(paths(badTask)).toEqual(['assignee']);
    expect((await s.call('PATCH', `/api/tasks/${t.id}`, { token: w.owner.token, body: { assignee: viewer.id } })).body).toMatchObject({ assignee: viewer.id, version: 2 });
    const dup = await s.call('PATCH', `/api/content/${c.id}`, { token: w.owner.token, body: { assignees: [viewer.id, viewer.id] } });
    expect(paths(dup)).toEqual(['assignees']);
  });

  it('validates request bodies strictly, naming each bad field by path', async () => {
    const unknown = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'x', colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(paths(unknown)).toEqual(['colour']);
    const c = await newContent();
    const many = await s.call('PATCH', `/api/content/${c.id}`, {
      token: w.owner.token,
      body: { title: '', scheduledAt: 'tomorrow', platforms: Array.from({ length: 51 }, (_, i) => `p${i}`), caption: 'x'.repeat(10_001), nope: 1 },
    });
    expect(many.status).toBe(400);
    expect(paths(many)).toEqual(['caption', 'nope', 'platforms', 'scheduledAt', 'title']);
    expect(paths(await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { caption: 'no title' } }))).toEqual(['title']);
    expect(paths(await s.call('POST', `/api/spaces/${w.spaceId}/tasks`, { token: w.owner.token, body: { title: 'x'.repeat(501), caption: 'x' } }))).toEqual(['caption', 'title']);
    const t = await newTask();
    expect(paths(await s.call('PATCH', `/api/tasks/${t.id}`, { token: w.owner.token, body: { dueAt: '2030-13-45', tags: [] } }))).toEqual(['dueAt', 'tags']);
    expect(paths(await s.call('PATCH', `/api/tasks/${t.id}`, { token: w.owner.token, body: { dueAt: '2030-02-30T09:00:00Z' } }))).toEqual(['dueAt']);
    expect(paths(await s.call('POST', `/api/tasks/${t.id}/comments`, { token: w.owner.token, body: { body: '' } }))).toEqual(['body']);
    expect(paths(await s.call('POST', `/api/tasks/${t.id}/comments`, { token: w.owner.token, body: { body: 'ok', pinned: true } }))).toEqual(['pinned']);
    expect((await s.call('GET', `/api/content/${c.id}`, { token: w.owner.token })).body.version).toBe(1);
  });

  it('lets viewers read but not write, refuses space outsiders with 403 and other orgs with 404', async () => {
    const c = await newContent();
    const t = await newTask();
    await s.call('POST', `/api/content/${c.id}/comments`, { token: w.owner.token, body: { body: 'first' } });
    for (const [url, item] of [[`/api/content/${c.id}`, c], [`/api/tasks/${t.id}`, t]] as const) {
      expect((await s.call('GET', url, { token: viewer.token })).status).toBe(200);
      expect((await s.call('GET', `${url}/comments`, { token: viewer.token })).status).toBe(200);
      expect((await s.call('PATCH', url, { token: viewer.token, body: { title: 'no' } })).status).toBe(403);
      expect((await s.call('DELETE', url, { token: viewer.token })).status).toBe(403);
      expect((await s.call('POST', `${url}/comments`, { token: viewer.token, body: { body: 'no' } })).status).toBe(403);

      expect((await s.call('GET', url, { token: outsider.token })).status).toBe(403);
      expect((await s.call('PATCH', url, { token: outsider.token, body: { title: 'no' } })).status).toBe(403);

      for (const [method, path, body] of [['GET', url], ['PATCH', url, { title: 'no' }], ['DELETE', url], ['POST', `${url}/comments`, { body: 'no' }], ['GET', `${url}/comments`]] as const) {
        const res = await s.call(method, path, { token: otherOrg, body });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      expect((await s.call('GET', url, { token: w.owner.token })).body.version).toBe(item.version);
    }
    for (const col of ['content', 'tasks']) {
      expect((await s.call('POST', `/api/spaces/${w.spaceId}/${col}`, { token: viewer.token, body: { title: 'no' } })).status).toBe(403);
      expect((await s.call('GET', `/api/spaces/${w.spaceId}/${col}`, { token: viewer.token })).status).toBe(200);
      expect((await s.call('POST', `/api/spaces/${w.spaceId}/${col}`, { token: outsider.token, body: { title: 'no' } })).status).toBe(403);
      expect((await s.call('GET', `/api/spaces/${w.spaceId}/${col}`, { token: outsider.token })).status).toBe(403);
      expect((await s.call('POST', `/api/spaces/${w.spaceId}/${col}`, { token: otherOrg, body: { title: 'no' } })).status).toBe(404);
      expect((await s.call('GET', `/api/spaces/${w.spaceId}/${col}`, { token: otherOrg })).status).toBe(404);
    }
    expect((await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: editor.token, body: { title: 'editors write' } })).status).toBe(201);
  });

  it('refuses unauthenticated calls with 401', async () => {
    const c = await newContent();
    for (const [method, path] of [['GET', `/api/content/${c.id}`], ['PATCH', `/api/content/${c.id}`], ['DELETE', `/api/tasks/${c.id}`], ['POST', `/api/spaces/${w.spaceId}/tasks`], ['GET', `/api/content/${c.id}/comments`]] as const) {
      const res = await s.call(method, path, { body: method === 'PATCH' || method === 'POST' ? { title: 'x' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });

  it('adds comments without changing the version, and pages them oldest first', async () => {
    for (const [col, item] of [['content', await newContent()], ['tasks', await newTask()]] as const) {
      const url = `/api/${col}/${item.id}`;
      const made = [];
      for (const body of ['one', 'two', 'three']) {
        const res = await s.call('POST', `${url}/comments`, { token: editor.token, body: { body } });
        expect(res.status).toBe(201);
        made.push(res.body);
      }
      expect(made[0]).toMatchObject({ targetType: col === 'content' ? 'content' : 'task', targetId: item.id, body: 'one', author: { userId: editor.id, name: 'Eddie Editor' }, source: 'app' });
      expect((await s.call('GET', url, { token: w.owner.token })).body.version).toBe(1);

      const p1 = await s.call('GET', `${url}/comments?limit=2`, { token: viewer.token });
      expect(p1.status).toBe(200);
      expect(p1.body.items.map((c: { body: string }) => c.body)).toEqual(['one', 'two']);
      expect(typeof p1.body.nextCursor).toBe('string');
      const p2 = await s.call('GET', `${url}/comments?limit=2&cursor=${p1.body.nextCursor}`, { token: viewer.token });
      expect(p2.body.items.map((c: { body: string }) => c.body)).toEqual(['three']);
      expect(p2.body.nextCursor).toBeNull();
      expect(p2.body.items[0]).toEqual(made[2]);
      expect((await s.call('GET', `${url}/comments?cursor=bogus`, { token: viewer.token })).status).toBe(400);
    }
  });

  it('lists a space’s items newest first with keyset pagination, leaving deleted ones out', async () => {
    const space = (await s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Lists' } })).body.id;
    const ids: string[] = [];
    for (const title of ['a', 'b', 'c', 'd']) ids.push((await s.call('POST', `/api/spaces/${space}/tasks`, { token: w.owner.token, body: { title } })).body.id);
    await s.call('DELETE', `/api/tasks/${ids[1]}`, { token: w.owner.token });
    const p1 = await s.call('GET', `/api/spaces/${space}/tasks?limit=2`, { token: w.owner.token });
    expect(p1.body.items.map((t: { title: string }) => t.title)).toEqual(['d', 'c']);
    const p2 = await s.call('GET', `/api/spaces/${space}/tasks?limit=2&cursor=${p1.body.nextCursor}`, { token: w.owner.token });
    expect(p2.body).toEqual({ items: [expect.objectContaining({ title: 'a' })], nextCursor: null });
    expect((await s.call('GET', `/api/spaces/${space}/content`, { token: w.owner.token })).body).toEqual({ items: [], nextCursor: null });
  });

  it('records every write in the audit log, in the same transaction', async () => {
    const c = await newContent({ title: 'Audited' }, editor.token);
    await s.call('PATCH', `/api/content/${c.id}`, { token: editor.token, body: { title: 'Audited v2', tags: ['x'] } });
    await s.call('PATCH', `/api/content/${c.id}`, { token: editor.token, body: { title: 'Audited v2' } });
    const comment = (await s.call('POST', `/api/content/${c.id}/comments`, { token: editor.token, body: { body: 'hi' } })).body;
    await s.call('DELETE', `/api/content/${c.id}`, { token: editor.token });
    const t = await newTask({ title: 'Audited task' }, editor.token);
    await s.call('PATCH', `/api/tasks/${t.id}`, { token: editor.token, body: { status: 'Pending' } });
    await s.call('DELETE', `/api/tasks/${t.id}`, { token: editor.token });

    await sealAllPending(s.db);
    const events = await s.db.k
      .selectFrom('audit_events')
      .select(['actor', 'action', 'subject', 'data'])
      .where('org_id', '=', w.orgId)
      .where('subject', 'in', [`content:${c.id}`, `task:${t.id}`])
      .orderBy('seq')
      .execute();
    expect(events.map((e) => [e.action, e.subject])).toEqual([
      ['content.created', `content:${c.id}`],
      ['content.updated', `content:${c.id}`],
      ['comment.created', `content:${c.id}`],
      ['content.deleted', `content:${c.id}`],
      ['task.created', `task:${t.id}`],
      ['task.updated', `task:${t.id}`],
      ['task.deleted', `task:${t.id}`],
    ]);
    expect(events.every((e) => e.actor === `user:${editor.id}`)).toBe(true);
    expect(JSON.parse(events[1]!.data)).toEqual({ changed: ['title', 'tags'], fromVersion: 1, toVersion: 2 });
    expect(JSON.parse(events[2]!.data)).toMatchObject({ commentId: comment.id, targetType: 'content', targetId: c.id });
    expect(JSON.parse(events[5]!.data)).toEqual({ changed: ['status'], fromVersion: 1, toVersion: 2 });
    // No audit event for the PATCH that changed nothing, and the chain still verifies.
    expect(events.filter((e) => e.action === 'content.updated')).toHaveLength(1);
    expect(await verifyAuditChain(s.db.k, w.orgId)).toMatchObject({ ok: true });
  });

  it('store: the engine path — guarded edits, deleted versus missing, workflow comments', async () => {
    const c = await newContent({ title: 'Engine' });
    const org = w.orgId;
    const by = { runId: 'run-1' };
    const edit = await s.db.tx((trx) => editTarget(trx, { orgId: org, type: 'content', id: c.id, changes: { status: 'Approved' }, expectedVersion: 1, by, now: Date.now() }));
    expect(edit).toMatchObject({ changed: ['status'], before: { version: 1, status: 'Ideas' }, after: { version: 2, status: 'Approved' } });
    const stale = await s.db.tx((trx) => editTarget(trx, { orgId: org, type: 'content', id: c.id, changes: { title: 'late' }, expectedVersion: 1, by, now: Date.now() })).catch((e) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale.code).toBe('version_mismatch');
    const wrongShape = await s.db.tx((trx) => editTarget(trx, { orgId: org, type: 'content', id: c.id, changes: { assignees: 'someone' } as never, by, now: Date.now() })).catch((e) => e);
    expect(wrongShape).toBeInstanceOf(InvalidInputError);
    expect(wrongShape.details.map((d: { path: string }) => d.path)).toEqual(['assignees']);

    const comment = await s.db.tx((trx) => addComment(trx, { orgId: org, type: 'content', targetId: c.id, body: 'Approved by workflow', author: { workflowRunId: 'run-1' }, source: 'workflow', now: Date.now() }));
    expect(comment).toMatchObject({ author: { workflowRunId: 'run-1' }, source: 'workflow', runId: 'run-1' });
    expect((await getTarget(s.db.k, org, 'content', c.id))!.version).toBe(2);
    expect(await getTarget(s.db.k, 'another-org', 'content', c.id)).toBeNull();

    await s.db.tx((trx) => deleteTarget(trx, { orgId: org, type: 'content', id: c.id, by, now: Date.now() }));
    expect(await getTarget(s.db.k, org, 'content', c.id)).toBeNull();
    expect(await getTarget(s.db.k, org, 'content', c.id, { includeDeleted: true })).toMatchObject({ version: 2, deletedAt: expect.any(String) });
    const deleted = await s.db.tx((trx) => editTarget(trx, { orgId: org, type: 'content', id: c.id, changes: { title: 'x' }, expectedVersion: 2, by, now: Date.now() })).catch((e) => e);
    expect(deleted).toBeInstanceOf(TargetDeletedError);
    const missing = await s.db.tx((trx) => editTarget(trx, { orgId: org, type: 'task', id: c.id, changes: { title: 'x' }, by, now: Date.now() })).catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).not.toBeInstanceOf(TargetDeletedError);
    const noComment = await s.db.tx((trx) => addComment(trx, { orgId: org, type: 'content', targetId: c.id, body: 'late', author: null, source: 'workflow', runId: 'run-1', now: Date.now() })).catch((e) => e);
    expect(noComment).toBeInstanceOf(TargetDeletedError);
  });

  it('publishes the target routes in the OpenAPI document', async () => {
    const doc = (await s.call('GET', '/api/openapi.json')).body;
    expect(doc.paths['/api/spaces/{spaceId}/content'].post.requestBody).toBeDefined();
    expect(doc.paths['/api/tasks/{id}'].patch).toBeDefined();
    expect(doc.paths['/api/content/{id}/comments'].get).toBeDefined();
  });
});
