/**
 * The run lists' filters beyond status (docs/API.md "Runs"): target on both lists, and the
 * creation-time window `since` / `until` the web UI's date filters use. Both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

describe.each(DIALECTS)('run list filters (%s)', { timeout: 60_000 }, (dialect) => {
  let s: TestServer;
  let w: World;
  let wf: string;
  const runs: { id: string; createdAt: string; target: string }[] = [];

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    const created = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: 'Hold', trigger: { type: 'manual' }, phases: [{ id: 'hold', type: 'wait', duration: '1h' }] } });
    wf = created.body.id;
    for (let i = 0; i < 3; i++) {
      const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: `Item ${i}` } });
      const r = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
      runs.push({ id: r.body.id, createdAt: r.body.createdAt, target: item.body.id });
      await new Promise((res) => setTimeout(res, 30));
    }
  });
  afterAll(async () => s?.close());

  const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((r) => r.id);

  for (const list of ['workflow', 'all'] as const) {
    const path = (q: string) => (list === 'workflow' ? `/api/workflows/${wf}/runs?${q}` : `/api/runs?${q}`);

    it(`${list} list: since and until bound the creation time (since inclusive, until exclusive)`, async () => {
      const [a, b, c] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
      expect(ids(await s.call('GET', path(`since=${encodeURIComponent(b.createdAt)}`), { token: w.owner.token }))).toEqual([c.id, b.id]);
      expect(ids(await s.call('GET', path(`until=${encodeURIComponent(b.createdAt)}`), { token: w.owner.token }))).toEqual([a.id]);
      expect(ids(await s.call('GET', path(`since=${encodeURIComponent(a.createdAt)}&until=${encodeURIComponent(c.createdAt)}`), { token: w.owner.token }))).toEqual([b.id, a.id]);
    });

    it(`${list} list: targetId narrows to that target's runs`, async () => {
      expect(ids(await s.call('GET', path(`targetId=${runs[1]!.target}`), { token: w.owner.token }))).toEqual([runs[1]!.id]);
    });

    it(`${list} list: a malformed time is a 400 naming the field`, async () => {
      const res = await s.call('GET', path('since=yesterday'), { token: w.owner.token });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(JSON.stringify(res.body.error.details)).toContain('since');
    });
  }
});
