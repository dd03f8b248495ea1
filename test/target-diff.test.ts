/**
 * What changed since an approver last looked, over real HTTP on SQLite and PostgreSQL:
 * every version of a target is recorded in the transaction of the change that made it (an
 * edit rolled back or refused leaves none; concurrent edits leave exactly one per version);
 * `GET /api/runs/{id}/changes` diffs field by field from the caller's last decision or view to
 * now and records the approver's view; decisions carry the version they were made on; the
 * review page shows the same diff to an outside reviewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editTarget } from '../src/store/targets.js';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { until } from './helpers/wait.js';

const CLIENT = 'client@brand.example';

describe.each(DIALECTS)('target versions and changes since last look (%s)', { timeout: 60_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  let A: { id: string; token: string; email: string };
  let wf: string;

  const versions = async (id: string) =>
    (await s.db.k.selectFrom('target_versions').select(['version', 'fields', 'changed_by']).where('target_id', '=', id).orderBy('version').execute()).map((r) => ({
      ...r,
      fields: JSON.parse(r.fields),
    }));

  async function item(caption = 'First caption') {
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch', caption, tags: ['spring'] } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  async function edit(id: string, body: Record<string, unknown>) {
    const res = await s.call('PATCH', `/api/content/${id}`, { token: w.owner.token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }
  async function startRun(itemId: string) {
    const res = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: itemId } } });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    await until('the run to wait on its gate', async () => (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body.status === 'waiting');
    return id;
  }
  const changes = (runId: string, token: string, q = '') => s.call('GET', `/api/runs/${runId}/changes${q}`, { token });

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    A = await addUser(s, w.owner.token, { email: 'ann@acme.example', name: 'Ann Approver', spaceId: w.spaceId });
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Sign-off', trigger: { type: 'manual' }, phases: [{ id: 'gate', type: 'approval', approvers: { members: [A.id], emails: [CLIENT] }, required: 'all' }] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    wf = res.body.id;
  });
  afterAll(async () => s?.close());

  it('records every version with the change that made it; refused, rolled back and empty edits record none; comments none', async () => {
    const id = await item();
    expect(await versions(id)).toEqual([
      { version: 1, changed_by: `user:${w.owner.id}`, fields: expect.objectContaining({ title: 'Spring launch', caption: 'First caption', tags: '["spring"]' }) },
    ]);
    await edit(id, { caption: 'Second caption' });
    await edit(id, { caption: 'Second caption' }); // no change: no new version
    expect((await s.call('PATCH', `/api/content/${id}`, { token: w.owner.token, body: { status: 'No such status' } })).status).toBe(400);
    expect((await s.call('POST', `/api/content/${id}/comments`, { token: w.owner.token, body: { body: 'looks good' } })).status).toBe(201);
    // An edit whose transaction rolls back leaves neither the new version nor its row.
    await expect(
      s.db.k.transaction().execute(async (trx) => {
        await editTarget(trx, { orgId: w.orgId, type: 'content', id, changes: { caption: 'Never committed' }, by: { userId: w.owner.id }, now: Date.now() });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const now = await s.call('GET', `/api/content/${id}`, { token: w.owner.token });
    expect(now.body.version).toBe(2);
    expect((await versions(id)).map((v) => [v.version, v.fields.caption])).toEqual([
      [1, 'First caption'],
      [2, 'Second caption'],
    ]);

    // Concurrent edits: one row per version, each holding what that version was.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.call('PATCH', `/api/content/${id}`, { token: w.owner.token, body: { caption: `Parallel ${i}` } })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = (await s.call('GET', `/api/content/${id}`, { token: w.owner.token })).body;
    const rows = await versions(id);
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: final.version }, (_, i) => i + 1));
    expect(rows.at(-1)!.fields.caption).toBe(final.caption);
    expect(new Set(results.map((r) => r.body.version)).size).toBe(8);
    for (const r of results) expect(rows.find((v) => v.version === r.body.version)!.fields.caption).toBe(r.body.caption);
  });

  it('an approver sees, field by field, what changed since they decided and since they last looked; the decision keeps its version', async () => {
    const itemId = await item();
    const runId = await startRun(itemId);

    // Never looked: nothing to compare with; opening records the view (A is an approver).
    const first = await changes(runId, A.token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ target: { type: 'content', id: itemId, version: 1 }, since: null, currentVersion: 1, recorded: true, changes: [] });

    expect((await s.call('POST', `/api/runs/${runId}/phases/gate/decision`, { token: A.token, body: { decision: 'approve' } })).status).toBe(200);
    await edit(itemId, { caption: 'Final caption', tags: ['spring', 'launch'] });

    const after = await changes(runId, A.token);
    expect(after.body.since).toMatchObject({ version: 1, reason: 'decided' });
    expect(after.body.currentVersion).toBe(2);
    expect(after.body.changes).toEqual([
      { field: 'caption', label: 'Caption', before: 'First caption', after: 'Final caption' },
      { field: 'tags', label: 'Tags', before: ['spring'], after: ['spring', 'launch'] },
    ]);
    // The decision shows the version it was made on (and no longer counts after the edit).
    const gates = await s.call('GET', `/api/runs/${runId}/approvals`, { token: A.token });
    expect(gates.body.items[0].decisions).toMatchObject([{ approver: { userId: A.id }, targetVersion: 1, counts: false }]);

    // Having looked at version 2, nothing is new; asking from version 1 still gives the diff.
    const again = await changes(runId, A.token);
    expect(again.body.since).toMatchObject({ version: 2, reason: 'viewed' });
    expect(again.body.changes).toEqual([]);
    const asked = await changes(runId, A.token, '?since=1');
    expect(asked.body.since).toEqual({ version: 1, reason: 'requested', at: null });
    expect(asked.body.changes.map((c: any) => c.field)).toEqual(['caption', 'tags']);

    // Someone who is not an approver reads the changes without a view being recorded for them.
    expect((await changes(runId, w.owner.token)).body.since).toBeNull();
    const views = await s.db.k.selectFrom('run_views').select(['viewer_key', 'target_version']).where('run_id', '=', runId).execute();
    expect(views).toEqual([{ viewer_key: `user:${A.id}`, target_version: 2 }]);

    // Refusals in the documented shape.
    const bad = await changes(runId, A.token, '?since=zero');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const missing = await changes('nope', A.token);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('the review page shows the outside reviewer what changed since they last opened it', async () => {
    const itemId = await item('Caption the client saw');
    const runId = await startRun(itemId);
    const mail = await until('the review email', async () => (await s.call('GET', '/api/outbox?limit=500', { token: w.owner.token })).body.items.find((m: any) => m.runId === runId));
    const token = /\/review\/([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

    const firstLook = await s.call('GET', `/review/${token}`);
    expect(firstLook.status).toBe(200);
    expect(firstLook.body).not.toContain('Changed since');

    await edit(itemId, { caption: 'Caption after <client> feedback', title: 'Spring launch v2' });
    const page = await s.call('GET', `/review/${token}`);
    expect(page.status).toBe(200);
    const html = page.body as string;
    expect(html).toContain('Changed since you last looked (version 1 → 2)');
    expect(html).toContain('<b>Caption changed</b>');
    expect(html).toContain('<del>Caption the client saw</del>');
    expect(html).toContain('<ins>Caption after &lt;client&gt; feedback</ins>');
    expect(html).toContain('<b>Title changed</b>');
    expect(html).not.toContain('Tags changed');

    // Opened again: seen, so nothing is listed as changed.
    const third = (await s.call('GET', `/review/${token}`)).body as string;
    expect(third).not.toContain('Changed since');
  });
});
