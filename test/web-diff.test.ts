/**
 * "What changed since you last looked" on the run page, in a real Chromium against a real
 * server (SQLite; the API tests in target-diff.test.ts cover both stores): an approver who
 * decided on version 1 sees, after an edit, each changed field with its old and new value and
 * the version their decision was made on; an edit made while the page is open joins the list
 * when the page next updates over the run's live stream, without a reload; opening the page again later shows nothing already seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { until } from './helpers/wait.js';

/** Serious and critical axe-core (WCAG 2.1 A/AA) violations, within `include` when given. */
async function serious(page: Page, include?: string): Promise<string[]> {
  let axe = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) axe = axe.include(include);
  const result = await axe.analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

describe('run page: changes since the approver last looked', { timeout: 90_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let ann: { id: string; token: string; email: string };
  let ben: { id: string; token: string; email: string };

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    ann = await addUser(s, w.owner.token, { email: 'ann@acme.example', name: 'Ann Approver', spaceId: w.spaceId });
    ben = await addUser(s, w.owner.token, { email: 'ben@acme.example', name: 'Ben Approver', spaceId: w.spaceId });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('shows the field-by-field diff after an edit, the decision version, and live edits', async () => {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Two approvals', trigger: { type: 'manual' }, phases: [{ id: 'gate', type: 'approval', name: 'Sign-off', approvers: { members: [ann.id, ben.id] }, required: 'all' }] },
    });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Autumn teaser', caption: 'Leaves are falling', tags: ['autumn'] } });
    const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    const runId = run.body.id as string;
    await until('the gate to wait', async () => (await s.call('GET', `/api/runs/${runId}`, { token: w.owner.token })).body.status === 'waiting');
    expect((await s.call('POST', `/api/runs/${runId}/phases/gate/decision`, { token: ann.token, body: { decision: 'approve' } })).status).toBe(200);
    const patched = await s.call('PATCH', `/api/content/${item.body.id}`, { token: w.owner.token, body: { caption: 'Leaves are falling — shop the autumn range', scheduledAt: '2030-10-01T09:00:00Z' } });
    expect(patched.body.version).toBe(2);

    const { context, page, errors } = await signIn(browser, s, ann.email);
    try {
      await page.goto(`${s.url}/runs/${runId}`);
      const box = page.locator('section.changes-since');
      await box.waitFor();
      expect(await box.getByRole('heading').textContent()).toBe('Changed since you decided (version 1 → 2)');
      expect(await box.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-field')))).toEqual(['caption', 'scheduledAt']);
      const caption = box.locator('li[data-field="caption"]');
      expect(await caption.locator('strong').textContent()).toBe('Caption changed');
      expect(await caption.locator('del').textContent()).toBe('Leaves are falling');
      expect(await caption.locator('ins').textContent()).toBe('Leaves are falling — shop the autumn range');
      expect(await box.locator('li[data-field="scheduledAt"] del').textContent()).toBe('—');
      // The decision shows the version it was made on.
      await expect.poll(() => page.locator('[data-gate="gate"] ul.decisions').textContent()).toContain('on target version 1');

      // An edit while the page is open joins the list when the page next updates (here: the
      // other approver's decision reaches it over the run's live stream, without a reload).
      await s.call('PATCH', `/api/content/${item.body.id}`, { token: w.owner.token, body: { title: 'Autumn teaser (final)' } });
      expect((await s.call('POST', `/api/runs/${runId}/phases/gate/decision`, { token: ben.token, body: { decision: 'approve' } })).status).toBe(200);
      await expect.poll(() => box.getByRole('heading').textContent(), { timeout: 10_000 }).toBe('Changed since you decided (version 1 → 3)');
      await expect.poll(() => box.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-field')))).toEqual(['title', 'caption', 'scheduledAt']);
      expect(await box.locator('li[data-field="title"] ins').textContent()).toBe('Autumn teaser (final)');
      expect(await serious(page, 'section.changes-since')).toEqual([]);
      await screenshot(page, 'diff-run-page');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'diff-run-page-phone');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

      // Seen now: opening the page again shows no changes.
      await page.reload();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.locator('section.changes-since').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the review page shows an outside reviewer the diff since they last opened it', async () => {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Client sign-off', trigger: { type: 'manual' }, phases: [{ id: 'client', type: 'approval', approvers: { emails: ['client@brand.example'] }, required: 'any' }] },
    });
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Winter sale', caption: 'Up to 30% off', platforms: ['instagram'] } });
    const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    const mail = await until('the review email', async () => (await s.call('GET', '/api/outbox?limit=500', { token: w.owner.token })).body.items.find((m: any) => m.runId === run.body.id));
    const token = /\/review\/([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${s.url}/review/${token}`);
      expect(await page.locator('section.changes').count()).toBe(0);
      await s.call('PATCH', `/api/content/${item.body.id}`, { token: w.owner.token, body: { caption: 'Up to 40% off, this weekend only', platforms: ['instagram', 'tiktok'] } });
      await page.reload();
      const box = page.getByRole('region', { name: 'What changed' });
      expect(await box.getByRole('heading').textContent()).toBe('Changed since you last looked (version 1 → 2)');
      expect(await box.locator('li[data-field="caption"] del').textContent()).toBe('Up to 30% off');
      expect(await box.locator('li[data-field="caption"] ins').textContent()).toBe('Up to 40% off, this weekend only');
      expect(await box.locator('li[data-field="platforms"] ins').textContent()).toBe('instagram, tiktok');
      expect(await serious(page)).toEqual([]);
      await screenshot(page, 'diff-review-page');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'diff-review-page-phone');
      expect(await serious(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
