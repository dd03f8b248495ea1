/**
 * Hostile requests over real HTTP (SQLite; nothing here reaches the store): absurd nesting,
 * a definition of 10,000 phases, a body over the limit, a gzip bomb, and a client that
 * trickles its headers; and, on both stores, the NUL character. Each is answered fast with
 * a clear error in the documented shape, and the server goes on serving.
 */
import net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

describe('hostile requests', { timeout: 30_000 }, () => {
  let s: TestServer;
  let w: World;
  const HEADERS_TIMEOUT_MS = 1000;

  beforeAll(async () => {
    s = await startTestServer('sqlite', { headersTimeoutMs: HEADERS_TIMEOUT_MS });
    w = await setupWorld(s);
  });
  afterAll(async () => s?.close());

  /** POSTs a raw body to the workflow route; the status, the error and how long it took. */
  async function post(body: string | Buffer, headers: Record<string, string> = {}) {
    const t = performance.now();
    const res = await fetch(`${s.url}/api/spaces/${w.spaceId}/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.owner.token}`, 'content-type': 'application/json', ...headers },
      body,
    });
    const answer = (await res.json()) as { error: { code: string; message: string; details?: Array<{ path: string; message: string }> } };
    return { status: res.status, error: answer.error, ms: performance.now() - t };
  }
  const def = (phases: string) => `{"name":"Hostile","trigger":{"type":"manual"},"phases":${phases}}`;

  it('refuses JSON nested 10,000 deep, in lists and in objects, without overflowing', async () => {
    for (const phases of ['['.repeat(10_000) + ']'.repeat(10_000), `[{"id":"a","type":"http","url":"https://x.example","body":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}]`]) {
      const r = await post(def(phases));
      expect(r.status).toBe(400);
      expect(r.error).toMatchObject({ code: 'invalid_definition', details: [{ path: '', message: 'nests more than 64 levels deep' }] });
      expect(r.ms).toBeLessThan(2000);
    }
  });

  it('refuses a definition of 10,000 phases by its size, naming the field', async () => {
    const phases = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ id: `p${i}`, type: 'comment', body: 'x' })));
    const r = await post(def(phases));
    expect(r.status).toBe(400);
    expect(r.error.code).toBe('invalid_definition');
    expect(r.error.details).toEqual([{ path: 'phases', message: expect.stringMatching(/at most 100 phases/) }]);
    expect(r.ms).toBeLessThan(2000);
  });

  it('refuses a body over the limit with 413 before reading it all', async () => {
    const r = await post('x'.repeat(2 * 1024 * 1024 + 1));
    expect(r.status).toBe(413);
    expect(r.error.code).toBe('payload_too_large');
    expect(r.ms).toBeLessThan(2000);
  });

  it('refuses a compressed body (a 200 MB gzip bomb) by its Content-Encoding, unread', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024, 32));
    const r = await post(bomb, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ code: 'invalid_input', details: [{ path: 'content-encoding', message: 'must be absent or "identity"' }] });
    expect(r.error.message).toMatch(/send the request body uncompressed/);
    expect(r.ms).toBeLessThan(2000);
    const plain = await post(def('[{"id":"c","type":"comment","body":"fine"}]'), { 'content-encoding': 'identity' });
    expect(plain.status).toBe(201 as number);
  });

  it('answers a client that trickles its headers with 408 once the headers deadline passes, and keeps serving others', async () => {
    const u = new URL(s.url);
    const started = performance.now();
    const answer = await new Promise<{ first: string; ms: number }>((resolve, reject) => {
      const c = net.connect(Number(u.port), u.hostname, () => {
        c.write('GET /api/health HTTP/1.1\r\nHost: flowgate\r\n');
        const drip = setInterval(() => c.write('X-Slow: yes\r\n'), 200);
        let got = '';
        c.on('data', (d) => (got += d.toString()));
        c.on('close', () => {
          clearInterval(drip);
          resolve({ first: got.split('\r\n')[0] ?? '', ms: performance.now() - started });
        });
        c.on('error', reject);
      });
      setTimeout(() => reject(new Error('the trickling client was never cut off')), 10_000);
    });
    expect(answer.first).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(answer.ms).toBeLessThan(HEADERS_TIMEOUT_MS + 2000);
    expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
  });
});

describe.each(DIALECTS)('the NUL character (%s)', (dialect) => {
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
  });
  afterAll(async () => s?.close());

  it('is refused by name in an address or a body, on both stores, and nothing is stored', async () => {
    // Found by fuzzing: PostgreSQL cannot store it, and GET /api/spaces/%00 was a 500 there.
    for (const path of ['/api/spaces/%00', `/api/runs?spaceId=${w.spaceId}%00`, '/api/content/a%00b']) {
      const res = await s.call('GET', path, { token: w.owner.token });
      expect(res.status, path).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', details: [{ path: 'url', message: 'contains the NUL character' }] });
    }
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, raw: '{"title":"Launch\\u0000post","tags":["ok"]}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', details: [{ path: 'title', message: 'contains the NUL character' }] });
    const key = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, raw: '{"title":"Fine","x\\u0000":1}', headers: { 'content-type': 'application/json' } });
    expect(key.status).toBe(400);
    // A backslash followed by "u0000" as text is not a NUL character.
    const literal = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Escaped \\u0000 text' } });
    expect(literal.status, JSON.stringify(literal.body)).toBe(201);
    const items = await s.call('GET', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token });
    expect(items.body.items.map((i: { title: string }) => i.title)).toEqual(['Escaped \\u0000 text']);
  });
});
