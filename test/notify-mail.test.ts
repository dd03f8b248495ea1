/**
 * A notify phase's emails reach a real SMTP server: written to the outbox in the run's
 * transaction, then delivered by the server's mailer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { parseMime, startSmtp, until, type TestSmtp } from './helpers/smtp.js';

describe.each(DIALECTS)('notify emails over SMTP (%s)', (dialect) => {
  let smtp: TestSmtp;
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startTestServer(dialect, { smtpUrl: smtp.url, publicUrl: 'http://flowgate.test' });
    w = await setupWorld(s);
  });
  afterAll(async () => {
    await s?.close();
    await smtp?.close();
  });

  it('delivers one email per recipient with the rendered message', async () => {
    const editor = await addUser(s, w.owner.token, { email: 'eddie@acme.example', spaceId: w.spaceId });
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch', assignees: [editor.id] } });
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Tell', trigger: { type: 'manual' }, phases: [{ id: 'tell', type: 'notify', to: ['assignees', 'client@brand.example'], channels: ['email'], message: '{{target.title}} is ready' }] },
    });
    expect(wf.status).toBe(201);
    const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(run.status).toBe(201);
    await until('both emails', async () => smtp.messages.length >= 2);
    const done = await until('run completed', async () => {
      const r = await s.call('GET', `/api/runs/${run.body.id}`, { token: w.owner.token });
      return r.body.status === 'completed' && r.body;
    });
    expect(done.phases[0].output.emails).toEqual(['client@brand.example', 'eddie@acme.example']);
    const to = smtp.messages.map((m) => m.to[0]).sort();
    expect(to).toEqual(['client@brand.example', 'eddie@acme.example']);
    for (const m of smtp.messages) {
      const mime = parseMime(m.raw);
      expect(mime.headers.subject).toBe('Spring launch is ready');
      const text = mime.parts.find((p) => /text\/plain/.test(p.headers['content-type'] ?? ''));
      const html = mime.parts.find((p) => /text\/html/.test(p.headers['content-type'] ?? ''));
      expect(text?.body).toContain(`http://flowgate.test/runs/${run.body.id}`);
      expect(html?.body).toContain('Spring launch is ready');
    }
    const outbox = await until('outbox rows sent', async () => {
      const o = await s.call('GET', '/api/outbox', { token: w.owner.token });
      return o.body.items.filter((i: { runId: string; status: string }) => i.runId === run.body.id && i.status === 'sent').length === 2 && o.body;
    });
    expect(outbox.items.length).toBeGreaterThanOrEqual(2);
  });

  it('"approvers" in a workflow without a gate reaches nobody: no_recipients, unless another entry reaches someone', async () => {
    const create = async (to: string[]) => {
      const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
        token: w.owner.token,
        body: { name: 'No gate', trigger: { type: 'manual' }, phases: [{ id: 'tell', type: 'notify', to, message: 'Heads up' }] },
      });
      expect(wf.status, JSON.stringify(wf.body)).toBe(201);
      return wf.body.id as string;
    };
    const finished = (runId: string) =>
      until('run finished', async () => {
        const r = await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token });
        return ['completed', 'failed'].includes(r.body.status) && r.body;
      });

    const alone = await s.call('POST', `/api/workflows/${await create(['approvers'])}/runs`, { token: w.owner.token, body: {} });
    expect(alone.status).toBe(201);
    const failed = await finished(alone.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ phaseId: 'tell', code: 'no_recipients' });
    expect(failed.phases[0]).toMatchObject({ status: 'failed', error: { code: 'no_recipients' } });

    const sent = smtp.messages.length;
    const withOther = await s.call('POST', `/api/workflows/${await create(['approvers', 'ops@brand.example'])}/runs`, { token: w.owner.token, body: {} });
    const done = await finished(withOther.body.id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(done.phases[0].output).toEqual({ inApp: [], emails: ['ops@brand.example'] });
    await until('the email', async () => smtp.messages.length > sent);
    expect(smtp.messages.slice(sent).map((m) => m.to[0])).toEqual(['ops@brand.example']);
  });
});
