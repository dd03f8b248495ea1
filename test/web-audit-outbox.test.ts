/**
 * The audit log viewer and the mail outbox viewer in a real Chromium against a real server
 * (SQLite, no SMTP server: emails are held in the outbox). A workflow emails a notification
 * and a guest review link; the owner reads both in the outbox and follows the link; a member
 * is refused. The audit page filters one run's trail from the address, filters by actor,
 * pages through the log, verifies the chain, and shows where it breaks after a stored event
 * is edited behind the server's back.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENS, screenshot, signIn } from './helpers/browser.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { freePort, until } from './helpers/smtp.js';

interface AuditItem {
  seq: number;
  actor: string;
  action: string;
  runId: string | null;
}

const CLIENT = 'client@brand.example';

describe('web UI: audit log and outbox', { timeout: 120_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let member: { id: string; token: string; email: string };
  let gateRun: string;
  let memberRun: string;

  const auditOf = async (query: string): Promise<AuditItem[]> => {
    const res = await s.call('GET', `/api/audit?limit=500${query}`, { token: w.owner.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items;
  };
  const rowAttrs = (page: Page, attr: string) => page.locator('table.audit tbody tr').evaluateAll((rows, a) => rows.map((r) => r.getAttribute(a)), attr);

  beforeAll(async () => {
    const port = await freePort();
    s = await startTestServer('sqlite', { port, publicUrl: `http://127.0.0.1:${port}` });
    w = await setupWorld(s);
    member = await addUser(s, w.owner.token, { email: 'mia@acme.example', name: 'Mia Member', spaceId: w.spaceId });
    browser = await launchChromium();

    // The owner's run emails the client a notification, then waits on the client's guest link.
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Launch post' } });
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: {
        name: 'Client sign-off',
        trigger: { type: 'manual' },
        phases: [
          { id: 'brief', type: 'notify', to: [CLIENT], channels: ['email'], message: '{{target.title}} is ready for review' },
          { id: 'client', type: 'approval', approvers: { emails: [CLIENT] }, required: 'any' },
        ],
      },
    });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    gateRun = run.body.id;

    // The member runs another workflow: other events, by another actor.
    const note = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Note', trigger: { type: 'manual' }, phases: [{ id: 'note', type: 'comment', body: 'Seen by the team' }] },
    });
    const mine = await s.call('POST', `/api/workflows/${note.body.id}/runs`, { token: member.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    memberRun = mine.body.id;

    await until('the gate to wait', async () => (await s.call('GET', `/api/runs/${gateRun}`, { token: w.owner.token })).body.status === 'waiting', 20_000);
    await until('the member run to end', async () => (await s.call('GET', `/api/runs/${memberRun}`, { token: w.owner.token })).body.status === 'completed', 20_000);
    // With no SMTP server both emails end up held in the outbox.
    await until('two held emails', async () => {
      const o = await s.call('GET', '/api/outbox', { token: w.owner.token });
      return o.body.items.length === 2 && o.body.items.every((m: { status: string }) => m.status === 'held');
    }, 20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('outbox: lists every email with recipient, state, clickable links and a sandboxed HTML body', async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
      await page.getByRole('heading', { name: 'Outbox', level: 1 }).waitFor();
      expect(await page.locator('.outbox-banner').textContent()).toContain('Emails are listed here whether or not they were delivered by SMTP');

      const api = (await s.call('GET', '/api/outbox', { token: w.owner.token })).body.items as { id: string; subject: string; links: string[] }[];
      const notice = page.locator('article.email', { has: page.getByRole('heading', { name: 'Launch post is ready for review' }) });
      const review = page.locator('article.email', { has: page.getByRole('heading', { name: 'Your approval is needed on "Launch post"' }) });
      await notice.waitFor();
      await review.waitFor();
      expect(await page.locator('article.email').count()).toBe(api.length);
      // Newest first, as the API lists them.
      expect(await page.locator('article.email').evaluateAll((els) => els.map((e) => e.getAttribute('data-email-id')))).toEqual(api.map((m) => m.id));
      for (const card of [notice, review]) {
        expect(await card.locator('.email-to').textContent()).toBe(CLIENT);
        expect(await card.textContent()).toMatch(/not sent\s*held: no SMTP server configured/);
        // The HTML body renders in an iframe with every sandbox permission withheld.
        const frame = card.locator('iframe');
        expect(await frame.getAttribute('sandbox')).toBe('');
        expect(await frame.getAttribute('srcdoc')).toContain("default-src 'none'");
      }
      expect(await notice.getByRole('link', { name: /\/runs\// }).getAttribute('href')).toBe(`${s.url}/runs/${gateRun}`);
      // The bodies really render in their frames.
      await expect.poll(() => review.frameLocator('iframe').getByRole('heading').textContent()).toBe('Your approval is needed on "Launch post"');
      await expect.poll(() => notice.frameLocator('iframe').getByRole('heading').textContent()).toBe('Launch post is ready for review');

      // The guest link is a real link; following it opens the review page (which decides nothing).
      const link = review.getByRole('link', { name: /\/review\// });
      const href = (await link.getAttribute('href'))!;
      expect(href).toMatch(new RegExp(`^${s.url}/review/[A-Za-z0-9_-]{20,}$`));
      expect(api.find((m) => m.subject.startsWith('Your approval'))!.links).toContain(href);
      expect(await link.getAttribute('target')).toBe('_blank');
      const [guestPage] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await guestPage.waitForLoadState();
      expect(guestPage.url()).toBe(href);
      expect(await guestPage.locator('body').textContent()).toContain('Launch post');
      await guestPage.close();
      expect((await s.call('GET', `/api/runs/${gateRun}`, { token: w.owner.token })).body.status).toBe('waiting');

      // The plain text version is one click away and carries the same link.
      await review.getByText('Plain text').click();
      await expect.poll(() => review.locator('pre').textContent()).toContain(href);
      await screenshot(page, 'outbox');
      // A full-page capture leaves sandboxed frames below the fold unpainted; this one is scrolled to.
      await notice.screenshot({ path: path.join(SCREENS, 'outbox-email.png') });

      // One email on its own page, from GET /api/outbox/{id}.
      await review.getByRole('link', { name: 'Your approval is needed on "Launch post"' }).click();
      await page.getByRole('link', { name: '← All emails' }).waitFor();
      expect(new URL(page.url()).search).toMatch(/^\?id=/);
      expect(await page.locator('article.email').count()).toBe(1);
      expect(await page.locator('article.email .email-to').textContent()).toBe(CLIENT);
      await page.getByRole('link', { name: '← All emails' }).click();
      await expect.poll(() => page.locator('article.email').count()).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a member sees no Outbox or Audit link and gets the server refusals as they are', async () => {
    const { context, page, errors } = await signIn(browser, s, member.email);
    try {
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Inbox' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Outbox' }).count()).toBe(0);
      expect(await nav.getByRole('link', { name: 'Audit' }).count()).toBe(0);

      const refusedMail = await s.call('GET', '/api/outbox', { token: member.token });
      expect(refusedMail.status).toBe(403);
      await page.goto(`${s.url}/outbox`);
      await expect.poll(() => page.getByRole('alert').textContent()).toContain(refusedMail.body.error.message);
      expect(await page.locator('article.email').count()).toBe(0);
      await screenshot(page, 'outbox-member');

      const refusedLog = await s.call('GET', '/api/audit', { token: member.token });
      expect(refusedLog.status).toBe(403);
      await page.goto(`${s.url}/audit`);
      await expect.poll(() => page.getByRole('alert').textContent()).toContain(refusedLog.body.error.message);
      expect(await page.getByRole('button', { name: 'Verify chain' }).count()).toBe(0);

      // A run the member can see: its trail is theirs to read.
      await page.goto(`${s.url}/audit?runId=${memberRun}`);
      await page.locator('table.audit tbody tr').first().waitFor();
      expect(new Set(await rowAttrs(page, 'data-run-id'))).toEqual(new Set([memberRun]));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("audit: one run's trail from the address, the actor filter, and paging", async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.locator('table.audit tbody tr').first().waitFor();
      // Unfiltered: the newest events first, including both runs'.
      const all = await auditOf('');
      expect((await rowAttrs(page, 'data-seq')).map(Number)).toEqual(all.slice(0, 50).map((e) => e.seq));

      // The run page links here with ?runId=: only that run's events.
      const trail = await auditOf(`&runId=${gateRun}`);
      expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['run.created', 'gate.opened', 'guest_link.issued']));
      await page.goto(`${s.url}/audit?runId=${gateRun}`);
      await expect.poll(async () => (await rowAttrs(page, 'data-seq')).map(Number)).toEqual(trail.map((e) => e.seq));
      expect(new Set(await rowAttrs(page, 'data-run-id'))).toEqual(new Set([gateRun]));
      expect(await page.getByLabel('Run ID').inputValue()).toBe(gateRun);
      // Actors by name, the engine as "system"; subjects link to the run.
      const created = page.locator(`tr[data-seq="${trail.find((e) => e.action === 'run.created')!.seq}"]`);
      expect(await created.locator('td').nth(2).textContent()).toContain('Olive Owner');
      const opened = page.locator(`tr[data-seq="${trail.find((e) => e.action === 'gate.opened')!.seq}"]`);
      expect(await opened.locator('td').nth(2).textContent()).toBe('system');
      expect(await opened.getByRole('link', { name: /^run / }).getAttribute('href')).toBe(`/runs/${gateRun}`);
      // Data opens as pretty JSON; hashes show in full on hover.
      await opened.locator('details summary').click();
      expect(JSON.parse((await opened.locator('details pre').textContent())!)).toMatchObject({ phaseId: 'client' });
      const hash = opened.locator('code.hash').first();
      expect(await hash.getAttribute('title')).toMatch(/^[0-9a-f]{64}$/);
      expect((await hash.textContent())!.length).toBeLessThan(15);
      await screenshot(page, 'audit-run');

      // The actor filter, chosen like a person would; it lands in the address too.
      await page.getByRole('link', { name: 'Clear filters' }).click();
      await expect.poll(() => page.getByLabel('Run ID').inputValue()).toBe('');
      await page.getByLabel('Actor').selectOption({ label: `Mia Member <${member.email}>` });
      await page.getByRole('button', { name: 'Filter' }).click();
      const byMember = await auditOf(`&actor=user:${member.id}`);
      expect(byMember.length).toBeGreaterThan(0);
      await expect.poll(async () => (await rowAttrs(page, 'data-seq')).map(Number)).toEqual(byMember.map((e) => e.seq));
      expect(new Set(await rowAttrs(page, 'data-actor'))).toEqual(new Set([`user:${member.id}`]));
      expect(new URL(page.url()).searchParams.get('actor')).toBe(`user:${member.id}`);

      // Keyset paging: 55 more events of one action make two pages of 50.
      for (let i = 0; i < 55; i++) expect((await s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: `Space ${i}` } })).status).toBe(201);
      const spaces = await auditOf('&action=space.created');
      expect(spaces.length).toBe(56);
      await page.goto(`${s.url}/audit?action=space.created`);
      await expect.poll(async () => (await rowAttrs(page, 'data-seq')).map(Number)).toEqual(spaces.slice(0, 50).map((e) => e.seq));
      expect(await page.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Older' }).click();
      await expect.poll(async () => (await rowAttrs(page, 'data-seq')).map(Number)).toEqual(spaces.slice(50).map((e) => e.seq));
      expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Newer' }).click();
      await expect.poll(async () => (await rowAttrs(page, 'data-seq')).map(Number)).toEqual(spaces.slice(0, 50).map((e) => e.seq));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('audit: "Verify chain" says intact, then names the event edited behind the server\'s back', async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.goto(`${s.url}/audit?runId=${gateRun}`);
      await page.locator('table.audit tbody tr').first().waitFor();
      const verify = await s.call('GET', '/api/audit/verify', { token: w.owner.token });
      expect(verify.body.ok).toBe(true);
      await page.getByRole('button', { name: 'Verify chain' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe(`Chain intact: ${verify.body.checked} events checked`);
      await screenshot(page, 'audit-verified');

      // Edit one of this run's stored events directly in the SQLite file, as an intruder would.
      const victim = (await auditOf(`&runId=${gateRun}&action=run.created`))[0]!;
      const file = new Database(s.dbUrl);
      try {
        file.pragma('busy_timeout = 5000');
        const changed = file.prepare('UPDATE audit_events SET data = ? WHERE org_id = ? AND seq = ?').run(JSON.stringify({ forged: true }), w.orgId, victim.seq);
        expect(changed.changes).toBe(1);
      } finally {
        file.close();
      }

      await page.getByRole('button', { name: 'Verify chain' }).click();
      const alarm = page.locator('.chain-broken[role="alert"]');
      await expect.poll(() => alarm.textContent()).toContain(`Chain broken at event #${victim.seq}`);
      expect(await alarm.textContent()).toMatch(/altered/);
      expect(await page.getByRole('status').count()).toBe(0);
      const after = await s.call('GET', '/api/audit/verify', { token: w.owner.token });
      expect(after.body).toMatchObject({ ok: false, firstBad: victim.seq });
      // The altered event is marked in the table and shows what is stored now.
      const row = page.locator(`tr[data-seq="${victim.seq}"]`);
      expect(await row.getAttribute('class')).toBe('bad');
      await row.locator('details summary').click();
      expect(JSON.parse((await row.locator('details pre').textContent())!)).toEqual({ forged: true });
      await screenshot(page, 'audit-broken');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
