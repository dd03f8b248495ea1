/**
 * The share_email phase: each address gets a view-and-comment link of its own, delivered
 * by a real SMTP server; the link's page offers no decision, the API refuses one, comments
 * work, and the run does not wait for anyone.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { freePort, parseMime, startSmtp, until, type TestSmtp } from './helpers/smtp.js';

describe.each(DIALECTS)('share_email phase (%s)', (dialect) => {
  let smtp: TestSmtp;
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    smtp = await startSmtp();
    const port = await freePort();
    s = await startTestServer(dialect, { port, smtpUrl: smtp.url, publicUrl: `http://127.0.0.1:${port}` });
    w = await setupWorld(s);
  });
  afterAll(async () => {
    await s?.close();
    await smtp?.close();
  });

  async function workflow(phases: unknown[]) {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: `Share ${crypto.randomUUID().slice(0, 8)}`, trigger: { type: 'manual' }, phases },
    });
    expect(wf.status).toBe(201);
    return wf.body.id as string;
  }

  const ended = (runId: string) =>
    until('the run to end', async () => {
      const r = await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token });
      return ['completed', 'failed', 'cancelled'].includes(r.body.status) && r.body;
    });

  function linkIn(raw: string) {
    const mime = parseMime(raw);
    const text = mime.parts.find((p) => /text\/plain/.test(p.headers['content-type'] ?? ''))!.body;
    const m = /(https?:\/\/\S+\/review\/(\S+))/.exec(text)!;
    return { subject: mime.headers.subject, text, url: m[1]!, token: m[2]! };
  }

  it('emails each address its own view-and-comment link; the run does not wait', async () => {
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Autumn lookbook', caption: 'Warm tones.' } });
    const wfId = await workflow([{ id: 'share', type: 'share_email', to: ['client@brand.example', 'Second@Brand.example'], message: 'Please look at {{target.title}}', linkExpiresIn: '7d' }]);
    const run = await s.call('POST', `/api/workflows/${wfId}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(run.status).toBe(201);
    const done = await ended(run.body.id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(done.phases[0].output.sentTo).toEqual(['client@brand.example', 'second@brand.example']);
    expect(Date.parse(done.phases[0].output.expiresAt)).toBeGreaterThan(Date.now() + 6.9 * 24 * 3600_000);

    await until('both emails', async () => smtp.messages.length >= 2);
    const byTo = new Map(smtp.messages.map((m) => [m.to[0]!, linkIn(m.raw)]));
    expect([...byTo.keys()].sort()).toEqual(['client@brand.example', 'second@brand.example']);
    const a = byTo.get('client@brand.example')!;
    const b = byTo.get('second@brand.example')!;
    expect(a.token).not.toBe(b.token);
    expect(a.subject).toBe('Please look at Autumn lookbook');
    expect(a.text).toContain('Open the link to read the content and leave a comment.');
    expect(a.url.startsWith(`${s.url}/review/`)).toBe(true);

    // The page: the item, a comment box, no decision.
    const res = await fetch(a.url);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain('Autumn lookbook');
    expect(html).toContain('Warm tones.');
    expect(html).toContain('value="comment"');
    expect(html).not.toMatch(/value="(approve|deny)"/);
    expect(html).not.toContain(a.token);

    const view = await s.call('GET', `/api/guest/${a.token}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ kind: 'share', gate: null, target: { title: 'Autumn lookbook' }, comments: [] });

    const decision = await s.call('POST', `/api/guest/${a.token}/decision`, { body: { decision: 'approve' } });
    expect(decision.status).toBe(403);
    expect(decision.body.error.code).toBe('share_link_cannot_decide');
    const nonce = /name="nonce" value="([^"]+)"/.exec(html)![1]!;
    const form = (fields: Record<string, string>) =>
      fetch(a.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.url }, body: new URLSearchParams(fields).toString() });
    const pageDecision = await form({ action: 'approve', nonce });
    expect(pageDecision.status).toBe(403);

    const viaPage = await form({ action: 'comment', comment: 'Love the second photo.', nonce });
    expect(viaPage.status).toBe(200);
    expect(await viaPage.text()).toContain('Love the second photo.');
    const viaApi = await s.call('POST', `/api/guest/${b.token}/comments`, { body: { body: 'Could we see it in green?' } });
    expect(viaApi.status).toBe(201);
    const comments = await s.call('GET', `/api/content/${item.body.id}/comments`, { token: w.owner.token });
    expect(comments.body.items.map((c: { body: string; author: unknown; source: string }) => [c.body, c.author, c.source])).toEqual([
      ['Love the second photo.', { email: 'client@brand.example' }, 'guest'],
      ['Could we see it in green?', { email: 'second@brand.example' }, 'guest'],
    ]);
    const links = await s.db.k.selectFrom('guest_links').selectAll().where('run_id', '=', run.body.id).execute();
    expect(links.map((l) => [l.kind, l.used_at, l.closed_at])).toEqual([
      ['share', null, null],
      ['share', null, null],
    ]);
    const audit = await s.call('GET', `/api/audit?runId=${run.body.id}&action=guest_link.issued`, { token: w.owner.token });
    expect(audit.body.items.map((e: { data: { kind: string } }) => e.data.kind)).toEqual(['share', 'share']);
  });

  it('fires share_email.sent: a workflow on that trigger runs once on the shared item', async () => {
    const listener = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'After sharing', trigger: { type: 'share_email.sent' }, phases: [{ id: 'note', type: 'comment', body: 'Shared with the client' }] },
    });
    expect(listener.status).toBe(201);
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Winter teaser' } });
    const wfId = await workflow([{ id: 'share', type: 'share_email', to: ['client@brand.example'] }]);
    const run = await s.call('POST', `/api/workflows/${wfId}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    await ended(run.body.id);
    const fired = await until('the share_email.sent run to complete', async () => {
      const list = await s.call('GET', `/api/workflows/${listener.body.id}/runs?targetId=${item.body.id}`, { token: w.owner.token });
      return list.body.items.length === 1 && list.body.items[0].status === 'completed' && list.body.items;
    });
    expect(fired[0].trigger.type).toBe('share_email.sent');
    const comments = await s.call('GET', `/api/content/${item.body.id}/comments`, { token: w.owner.token });
    expect(comments.body.items.filter((c: { body: string }) => c.body === 'Shared with the client')).toHaveLength(1);
    await s.call('PATCH', `/api/workflows/${listener.body.id}`, { token: w.owner.token, body: { enabled: false } });
  });

  it('fails `deleted` when the target was deleted before the phase ran, and sends nothing', async () => {
    const before = smtp.messages.length;
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Soon gone' } });
    const wfId = await workflow([
      { id: 'pause', type: 'wait', duration: '1s' },
      { id: 'share', type: 'share_email', to: ['late@brand.example'] },
    ]);
    const run = await s.call('POST', `/api/workflows/${wfId}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    await until('the run to wait', async () => (await s.call('GET', `/api/runs/${run.body.id}`, { token: w.owner.token })).body.status === 'waiting');
    expect((await s.call('DELETE', `/api/content/${item.body.id}`, { token: w.owner.token })).status).toBe(204);
    const done = await ended(run.body.id);
    expect(done.status).toBe('failed');
    expect(done.phases[1]).toMatchObject({ phaseId: 'share', status: 'failed', error: { code: 'deleted' } });
    expect(await s.db.k.selectFrom('guest_links').select('id').where('run_id', '=', run.body.id).execute()).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.slice(before).filter((m) => m.to.includes('late@brand.example'))).toEqual([]);
  });
});
