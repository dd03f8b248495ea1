/**
 * The runs dashboard in a real Chromium (SQLite): filters in the address bar, keyset pages,
 * and bulk cancel with its confirmation step, checked against the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

describe('web UI: runs dashboard', { timeout: 120_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let waitWf: string;
  let doneWf: string;
  const waiting: string[] = [];
  const done: string[] = [];

  async function workflow(name: string, phases: unknown[]) {
    const r = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name, trigger: { type: 'manual' }, phases } });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }
  async function start(wf: string) {
    const r = await s.call('POST', `/api/workflows/${wf}/runs`, { token: w.owner.token, body: {} });
    expect(r.status).toBe(201);
    return r.body.id as string;
  }
  async function statusOf(id: string) {
    return (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body.status as string;
  }

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    waitWf = await workflow('Long wait', [{ id: 'hold', type: 'wait', duration: '1h' }]);
    doneWf = await workflow('Quick', [{ id: 'pause', type: 'wait', duration: '1ms' }]);
    for (let i = 0; i < 30; i++) waiting.push(await start(waitWf));
    for (let i = 0; i < 3; i++) done.push(await start(doneWf));
    const end = Date.now() + 30_000;
    while ((await Promise.all([...waiting.map(statusOf), ...done.map(statusOf)])).some((st, i) => st !== (i < waiting.length ? 'waiting' : 'completed'))) {
      if (Date.now() > end) throw new Error('runs did not settle');
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('filters by status and workflow from the address bar, and pages through with Older and Newer', async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.goto(`${s.url}/runs?status=completed`);
      await page.locator(`tr[data-run-id="${done[0]}"]`).waitFor();
      expect(await page.locator('tr[data-run-id]').count()).toBe(3);
      expect(await page.getByLabel('Status').inputValue()).toBe('completed');

      // Choosing a filter rewrites the address; 30 waiting runs make two pages of 25.
      await page.getByLabel('Status').selectOption('waiting');
      await expect.poll(() => page.url()).toContain('status=waiting');
      await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(25);
      const first = await page.locator('tr[data-run-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
      expect(first).toEqual([...waiting].reverse().slice(0, 25));
      await page.getByRole('button', { name: 'Older' }).click();
      await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(5);
      await page.getByRole('button', { name: 'Newer' }).click();
      await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(25);

      await page.getByLabel('Status').selectOption('');
      await page.getByLabel('Workflow').selectOption({ label: 'Quick' });
      await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(3);
      await screenshot(page, 'runs-dashboard');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('bulk-cancels the ticked runs after confirming their count, then all matching runs, with progress', async () => {
    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.goto(`${s.url}/runs?status=waiting`);
      const picked = [...waiting].reverse().slice(0, 2);
      for (const id of picked) await page.locator(`tr[data-run-id="${id}"] input[type=checkbox]`).check();
      await page.getByRole('button', { name: 'Cancel selected (2)' }).click();
      const dialog = page.getByRole('dialog', { name: 'Confirm bulk action' });
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain('Cancel 2 runs?');
      // Nothing happens before the confirmation.
      expect(await statusOf(picked[0]!)).toBe('waiting');
      await screenshot(page, 'runs-bulk-confirm');
      await dialog.getByRole('button', { name: /Confirm/ }).click();
      await page.getByRole('status').filter({ hasText: '2 of 2 cancelled' }).waitFor();
      for (const id of picked) expect(await statusOf(id)).toBe('cancelled');
      expect(await statusOf(waiting[0]!)).toBe('waiting');

      // "All matching" uses the filter: the 28 still waiting.
      await page.getByRole('button', { name: 'Cancel all matching…' }).click();
      await page.getByRole('dialog').filter({ hasText: 'Cancel 28 runs?' }).waitFor();
      await page.getByRole('button', { name: 'Confirm: cancel 28' }).click();
      await page.getByRole('status').filter({ hasText: '28 of 28 cancelled' }).waitFor();
      for (const id of waiting) expect(await statusOf(id)).toBe('cancelled');
      expect(await statusOf(done[0]!)).toBe('completed');
      await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(0);
      // Both operations are in the audit log, with who asked.
      const audit = await s.call('GET', '/api/audit?action=runs.bulk_requested', { token: w.owner.token });
      expect(audit.body.items.map((e: { actor: string }) => e.actor)).toEqual([`user:${w.owner.id}`, `user:${w.owner.id}`]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
