/**
 * The web UI in a real Chromium against a real server (SQLite; the UI only calls the API,
 * whose behaviour on PostgreSQL the API tests cover): signing in, the command center, the
 * inbox, and how the server serves the page and its assets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { until } from './helpers/wait.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

describe('web UI', { timeout: 90_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let editor: { id: string; token: string; email: string };

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('serves the page on every UI path, and its hashed assets with long caching', async () => {
    for (const p of ['/', '/login', '/inbox', '/runs/abc', '/workflows/abc', '/audit', '/outbox']) {
      const res = await fetch(s.url + p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type'), p).toMatch(/text\/html/);
      expect(await res.text(), p).toMatch(/<div id="root"><\/div>/);
    }
    const html = await (await fetch(s.url + '/login')).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(s.url + asset);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    // API paths keep their JSON 404s; unknown pages are 404 too.
    expect((await s.call('GET', '/api/nope', { token: w.owner.token })).status).toBe(404);
    expect((await fetch(s.url + '/no-such-page')).status).toBe(404);
  });

  it('refuses a wrong password on the sign-in page and signs in with the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(s.url + '/');
      await page.getByLabel('Email').fill(editor.email);
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password|credentials|unknown/i);
      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Command center' }).waitFor();
      expect(await page.locator('.who').textContent()).toContain('Eddie Editor');
      // Signing out ends the session: a reload shows the sign-in page again.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await page.reload();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('command center: a run waiting on my decision comes first, runs I started next; the inbox marks notifications read', async () => {
    // The owner starts a run that waits for Eddie's approval; Eddie starts one of his own.
    const gate = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Caption sign-off', trigger: { type: 'manual' }, phases: [{ id: 'review', type: 'approval', approvers: { members: [editor.id] }, required: 'any' }] },
    });
    expect(gate.status).toBe(201);
    const waiting = await s.call('POST', `/api/workflows/${gate.body.id}/runs`, { token: w.owner.token, body: {} });
    const mine = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Note to self', trigger: { type: 'manual' }, phases: [{ id: 'note', type: 'comment', body: 'hello' }] },
    });
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: editor.token, body: { title: 'Launch post' } });
    const started = await s.call('POST', `/api/workflows/${mine.body.id}/runs`, { token: editor.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    await until('the gate to wait', async () => (await s.call('GET', `/api/runs/${waiting.body.id}`, { token: w.owner.token })).body.status === 'waiting', 20_000);

    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      const waitingSection = page.locator('section', { has: page.getByRole('heading', { name: /Waiting on your decision/ }) });
      await waitingSection.locator(`tr[data-run-id="${waiting.body.id}"]`).waitFor();
      expect(await waitingSection.locator('tr[data-run-id]').count()).toBe(1);
      expect(await waitingSection.textContent()).toContain('Caption sign-off');
      const startedSection = page.locator('section', { has: page.getByRole('heading', { name: /Started by you/ }) });
      await startedSection.locator(`tr[data-run-id="${started.body.id}"]`).waitFor();
      await screenshot(page, 'command-center');

      // The approval request is in the inbox, unread, with a link to the run.
      await page.getByRole('link', { name: /Inbox/ }).click();
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
      const item = page.locator('li.unread', { hasText: /approv/i }).first();
      await item.waitFor();
      expect(await item.getByRole('link', { name: 'open run' }).getAttribute('href')).toBe(`/runs/${waiting.body.id}`);
      await screenshot(page, 'inbox');
      const before = await page.locator('li.unread').count();
      await item.getByRole('button', { name: 'mark as read' }).click();
      await expect.poll(() => page.locator('li.unread').count()).toBe(before - 1);
      const notes = await s.call('GET', '/api/me/notifications', { token: editor.token });
      expect(notes.body.items.filter((n: { readAt: string | null }) => !n.readAt)).toHaveLength(before - 1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
