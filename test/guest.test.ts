/**
 * Guest review links end to end: a real server over real HTTP, a real SMTP server receiving
 * the review emails, and a real headless browser. The link is read from the email, as a
 * reviewer would; opening it never decides; the no-JavaScript form does; cross-site posts,
 * missing nonces, expired, used and unknown links are refused; and the raw token is found
 * nowhere but in the email (not in answers, the audit log, logs, or the database outside
 * the outbox row of that email).
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClock, type TestClock } from './helpers/clock.js';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { GuestRateLimits, FixedWindowLimiter } from '../src/api/rate-limit.js';
import { checkNonce, makeNonce } from '../src/api/guest-page.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { setupWorld, type TestServer, type World } from './helpers/server.js';
import { freePort, parseMime, startSmtp, until, type TestSmtp } from './helpers/smtp.js';

const CLIENT = 'client@brand.example';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const CHROMIUM = '/usr/bin/chromium';

interface Logged extends TestServer {
  logs: string[];
  /** The server's clock: tests move it instead of sleeping. */
  clock: TestClock;
  /** Every answer body the test fetched (outbox answers aside), for the token hunt. */
  answers: string[];
}

/** A server whose pino logger writes, at level debug, into an array. */
async function startLoggedServer(dialect: (typeof DIALECTS)[number], smtpUrl: string): Promise<Logged> {
  const port = await freePort();
  const dbUrl = await freshDbUrl(dialect);
  const logs: string[] = [];
  const answers: string[] = [];
  const config = loadConfig({ port, host: '127.0.0.1', db: dbUrl, smtpUrl, publicUrl: `http://127.0.0.1:${port}`, logLevel: 'debug' }, {});
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const clock = testClock();
  const server: RunningServer = await startServer(config, { logger, now: clock.now });
  return Object.assign(server, {
    dbUrl,
    clock,
    logs,
    answers,
    async call(method: string, p: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined = opts.raw;
      if (body === undefined && opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(server.url + p, { method, headers, body });
      const text = await res.text();
      if (!p.startsWith('/api/outbox')) answers.push(text);
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
  });
}

describe.each(DIALECTS)('guest review links (%s)', (dialect) => {
  let smtp: TestSmtp;
  let s: Logged;
  let w: World;
  let itemId: string;
  const seen = new Set<number>();
  const tokens: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startLoggedServer(dialect, smtp.url);
    w = await setupWorld(s);
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, {
      token: w.owner.token,
      body: { title: 'Spring <launch> post', caption: 'New colours, same comfort.\nShop now.', platforms: ['instagram'], tags: ['spring'] },
    });
    expect(item.status).toBe(201);
    itemId = item.body.id;
  });
  afterAll(async () => {
    await s?.close();
    await smtp?.close();
  });

  async function workflow(gate: Record<string, unknown> = {}) {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: {
        name: `Client sign-off ${crypto.randomUUID().slice(0, 8)}`,
        trigger: { type: 'manual' },
        phases: [
          { id: 'review', type: 'approval', approvers: { emails: [CLIENT] }, required: 'any', ...gate },
          { id: 'publish', type: 'mutate', set: { status: 'Approved' } },
        ],
      },
    });
    expect(wf.status).toBe(201);
    return wf.body.id as string;
  }

  /** Starts a run on the item, waits for the review email and returns its link. */
  async function runWithLink(gate: Record<string, unknown> = {}) {
    await s.call('PATCH', `/api/content/${itemId}`, { token: w.owner.token, body: { status: 'Ideas' } });
    const wfId = await workflow(gate);
    const run = await s.call('POST', `/api/workflows/${wfId}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: itemId } } });
    expect(run.status).toBe(201);
    const runId = run.body.id as string;
    await until('the run to wait', async () => (await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body.status === 'waiting');
    const i = await until('the review email', async () => {
      const k = smtp.messages.findIndex((m, idx) => !seen.has(idx) && m.to.includes(CLIENT));
      return k >= 0 ? k + 1 : null;
    });
    seen.add(i - 1);
    const mime = parseMime(smtp.messages[i - 1]!.raw);
    const text = mime.parts.find((p) => /text\/plain/.test(p.headers['content-type'] ?? ''))!.body;
    const url = /(https?:\/\/\S+\/review\/(\S+))/.exec(text)!;
    expect(url[1]!.startsWith(`${s.url}/review/`)).toBe(true);
    tokens.push(url[2]!);
    return { runId, url: url[1]!, token: url[2]!, path: `/review/${url[2]!}` };
  }

  const runOf = async (runId: string) => (await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body;
  const linkRow = async (runId: string) => s.db.k.selectFrom('guest_links').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
  const nonceIn = (html: string) => /name="nonce" value="([^"]+)"/.exec(html)?.[1];

  async function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = { origin: s.url }) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
    const html = await res.text();
    s.answers.push(html);
    return { status: res.status, html, headers: res.headers };
  }

  async function page(url: string) {
    const res = await fetch(url);
    const html = await res.text();
    s.answers.push(html);
    return { status: res.status, html, headers: res.headers };
  }

  it('opening the link decides nothing; the form POST approves, and the link is dead afterwards', async () => {
    const l = await runWithLink();
    const view = await page(l.url);
    expect(view.status).toBe(200);
    expect(view.headers.get('content-type')).toMatch(/^text\/html/);
    expect(view.headers.get('referrer-policy')).toBe('no-referrer');
    expect(view.headers.get('cache-control')).toBe('no-store');
    const csp = view.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(view.html).toContain('Spring &lt;launch&gt; post');
    expect(view.html).not.toContain('<launch>');
    expect(view.html).toContain('New colours, same comfort.');
    expect(view.html).toContain('instagram');
    expect(view.html).toContain('Ideas');
    expect(view.html).toMatch(/value="approve"[^>]*>Approve</);
    expect(view.html).toMatch(/value="deny"[^>]*>Deny</);
    expect(view.html).not.toContain(l.token);
    expect(view.html).not.toMatch(/<script|<link |src=/i);

    const head = await fetch(l.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    const api = await s.call('GET', `/api/guest/${l.token}`);
    expect(api.status).toBe(200);
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.body).toMatchObject({ kind: 'approval', gate: { phaseId: 'review', status: 'waiting' }, target: { type: 'content', id: itemId, title: 'Spring <launch> post', status: 'Ideas' }, comments: [] });
    expect(Date.parse(api.body.expiresAt)).toBeGreaterThan(Date.now() + 71 * 3600_000);
    expect(api.body.target.assignees).toBeUndefined();

    expect((await runOf(l.runId)).status).toBe('waiting');
    expect((await linkRow(l.runId)).used_at).toBeNull();

    const done = await postForm(l.url, { action: 'approve', comment: 'Lovely, ship it', nonce: nonceIn(view.html)! });
    expect(done.status).toBe(200);
    expect(done.html).toContain('Thanks — your approval was recorded');
    expect(done.headers.get('content-security-policy')).toContain("default-src 'none'");
    const run = await until('the run to complete', async () => {
      const r = await runOf(l.runId);
      return r.status === 'completed' && r;
    });
    expect(run.outcome).toBe('succeeded');
    expect(run.phases.map((p: { phaseId: string; status: string }) => [p.phaseId, p.status])).toEqual([['review', 'succeeded'], ['publish', 'succeeded']]);
    expect((await s.call('GET', `/api/content/${itemId}`, { token: w.owner.token })).body.status).toBe('Approved');

    const gates = await s.call('GET', `/api/runs/${l.runId}/approvals`, { token: w.owner.token });
    expect(gates.body.items[0]).toMatchObject({ status: 'approved', decisions: [{ approver: { email: CLIENT }, decision: 'approve', comment: 'Lovely, ship it', via: 'link', counts: true }] });

    const again = await postForm(l.url, { action: 'approve', nonce: nonceIn(view.html)! });
    expect(again.status).toBe(410);
    expect(again.html).toMatch(/This review is closed|already used/);
    expect(again.headers.get('content-type')).toMatch(/^text\/html/);
    const reopened = await page(l.url);
    expect(reopened.status).toBe(410);
    expect(reopened.html).toContain('This review is closed');
    const apiAgain = await s.call('POST', `/api/guest/${l.token}/decision`, { body: { decision: 'deny' } });
    expect(apiAgain.status).toBe(410);
    expect(apiAgain.body.error.code).toMatch(/^link_(closed|used)$/);
    expect((await s.call('GET', `/api/guest/${l.token}`)).status).toBe(410);

    const audit = await s.call('GET', `/api/audit?runId=${l.runId}&limit=500`, { token: w.owner.token });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['guest_link.issued', 'gate.decision', 'guest_link.refused']));
    const decision = audit.body.items.find((e: { action: string }) => e.action === 'gate.decision');
    expect(decision).toMatchObject({ actor: `guest:${CLIENT}`, data: { decision: 'approve', via: 'link', ip: '127.0.0.1' } });
    const refused = audit.body.items.filter((e: { action: string }) => e.action === 'guest_link.refused');
    expect(refused[0].data).toMatchObject({ reason: 'closed', linkId: (await linkRow(l.runId)).id });
  });

  it('refuses cross-site posts and posts without the page nonce, deciding nothing', async () => {
    const l = await runWithLink();
    const view = await page(l.url);
    const nonce = nonceIn(view.html)!;
    const crossSite = await postForm(l.url, { action: 'approve', nonce }, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.html).toContain('This request was refused');
    expect((await postForm(l.url, { action: 'approve', nonce }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await postForm(l.url, { action: 'approve', nonce }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await postForm(l.url, { action: 'approve', nonce }, { 'sec-fetch-site': 'same-site', origin: 'https://www.127.0.0.1.example' })).status).toBe(403);
    expect((await postForm(l.url, { action: 'approve', nonce }, { origin: 'null' })).status).toBe(403);
    const noNonce = await postForm(l.url, { action: 'approve' });
    expect(noNonce.status).toBe(403);
    expect(noNonce.html).toContain('This form has expired');
    const forged = await postForm(l.url, { action: 'approve', nonce: nonce.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    expect(forged.status).toBe(403);
    // A nonce from another link's page is refused too.
    const other = makeNonce(crypto.randomBytes(32), (await linkRow(l.runId)).id, Date.now());
    expect((await postForm(l.url, { action: 'approve', nonce: other })).status).toBe(403);
    const apiCross = await s.call('POST', `/api/guest/${l.token}/decision`, { body: { decision: 'approve' }, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(apiCross.status).toBe(403);
    expect(apiCross.body.error.code).toBe('cross_site_request');
    expect((await s.call('POST', `/api/guest/${l.token}/decision`, { body: { decision: 'approve' }, headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await s.call('POST', `/api/guest/${l.token}/comments`, { body: { body: 'hi' }, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await runOf(l.runId)).status).toBe('waiting');
    expect((await linkRow(l.runId)).used_at).toBeNull();
    expect((await s.call('GET', `/api/runs/${l.runId}/approvals`, { token: w.owner.token })).body.items[0].decisions).toEqual([]);

    // A browser's own form (Sec-Fetch-Site: same-origin, Origin: null under no-referrer) passes; so does a plain API client.
    const denied = await s.call('POST', `/api/guest/${l.token}/decision`, { body: { decision: 'deny', comment: 'Wrong colours' }, headers: { 'sec-fetch-site': 'same-origin', origin: 'null' } });
    expect(denied.status).toBe(200);
    expect(denied.body).toEqual({ phaseId: 'review', status: 'denied', decision: 'deny' });
    const run = await until('the run to end denied', async () => {
      const r = await runOf(l.runId);
      return r.status === 'completed' && r;
    });
    expect(run.outcome).toBe('denied');
    expect(run.phases.map((p: { phaseId: string }) => p.phaseId)).toEqual(['review']);
    expect((await s.call('GET', `/api/content/${itemId}`, { token: w.owner.token })).body.status).toBe('Ideas');
  });

  it('takes comments from the page and the API without deciding', async () => {
    const l = await runWithLink();
    const view = await page(l.url);
    const added = await postForm(l.url, { action: 'comment', comment: 'Can the logo be bigger?', nonce: nonceIn(view.html)! });
    expect(added.status).toBe(200);
    expect(added.html).toContain('Thanks — your comment was added.');
    expect(added.html).toContain('Can the logo be bigger?');
    const empty = await postForm(l.url, { action: 'comment', comment: '   ', nonce: nonceIn(view.html)! });
    expect(empty.status).toBe(400);
    const viaApi = await s.call('POST', `/api/guest/${l.token}/comments`, { body: { body: 'And warmer colours, please.' } });
    expect(viaApi.status).toBe(201);
    expect(viaApi.body).toMatchObject({ body: 'And warmer colours, please.', author: { email: CLIENT }, source: 'guest' });
    expect((await s.call('POST', `/api/guest/${l.token}/comments`, { body: { body: '' } })).status).toBe(400);

    const comments = await s.call('GET', `/api/content/${itemId}/comments?limit=500`, { token: w.owner.token });
    const mine = comments.body.items.filter((c: { source: string }) => c.source === 'guest').slice(-2);
    expect(mine).toEqual([
      expect.objectContaining({ body: 'Can the logo be bigger?', author: { email: CLIENT }, runId: l.runId }),
      expect.objectContaining({ body: 'And warmer colours, please.', author: { email: CLIENT }, runId: l.runId }),
    ]);
    const shown = await s.call('GET', `/api/guest/${l.token}`);
    expect(shown.body.comments.slice(-2).map((c: { body: string; author: unknown }) => [c.body, c.author])).toEqual([
      ['Can the logo be bigger?', { email: CLIENT }],
      ['And warmer colours, please.', { email: CLIENT }],
    ]);
    expect((await runOf(l.runId)).status).toBe('waiting');
    expect((await linkRow(l.runId)).used_at).toBeNull();
    const audit = await s.call('GET', `/api/audit?runId=${l.runId}&action=guest.comment`, { token: w.owner.token });
    expect(audit.body.items).toHaveLength(2);
    expect(audit.body.items[0]).toMatchObject({ actor: `guest:${CLIENT}`, data: { ip: '127.0.0.1', targetId: itemId } });
    // End it by the app, so later tests start from a quiet item.
    expect((await s.call('POST', `/api/runs/${l.runId}/cancel`, { token: w.owner.token, body: {} })).status).toBeLessThan(300);
    const closed = await s.call('POST', `/api/guest/${l.token}/comments`, { body: { body: 'Too late?' } });
    expect(closed.status).toBe(410);
  });

  it('refuses an expired link with a clear page and 410 on the API; unknown tokens are 404', async () => {
    const l = await runWithLink({ linkExpiresIn: '1s' });
    // Still good just before it expires, refused once the server's clock passes it.
    expect((await s.call('GET', `/api/guest/${l.token}`)).status).toBe(200);
    s.clock.advance(1_500);
    const view = await page(l.url);
    expect(view.status).toBe(410);
    expect(view.html).toContain('This link has expired');
    expect(view.headers.get('referrer-policy')).toBe('no-referrer');
    const api = await s.call('GET', `/api/guest/${l.token}`);
    expect(api.status).toBe(410);
    expect(api.body.error.code).toBe('link_expired');
    const decision = await s.call('POST', `/api/guest/${l.token}/decision`, { body: { decision: 'approve' } });
    expect(decision.status).toBe(410);
    expect((await runOf(l.runId)).status).toBe('waiting');
    const audit = await s.call('GET', `/api/audit?runId=${l.runId}&action=guest_link.refused`, { token: w.owner.token });
    expect(audit.body.items.map((e: { data: { reason: string; attempt: string } }) => [e.data.reason, e.data.attempt]).sort()).toEqual([
      ['expired', 'decision'],
      ['expired', 'view'],
      ['expired', 'view'],
    ]);
    await s.call('POST', `/api/runs/${l.runId}/cancel`, { token: w.owner.token, body: {} });

    const unknown = `fgr_${crypto.randomBytes(32).toString('base64url')}`;
    const missing = await page(`${s.url}/review/${unknown}`);
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('This link is not valid');
    const apiMissing = await s.call('GET', `/api/guest/${unknown}`);
    expect(apiMissing.status).toBe(404);
    expect(apiMissing.body.error.code).toBe('not_found');
  });

  it('a mail scanner in a real browser decides nothing; a person with the same browser does, without JavaScript', async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: this test needs a Chromium binary there (apt-get install chromium).`);
    const { chromium } = await import('playwright-core');
    const l = await runWithLink();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const cspViolations: string[] = [];
      const scanner = await browser.newContext({ javaScriptEnabled: true, viewport: { width: 900, height: 1100 } });
      const tab = await scanner.newPage();
      tab.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
      });
      const res = await tab.goto(l.url, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      // The inline style is allowed by the CSP's hash: the page is styled.
      expect(await tab.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(244, 246, 250)');
      fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
      await tab.screenshot({ path: path.join(ROOT, '.tmp', 'guest-page.png'), fullPage: true });
      await scanner.close();
      expect(cspViolations).toEqual([]);
      expect((await runOf(l.runId)).status).toBe('waiting');
      expect((await linkRow(l.runId)).used_at).toBeNull();

      // A person, with JavaScript off to prove the form needs none.
      const person = await browser.newContext({ javaScriptEnabled: false });
      const p = await person.newPage();
      await p.goto(l.url, { waitUntil: 'load' });
      await p.fill('textarea[name="comment"]', 'Approved from a real browser');
      const [nav] = await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('button[value="approve"]')]);
      expect(nav?.status()).toBe(200);
      expect(await p.textContent('h1')).toBe('Thanks — your approval was recorded');
      await person.close();
    } finally {
      await browser.close();
    }
    const run = await until('the run to complete', async () => {
      const r = await runOf(l.runId);
      return r.status === 'completed' && r;
    });
    expect(run.outcome).toBe('succeeded');
    const gates = await s.call('GET', `/api/runs/${l.runId}/approvals`, { token: w.owner.token });
    expect(gates.body.items[0].decisions[0]).toMatchObject({ approver: { email: CLIENT }, comment: 'Approved from a real browser', via: 'link' });
    expect((await linkRow(l.runId)).used_at).not.toBeNull();
  }, 60_000);

  it('keeps every raw token out of answers, the audit log, logs and the database (outside the email itself)', async () => {
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    const runs = (await s.call('GET', `/api/runs?limit=500`, { token: w.owner.token })).body.items as Array<{ id: string }>;
    for (const r of runs) {
      await s.call('GET', `/api/runs/${r.id}`, { token: w.owner.token });
      await s.call('GET', `/api/runs/${r.id}/approvals`, { token: w.owner.token });
    }
    await s.call('GET', '/api/audit?limit=500', { token: w.owner.token });
    await s.call('GET', '/api/me/notifications', { token: w.owner.token });
    await s.call('GET', `/api/content/${itemId}/comments?limit=500`, { token: w.owner.token });
    const answers = s.answers.join('\n');
    expect(answers.length).toBeGreaterThan(1000);
    for (const t of tokens) expect(answers.includes(t), 'token in an API answer').toBe(false);

    const outbox = await s.call('GET', '/api/outbox?limit=500', { token: w.owner.token });
    for (const t of tokens) {
      const holding = outbox.body.items.filter((i: unknown) => JSON.stringify(i).includes(t));
      expect(holding).toHaveLength(1);
      const [mail] = holding;
      expect(mail.to).toBe(CLIENT);
      expect(mail.text).toContain(`/review/${t}`);
      expect(mail.html).toContain(`/review/${t}`);
      expect(mail.links).toContain(`${s.url}/review/${t}`);
      expect(JSON.stringify({ ...mail, text: '', html: '', links: [] }).includes(t)).toBe(false);
    }

    const logs = s.logs.join('');
    expect(logs).toContain('email sent');
    for (const t of tokens) expect(logs.includes(t), 'token in the server log').toBe(false);

    // Every column of every table: the token lives only in the outbox row of its email.
    const tables =
      dialect === 'sqlite'
        ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(s.db.k)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(s.db.k)).rows.map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['guest_links', 'audit_events', 'outbox', 'comments']));
    const where = new Map<string, number>();
    for (const table of tables) {
      const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(s.db.k)).rows;
      for (const row of rows) {
        for (const [col, v] of Object.entries(row)) {
          const text = Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
          for (const t of tokens) if (text.includes(t)) where.set(`${table}.${col}`, (where.get(`${table}.${col}`) ?? 0) + 1);
        }
      }
    }
    expect([...where.keys()].sort()).toEqual(['outbox.html_body', 'outbox.links', 'outbox.text_body']);
    expect(where.get('outbox.text_body')).toBe(tokens.length);

    if (dialect === 'sqlite') {
      // The file bytes, write-ahead log included (freed pages too): every copy of a token is
      // inside a review URL, that is, in an email body.
      const files = [s.dbUrl, `${s.dbUrl}-wal`].filter((f) => fs.existsSync(f));
      let found = 0;
      for (const f of files) {
        const bytes = fs.readFileSync(f);
        for (const t of tokens) {
          for (let i = bytes.indexOf(t); i >= 0; i = bytes.indexOf(t, i + 1)) {
            found++;
            expect(bytes.subarray(i - 8, i).toString('latin1'), `a raw token outside a review URL in ${path.basename(f)}`).toBe('/review/');
          }
        }
      }
      expect(found).toBeGreaterThan(0);
    }
  });

  it('rate-limits lookups of unknown tokens per IP with 429 (JSON and page); real links keep working', async () => {
    const l = await runWithLink();
    const statuses: number[] = [];
    for (let i = 0; i < 102; i++) {
      const r = await s.call('GET', `/api/guest/fgr_${crypto.randomBytes(32).toString('base64url')}`);
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.body.error.code).toBe('rate_limited');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    // Earlier tests used two of the hundred failed lookups a minute.
    expect(statuses).toEqual([...Array(98).fill(404), 429, 429, 429, 429]);
    // The address that guessed still opens the link it really holds.
    expect((await s.call('GET', `/api/guest/${l.token}`)).status).toBe(200);
    const blocked = await page(`${s.url}/review/fgr_${crypto.randomBytes(32).toString('base64url')}`);
    expect(blocked.status).toBe(429);
    expect(blocked.html).toContain('Too many requests');
    expect(blocked.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('guest rate limits', () => {
  it('a fixed window admits `limit` hits per key, then refuses until the window ends', () => {
    const l = new FixedWindowLimiter({ limit: 3, windowMs: 1000 });
    const t0 = 1_000_000;
    expect([1, 2, 3, 4].map(() => l.hit('a', t0).ok)).toEqual([true, true, true, false]);
    expect(l.hit('b', t0).ok).toBe(true);
    expect(l.hit('a', t0 + 999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(l.hit('a', t0 + 1000).ok).toBe(true);
  });

  it('forgets expired windows when it holds too many keys', () => {
    const l = new FixedWindowLimiter({ limit: 1, windowMs: 1000, maxKeys: 10 });
    for (let i = 0; i < 50; i++) l.hit(`k${i}`, i * 100);
    expect(l.size).toBeLessThanOrEqual(11);
  });

  it('counts requests per IP and link; past too many unknown tokens an IP\'s guesses are refused, its real links are not', () => {
    const g = new GuestRateLimits({ requests: 2, failedLookups: 2, windowMs: 60_000 });
    const t = 5_000;
    expect([g.admit('1.1.1.1', 'link-a', t).ok, g.admit('1.1.1.1', 'link-a', t).ok, g.admit('1.1.1.1', 'link-a', t).ok]).toEqual([true, true, false]);
    expect(g.admit('1.1.1.1', 'link-b', t).ok).toBe(true);
    expect(g.admit('2.2.2.2', 'link-a', t).ok).toBe(true);
    expect(g.failed('3.3.3.3', t).ok).toBe(true);
    expect(g.failed('3.3.3.3', t).ok).toBe(true);
    expect(g.failed('3.3.3.3', t + 1000)).toEqual({ ok: false, retryAfterMs: 59_000 });
    // A link that exists still answers from that address.
    expect(g.admit('3.3.3.3', 'link-c', t + 1000).ok).toBe(true);
    expect(g.failed('3.3.3.3', t + 60_000).ok).toBe(true);
  });

  it('the page nonce binds the link and expires after a few hours', () => {
    const secret = crypto.randomBytes(32);
    const t = Date.UTC(2030, 0, 1);
    const n = makeNonce(secret, 'link-1', t);
    expect(checkNonce(secret, 'link-1', n, t + 3600_000)).toBe('ok');
    expect(checkNonce(secret, 'link-2', n, t)).toBe('invalid');
    expect(checkNonce(crypto.randomBytes(32), 'link-1', n, t)).toBe('invalid');
    expect(checkNonce(secret, 'link-1', n, t + 5 * 3600_000)).toBe('stale');
    expect(checkNonce(secret, 'link-1', undefined, t)).toBe('missing');
    expect(checkNonce(secret, 'link-1', 'garbage', t)).toBe('invalid');
  });
});
