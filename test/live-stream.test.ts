/**
 * Live lists over Server-Sent Events (`GET /api/stream`, docs/API.md "Live lists"), on SQLite
 * and PostgreSQL. On PostgreSQL the API server runs no worker: a separate `flowgate worker`
 * process moves the runs, so every transition reaches the stream over LISTEN/NOTIFY.
 * Scoping: another org's runs and runs of a space the caller cannot read never arrive.
 * Resuming: `Last-Event-ID` replays what was missed, or answers `reset`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { startWorkerProcess, stopAllProcesses } from './helpers/processes.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { sleep, waitFor } from './helpers/wait.js';

interface Sse {
  id: string | null;
  event: string;
  data: any;
}

/** An open stream: the events read so far, and a way to wait for one. */
interface Stream {
  status: number;
  events: Sse[];
  next(pred: (e: Sse) => boolean, timeoutMs?: number, what?: string): Promise<Sse>;
  close(): void;
  ended: Promise<void>;
}

async function openStream(url: string, token: string, headers: Record<string, string> = {}): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  const events: Sse[] = [];
  const stream: Stream = {
    status: res.status,
    events,
    async next(pred, timeoutMs = 20_000, what = 'an event') {
      return waitFor(async () => events.find(pred) ?? null, timeoutMs, `${what}; got ${JSON.stringify(events.map((e) => [e.event, e.data?.id, e.data?.status]))}`);
    },
    close: () => controller.abort(),
    ended: Promise.resolve(),
  };
  if (res.status !== 200) {
    events.push({ id: null, event: 'error', data: await res.json().catch(() => null) });
    return stream;
  }
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  stream.ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const lines = block.split('\n').filter((l) => l && !l.startsWith(':') && !l.startsWith('retry:'));
          if (!lines.length) continue;
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
          const id = lines.find((l) => l.startsWith('id:'))?.slice(3).trim() ?? null;
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          events.push({ id, event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return stream;
}

describe.each(DIALECTS)('live lists stream (%s)', { timeout: 120_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  let member: { id: string; token: string };
  let privateSpace: string;
  let strangerToken: string;
  let strangerSpace: string;
  const streams: Stream[] = [];

  const call = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => s.call(method, path, opts);
  const open = async (query: string, token: string, headers: Record<string, string> = {}) => {
    const st = await openStream(`${s.url}/api/stream${query}`, token, headers);
    streams.push(st);
    return st;
  };

  async function workflow(spaceId: string, token: string, phases: unknown[]): Promise<string> {
    const res = await call('POST', `/api/spaces/${spaceId}/workflows`, { token, body: { name: `wf ${Math.random()}`, trigger: { type: 'manual' }, phases } });
    if (res.status !== 201) throw new Error(`workflow: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
  async function start(workflowId: string, token: string): Promise<string> {
    const res = await call('POST', `/api/workflows/${workflowId}/runs`, { token, body: {} });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
  async function statusOf(id: string, token: string): Promise<string> {
    return (await call('GET', `/api/runs/${id}`, { token })).body.status;
  }
  const gate = (approver: string) => [{ id: 'gate', type: 'approval', approvers: { members: [approver] }, required: 'any' }];

  beforeAll(async () => {
    // PostgreSQL: HTTP only here; the runs are moved by a worker process of its own.
    s = await startTestServer(dialect, dialect === 'postgres' ? { worker: false } : {});
    if (dialect === 'postgres') await startWorkerProcess(s.dbUrl);
    w = await setupWorld(s);
    member = await addUser(s, w.owner.token, { email: 'mia@acme.example', name: 'Mia Member', spaceId: w.spaceId, spaceRole: 'editor' });
    privateSpace = (await call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Board' } })).body.id;
    await call('POST', '/api/orgs', { token: w.owner.token, body: { name: 'Globex', owner: { email: 'boss@globex.example', name: 'Boss', password: 'correct horse' } } });
    strangerToken = (await call('POST', '/api/auth/login', { body: { email: 'boss@globex.example', password: 'correct horse' } })).body.token;
    strangerSpace = (await call('POST', '/api/spaces', { token: strangerToken, body: { name: 'Globex social' } })).body.id;
  });
  afterAll(async () => {
    for (const st of streams) st.close();
    await s?.close().catch(() => {});
    await stopAllProcesses();
  });

  it('sends the runs of your spaces as they change, and your notifications; never another org’s or another space’s', async () => {
    const st = await open('?topics=runs,inbox', member.token);
    expect(st.status).toBe(200);
    await st.next((e) => e.event === 'hello', 10_000, 'hello');

    // Runs the member must never hear of: the org's space they are not in, and another org's.
    const hidden = await start(await workflow(privateSpace, w.owner.token, gate(w.owner.id)), w.owner.token);
    const foreign = await start(await workflow(strangerSpace, strangerToken, [{ id: 'hold', type: 'wait', duration: '1s' }]), strangerToken);
    await waitFor(async () => (await statusOf(hidden, w.owner.token)) === 'waiting', 20_000, 'the hidden run to wait');
    await waitFor(async () => (await statusOf(foreign, strangerToken)) === 'completed', 20_000, 'the foreign run to finish');

    const wf = await workflow(w.spaceId, w.owner.token, gate(member.id));
    const run = await start(wf, w.owner.token);
    const waiting = await st.next((e) => e.event === 'run' && e.data.id === run && e.data.status === 'waiting', 20_000, 'the run waiting');
    expect(waiting.data).toMatchObject({ id: run, spaceId: w.spaceId, workflowId: wf, waitingFor: 'approval', currentPhaseId: 'gate', deleted: false });
    expect(waiting.id).toMatch(/^[0-9a-f]{8}\.\d+$/);
    // The gate asked the member: their inbox hears of it.
    const inbox = await st.next((e) => e.event === 'inbox' && e.data.notifications.some((n: any) => n.runId === run), 20_000, 'the approval request in the inbox');
    expect(inbox.data.notifications[0].id).toEqual(expect.any(String));

    // A decision through the API reaches the stream too.
    const decided = await call('POST', `/api/runs/${run}/phases/gate/decision`, { token: member.token, body: { decision: 'approve' } });
    expect(decided.status).toBe(200);
    await st.next((e) => e.event === 'run' && e.data.id === run && e.data.status === 'completed', 20_000, 'the run completed');

    // Events carry increasing ids; nothing of the hidden or foreign runs ever came.
    const seqs = st.events.filter((e) => e.id && e.event !== 'hello').map((e) => Number(e.id!.split('.')[1]));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(st.events.some((e) => e.data?.id === hidden || e.data?.id === foreign)).toBe(false);

    // The owner (an admin) hears of the private space's runs; the other org's owner only of their own.
    const ownerSt = await open('?topics=runs', w.owner.token);
    const strangerSt = await open('?topics=runs', strangerToken);
    await ownerSt.next((e) => e.event === 'hello');
    await strangerSt.next((e) => e.event === 'hello');
    const again = await start(await workflow(privateSpace, w.owner.token, gate(w.owner.id)), w.owner.token);
    await ownerSt.next((e) => e.event === 'run' && e.data.id === again && e.data.status === 'waiting', 20_000, 'the private run at the owner');
    await sleep(600); // past the coalescing window: a stray event would have arrived
    expect(strangerSt.events.some((e) => e.event === 'run')).toBe(false);
    expect(st.events.some((e) => e.data?.id === again)).toBe(false);
  });

  it('filters by workflow, refuses unknown topics and callers without a session', async () => {
    const wfA = await workflow(w.spaceId, w.owner.token, [{ id: 'hold', type: 'wait', duration: '1s' }]);
    const wfB = await workflow(w.spaceId, w.owner.token, [{ id: 'hold', type: 'wait', duration: '1s' }]);
    const st = await open(`?topics=runs&workflowId=${wfA}`, member.token);
    await st.next((e) => e.event === 'hello');
    const b = await start(wfB, member.token);
    await waitFor(async () => (await statusOf(b, member.token)) === 'completed', 20_000, 'run B to finish');
    const a = await start(wfA, member.token);
    await st.next((e) => e.data?.id === a && e.data.status === 'completed', 20_000, 'run A completed');
    expect(st.events.some((e) => e.data?.id === b)).toBe(false);

    const bad = await call('GET', '/api/stream?topics=runs,secrets', { token: member.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toEqual(expect.any(String));
    expect((await fetch(`${s.url}/api/stream`)).status).toBe(401);
  });

  it('resumes with Last-Event-ID: what was missed first, or reset when it is not kept', async () => {
    const first = await open('?topics=runs', member.token);
    const hello = await first.next((e) => e.event === 'hello');
    first.close();
    // While the client is away, a run starts and waits; another stream keeps the hub listening.
    const keeper = await open('?topics=runs', w.owner.token);
    await keeper.next((e) => e.event === 'hello');
    const wf = await workflow(w.spaceId, w.owner.token, gate(member.id));
    const run = await start(wf, w.owner.token);
    await keeper.next((e) => e.data?.id === run && e.data.status === 'waiting', 20_000, 'the run waiting at the keeper');

    const resumed = await open('?topics=runs', member.token, { 'last-event-id': hello.id! });
    const helloAgain = await resumed.next((e) => e.event === 'hello');
    expect(helloAgain.data.resumed).toBe(true);
    const before = resumed.events.slice(0, resumed.events.indexOf(helloAgain));
    expect(before.some((e) => e.event === 'run' && e.data.id === run && e.data.status === 'waiting')).toBe(true);
    expect(before.every((e) => Number(e.id!.split('.')[1]) > Number(hello.id!.split('.')[1]))).toBe(true);
    expect(resumed.events.some((e) => e.event === 'reset')).toBe(false);

    // An id of another process (or an earlier start of this one) cannot be resumed from.
    const stale = await open('?topics=runs', member.token, { 'last-event-id': '00000000.5' });
    const reset = await stale.next((e) => e.event === 'reset');
    expect(reset.id).toMatch(/^[0-9a-f]{8}\.\d+$/);
    expect(stale.events.some((e) => e.event === 'hello')).toBe(false);
  });

  it('hears every run of a large change: 150 runs started, then cancelled in one bulk batch', async () => {
    const wf = await workflow(w.spaceId, w.owner.token, [{ id: 'hold', type: 'wait', duration: '1h' }]);
    const st = await open(`?topics=runs&workflowId=${wf}`, member.token);
    await st.next((e) => e.event === 'hello');
    const ids: string[] = [];
    for (let i = 0; i < 150; i += 10) ids.push(...(await Promise.all(Array.from({ length: 10 }, () => start(wf, member.token)))));
    const seen = (status: string) => new Set(st.events.filter((e) => e.event === 'run' && e.data.status === status).map((e) => e.data.id));
    await waitFor(async () => ids.every((id) => seen('waiting').has(id)), 60_000, 'every run waiting on the stream');
    // One bulk batch cancels all 150 in one transaction: each must still reach the stream
    // (on PostgreSQL from the worker process, over more than one NOTIFY).
    const body = { action: 'cancel', filter: { workflowId: wf } };
    const counted = await call('POST', '/api/runs/bulk', { token: w.owner.token, body });
    expect(counted.body.count).toBe(150);
    const confirmed = await call('POST', '/api/runs/bulk', { token: w.owner.token, body: { ...body, confirmToken: counted.body.confirmToken } });
    expect(confirmed.status).toBe(202);
    await waitFor(async () => ids.every((id) => seen('cancelled').has(id)), 60_000, 'every run cancelled on the stream');
    // Coalesced: no run had more events than it had changes worth telling (created/started, waiting, cancelled).
    const perRun = new Map<string, number>();
    for (const e of st.events) if (e.event === 'run') perRun.set(e.data.id, (perRun.get(e.data.id) ?? 0) + 1);
    expect(Math.max(...perRun.values())).toBeLessThanOrEqual(4);
  });

  it('ends its streams when the server stops', async () => {
    const st = await open('?topics=runs,inbox', member.token);
    await st.next((e) => e.event === 'hello');
    const closed = await Promise.race([s.close().then(() => 'closed'), sleep(15_000).then(() => 'hung')]);
    expect(closed).toBe('closed');
    expect(await Promise.race([st.ended.then(() => 'ended'), sleep(5_000).then(() => 'open')])).toBe('ended');
  });
});
