/**
 * Live lists in a real Chromium (SQLite): the runs dashboard, the workflow page, the command
 * center and the inbox update without a reload when runs are started and decided through the
 * API; the "Live" badge; a running phase's elapsed time ticking; and the fallback to polling
 * ("Updating every 5 s") when the stream route fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

describe('web UI: live lists', { timeout: 120_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let editor: { id: string; token: string };
  let holdWf: string;
  let gateWf: string;

  async function workflow(name: string, phases: unknown[]) {
    const r = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name, trigger: { type: 'manual' }, phases } });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }
  async function start(wf: string) {
    const r = await s.call('POST', `/api/workflows/${wf}/runs`, { token: editor.token, body: {} });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }
  /** Marks the document, so a test can tell the page was never reloaded. */
  async function mark(page: Page) {
    await page.evaluate(() => ((globalThis as any).__notReloaded = true));
  }
  const notReloaded = (page: Page) => page.evaluate(() => (globalThis as any).__notReloaded === true);
  const badge = (page: Page) => page.locator('.live-badge').first();

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'ed@acme.example', name: 'Eddie Editor', spaceId: w.spaceId, spaceRole: 'editor' });
    holdWf = await workflow('Long hold', [{ id: 'hold', type: 'wait', duration: '1h' }]);
    gateWf = await workflow('Owner sign-off', [{ id: 'signoff', type: 'approval', approvers: { members: [w.owner.id] }, required: 'any' }]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('the runs dashboard and the workflow page show a started run without a reload, live, with its phase time ticking', async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.goto(`${s.url}/runs`);
      await expect.poll(() => badge(page).getAttribute('data-live'), { timeout: 10_000 }).toBe('live');
      expect(await badge(page).textContent()).toBe('Live');
      await mark(page);
      const run = await start(holdWf);
      const row = page.locator(`tr[data-run-id="${run}"]`);
      await row.waitFor({ timeout: 10_000 });
      await expect.poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: 10_000 }).toBe('waiting');
      // The phase's time ticks on its own (the page reads nothing again for it).
      const elapsed = row.locator('.elapsed');
      const t0 = await elapsed.textContent();
      expect(t0).toMatch(/^\d+ s$/);
      await expect.poll(() => elapsed.textContent(), { timeout: 5_000 }).not.toBe(t0);
      // The badge still says live: the row came by the stream, not by polling (which only runs without it).
      expect(await badge(page).getAttribute('data-live')).toBe('live');
      expect(await notReloaded(page)).toBe(true);
      await screenshot(page, 'live-runs-dashboard');

      // The workflow page lists only its own workflow's runs, live too.
      await page.goto(`${s.url}/workflows/${holdWf}`);
      await expect.poll(() => badge(page).getAttribute('data-live'), { timeout: 10_000 }).toBe('live');
      await mark(page);
      const other = await start(gateWf);
      const second = await start(holdWf);
      await page.locator(`tr[data-run-id="${second}"]`).waitFor({ timeout: 10_000 });
      expect(await page.locator(`tr[data-run-id="${other}"]`).count()).toBe(0);
      expect(await notReloaded(page)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the command center and the inbox follow a run asking for and getting a decision, without a reload', async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.goto(`${s.url}/`);
      await expect.poll(() => badge(page).getAttribute('data-live'), { timeout: 10_000 }).toBe('live');
      await mark(page);
      const run = await start(gateWf);
      const waitingRow = page.locator(`section[aria-labelledby="waiting-h"] tr[data-run-id="${run}"]`);
      await waitingRow.waitFor({ timeout: 10_000 });
      await screenshot(page, 'live-command-center');
      // The run page shows how long the gate has been waiting, ticking.
      await page.goto(`${s.url}/runs/${run}`);
      const gateTime = page.locator('[data-field="duration"] .elapsed');
      await gateTime.waitFor({ timeout: 10_000 });
      const g0 = await gateTime.textContent();
      await expect.poll(() => gateTime.textContent(), { timeout: 5_000 }).not.toBe(g0);
      await page.goto(`${s.url}/`);
      await waitingRow.waitFor({ timeout: 10_000 });
      await mark(page);
      const decided = await s.call('POST', `/api/runs/${run}/phases/signoff/decision`, { token: w.owner.token, body: { decision: 'approve' } });
      expect(decided.status).toBe(200);
      await waitingRow.waitFor({ state: 'detached', timeout: 10_000 });
      expect(await notReloaded(page)).toBe(true);

      await page.goto(`${s.url}/inbox`);
      await expect.poll(() => badge(page).getAttribute('data-live'), { timeout: 10_000 }).toBe('live');
      await mark(page);
      const before = await page.locator('[data-notification-id]').count();
      const next = await start(gateWf);
      await expect.poll(() => page.locator('[data-notification-id]').count(), { timeout: 10_000 }).toBe(before + 1);
      expect(await page.locator(`.inbox a[href="/runs/${next}"]`).count()).toBe(1);
      expect(await notReloaded(page)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('falls back to polling, and says so, when the stream route fails', async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      let streamTries = 0;
      await context.route('**/api/stream**', (route) => {
        streamTries++;
        return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'down for the test' } }) });
      });
      await page.goto(`${s.url}/runs`);
      await expect.poll(() => badge(page).getAttribute('data-live'), { timeout: 10_000 }).toBe('polling');
      expect(await badge(page).textContent()).toBe('Updating every 5 s');
      expect(streamTries).toBeGreaterThan(0);
      await mark(page);
      const run = await start(holdWf);
      await page.locator(`tr[data-run-id="${run}"]`).waitFor({ timeout: 15_000 });
      expect(await notReloaded(page)).toBe(true);
      await screenshot(page, 'live-runs-polling');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
