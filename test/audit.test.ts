import { sealAllPending } from '../src/audit/log.js';
import { until } from './helpers/wait.js';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, GENESIS_HASH } from '../src/audit/log.js';
import { newId } from '../src/store/ids.js';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/flowgate.js'), ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

type Item = { seq: number; at: string; actor: string; action: string; subject: string | null; runId: string | null; data: any; hash: string; prevHash: string };

describe.each(DIALECTS)('audit log (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  let member: { id: string; token: string };
  let otherOrg: { id: string; token: string };

  async function all(token = w.owner.token, query = ''): Promise<Item[]> {
    const out: Item[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await s.call('GET', `/api/audit?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(res.status).toBe(200);
      out.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return out;
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    member = await addUser(s, w.owner.token, { email: 'member@acme.example', spaceId: w.spaceId, spaceRole: 'editor' });
    const org = await s.call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Globex', owner: { email: 'boss@globex.example', name: 'Boss', password: 'correct horse' } } });
    const login = await s.call('POST', '/api/auth/login', { body: { email: 'boss@globex.example', password: 'correct horse' } });
    otherOrg = { id: org.body.org.id, token: login.body.token };
  });
  afterAll(async () => s?.close());

  it('chains events: each carries the hash of the one before', async () => {
    const items = await all();
    expect(items.length).toBeGreaterThan(3);
    expect(items.map((i) => i.seq)).toEqual(Array.from({ length: items.length }, (_, i) => items.length - i));
    for (let i = 0; i < items.length - 1; i++) expect(items[i]!.prevHash).toBe(items[i + 1]!.hash);
    const first = items[items.length - 1]!;
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, action: 'org.created' });
    for (const e of items) {
      expect(new Date(e.at).toISOString()).toBe(e.at);
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(typeof e.data).toBe('object');
    }
    const space = items.find((e) => e.action === 'space.created')!;
    expect(space).toMatchObject({ actor: `user:${w.owner.id}`, subject: `space:${w.spaceId}`, runId: null, data: { name: 'Social' } });
    // Another org has its own chain, starting at 1.
    const other = await all(otherOrg.token);
    expect(other.map((e) => e.seq).sort((a, b) => a - b)[0]).toBe(1);
    expect(other.every((e) => !items.some((i) => i.hash === e.hash))).toBe(true);
  });

  it('filters by action, actor, subject and run', async () => {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: member.token,
      body: { name: 'Audited', trigger: { type: 'manual' }, phases: [{ id: 'c', type: 'comment', body: 'hi' }] },
    });
    expect(wf.status).toBe(201);
    await s.call('PUT', `/api/workflows/${wf.body.id}`, { token: member.token, body: { name: 'Audited 2', trigger: { type: 'manual' }, phases: [{ id: 'c', type: 'comment', body: 'hi' }] } });

    const saved = await all(w.owner.token, '&action=workflow.saved');
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.every((e) => e.action === 'workflow.saved')).toBe(true);
    expect(saved[0]).toMatchObject({ subject: `workflow:${wf.body.id}`, data: { version: 2 } });

    const byMember = await all(w.owner.token, `&actor=${encodeURIComponent(`user:${member.id}`)}`);
    expect(byMember.slice(0, 2).map((e) => e.action)).toEqual(['workflow.saved', 'workflow.created']);
    expect(byMember.map((e) => e.action)).toContain('token.created');
    expect(byMember.every((e) => e.actor === `user:${member.id}`)).toBe(true);
    const aboutWf = await all(w.owner.token, `&subject=${encodeURIComponent(`workflow:${wf.body.id}`)}`);
    expect(aboutWf.map((e) => e.action)).toEqual(['workflow.saved', 'workflow.created']);
    const both = await all(w.owner.token, `&actor=${encodeURIComponent(`user:${member.id}`)}&action=workflow.created`);
    expect(both).toHaveLength(1);

    // A run's trail: a run row and events that carry its id.
    const runId = newId();
    const now = Date.now();
    await s.db.k
      .insertInto('runs')
      .values({ id: runId, org_id: w.orgId, space_id: w.spaceId, workflow_id: wf.body.id, workflow_version: 2, status: 'running', trigger: '{}', input: '{}', rev: 1, created_at: now, updated_at: now })
      .execute();
    await s.db.tx((trx) =>
      appendAudit(trx, s.db.dialect, [
        { orgId: w.orgId, actor: `user:${member.id}`, action: 'run.started', subject: `run:${runId}`, runId, data: { version: 2 }, at: now },
        { orgId: w.orgId, actor: 'guest:client@brand.example', action: 'approval.decided', subject: `run:${runId}`, runId, data: { decision: 'approve', via: 'link' }, at: now + 1 },
      ]),
    );
    const trail = await all(w.owner.token, `&runId=${runId}`);
    expect(trail.map((e) => e.action)).toEqual(['approval.decided', 'run.started']);
    expect(trail[0]).toMatchObject({ runId, actor: 'guest:client@brand.example', data: { decision: 'approve', via: 'link' } });

    // Plain members read a run's trail in a space they can read, and nothing else.
    expect((await all(member.token, `&runId=${runId}`)).map((e) => e.action)).toEqual(['approval.decided', 'run.started']);
    expect((await s.call('GET', '/api/audit', { token: member.token })).status).toBe(403);
    expect((await s.call('GET', '/api/audit/verify', { token: member.token })).status).toBe(403);
    const outsider = await addUser(s, w.owner.token, { email: 'outsider@acme.example' });
    expect((await s.call('GET', `/api/audit?runId=${runId}`, { token: outsider.token })).status).toBe(403);
    expect((await s.call('GET', `/api/audit?runId=${runId}`, { token: otherOrg.token })).body.items).toEqual([]);
    expect((await s.call('GET', `/api/audit?runId=nope`, { token: member.token })).status).toBe(404);
    expect((await s.call('GET', '/api/audit')).status).toBe(401);
  });

  it('pages newest first with a keyset cursor', async () => {
    const everything = await all();
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: any } = await s.call('GET', `/api/audit?limit=4${cursor ? `&cursor=${cursor}` : ''}`, { token: w.owner.token });
      expect(res.body.items.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.items.map((e: Item) => e.seq));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(everything.map((e) => e.seq));
    expect(pages).toBe(Math.ceil(everything.length / 4) + (everything.length % 4 === 0 ? 1 : 0));
    expect((await s.call('GET', '/api/audit?cursor=%%%', { token: w.owner.token })).status).toBe(400);
    expect((await s.call('GET', '/api/audit?limit=501', { token: w.owner.token })).status).toBe(400);
  });

  // SQLite chains events in the transaction that writes them: nothing is ever left waiting,
  // so this test exists for PostgreSQL only.
  if (dialect === 'postgres') it('chains events left waiting (a process that died right after its commit): the sweep and every reader seal them', async () => {
    const before = (await s.call('GET', '/api/audit/verify', { token: w.owner.token })).body.checked as number;
    // As a process leaves them if it is killed between its commit and its seal.
    await s.db.k.insertInto('audit_pending').values({ org_id: w.orgId, at: Date.now(), actor: 'system', action: 'test.orphaned', subject: null, run_id: null, data: '{"n":1}' }).execute();
    await until('the sweep to chain the orphaned event', async () => (await s.db.k.selectFrom('audit_pending').select('id').where('org_id', '=', w.orgId).execute()).length === 0, 5_000);
    const chained = await s.db.k.selectFrom('audit_events').select(['seq', 'action']).where('org_id', '=', w.orgId).where('action', '=', 'test.orphaned').execute();
    expect(chained).toHaveLength(1);
    // A reader seals first: an event left waiting is in the log the moment it is read.
    await s.db.k.insertInto('audit_pending').values({ org_id: w.orgId, at: Date.now(), actor: 'system', action: 'test.orphaned', subject: null, run_id: null, data: '{"n":2}' }).execute();
    const log = await s.call('GET', '/api/audit?action=test.orphaned', { token: w.owner.token });
    expect(log.body.items.map((e: Item) => e.data.n).sort()).toEqual([1, 2]);
    const verify = (await s.call('GET', '/api/audit/verify', { token: w.owner.token })).body;
    expect(verify).toMatchObject({ ok: true });
    expect(verify.checked).toBeGreaterThanOrEqual(before + 2);
  });

  it('never forks the chain under concurrent appends', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: `Parallel ${i}` } })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    await sealAllPending(s.db);
    const rows = await s.db.k.selectFrom('audit_events').select('seq').where('org_id', '=', w.orgId).orderBy('seq').execute();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    const created = rows.length;
    const verify = await s.call('GET', '/api/audit/verify', { token: w.owner.token });
    expect(verify).toMatchObject({ status: 200, body: { ok: true, checked: created } });
    expect(verify.body.firstBad).toBeUndefined();
  });

  it('detects an edited event and a deleted one, over the API and the CLI', async () => {
    const before = await s.call('GET', '/api/audit/verify', { token: w.owner.token });
    expect(before.body.ok).toBe(true);
    const n: number = before.body.checked;
    const k = Math.floor(n / 2);
    await sealAllPending(s.db);
    const original = await s.db.k.selectFrom('audit_events').select('data').where('org_id', '=', w.orgId).where('seq', '=', k).executeTakeFirstOrThrow();

    await s.db.k.updateTable('audit_events').set({ data: JSON.stringify({ name: 'Forged' }) }).where('org_id', '=', w.orgId).where('seq', '=', k).execute();
    const edited = await s.call('GET', '/api/audit/verify', { token: w.owner.token });
    expect(edited.body).toMatchObject({ ok: false, firstBad: k, checked: k - 1 });
    expect(edited.body.reason).toMatch(/altered/);
    // The log still reads, showing what is stored.
    const page = await s.call('GET', `/api/audit?cursor=${Buffer.from(String(k + 1)).toString('base64url')}&limit=1`, { token: w.owner.token });
    expect(page.body.items[0]).toMatchObject({ seq: k, data: { name: 'Forged' } });

    const cli = await runCli(['audit', 'verify', '--db', s.dbUrl]);
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain(`org ${w.orgId} (Acme): BROKEN at seq ${k}:`);
    expect(cli.stdout).toMatch(new RegExp(`org ${otherOrg.id} \\(Globex\\): ok, \\d+ events`));
    const onlyOther = await runCli(['audit', 'verify', '--db', s.dbUrl, '--org', otherOrg.id]);
    expect(onlyOther.code, onlyOther.stderr).toBe(0);
    expect(onlyOther.stdout).not.toContain(w.orgId);

    await s.db.k.updateTable('audit_events').set({ data: original.data }).where('org_id', '=', w.orgId).where('seq', '=', k).execute();
    expect((await s.call('GET', '/api/audit/verify', { token: w.owner.token })).body).toEqual({ ok: true, checked: n });

    const m = k + 3;
    await s.db.k.deleteFrom('audit_events').where('org_id', '=', w.orgId).where('seq', '=', m).execute();
    const deleted = await s.call('GET', '/api/audit/verify', { token: w.owner.token });
    expect(deleted.body).toMatchObject({ ok: false, firstBad: m });
    expect(deleted.body.reason).toMatch(/missing/);
    const cli2 = await runCli(['audit', 'verify', '--db', s.dbUrl, '--org', w.orgId]);
    expect(cli2.code).toBe(1);
    expect(cli2.stdout).toContain(`BROKEN at seq ${m}: event ${m} is missing`);

    const unknown = await runCli(['audit', 'verify', '--db', s.dbUrl, '--org', 'no-such-org']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no organization');
  }, 120_000);
});
