/**
 * The `http` phase against a real local HTTP service, over real HTTP, on both dialects:
 * success with its output used by a later phase, non-2xx, timeout, cancel while the request
 * is in flight, and the Idempotency-Key across a retry. docs/REQUIREMENTS.md sections 3, 7 and 8.
 */
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { until } from './helpers/smtp.js';
import { listenLocal } from './helpers/local-http.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client closed the connection before an answer was sent. */
  aborted: boolean;
}

type Handler = (seen: Seen, res: http.ServerResponse) => void;

interface Service {
  url: string;
  seen: Seen[];
  handle: Handler;
  close(): Promise<void>;
}

async function startService(): Promise<Service> {
  const svc: Service = {
    url: '',
    seen: [],
    handle: (_seen, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    close: async () => {},
  };
  const local = await listenLocal((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), aborted: false };
      res.on('close', () => {
        if (!res.writableEnded) seen.aborted = true;
      });
      svc.seen.push(seen);
      svc.handle(seen, res);
    });
  });
  svc.url = local.url;
  svc.close = local.close;
  return svc;
}

const FINISHED = ['completed', 'failed', 'cancelled'];

describe.each(DIALECTS)('http phase (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  let svc: Service;

  async function workflow(phases: unknown[]): Promise<string> {
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: 'Publish', trigger: { type: 'manual' }, phases } });
    if (res.status !== 201) throw new Error(`workflow: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async function content(title = 'Spring launch'): Promise<{ id: string }> {
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title } });
    if (res.status !== 201) throw new Error(`content: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function start(workflowId: string, body: Record<string, unknown> = {}): Promise<any> {
    const res = await s.call('POST', `/api/workflows/${workflowId}/runs`, { token: w.owner.token, body });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function getRun(id: string): Promise<any> {
    return (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body;
  }

  async function finished(id: string, timeoutMs = 10_000): Promise<any> {
    return until(`run ${id} to finish`, async () => {
      const r = await getRun(id);
      return FINISHED.includes(r.status) && r;
    }, timeoutMs);
  }

  beforeAll(async () => {
    svc = await startService();
    s = await startTestServer(dialect);
    w = await setupWorld(s);
  });
  afterAll(async () => {
    await s?.close();
    await svc?.close();
  });
  beforeEach(() => {
    svc.seen.length = 0;
  });

  it('sends the rendered request and hands the answer to later phases', async () => {
    svc.handle = (_seen, res) => res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req-1', 'set-cookie': 'a=b' }).end(JSON.stringify({ id: 'post-42', ok: true }));
    const wf = await workflow([
      {
        id: 'pub',
        type: 'http',
        url: `${svc.url}/publish/{{target.id}}`,
        headers: { Authorization: 'Bearer {{input.token}}', 'X-Title': '{{target.title}}' },
        body: { title: '{{target.title}}', tags: ['a', 'b'], note: 'by {{run.id}}' },
      },
      { id: 'note', type: 'comment', body: 'Published as {{phases.pub.output.body.id}}' },
    ]);
    const item = await content('Spring launch');
    const run = await start(wf, { target: { type: 'content', id: item.id }, input: { token: 'sekret-123' } });
    const done = await finished(run.id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });

    expect(svc.seen).toHaveLength(1);
    const req = svc.seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/publish/${item.id}`);
    expect(req.headers['idempotency-key']).toBe(`${run.id}:pub`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe('Bearer sekret-123');
    expect(req.headers['x-title']).toBe('Spring launch');
    expect(JSON.parse(req.body)).toEqual({ title: 'Spring launch', tags: ['a', 'b'], note: `by ${run.id}` });

    const pub = done.phases.find((p: any) => p.phaseId === 'pub');
    expect(pub.output).toEqual({ status: 201, headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' }, body: { id: 'post-42', ok: true } });
    expect(pub.input).toMatchObject({ method: 'POST', url: `${svc.url}/publish/${item.id}`, body: { title: 'Spring launch', tags: ['a', 'b'], note: `by ${run.id}` } });
    expect(pub.input.headers).toMatchObject({ authorization: '[redacted]', 'x-title': 'Spring launch', 'idempotency-key': `${run.id}:pub` });
    expect(JSON.stringify(done.phases)).not.toContain('sekret-123');

    const comments = await s.call('GET', `/api/content/${item.id}/comments`, { token: w.owner.token });
    expect(comments.body.items.map((c: any) => c.body)).toEqual(['Published as post-42']);
  });

  it('fails external_error on a non-2xx answer, naming the status and an excerpt', async () => {
    svc.handle = (_seen, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`database on fire ${'x'.repeat(2000)}`);
    const wf = await workflow([{ id: 'pub', type: 'http', method: 'PUT', url: `${svc.url}/hook` }]);
    const run = await start(wf);
    const done = await finished(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ phaseId: 'pub', code: 'external_error' });
    expect(done.error.message).toContain('500');
    expect(done.error.message).toContain('database on fire');
    expect(done.error.message.length).toBeLessThan(700);
    expect(svc.seen[0]!.method).toBe('PUT');
    expect(svc.seen[0]!.headers['content-type']).toBeUndefined();
  });

  it('sends the canonical upper-case method whatever case the definition used', async () => {
    svc.handle = (_seen, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const wf = await workflow([
      { id: 'put', type: 'http', method: 'put', url: `${svc.url}/a`, body: { n: 1 } },
      { id: 'get', type: 'http', method: 'Get', url: `${svc.url}/b` },
    ]);
    const stored = await s.call('GET', `/api/workflows/${wf}`, { token: w.owner.token });
    expect(stored.body.phases.map((p: any) => p.method)).toEqual(['PUT', 'GET']);
    const done = await finished((await start(wf)).id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(svc.seen.map((r) => [r.method, r.url])).toEqual([
      ['PUT', '/a'],
      ['GET', '/b'],
    ]);
    expect(done.phases.map((p: any) => p.input.method)).toEqual(['PUT', 'GET']);
    // Only the case is free: an unknown method is still refused when the workflow is saved.
    const bad = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Bad', trigger: { type: 'manual' }, phases: [{ id: 'x', type: 'http', method: 'fetch', url: `${svc.url}/c` }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'phases.0.method', message: expect.stringMatching(/^must be one of "GET"/) }]);
  });

  it('fails timeout when the service answers too late', async () => {
    svc.handle = (_seen, res) => {
      const t = setTimeout(() => res.writeHead(200).end('late'), 3000);
      res.on('close', () => clearTimeout(t));
    };
    const wf = await workflow([{ id: 'pub', type: 'http', url: `${svc.url}/slow`, timeout: '1s' }]);
    const t0 = Date.now();
    const run = await start(wf);
    const done = await finished(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ phaseId: 'pub', code: 'timeout' });
    expect(done.error.message).toContain('1s');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('fails external_error when nothing listens', async () => {
    const closed = await startService();
    const url = closed.url;
    await closed.close();
    const wf = await workflow([{ id: 'pub', type: 'http', url: `${url}/x` }]);
    const done = await finished((await start(wf)).id);
    expect(done.error).toMatchObject({ phaseId: 'pub', code: 'external_error' });
    expect(done.error.message).toMatch(/ECONNREFUSED/);
  });

  it('aborts the request in flight when the run is cancelled', async () => {
    svc.handle = () => {}; // never answers
    const wf = await workflow([{ id: 'pub', type: 'http', url: `${svc.url}/hang` }]);
    const run = await start(wf);
    await until('the request to arrive', async () => svc.seen.length === 1);
    const cancel = await s.call('POST', `/api/runs/${run.id}/cancel`, { token: w.owner.token, body: { reason: 'changed my mind' } });
    expect(cancel.status).toBe(200);
    await until('the service to see the request aborted', async () => svc.seen[0]!.aborted);
    const done = await finished(run.id);
    expect(done.status).toBe('cancelled');
    expect(done.phases.find((p: any) => p.phaseId === 'pub').status).toBe('cancelled');
  });

  it('keeps the Idempotency-Key across a retry of the failed phase', async () => {
    let n = 0;
    svc.handle = (_seen, res) => {
      n++;
      if (n === 1) res.writeHead(500).end('try again');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"post-7"}');
    };
    const wf = await workflow([{ id: 'pub', type: 'http', url: `${svc.url}/publish`, body: { n: 1 } }]);
    const run = await start(wf);
    const failed = await finished(run.id);
    expect(failed.error).toMatchObject({ phaseId: 'pub', code: 'external_error' });
    const retry = await s.call('POST', `/api/runs/${run.id}/retry`, { token: w.owner.token });
    expect(retry.status).toBe(200);
    const done = await until('the retried run to complete', async () => {
      const r = await getRun(run.id);
      return r.status === 'completed' && r;
    });
    expect(done.phases.filter((p: any) => p.phaseId === 'pub').map((p: any) => [p.attempt, p.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(svc.seen).toHaveLength(2);
    expect(svc.seen[0]!.headers['idempotency-key']).toBe(`${run.id}:pub`);
    expect(svc.seen[1]!.headers['idempotency-key']).toBe(svc.seen[0]!.headers['idempotency-key']);
  });
});
