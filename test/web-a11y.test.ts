/**
 * Every page of the web UI, and the guest review page, checked in a real Chromium with axe-core
 * (WCAG 2.1 A and AA rules) at desktop width and at 390 px: no serious or critical violation,
 * and at phone width nothing wider than the screen (tables scroll inside their own box). Each
 * page is saved as a screenshot at both widths under .tmp/screenshots/ (not committed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { launchChromium, signIn } from './helpers/browser.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { parseMime, startSmtp, until, type TestSmtp } from './helpers/smtp.js';

const SHOTS = path.resolve(import.meta.dirname, '../.tmp/screenshots');
const CLIENT = 'client@brand.example';
const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

interface Violation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** The serious and critical axe violations of the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return (result.violations as Violation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** How far the page is wider than the screen, in CSS pixels (0 when it fits), and what sticks out. */
async function overflow(page: Page): Promise<{ px: number; culprits: string[] }> {
  // A string, evaluated in the page (the tests are compiled without the DOM's types).
  return page.evaluate(`(() => {
    const px = Math.max(0, document.documentElement.scrollWidth - window.innerWidth);
    const culprits = [];
    if (px > 0) {
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        let clipped = false;
        for (let a = el.parentElement; a && !clipped; a = a.parentElement) clipped = getComputedStyle(a).overflowX !== 'visible';
        if (!clipped && r.right > window.innerWidth + 1 && ![...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1)) {
          culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' (' + Math.round(r.width) + ' px)');
          if (culprits.length >= 5) break;
        }
      }
    }
    return { px, culprits };
  })()`);
}

interface Ids {
  runId: string;
  workflowId: string;
  itemId: string;
  spaceId: string;
}

/** Every page of the web UI, with the heading that shows it has loaded. */
const PAGES: Array<{ name: string; path: (ids: Ids) => string; ready: string }> = [
  { name: 'command-center', path: () => '/', ready: 'Command center' },
  { name: 'inbox', path: () => '/inbox', ready: 'Inbox' },
  { name: 'runs', path: () => '/runs', ready: 'Runs' },
  { name: 'run', path: (i) => `/runs/${i.runId}`, ready: 'Run' },
  { name: 'workflows', path: () => '/workflows', ready: 'Workflows' },
  { name: 'templates', path: () => '/workflows/templates', ready: 'Templates' },
  { name: 'workflow', path: (i) => `/workflows/${i.workflowId}`, ready: 'Client sign-off' },
  { name: 'builder-new', path: (i) => `/workflows/new?spaceId=${i.spaceId}`, ready: 'New workflow' },
  { name: 'builder-edit', path: (i) => `/workflows/${i.workflowId}/edit`, ready: 'Client sign-off' },
  { name: 'content', path: () => '/content', ready: 'Content' },
  { name: 'content-item', path: (i) => `/content/content/${i.itemId}`, ready: 'Spring launch post' },
  { name: 'spaces', path: () => '/spaces', ready: 'Spaces' },
  { name: 'audit', path: () => '/audit', ready: 'Audit' },
  { name: 'outbox', path: () => '/outbox', ready: 'Outbox' },
];

describe('accessibility and phone layout of every page', { timeout: 120_000 }, () => {
  let s: TestServer;
  let smtp: TestSmtp;
  let w: World;
  let browser: Browser;
  let ids: Ids;
  let reviewPath = '';
  let signedIn: Awaited<ReturnType<typeof signIn>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startTestServer('sqlite', { smtpUrl: smtp.url });
    w = await setupWorld(s);
    const editor = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch post', caption: 'Fresh colours for spring', status: 'Ideas', platforms: ['instagram'] } });
    expect(item.status).toBe(201);
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: {
        name: 'Client sign-off',
        trigger: { type: 'manual' },
        phases: [
          { id: 'team', type: 'approval', approvers: { members: [editor.id] }, required: 'any' },
          { id: 'client', type: 'approval', approvers: { emails: [CLIENT] }, required: 'any' },
          { id: 'publish', type: 'mutate', set: { status: 'Approved' } },
        ],
      },
    });
    expect(wf.status).toBe(201);
    const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(run.status).toBe(201);
    const runId = run.body.id as string;
    await until('the run to wait for the team', async () => (await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body.status === 'waiting');
    const decided = await s.call('POST', `/api/runs/${runId}/phases/team/decision`, { token: editor.token, body: { decision: 'approve' } });
    expect(decided.status, JSON.stringify(decided.body)).toBeLessThan(300);
    const mail = await until('the review email', async () => smtp.messages.find((m) => m.to.includes(CLIENT)));
    const text = parseMime(mail.raw).parts.find((p) => /text\/plain/.test(p.headers['content-type'] ?? ''))!.body;
    reviewPath = new URL(/(https?:\/\/\S+\/review\/\S+)/.exec(text)![1]!).pathname;

    ids = { runId, workflowId: wf.body.id, itemId: item.body.id, spaceId: w.spaceId };
    browser = await launchChromium();
    signedIn = await signIn(browser, s, w.owner.email);
  });
  afterAll(async () => {
    expect(signedIn?.errors ?? []).toEqual([]);
    await signedIn?.context.close();
    await browser?.close();
    await s?.close();
    await smtp?.close();
  });

  it('the sign-in page and the guest review page (no session)', async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    try {
      for (const [name, url, ready] of [['login', '/login', 'Sign in'], ['guest-review', reviewPath, 'Spring launch post']] as const) {
        for (const [width, size] of Object.entries(WIDTHS)) {
          await page.setViewportSize(size);
          await page.goto(s.url + url);
          await page.getByText(ready).first().waitFor();
          await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
          for (const v of await seriousViolations(page)) problems.push(`${name} at ${width} width: ${v}`);
          const wider = await overflow(page);
          if (wider.px > 0) problems.push(`${name} at ${width} width is ${wider.px} px wider than the screen: ${wider.culprits.join(', ')}`);
        }
      }
    } finally {
      await context.close();
    }
    expect(problems).toEqual([]);
  });

  for (const p of PAGES) {
    it(`${p.name} (signed in)`, async () => {
      const { page } = signedIn;
      const path_ = p.path(ids);
      const problems: string[] = [];
      for (const [width, size] of Object.entries(WIDTHS)) {
        await page.setViewportSize(size);
        await page.goto(s.url + path_);
        await page.getByRole('heading', { level: 1, name: p.ready }).first().waitFor({ timeout: 10_000 }).catch(async () => {
          problems.push(`${path_}: no heading "${p.ready}"; its h1 says ${JSON.stringify(await page.locator('h1').allTextContents())}`);
        });
        // Let lists that load after the heading settle before the check (pages with a live
        // stream never go network-idle: the wait is bounded).
        await page.waitForLoadState('networkidle', { timeout: 1_500 }).catch(() => {});
        await page.screenshot({ path: path.join(SHOTS, `${p.name}-${width}.png`), fullPage: true });
        for (const v of await seriousViolations(page)) problems.push(`${path_} at ${width} width: ${v}`);
        const wider = await overflow(page);
        if (wider.px > 0) problems.push(`${path_} at ${width} width is ${wider.px} px wider than the screen: ${wider.culprits.join(', ')}`);
      }
      expect(problems).toEqual([]);
    });
  }
});
