/**
 * Every route of /api/openapi.json, fuzzed with fast-check (seeded; the seed and the failing
 * request are printed on failure, and FLOWGATE_FUZZ_SEED replays a run): random path ids
 * (real ones too), query strings, headers and bodies (JSON values of any shape, and text that
 * is not JSON), as the owner, a space viewer, no one and with a made-up token. Never a 500, never a hang, and every refusal in the documented error shape. A
 * route added later is fuzzed without editing this file. Both stores: the store is where a
 * stray value becomes a server error.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

/** Routes left out, and why. */
const SKIP = new Set([
  'POST /api/auth/logout', // it would end the session the fuzzer uses
]);

const SEED = process.env.FLOWGATE_FUZZ_SEED ? Number(process.env.FLOWGATE_FUZZ_SEED) : Date.now() % 2_147_483_647;
const RUNS_PER_ROUTE = Number(process.env.FLOWGATE_FUZZ_RUNS ?? 12);

interface Route {
  method: string;
  path: string;
  params: Array<{ in: string; name: string }>;
  body: boolean;
}

describe.each(DIALECTS)('fuzzing every route (%s)', { timeout: 240_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  let routes: Route[];
  let viewer: { id: string; token: string };

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    viewer = await addUser(s, w.owner.token, { email: 'vic@acme.example', spaceId: w.spaceId, spaceRole: 'viewer' });
    const doc = (await s.call('GET', '/api/openapi.json')).body;
    routes = Object.entries<Record<string, { parameters?: Route['params']; requestBody?: unknown }>>(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: op.requestBody !== undefined })),
    );
  });
  afterAll(async () => s?.close());

  it('answers every route without a 500 or a hang, refusing in the documented shape', async () => {
    expect(routes.length).toBeGreaterThan(50);
    const text = fc.string({ maxLength: 40, unit: 'binary' });
    const id = fc.oneof(text.filter((t) => t.length > 0), fc.uuid(), fc.constant(w.spaceId), fc.constant(w.owner.id), fc.integer().map(String));
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.constantFrom('name', 'title', 'phases', 'trigger', 'status', 'decision', 'maxActiveRuns', 'email', 'input', 'target', 'filter', 'action', 'role', 'body'), fc.jsonValue({ maxDepth: 3 })).map((v) => JSON.stringify(v)),
      text,
    );
    let checked = 0;
    for (const route of routes) {
      const name = `${route.method} ${route.path}`;
      if (SKIP.has(name)) continue;
      const pathParams = route.params.filter((p) => p.in === 'path');
      const queryParams = route.params.filter((p) => p.in === 'query');
      const headerParams = route.params.filter((p) => p.in === 'header');
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...pathParams.map(() => id)),
          fc.tuple(...queryParams.map(() => fc.option(text, { nil: undefined }))),
          fc.tuple(...headerParams.map(() => fc.option(fc.stringMatching(/^[ -~]{0,40}$/), { nil: undefined }))),
          fc.option(body, { nil: undefined }),
          fc.constantFrom<'owner' | 'viewer' | 'none' | 'garbage'>('owner', 'owner', 'viewer', 'none', 'garbage'),
          async (pathValues, queryValues, headerValues, rawBody, who) => {
            let url = route.path;
            pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, encodeURIComponent(pathValues[i]!))));
            const q = new URLSearchParams();
            queryParams.forEach((p, i) => queryValues[i] !== undefined && q.set(p.name, queryValues[i]!));
            const token = who === 'owner' ? w.owner.token : who === 'viewer' ? viewer.token : who === 'garbage' ? 'fgs_not-a-token' : null;
            const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
            headerParams.forEach((p, i) => headerValues[i] !== undefined && (headers[p.name] = headerValues[i]!));
            const withBody = route.body && rawBody !== undefined && route.method !== 'GET';
            if (withBody) headers['content-type'] = 'application/json';
            const res = await fetch(`${s.url}${url}${q.size ? `?${q}` : ''}`, { method: route.method, headers, body: withBody ? rawBody : undefined, signal: AbortSignal.timeout(10_000) });
            const type = res.headers.get('content-type') ?? '';
            if (type.startsWith('text/event-stream')) {
              await res.body?.cancel();
              return;
            }
            const answer = await res.text();
            const what = `${route.method} ${url}${q.size ? `?${q}` : ''} ${withBody ? rawBody : ''} → ${res.status} ${answer.slice(0, 300)}`;
            expect(res.status, what).toBeLessThan(500);
            if (res.status >= 400) {
              const parsed = JSON.parse(answer);
              expect(typeof parsed.error?.code, what).toBe('string');
              expect(typeof parsed.error?.message, what).toBe('string');
            }
          },
        ),
        { numRuns: RUNS_PER_ROUTE, seed: SEED, endOnFailure: true },
      );
      checked++;
    }
    expect(checked).toBe(routes.length - [...SKIP].filter((r) => routes.some((x) => `${x.method} ${x.path}` === r)).length);
    // Still serving, and the fuzzer's session still works.
    expect((await s.call('GET', '/api/me', { token: w.owner.token })).status).toBe(200);
  });
});
