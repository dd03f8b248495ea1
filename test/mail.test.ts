/**
 * The outbox and SMTP delivery, on real databases and a real SMTP server on loopback.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { freePort, parseMime, startSmtp, until, type TestSmtp } from './helpers/smtp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEmail, renderEmail, escapeHtml, MailDelivery, backoffMs, isPermanentFailure, type OutgoingEmail } from '../src/mail/index.js';
import type { Database } from '../src/store/db.js';
import { openDatabase } from '../src/store/open.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer } from './helpers/server.js';

const silent = pino({ level: 'silent' });

// ---------------------------------------------------------------- helpers

function email(orgId: string, subject: string, over: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const r = renderEmail({
    heading: `Please review "${subject}"`,
    paragraphs: ['Olive asked you to review a post before it goes out.', 'Reply with questions at https://flowgate.example/help.'],
    action: { label: 'Review and decide', url: `https://flowgate.example/review/tok_${subject.replace(/\W/g, '')}?a=1&b=2` },
    footer: 'You get this email because someone named you as a reviewer.',
  });
  return { orgId, to: 'reviewer@example.com', subject, ...r, now: Date.now(), ...over };
}

async function enqueue(db: Database, msg: OutgoingEmail): Promise<string> {
  return db.tx((trx) => enqueueEmail(trx, msg));
}

async function row(db: Database, id: string) {
  return db.k.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------- pure parts

describe('email rendering', () => {
  it('escapes everything in the HTML part and keeps the text part plain', () => {
    const r = renderEmail({
      heading: 'Review <script>alert(1)</script> & "more"',
      paragraphs: ["It's <b>bold</b>: see https://x.example/a?b=1&c=<2>."],
      action: { label: 'Go "now"', url: 'https://x.example/review/abc?x=1&y="2"' },
      footer: 'Footer <i>',
    });
    expect(r.html).not.toContain('<script>');
    expect(r.html).not.toContain('<b>');
    expect(r.html).not.toContain('<i>');
    expect(r.html).toContain('Review &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;');
    expect(r.html).toContain('href="https://x.example/review/abc?x=1&amp;y=&quot;2&quot;"');
    expect(r.html).toContain('<a href="https://x.example/a?b=1&amp;c=" style');
    expect(r.html).not.toMatch(/<link|<img|<style|src=/);
    expect(r.text).toContain("It's <b>bold</b>");
    expect(r.text).toContain('Go "now":\nhttps://x.example/review/abc?x=1&y="2"');
    expect(r.links).toEqual(['https://x.example/review/abc?x=1&y="2"', 'https://x.example/a?b=1&c=']);
    expect(escapeHtml(`<a href='x'>&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('refuses an action that is not an http(s) URL', () => {
    expect(() => renderEmail({ heading: 'x', paragraphs: [], action: { label: 'x', url: 'javascript:alert(1)' } })).toThrow(/http/);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, 2000, 600_000, () => 0.5)).toBe(2000);
    expect(backoffMs(2, 2000, 600_000, () => 0.5)).toBe(4000);
    expect(backoffMs(4, 2000, 600_000, () => 0.5)).toBe(16000);
    expect(backoffMs(30, 2000, 600_000, () => 1)).toBe(600_000);
    expect(backoffMs(3, 2000, 600_000, () => 0)).toBe(6000);
    expect(backoffMs(3, 2000, 600_000, () => 1)).toBe(10000);
    expect(isPermanentFailure({ code: 'EENVELOPE', responseCode: 550 })).toBe(true);
    expect(isPermanentFailure({ code: 'EENVELOPE', responseCode: 451 })).toBe(false);
    expect(isPermanentFailure({ code: 'ECONNECTION' })).toBe(false);
  });
});

// ---------------------------------------------------------------- delivery, on both stores

describe.each(DIALECTS)('mail delivery (%s)', (dialect) => {
  let db: Database;
  const orgId = 'org-mail-test';

  beforeAll(async () => {
    db = await openDatabase({ db: await freshDbUrl(dialect) });
  });
  afterAll(async () => db?.close());

  it('refuses a recipient that is not one plain address', async () => {
    await expect(enqueue(db, email(orgId, 'bad to', { to: 'a@x.example, b@y.example' }))).rejects.toThrow(/single email address/);
    await expect(enqueue(db, email(orgId, 'bad to', { to: 'a@x.example\r\nBcc: c@z.example' }))).rejects.toThrow(/single email address/);
  });

  it('delivers an enqueued email with text and HTML parts and its link, then marks it sent', async () => {
    const smtp = await startSmtp();
    const delivery = new MailDelivery({ db, smtpUrl: smtp.url, logger: silent, owner: 'worker-a', pollMs: 50 });
    try {
      const id = await enqueue(db, email(orgId, 'Launch post', { runId: 'run-1' }));
      const before = await row(db, id);
      expect(before).toMatchObject({ status: 'pending', attempts: 0, run_id: 'run-1' });
      expect(JSON.parse(before.links)).toEqual(['https://flowgate.example/review/tok_Launchpost?a=1&b=2', 'https://flowgate.example/help']);

      delivery.start();
      delivery.wake();
      const sent = await until('sent', async () => {
        const r = await row(db, id);
        return r.status === 'sent' ? r : null;
      });
      expect(sent).toMatchObject({ attempts: 1, lease_owner: null, lease_until: null, last_error: null, message_id: `<${id}@localhost>` });
      expect(sent.sent_at).toBeGreaterThan(0);

      const got = smtp.messages.filter((m) => m.raw.includes(id));
      expect(got).toHaveLength(1);
      expect(got[0]!.to).toEqual(['reviewer@example.com']);
      const mime = parseMime(got[0]!.raw);
      expect(mime.headers['subject']).toBe('Launch post');
      expect(mime.headers['message-id']).toBe(`<${id}@localhost>`);
      expect(mime.headers['from']).toBe('Flowgate <flowgate@localhost>');
      expect(mime.headers['auto-submitted']).toBe('auto-generated');
      expect(mime.headers['content-type']).toMatch(/^multipart\/alternative/);
      const text = mime.parts.find((p) => /^text\/plain/.test(p.headers['content-type'] ?? ''));
      const html = mime.parts.find((p) => /^text\/html/.test(p.headers['content-type'] ?? ''));
      expect(text?.body).toContain('Olive asked you to review a post before it goes out.');
      expect(text?.body).toContain('https://flowgate.example/review/tok_Launchpost?a=1&b=2');
      expect(html?.body).toContain('href="https://flowgate.example/review/tok_Launchpost?a=1&amp;b=2"');
      expect(html?.body).toContain('Please review &quot;Launch post&quot;');
    } finally {
      await delivery.stop();
      await smtp.close();
    }
  });

  it('retries a refused send with backoff, records attempts and the error, and delivers later', async () => {
    const to = 'busy@example.com';
    const smtp = await startSmtp({ refuse: (addr, n) => (addr === to && n <= 2 ? 451 : null) });
    const delivery = new MailDelivery({ db, smtpUrl: smtp.url, logger: silent, owner: 'worker-a', pollMs: 1000, retryBaseMs: 60 });
    try {
      const id = await enqueue(db, email(orgId, 'Busy server', { to }));
      delivery.start();
      delivery.wake();
      const sent = await until('sent after retries', async () => {
        const r = await row(db, id);
        return r.status === 'sent' ? r : null;
      });
      expect(sent.attempts).toBe(3);
      expect(sent.last_error).toMatch(/451/);
      expect(smtp.messages.filter((m) => m.raw.includes(id))).toHaveLength(1);
      // The poller slept until each retry was due (well under pollMs), no sooner.
      const tries = smtp.rcptAttempts.filter((a) => a.to === to).map((a) => a.at);
      expect(tries).toHaveLength(3);
      expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(60 * 0.75 - 5);
      expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(120 * 0.75 - 5);
      expect(tries[2]! - tries[0]!).toBeLessThan(2000);
    } finally {
      await delivery.stop();
      await smtp.close();
    }
  });

  it('keeps an email while the SMTP server is down and sends it once the server is up', async () => {
    const port = await freePort();
    const delivery = new MailDelivery({ db, smtpUrl: `smtp://127.0.0.1:${port}`, logger: silent, owner: 'worker-a', pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 });
    let smtp: TestSmtp | null = null;
    try {
      const id = await enqueue(db, email(orgId, 'Server down'));
      delivery.start();
      delivery.wake();
      const failed = await until('a failed attempt', async () => {
        const r = await row(db, id);
        return r.attempts >= 1 && r.last_error ? r : null;
      });
      expect(failed.status).toBe('pending');
      expect(failed.last_error).toMatch(/ECONNREFUSED|ECONNECTION/);
      smtp = await startSmtp({ port });
      const sent = await until('sent once the server is up', async () => {
        const r = await row(db, id);
        return r.status === 'sent' ? r : null;
      });
      expect(sent.attempts).toBeGreaterThanOrEqual(2);
      expect(smtp.messages.filter((m) => m.raw.includes(id))).toHaveLength(1);
    } finally {
      await delivery.stop();
      await smtp?.close();
    }
  });

  it('gives up: after maxAttempts, or at once on a permanent refusal', async () => {
    const smtp = await startSmtp({ refuse: (addr) => (addr === 'nobody@example.com' ? 550 : addr === 'flaky@example.com' ? 451 : null) });
    const delivery = new MailDelivery({ db, smtpUrl: smtp.url, logger: silent, owner: 'worker-a', pollMs: 50, retryBaseMs: 20, maxAttempts: 3 });
    try {
      const gone = await enqueue(db, email(orgId, 'No such mailbox', { to: 'nobody@example.com' }));
      const flaky = await enqueue(db, email(orgId, 'Always busy', { to: 'flaky@example.com' }));
      delivery.start();
      delivery.wake();
      const [a, b] = await until('both failed', async () => {
        const rows = [await row(db, gone), await row(db, flaky)];
        return rows.every((r) => r.status === 'failed') ? rows : null;
      });
      expect(a).toMatchObject({ attempts: 1, sent_at: null, lease_owner: null });
      expect(a!.last_error).toMatch(/550/);
      expect(b).toMatchObject({ attempts: 3, sent_at: null });
      expect(b!.last_error).toMatch(/451/);
      expect(smtp.messages.filter((m) => m.raw.includes(gone) || m.raw.includes(flaky))).toHaveLength(0);
    } finally {
      await delivery.stop();
      await smtp.close();
    }
  });

  it('never sends an email whose transaction rolled back', async () => {
    const smtp = await startSmtp();
    const delivery = new MailDelivery({ db, smtpUrl: smtp.url, logger: silent, owner: 'worker-a' });
    try {
      await expect(
        db.tx(async (trx) => {
          await enqueueEmail(trx, email(orgId, 'Rolled back'));
          throw new Error('the decision lost its guard');
        }),
      ).rejects.toThrow('the decision lost its guard');
      expect(await db.k.selectFrom('outbox').select('id').where('subject', '=', 'Rolled back').execute()).toEqual([]);
      expect(await delivery.runOnce()).toBe(0);
      expect(smtp.messages.filter((m) => m.raw.includes('Rolled back'))).toHaveLength(0);
    } finally {
      await delivery.stop();
      await smtp.close();
    }
  });

  it('takes over the row of a crashed owner once its lease expired, and sends it exactly once', async () => {
    const smtp = await startSmtp();
    const a = new MailDelivery({ db, smtpUrl: smtp.url, logger: silent, owner: 'worker-a' });
    const b = new MailDelivery({ db, smtpUrl: smtp.url, logger: silent, owner: 'worker-b' });
    try {
      const now = Date.now();
      const crashed = await enqueue(db, email(orgId, 'Orphaned'));
      const alive = await enqueue(db, email(orgId, 'Still leased'));
      await db.k.updateTable('outbox').set({ lease_owner: 'worker-crashed', lease_until: now - 1, attempts: 1 }).where('id', '=', crashed).execute();
      await db.k.updateTable('outbox').set({ lease_owner: 'worker-alive', lease_until: now + 60_000, attempts: 1 }).where('id', '=', alive).execute();

      // Two deliveries race for it; the lease lets exactly one of them have it.
      const claimed = await Promise.all([a.runOnce(), b.runOnce()]);
      expect(claimed.reduce((x, y) => x + y, 0)).toBe(1);
      expect(await a.runOnce()).toBe(0);

      expect(await row(db, crashed)).toMatchObject({ status: 'sent', attempts: 2, lease_owner: null, message_id: `<${crashed}@localhost>` });
      expect(smtp.messages.filter((m) => m.raw.includes(crashed))).toHaveLength(1);
      // A live lease is left alone.
      expect(await row(db, alive)).toMatchObject({ status: 'pending', lease_owner: 'worker-alive', attempts: 1 });
      expect(smtp.messages.filter((m) => m.raw.includes(alive))).toHaveLength(0);
      await db.k.updateTable('outbox').set({ status: 'failed' }).where('id', '=', alive).execute();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await smtp.close();
    }
  });

  it('without SMTP, holds email and logs recipient and subject, never the body', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
    const delivery = new MailDelivery({ db, logger, owner: 'worker-nosmtp', pollMs: 50 });
    try {
      const msg = email(orgId, 'Review "Held"', { to: 'guest@example.com' });
      const id = await enqueue(db, msg);
      delivery.start();
      delivery.wake();
      const held = await until('held', async () => {
        const r = await row(db, id);
        return r.status === 'held' ? r : null;
      });
      expect(held).toMatchObject({ attempts: 0, sent_at: null, lease_owner: null, lease_until: null, message_id: null });
      await delivery.stop();
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.outboxId === id);
      expect(logged).toEqual([expect.objectContaining({ level: 30, to: 'guest@example.com', subject: 'Review "Held"' })]);
      const all = lines.join('');
      expect(all).not.toContain('tok_ReviewHeld');
      expect(all).not.toContain('Olive asked you');
    } finally {
      await delivery.stop();
    }
  });

  it('stops gracefully: waits for a send in flight and records it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 1000,
      onData(stream, _s, cb) {
        stream.resume();
        stream.on('end', () => void gate.then(() => cb()));
      },
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const port = (slow.server.address() as net.AddressInfo).port;
    const delivery = new MailDelivery({ db, smtpUrl: `smtp://127.0.0.1:${port}`, logger: silent, owner: 'worker-a', pollMs: 50 });
    try {
      const id = await enqueue(db, email(orgId, 'Slow server'));
      delivery.start();
      delivery.wake();
      await until('claimed', async () => (await row(db, id)).lease_owner === 'worker-a');
      let stopped = false;
      const stopping = delivery.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(await row(db, id)).toMatchObject({ status: 'sent', lease_owner: null });
    } finally {
      release();
      await delivery.stop();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });
});

// ---------------------------------------------------------------- no SMTP: held, and the outbox viewer

describe.each(DIALECTS)('outbox viewer (%s)', (dialect) => {
  it('shows held email to org admins only, newest first, paged, one org at a time', async () => {
    const s = await startTestServer(dialect);
    // The server's own engine may hold these rows too; either way they end up held.
    const delivery = new MailDelivery({ db: s.db, logger: silent, owner: 'viewer-test' });
    try {
      const w = await setupWorld(s);
      const secret = 'https://flowgate.example/review/SECRETTOKEN123';
      const r = renderEmail({ heading: 'Review please', paragraphs: ['A post waits for you.'], action: { label: 'Review', url: secret } });
      const t0 = Date.now();
      const first = await enqueue(s.db, { orgId: w.orgId, runId: 'run-9', to: 'guest@example.com', subject: 'Review "Launch"', ...r, now: t0 });
      const second = await enqueue(s.db, { orgId: w.orgId, to: 'b@example.com', subject: 'Second', text: 'two', html: '<p>two</p>', now: t0 + 1 });
      const third = await enqueue(s.db, { orgId: w.orgId, to: 'c@example.com', subject: 'Third', text: 'three', html: '<p>three</p>', now: t0 + 2 });
      const foreign = await enqueue(s.db, { orgId: 'some-other-org', to: 'x@example.com', subject: 'Not yours', text: 'x', html: 'x', now: t0 });
      await until('all held', async () => {
        await delivery.runOnce();
        const rows = await s.db.k.selectFrom('outbox').select('status').where('id', 'in', [first, second, third, foreign]).execute();
        return rows.every((x) => x.status === 'held');
      });

      const list = await s.call('GET', '/api/outbox', { token: w.owner.token });
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([third, second, first]);
      expect(list.body.nextCursor).toBeNull();
      expect(list.body.items[2]).toEqual({
        id: first,
        to: 'guest@example.com',
        subject: 'Review "Launch"',
        text: r.text,
        html: r.html,
        links: [secret],
        status: 'held',
        attempts: 0,
        lastError: null,
        createdAt: new Date(t0).toISOString(),
        sentAt: null,
        nextAttemptAt: null,
        runId: 'run-9',
      });

      const p1 = await s.call('GET', '/api/outbox?limit=2', { token: w.owner.token });
      expect(p1.body.items.map((i: { id: string }) => i.id)).toEqual([third, second]);
      expect(p1.body.nextCursor).toEqual(expect.any(String));
      const p2 = await s.call('GET', `/api/outbox?limit=2&cursor=${p1.body.nextCursor}`, { token: w.owner.token });
      expect(p2.body).toMatchObject({ items: [{ id: first }], nextCursor: null });

      expect(await s.call('GET', `/api/outbox/${first}`, { token: w.owner.token })).toMatchObject({ status: 200, body: { id: first, status: 'held' } });
      expect((await s.call('GET', `/api/outbox/${foreign}`, { token: w.owner.token })).status).toBe(404);
      expect((await s.call('GET', '/api/outbox?cursor=nonsense', { token: w.owner.token })).status).toBe(400);

      const member = await addUser(s, w.owner.token, { email: 'member@acme.example', spaceId: w.spaceId });
      const refused = await s.call('GET', '/api/outbox', { token: member.token });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await s.call('GET', `/api/outbox/${first}`, { token: member.token })).status).toBe(403);
      expect((await s.call('GET', '/api/outbox')).status).toBe(401);
    } finally {
      await delivery.stop();
      await s.close();
    }
  });
});
