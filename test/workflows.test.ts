import { sealAllPending } from '../src/audit/log.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../src/api/secrets.js';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { filledTemplate, peopleToFill } from '../src/definitions/fixtures/examples.js';

const FIXTURES = fileURLToPath(new URL('../src/definitions/fixtures/', import.meta.url));

/** The shared example definitions, with each "<placeholder>" replaced by the id `ids` gives it. */
function examples(ids: Record<string, string>): Array<{ file: string; definition: any }> {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(FIXTURES + file, 'utf8').replace(/<([^<>"]+)>/g, (_m, name: string) => {
        const id = ids[name];
        if (!id) throw new Error(`no user for placeholder <${name}> in ${file}`);
        return id;
      });
      return { file, definition: JSON.parse(text) };
    });
}

function placeholders(): string[] {
  const names = new Set<string>();
  for (const f of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    for (const m of readFileSync(FIXTURES + f, 'utf8').matchAll(/<([^<>"]+)>/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

const simple = (over: Record<string, unknown> = {}) => ({
  name: 'Simple',
  trigger: { type: 'manual' },
  phases: [
    { id: 'hold', type: 'wait', duration: '10s' },
    { id: 'done', type: 'comment', body: 'Done' },
  ],
  ...over,
});

const paths = (res: { body: any }) => (res.body.error.details as Array<{ path: string }>).map((d) => d.path);

describe.each(DIALECTS)('workflows (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  let editor: { id: string; token: string };
  let viewer: { id: string; token: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'ed@acme.example', spaceId: w.spaceId, spaceRole: 'editor' });
    viewer = await addUser(s, w.owner.token, { email: 'vi@acme.example', spaceId: w.spaceId, spaceRole: 'viewer' });
    for (const name of placeholders()) {
      const u = await addUser(s, w.owner.token, { email: `${name.replace(/[^a-z0-9]+/gi, '.')}@acme.example`, spaceId: w.spaceId, spaceRole: 'editor' });
      ids[name] = u.id;
    }
  });
  afterAll(async () => s?.close());

  it('creates every example definition, and reads each back exactly as sent', async () => {
    const list = examples(ids);
    expect(list.length).toBeGreaterThanOrEqual(6);
    for (const { file, definition } of list) {
      const res = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: definition });
      expect(res.status, `${file}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body).toMatchObject({ version: 1, spaceId: w.spaceId, name: definition.name, enabled: true, hasWebhookSecret: false });
      expect(res.body.webhookSecret).toBeUndefined();
      const got = await s.call('GET', `/api/workflows/${res.body.id}`, { token: viewer.token });
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        id: res.body.id,
        spaceId: w.spaceId,
        name: definition.name,
        enabled: true,
        version: 1,
        trigger: definition.trigger,
        phases: definition.phases,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        hasWebhookSecret: false,
      });
      expect(new Date(got.body.createdAt).toISOString()).toBe(got.body.createdAt);
    }
  });

  it('serves the template gallery; each template saves once its people are filled in, and not before', async () => {
    expect((await s.call('GET', '/api/templates')).status).toBe(401);
    const res = await s.call('GET', '/api/templates', { token: viewer.token });
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{ id: string; name: string; description: string; definition: any; fill: Array<{ path: string; label: string }> }>;
    expect(items.length).toBeGreaterThanOrEqual(12);
    expect(items.map((t) => t.id)).toEqual(expect.arrayContaining(['client-signoff', 'two-editors-then-legal', 'reminder-before-publish', 'share-review-link', 'weekly-digest', 'ai-caption']));
    const members = Object.values(ids).slice(0, 3);
    expect(members.length).toBe(3);
    for (const t of items) {
      if (peopleToFill(t).length) {
        const refused = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: t.definition });
        expect(refused.status, t.id).toBe(400);
        expect(paths(refused).length, t.id).toBeGreaterThan(0);
      }
      const def = filledTemplate(t, members) as { phases: unknown[] };
      // Saved disabled: their triggers must not fire on the other tests' items in this space.
      const saved = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: { ...def, name: `${t.name} (from the gallery)`, enabled: false } });
      expect(saved.status, `${t.id}: ${JSON.stringify(saved.body)}`).toBe(201);
      expect(saved.body.phases).toEqual(def.phases);
    }
  });

  it('lists a space\'s workflows with keyset pagination', async () => {
    const { space2 } = { space2: (await s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Listing' } })).body.id as string };
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await s.call('POST', `/api/spaces/${space2}/workflows`, { token: w.owner.token, body: simple({ name: `W${i}` }) });
      expect(res.status).toBe(201);
      created.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/spaces/${space2}/workflows?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await s.call('GET', q, { token: w.owner.token });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(created);
    const all = await s.call('GET', `/api/spaces/${space2}/workflows`, { token: w.owner.token });
    expect(all.body.items.map((i: { name: string }) => i.name)).toEqual(['W0', 'W1', 'W2', 'W3', 'W4']);
    expect(all.body.items[0]).toMatchObject({ trigger: { type: 'manual' }, version: 1, enabled: true });
    expect(all.body.nextCursor).toBeNull();
    expect((await s.call('GET', `/api/spaces/${space2}/workflows?cursor=garbage`, { token: w.owner.token })).status).toBe(400);
  });

  it('makes a new immutable version on every save; old versions stay readable and unchanged', async () => {
    const created = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: simple({ name: 'Versioned' }) });
    const id = created.body.id;
    const v1 = await s.call('GET', `/api/workflows/${id}/versions/1`, { token: viewer.token });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ workflowId: id, version: 1, name: 'Versioned', trigger: { type: 'manual' }, phases: simple().phases });

    const def2 = simple({ name: 'Versioned 2', phases: [{ id: 'only', type: 'comment', body: 'Second' }] });
    const saved2 = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: def2 });
    expect(saved2.status).toBe(200);
    expect(saved2.body).toMatchObject({ id, version: 2, name: 'Versioned 2', phases: def2.phases });
    const def3 = simple({ name: 'Versioned 3', trigger: { type: 'content.created' } });
    const saved3 = await s.call('PUT', `/api/workflows/${id}`, { token: w.owner.token, body: def3 });
    expect(saved3.body.version).toBe(3);

    const current = await s.call('GET', `/api/workflows/${id}`, { token: editor.token });
    expect(current.body).toMatchObject({ version: 3, name: 'Versioned 3', trigger: { type: 'content.created' } });
    expect(await s.call('GET', `/api/workflows/${id}/versions/1`, { token: editor.token })).toMatchObject({ status: 200, body: v1.body });
    expect((await s.call('GET', `/api/workflows/${id}/versions/2`, { token: editor.token })).body).toMatchObject({ version: 2, name: 'Versioned 2', phases: def2.phases, trigger: { type: 'manual' } });
    expect((await s.call('GET', `/api/workflows/${id}/versions/4`, { token: editor.token })).status).toBe(404);
    const versions = await s.call('GET', `/api/workflows/${id}/versions`, { token: editor.token });
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const paged = await s.call('GET', `/api/workflows/${id}/versions?limit=2`, { token: editor.token });
    expect(paged.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    const rest = await s.call('GET', `/api/workflows/${id}/versions?limit=2&cursor=${paged.body.nextCursor}`, { token: editor.token });
    expect(rest.body).toMatchObject({ items: [{ version: 1 }], nextCursor: null });
    const uuidCursor = Buffer.from(id).toString('base64url');
    expect((await s.call('GET', `/api/workflows/${id}/versions?cursor=${uuidCursor}`, { token: editor.token })).status).toBe(400);

    const rows = await s.db.k.selectFrom('workflow_versions').select(['version', 'definition']).where('workflow_id', '=', id).orderBy('version').execute();
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(JSON.parse(rows[0]!.definition)).toEqual({ trigger: { type: 'manual' }, phases: simple().phases });

    await sealAllPending(s.db);
    const audit = await s.db.k.selectFrom('audit_events').select(['action', 'data']).where('subject', '=', `workflow:${id}`).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['workflow.created', 'workflow.saved', 'workflow.saved']);
    expect(audit.map((a) => JSON.parse(a.data).version)).toEqual([1, 2, 3]);
  });

  it('refuses a save with an invalid definition and makes no version', async () => {
    const created = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: simple({ name: 'Refused' }) });
    const id = created.body.id;
    const bad = simple({ phases: [{ id: 'a', type: 'wait', duration: '10s', next: 'a' }] });
    const res = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: bad });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_definition');
    const after = await s.call('GET', `/api/workflows/${id}`, { token: editor.token });
    expect(after.body).toMatchObject({ version: 1, name: 'Refused' });
    const count = await s.db.k.selectFrom('workflow_versions').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow_id', '=', id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    await sealAllPending(s.db);
    const saved = await s.db.k.selectFrom('audit_events').select('seq').where('subject', '=', `workflow:${id}`).where('action', '=', 'workflow.saved').execute();
    expect(saved).toEqual([]);
  });

  it('answers 400 invalid_definition naming each problem by path', async () => {
    const post = (body: unknown) => s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body });
    const outsider = await addUser(s, w.owner.token, { email: 'notinspace@acme.example' });
    const cases: Array<[string, unknown, string[]]> = [
      ['unknown phase type', simple({ phases: [{ id: 'x', type: 'teleport' }] }), ['phases.0.type']],
      ['duplicate id', simple({ phases: [{ id: 'x', type: 'wait', duration: '1m' }, { id: 'x', type: 'comment', body: 'hi' }] }), ['phases.1.id']],
      [
        'backward jump',
        simple({ phases: [{ id: 'a', type: 'wait', duration: '1m' }, { id: 'b', type: 'comment', body: 'hi', next: 'a' }] }),
        ['phases.1.next'],
      ],
      [
        'unknown approver (org member, not in the space)',
        simple({ phases: [{ id: 'gate', type: 'approval', approvers: { members: [editor.id, outsider.id] }, required: 'any' }] }),
        ['phases.0.approvers.members.1'],
      ],
      [
        'unknown user id',
        simple({ phases: [{ id: 'gate', type: 'approval', approvers: { members: ['nobody-at-all'] }, required: 'any' }] }),
        ['phases.0.approvers.members.0'],
      ],
      ['bad duration', simple({ phases: [{ id: 'a', type: 'wait', duration: 'two weeks' }] }), ['phases.0.duration']],
      [
        'required above approver count',
        simple({ phases: [{ id: 'gate', type: 'approval', approvers: { members: [editor.id], emails: ['c@client.example'] }, required: 3 }] }),
        ['phases.0.required'],
      ],
      ['unknown field', simple({ colour: 'blue' }), ['colour']],
      ['missing trigger', { name: 'No trigger', phases: simple().phases }, ['trigger']],
      ['not an object', [simple()], ['']],
    ];
    for (const [what, body, expected] of cases) {
      const res = await post(body);
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toBe('invalid_definition');
      expect(paths(res), what).toEqual(expected);
      for (const d of res.body.error.details) expect(res.body.error.message).toContain(d.message);
    }
    const several = await post(simple({ phases: [{ id: 'a', type: 'wait', duration: 'soon' }, { id: 'a', type: 'teleport' }] }));
    expect(several.status).toBe(400);
    expect(paths(several)).toEqual(['phases.0.duration', 'phases.1.type']);
    expect(several.body.error.message).toMatch(/^The workflow definition has 2 problems: phases\.0\.duration: .+; phases\.1\.type: .+\.$/);
    // A phase of an unknown type does not hide a broken gate elsewhere: both, by path, in one 400.
    const both = await post(simple({ phases: [{ id: 'a', type: 'teleport' }, { id: 'gate', type: 'approval', approvers: { members: [editor.id] }, required: 2 }] }));
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('invalid_definition');
    expect(paths(both)).toEqual(['phases.0.type', 'phases.1.required']);
    expect(both.body.error.details[1].message).toMatch(/more than the 1 approver/);
  });

  it('accepts org admins who are not space members as approvers (they act in every space)', async () => {
    const admin = await addUser(s, w.owner.token, { email: 'admin@acme.example', role: 'admin' });
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: admin.token,
      body: simple({ phases: [{ id: 'gate', type: 'approval', approvers: { members: [admin.id] }, required: 'any' }] }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // A plain member outside the space is still not a valid approver.
    const outsider = await addUser(s, w.owner.token, { email: 'outsider@acme.example' });
    const refused = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: admin.token,
      body: simple({ phases: [{ id: 'gate', type: 'approval', approvers: { members: [outsider.id] }, required: 'any' }] }),
    });
    expect(refused.status).toBe(400);
    expect(paths(refused)).toEqual(['phases.0.approvers.members.0']);
  });

  it('lets viewers read but not save; other orgs get 404', async () => {
    const created = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: simple({ name: 'Guarded' }) });
    const id = created.body.id;
    expect((await s.call('GET', `/api/workflows/${id}`, { token: viewer.token })).status).toBe(200);
    expect((await s.call('GET', `/api/spaces/${w.spaceId}/workflows`, { token: viewer.token })).status).toBe(200);
    expect((await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: viewer.token, body: simple() })).status).toBe(403);
    expect((await s.call('PUT', `/api/workflows/${id}`, { token: viewer.token, body: simple() })).status).toBe(403);
    expect((await s.call('PATCH', `/api/workflows/${id}`, { token: viewer.token, body: { enabled: false } })).status).toBe(403);
    const stranger = await addUser(s, w.owner.token, { email: 'stranger@acme.example' });
    expect((await s.call('GET', `/api/workflows/${id}`, { token: stranger.token })).status).toBe(403);

    const other = await s.call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Globex', owner: { email: 'boss@globex.example', name: 'Boss', password: 'correct horse' } } });
    expect(other.status).toBe(201);
    const t2 = (await s.call('POST', '/api/auth/login', { body: { email: 'boss@globex.example', password: 'correct horse' } })).body.token;
    expect((await s.call('GET', `/api/workflows/${id}`, { token: t2 })).status).toBe(404);
    expect((await s.call('GET', `/api/workflows/${id}/versions/1`, { token: t2 })).status).toBe(404);
    expect((await s.call('PUT', `/api/workflows/${id}`, { token: t2, body: simple() })).status).toBe(404);
    expect((await s.call('PATCH', `/api/workflows/${id}`, { token: t2, body: { enabled: false } })).status).toBe(404);
    expect((await s.call('GET', `/api/spaces/${w.spaceId}/workflows`, { token: t2 })).status).toBe(404);
    expect((await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: t2, body: simple() })).status).toBe(404);
    expect((await s.call('GET', `/api/workflows/${id}`)).status).toBe(401);
  });

  it('shows a webhook secret once, stores only its hash, and rotates it', async () => {
    const hook = { name: 'Hooked', trigger: { type: 'webhook' }, phases: [{ id: 'call', type: 'http', url: 'https://example.com/{{input.path}}' }] };
    const created = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: hook });
    expect(created.status).toBe(201);
    const secret: string = created.body.webhookSecret;
    expect(secret).toMatch(/^fgw_[A-Za-z0-9_-]{43}$/);
    expect(created.body.hasWebhookSecret).toBe(true);
    const id = created.body.id;

    const got = await s.call('GET', `/api/workflows/${id}`, { token: editor.token });
    expect(got.body.webhookSecret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(secret);
    expect(got.body.hasWebhookSecret).toBe(true);

    const row = await s.db.k.selectFrom('workflows').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.webhook_secret_hash).toBe(sha256(secret));
    expect(JSON.stringify(row)).not.toContain(secret.slice(4));
    const versions = await s.db.k.selectFrom('workflow_versions').selectAll().where('workflow_id', '=', id).execute();
    expect(JSON.stringify(versions)).not.toContain(secret.slice(4));

    // Saving again with a webhook trigger keeps the secret and does not show it.
    const resaved = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: { ...hook, name: 'Hooked 2' } });
    expect(resaved.status).toBe(200);
    expect(resaved.body.webhookSecret).toBeUndefined();
    expect((await s.db.k.selectFrom('workflows').select('webhook_secret_hash').where('id', '=', id).executeTakeFirstOrThrow()).webhook_secret_hash).toBe(sha256(secret));

    const rotated = await s.call('POST', `/api/workflows/${id}/webhook-secret`, { token: editor.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhookSecret).toMatch(/^fgw_/);
    expect(rotated.body.webhookSecret).not.toBe(secret);
    const hash = (await s.db.k.selectFrom('workflows').select('webhook_secret_hash').where('id', '=', id).executeTakeFirstOrThrow()).webhook_secret_hash;
    expect(hash).toBe(sha256(rotated.body.webhookSecret));
    expect((await s.call('POST', `/api/workflows/${id}/webhook-secret`, { token: viewer.token })).status).toBe(403);

    // Switching to another trigger drops the secret; switching back issues a new one, once.
    const manual = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: simple({ name: 'Hooked' }) });
    expect(manual.body).toMatchObject({ hasWebhookSecret: false });
    expect(manual.body.webhookSecret).toBeUndefined();
    const notHook = await s.call('POST', `/api/workflows/${id}/webhook-secret`, { token: editor.token });
    expect(notHook.status).toBe(409);
    const back = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: hook });
    expect(back.body.webhookSecret).toMatch(/^fgw_/);
    expect(back.body.hasWebhookSecret).toBe(true);

    await sealAllPending(s.db);
    const audit = await s.db.k.selectFrom('audit_events').select(['action', 'data']).where('subject', '=', `workflow:${id}`).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toContain('workflow.webhook_secret_rotated');
    await sealAllPending(s.db);
    const everything = JSON.stringify(await s.db.k.selectFrom('audit_events').selectAll().execute());
    for (const sec of [secret, rotated.body.webhookSecret, back.body.webhookSecret]) expect(everything).not.toContain(sec.slice(4));
  });

  it('enables and disables without a new version', async () => {
    const created = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: simple({ name: 'Toggle', enabled: false }) });
    expect(created.body.enabled).toBe(false);
    const id = created.body.id;
    const on = await s.call('PATCH', `/api/workflows/${id}`, { token: editor.token, body: { enabled: true } });
    expect(on).toMatchObject({ status: 200, body: { id, enabled: true, version: 1 } });
    const off = await s.call('PATCH', `/api/workflows/${id}`, { token: editor.token, body: { enabled: false } });
    expect(off.body).toMatchObject({ enabled: false, version: 1 });
    const renamed = await s.call('PATCH', `/api/workflows/${id}`, { token: editor.token, body: { name: 'Toggled' } });
    expect(renamed.body).toMatchObject({ name: 'Toggled', enabled: false, version: 1 });
    expect((await s.call('PATCH', `/api/workflows/${id}`, { token: editor.token, body: { enabled: 'yes' } })).status).toBe(400);
    expect((await s.call('PATCH', `/api/workflows/${id}`, { token: editor.token, body: { name: '' } })).status).toBe(400);
    expect((await s.call('PATCH', `/api/workflows/${id}`, { token: editor.token, body: { version: 7 } })).status).toBe(400);

    // A save that leaves `enabled` out keeps the current state; one that sends it sets it.
    const kept = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: simple({ name: 'Toggled' }) });
    expect(kept.body).toMatchObject({ enabled: false, version: 2 });
    const set = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: simple({ name: 'Toggled', enabled: true }) });
    expect(set.body).toMatchObject({ enabled: true, version: 3 });

    const versions = await s.db.k.selectFrom('workflow_versions').select('version').where('workflow_id', '=', id).execute();
    expect(versions).toHaveLength(3);
    await sealAllPending(s.db);
    const actions = (await s.db.k.selectFrom('audit_events').select('action').where('subject', '=', `workflow:${id}`).orderBy('seq').execute()).map((a) => a.action);
    expect(actions).toEqual(['workflow.created', 'workflow.enabled', 'workflow.disabled', 'workflow.renamed', 'workflow.saved', 'workflow.saved', 'workflow.enabled']);
  });

  it('refuses a stale save with 409: If-Match, and two saves racing from the same version', async () => {
    const created = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body: simple({ name: 'Raced' }) });
    const id = created.body.id;
    const stale = await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: simple({ name: 'Raced' }), headers: { 'if-match': '"7"' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    expect((await s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: simple({ name: 'Raced' }), headers: { 'if-match': '1' } })).body.version).toBe(2);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: simple({ name: `Raced ${i}` }), headers: { 'if-match': '2' } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(7);
    const winner = results.find((r) => r.status === 200)!;
    const rows = await s.db.k.selectFrom('workflow_versions').select(['version', 'name']).where('workflow_id', '=', id).orderBy('version').execute();
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(rows[2]!.name).toBe(winner.body.name);

    // Without If-Match, concurrent saves each get their own version, or a 409; never a lost or doubled version.
    const free = await Promise.all(Array.from({ length: 6 }, (_, i) => s.call('PUT', `/api/workflows/${id}`, { token: editor.token, body: simple({ name: `Free ${i}` }) })));
    for (const r of free) expect([200, 409]).toContain(r.status);
    const ok = free.filter((r) => r.status === 200).map((r) => r.body.version).sort((a, b) => a - b);
    expect(new Set(ok).size).toBe(ok.length);
    const after = await s.db.k.selectFrom('workflow_versions').select('version').where('workflow_id', '=', id).orderBy('version').execute();
    expect(after.map((r) => r.version)).toEqual(Array.from({ length: 3 + ok.length }, (_, i) => i + 1));
    const head = await s.call('GET', `/api/workflows/${id}`, { token: editor.token });
    expect(head.body.version).toBe(3 + ok.length);
  });

  it('accepts what docs/API.md allows: next on a condition, any-case methods, zero and decimal durations, zoneless until, approvers without a gate', async () => {
    const body = {
      name: 'Lenient',
      trigger: { type: 'manual' },
      phases: [
        { id: 'check', type: 'condition', if: { field: 'input.go', op: 'exists' }, then: 'hold', else: 'end', next: 'hold' },
        { id: 'hold', type: 'wait', duration: '0s' },
        { id: 'later', type: 'wait', duration: '1.5h' },
        { id: 'at', type: 'wait', until: '2026-12-01T09:00:00', offset: '0s' },
        { id: 'call', type: 'http', method: 'post', url: 'https://example.com/hook', timeout: '0.5m' },
        { id: 'tell', type: 'notify', to: ['approvers', 'ops@brand.example'], message: 'Done' },
      ],
    };
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: editor.token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const got = await s.call('GET', `/api/workflows/${res.body.id}`, { token: editor.token });
    // Stored as sent, but for the two canonical spellings.
    const phases = structuredClone(body.phases) as any[];
    phases[3].until = '2026-12-01T09:00:00Z';
    phases[4].method = 'POST';
    expect(got.body.phases).toEqual(phases);

    // The real mistakes are still refused.
    const bad = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: editor.token,
      body: {
        ...body,
        phases: [
          { id: 'a', type: 'wait', duration: '1m' },
          { id: 'check', type: 'condition', if: { field: 'input.go', op: 'exists' }, then: 'end', else: 'end', next: 'a' },
          { id: 'hold', type: 'wait', duration: '-1h' },
          { id: 'gate', type: 'approval', approvers: { emails: ['c@client.example'] }, required: 'any', timeout: { after: '0s', action: 'deny' }, linkExpiresIn: '0s' },
          { id: 'call', type: 'http', method: 'fetch', url: 'https://example.com/hook' },
          { id: 'at', type: 'wait', until: '2026-13-01T09:00:00' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['phases.1.next', 'phases.2.duration', 'phases.3.timeout.after', 'phases.3.linkExpiresIn', 'phases.4.method', 'phases.5.until']);
    const backward = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: editor.token,
      body: { ...body, phases: [{ id: 'a', type: 'wait', duration: '1m' }, { id: 'check', type: 'condition', if: { field: 'input.go', op: 'exists' }, then: 'end', else: 'end', next: 'a' }] },
    });
    expect(backward.status).toBe(400);
    expect(backward.body.error.details).toEqual([{ path: 'phases.1.next', message: 'jumps backward to "a"; jumps may only go forward' }]);
  });

  it('documents the definition language in the OpenAPI document', async () => {
    const res = await s.call('GET', '/api/openapi.json');
    const op = res.body.paths['/api/spaces/{spaceId}/workflows'].post;
    expect(JSON.stringify(op.requestBody)).toMatch(/phases/);
    expect(res.body.paths['/api/workflows/{id}'].put).toBeDefined();
  });
});
