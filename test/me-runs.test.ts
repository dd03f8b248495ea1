/**
 * The command center's lists, `GET /api/me/runs`, over real HTTP on SQLite and PostgreSQL
 * (docs/REQUIREMENTS.md section 12, docs/decisions.md "Command center"): which runs wait on the caller's
 * decision, which they started, which they are tied to by assignment or notification; that
 * a run sits in one list only; the order; the limit; and what never shows (other spaces,
 * other orgs, deleted runs). Nothing sleeps a fixed time: every wait polls with a deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

type User = { id: string; token: string; email: string };
type Lists = { waitingOnMe: any[]; startedByMe: any[]; involved: any[]; more: Record<string, boolean> };

const FINISHED = ['completed', 'failed', 'cancelled'];

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(DIALECTS)('GET /api/me/runs (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  /** Editors of the Social space; `vic` is a viewer there. */
  let ann: User, ben: User, cat: User, vic: User;

  async function myRuns(u: { token: string }, query = ''): Promise<Lists> {
    const res = await s.call('GET', `/api/me/runs${query}`, { token: u.token });
    if (res.status !== 200) throw new Error(`me/runs: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  const ids = (list: Array<{ id: string }>) => list.map((r) => r.id);
  /** Every run id in any of the three lists, with the list it is in. */
  const where = (l: Lists) => new Map([...l.waitingOnMe.map((r) => [r.id, 'waitingOnMe'] as const), ...l.startedByMe.map((r) => [r.id, 'startedByMe'] as const), ...l.involved.map((r) => [r.id, 'involved'] as const)]);

  async function workflow(token: string, spaceId: string, name: string, phases: unknown[]): Promise<string> {
    const res = await s.call('POST', `/api/spaces/${spaceId}/workflows`, { token, body: { name, trigger: { type: 'manual' }, phases } });
    if (res.status !== 201) throw new Error(`workflow ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
  async function content(token: string, spaceId: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await s.call('POST', `/api/spaces/${spaceId}/content`, { token, body: { title: 'Spring launch', ...body } });
    if (res.status !== 201) throw new Error(`content: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
  async function getRun(token: string, id: string) {
    const res = await s.call('GET', `/api/runs/${id}`, { token });
    if (res.status !== 200) throw new Error(`get run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  async function start(by: { token: string }, wf: string, target?: { type: 'content' | 'task'; id: string }): Promise<string> {
    const res = await s.call('POST', `/api/workflows/${wf}/runs`, { token: by.token, body: target ? { target } : {} });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
  const runUntil = (token: string, id: string, pred: (r: any) => boolean, what: string) =>
    waitFor(async () => {
      const r = await getRun(token, id);
      return pred(r) ? r : null;
    }, `run ${id} ${what}`);
  const finished = (id: string) => runUntil(w.owner.token, id, (r) => FINISHED.includes(r.status), 'to finish');
  const atGate = (id: string) => runUntil(w.owner.token, id, (r) => r.status === 'waiting' && r.waitingFor === 'approval', 'to wait on its gate');
  const decide = (runId: string, who: { token: string }, decision: 'approve' | 'deny') =>
    s.call('POST', `/api/runs/${runId}/phases/gate/decision`, { token: who.token, body: { decision } });
  const gate = (members: string[], extra: Record<string, unknown> = {}) => ({ id: 'gate', type: 'approval', approvers: { members }, required: 'any', ...extra });
  const hold = { id: 'hold', type: 'wait', duration: '1h' };

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    ann = await addUser(s, w.owner.token, { email: 'ann@acme.example', spaceId: w.spaceId });
    ben = await addUser(s, w.owner.token, { email: 'ben@acme.example', spaceId: w.spaceId });
    cat = await addUser(s, w.owner.token, { email: 'cat@acme.example', spaceId: w.spaceId });
    vic = await addUser(s, w.owner.token, { email: 'vic@acme.example', spaceId: w.spaceId, spaceRole: 'viewer' });
  });
  afterAll(async () => s?.close());

  it('answers 401 without a token or with an unknown one, in the API error format', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const res = await s.call('GET', '/api/me/runs', { token });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
  });

  it('refuses a limit outside 1..200 with 400 naming the field', async () => {
    for (const bad of ['0', '201', 'many', '1.5']) {
      const res = await s.call('GET', `/api/me/runs?limit=${bad}`, { token: ann.token });
      expect(res.status, `limit=${bad}`).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['querystring.limit']);
    }
    expect((await s.call('GET', '/api/me/runs?limit=200', { token: ann.token })).status).toBe(200);
  });

  it('is described in the OpenAPI document, with its limit and its three lists', async () => {
    const op = (await s.call('GET', '/api/openapi.json')).body.paths['/api/me/runs']?.get;
    expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'limit', in: 'query' })]));
    const answer = op.responses['200'].content['application/json'].schema;
    expect(Object.keys(answer.properties)).toEqual(expect.arrayContaining(['waitingOnMe', 'startedByMe', 'involved', 'more']));
  });

  it('an approver of a waiting gate sees its run in waitingOnMe until they decide, then among the runs that notified them', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Sign-off', [gate([ann.id, cat.id], { required: 'all' }), hold]);
    const runId = await start(ben, wf, { type: 'content', id: await content(ben.token, w.spaceId) });
    await atGate(runId);

    const before = await myRuns(ann);
    expect(ids(before.waitingOnMe)).toContain(runId);
    expect(where(before).get(runId)).toBe('waitingOnMe'); // notified too, but listed once
    const item = before.waitingOnMe.find((r) => r.id === runId);
    expect(item).toMatchObject({ id: runId, workflowId: wf, spaceId: w.spaceId, status: 'waiting', waitingFor: 'approval', currentPhaseId: 'gate', startedBy: ben.id });
    expect(item).toEqual(await getRun(ann.token, runId)); // the same representation as GET /api/runs/{id}
    expect(ids((await myRuns(cat)).waitingOnMe)).toContain(runId);
    expect(where(await myRuns(ben)).get(runId)).toBe('startedByMe');

    expect((await decide(runId, ann, 'approve')).status).toBe(200);
    const after = await myRuns(ann);
    expect(ids(after.waitingOnMe)).not.toContain(runId);
    expect(where(after).get(runId)).toBe('involved');
    // The gate still waits for Cat: the run stays on her list.
    expect((await getRun(w.owner.token, runId)).waitingFor).toBe('approval');
    expect(ids((await myRuns(cat)).waitingOnMe)).toContain(runId);

    // An edit of the target makes Ann's approval stop counting: the run waits on her again.
    const itemId = item.target.id as string;
    expect((await s.call('PATCH', `/api/content/${itemId}`, { token: ben.token, body: { caption: 'New caption' } })).status).toBe(200);
    expect(where(await myRuns(ann)).get(runId)).toBe('waitingOnMe');
    expect((await decide(runId, ann, 'approve')).status).toBe(200);
    expect(ids((await myRuns(ann)).waitingOnMe)).not.toContain(runId);

    expect((await decide(runId, cat, 'approve')).status).toBe(200);
    await runUntil(w.owner.token, runId, (r) => r.currentPhaseId === 'hold', 'to pass its gate');
    expect(ids((await myRuns(cat)).waitingOnMe)).not.toContain(runId);
    expect(where(await myRuns(cat)).get(runId)).toBe('involved');
  });

  it('waitingOnMe lists the oldest request first; a gate closed by another approver leaves it', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Either of two', [gate([ann.id, ben.id]), hold]);
    const first = await start(cat, wf);
    await atGate(first);
    const second = await start(cat, wf);
    await atGate(second);
    const waiting = ids((await myRuns(ann)).waitingOnMe);
    expect(waiting.indexOf(first)).toBeGreaterThanOrEqual(0);
    expect(waiting.indexOf(first)).toBeLessThan(waiting.indexOf(second));

    expect((await decide(first, ben, 'approve')).status).toBe(200); // `any`: Ben's approval decides the gate
    await runUntil(w.owner.token, first, (r) => r.currentPhaseId === 'hold', 'to pass its gate');
    const l = await myRuns(ann);
    expect(ids(l.waitingOnMe)).not.toContain(first);
    expect(ids(l.waitingOnMe)).toContain(second);
    expect(where(l).get(first)).toBe('involved');
  });

  it('self-approval: a starter the gate refuses finds the run under startedByMe; one it allows, under waitingOnMe', async () => {
    const refused = await workflow(w.owner.token, w.spaceId, 'Four eyes', [gate([ann.id, ben.id]), hold]);
    const allowed = await workflow(w.owner.token, w.spaceId, 'Self-service', [gate([ann.id], { allowSelfApproval: true }), hold]);
    const r1 = await start(ann, refused);
    const r2 = await start(ann, allowed);
    await atGate(r1);
    await atGate(r2);
    const l = await myRuns(ann);
    expect(where(l).get(r1)).toBe('startedByMe');
    expect(where(l).get(r2)).toBe('waitingOnMe');
    expect((await decide(r1, ann, 'approve')).status).toBe(403); // what the list says matches what deciding does
  });

  it('an escalation approver sees the run in waitingOnMe once the gate escalates to them', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Escalating', [
      gate([ann.id], { timeout: { after: '1s', action: 'escalate', escalateTo: { members: [vic.id] }, then: { after: '1h', action: 'deny' } } }),
      hold,
    ]);
    const runId = await start(ben, wf);
    await atGate(runId);
    expect(where(await myRuns(vic)).get(runId)).toBeUndefined();
    const l = await waitFor(async () => {
      const x = await myRuns(vic);
      return ids(x.waitingOnMe).includes(runId) ? x : null;
    }, 'the escalation to reach Vic');
    expect(l.waitingOnMe.find((r) => r.id === runId)).toMatchObject({ status: 'waiting', waitingFor: 'approval' });
    expect(ids(l.involved)).not.toContain(runId);
  });

  it('runs the caller started are in startedByMe, newest first', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Hold', [hold]);
    const older = await start(ben, wf);
    const newer = await start(ben, wf);
    const l = await myRuns(ben);
    const started = ids(l.startedByMe);
    expect(started.indexOf(newer)).toBeGreaterThanOrEqual(0);
    expect(started.indexOf(newer)).toBeLessThan(started.indexOf(older));
    expect(l.startedByMe.find((r) => r.id === newer)).toMatchObject({ id: newer, workflowId: wf, startedBy: ben.id, trigger: { type: 'manual', by: ben.id } });
    expect(where(await myRuns(ann)).get(newer)).toBeUndefined();
  });

  it('runs on a content item or a task assigned to the caller are in involved, while the assignment lasts', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Hold on target', [hold]);
    const item = await content(w.owner.token, w.spaceId, { assignees: [ann.id, cat.id] });
    const onItem = await start(w.owner, wf, { type: 'content', id: item });
    const task = await s.call('POST', `/api/spaces/${w.spaceId}/tasks`, { token: w.owner.token, body: { title: 'Write the brief', assignee: ann.id } });
    expect(task.status).toBe(201);
    const onTask = await start(w.owner, wf, { type: 'task', id: task.body.id });
    const unassigned = await start(w.owner, wf, { type: 'content', id: await content(w.owner.token, w.spaceId) });

    const l = await myRuns(ann);
    expect(where(l).get(onItem)).toBe('involved');
    expect(where(l).get(onTask)).toBe('involved');
    expect(where(l).get(unassigned)).toBeUndefined();
    expect(where(await myRuns(cat)).get(onItem)).toBe('involved');
    expect(where(await myRuns(cat)).get(onTask)).toBeUndefined();
    expect(where(await myRuns(ben)).get(onItem)).toBeUndefined();

    const patched = await s.call('PATCH', `/api/content/${item}`, { token: w.owner.token, body: { assignees: [cat.id] } });
    expect(patched.status).toBe(200);
    expect(where(await myRuns(ann)).get(onItem)).toBeUndefined();
    expect(where(await myRuns(cat)).get(onItem)).toBe('involved');
  });

  it('a notify phase addressed to the caller puts its run in involved, for a viewer too', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Heads-up', [{ id: 'tell', type: 'notify', to: [vic.id], channels: ['in_app'], message: 'Heads-up' }]);
    const runId = await start(w.owner, wf);
    const run = await finished(runId);
    expect(run.status).toBe('completed');
    const l = await myRuns(vic);
    expect(where(l).get(runId)).toBe('involved');
    expect(l.involved.find((r) => r.id === runId)).toEqual(run);
    expect(where(await myRuns(ben)).get(runId)).toBeUndefined();
  });

  it('deleted runs leave every list', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Tell Ann', [{ id: 'tell', type: 'notify', to: [ann.id], channels: ['in_app'], message: 'Done' }]);
    const mine = await start(ann, wf);
    const theirs = await start(ben, wf);
    await finished(mine);
    await finished(theirs);
    expect(where(await myRuns(ann)).get(mine)).toBe('startedByMe');
    expect(where(await myRuns(ann)).get(theirs)).toBe('involved');
    for (const id of [mine, theirs]) expect((await s.call('DELETE', `/api/runs/${id}`, { token: w.owner.token })).status).toBe(204);
    const l = await myRuns(ann);
    expect(where(l).has(mine)).toBe(false);
    expect(where(l).has(theirs)).toBe(false);
  });

  it('runs of a space the caller is not a member of never appear, even ones they started there before leaving', async () => {
    const space = await s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Private' } });
    expect(space.status).toBe(201);
    const privateId = space.body.id as string;
    expect((await s.call('PUT', `/api/spaces/${privateId}/members/${ann.id}`, { token: w.owner.token, body: { role: 'editor' } })).status).toBe(200);
    const wf = await workflow(w.owner.token, privateId, 'Private sign-off', [{ id: 'tell', type: 'notify', to: [ann.id], channels: ['in_app'], message: 'Private' }, gate([ann.id]), hold]);
    const hers = await start(ann, wf, { type: 'content', id: await content(w.owner.token, privateId, { assignees: [ann.id] }) });
    const ownersRun = await start(w.owner, wf);
    await atGate(hers);
    await atGate(ownersRun);
    const inside = await myRuns(ann);
    expect(where(inside).get(hers)).toBe('startedByMe');
    expect(where(inside).get(ownersRun)).toBe('waitingOnMe');

    expect((await s.call('DELETE', `/api/spaces/${privateId}/members/${ann.id}`, { token: w.owner.token })).status).toBeLessThan(300);
    const outside = await myRuns(ann);
    expect(where(outside).has(hers)).toBe(false);
    expect(where(outside).has(ownersRun)).toBe(false);
    for (const r of [...outside.waitingOnMe, ...outside.startedByMe, ...outside.involved]) expect(r.spaceId).toBe(w.spaceId);
    // Ben was never a member of the private space; the owner's run there notified nobody he could see.
    const bens = await myRuns(ben);
    for (const r of [...bens.waitingOnMe, ...bens.startedByMe, ...bens.involved]) expect(r.spaceId).toBe(w.spaceId);
  });

  it("another org's runs never appear, even for a user who belongs to both orgs", async () => {
    const org = await s.call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Globex', owner: { email: ann.email, name: 'ann', password: 'correct horse' } } });
    expect(org.status).toBe(201);
    const login = await s.call('POST', '/api/auth/login', { body: { email: ann.email, password: 'correct horse', orgId: org.body.org.id } });
    expect(login.status).toBe(200);
    const annGlobex = { token: login.body.token as string };
    const globexSpace = await s.call('POST', '/api/spaces', { token: annGlobex.token, body: { name: 'Globex social' } });
    expect(globexSpace.status).toBe(201);
    const wf = await workflow(annGlobex.token, globexSpace.body.id, 'Globex hold', [hold]);
    const globexRun = await start(annGlobex, wf);

    const inGlobex = await myRuns(annGlobex);
    expect(ids(inGlobex.startedByMe)).toEqual([globexRun]);
    expect(inGlobex.waitingOnMe).toEqual([]);
    expect(inGlobex.involved).toEqual([]);

    const inAcme = await myRuns(ann);
    expect(where(inAcme).has(globexRun)).toBe(false);
    expect(inAcme.startedByMe.length).toBeGreaterThan(0);
    expect(ids(inAcme.startedByMe).every((id) => id !== globexRun)).toBe(true);
  });

  it('limit bounds each list and `more` says when a list was cut', async () => {
    const wf = await workflow(w.owner.token, w.spaceId, 'Hold for Ann', [hold]);
    await start(ann, wf);
    const newestHold = await start(ann, wf);
    // Ann's newest run waits on her own decision: startedByMe must reach past it.
    const selfService = await workflow(w.owner.token, w.spaceId, 'Self-service too', [gate([ann.id], { allowSelfApproval: true }), hold]);
    const hers = await start(ann, selfService);
    await atGate(hers);
    const full = await myRuns(ann, '?limit=200');
    expect(ids(full.startedByMe)[0]).toBe(newestHold);
    expect(ids(full.waitingOnMe)).toContain(hers);
    expect(full.more).toEqual({ waitingOnMe: false, startedByMe: false, involved: false });
    expect(full.waitingOnMe.length).toBeGreaterThan(1);
    expect(full.startedByMe.length).toBeGreaterThan(1);
    expect(full.involved.length).toBeGreaterThan(1);
    const one = await myRuns(ann, '?limit=1');
    expect(ids(one.waitingOnMe)).toEqual(ids(full.waitingOnMe).slice(0, 1));
    expect(ids(one.startedByMe)).toEqual(ids(full.startedByMe).slice(0, 1));
    expect(ids(one.involved)).toEqual(ids(full.involved).slice(0, 1));
    expect(one.more).toEqual({ waitingOnMe: true, startedByMe: true, involved: true });
    // The default is 50.
    const byDefault = await myRuns(ann);
    for (const k of ['waitingOnMe', 'startedByMe', 'involved'] as const) expect(ids(byDefault[k])).toEqual(ids(full[k]));
  });

  it('the three lists are disjoint for every user', async () => {
    for (const u of [ann, ben, cat, vic, w.owner]) {
      const l = await myRuns(u, '?limit=200');
      const all = [...ids(l.waitingOnMe), ...ids(l.startedByMe), ...ids(l.involved)];
      expect(new Set(all).size).toBe(all.length);
    }
  });
});
