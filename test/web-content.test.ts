/**
 * The content pages in a real Chromium against a real server (SQLite): creating an item,
 * editing it (the version grows, a status change fires a workflow), a stale edit refused
 * with 409 and "Reload latest", comments, delete with confirmation, and viewers read-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { until } from './helpers/wait.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

describe('web UI: content', { timeout: 120_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let editor: { id: string; token: string; email: string };
  let viewer: { id: string; token: string; email: string };
  let itemId = '';

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    viewer = await addUser(s, w.owner.token, { email: 'vera@acme.example', name: 'Vera Viewer', spaceId: w.spaceId, spaceRole: 'viewer' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const getItem = async (id: string) => (await s.call('GET', `/api/content/${id}`, { token: w.owner.token })).body;

  it('an editor creates a content item, edits it (the version grows), and a status change to Pending starts the workflow', async () => {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, {
      token: w.owner.token,
      body: { name: 'Ready for review', trigger: { type: 'content.status_changed', to: 'Pending' }, phases: [{ id: 'note', type: 'comment', body: 'Review requested' }] },
    });
    expect(wf.status).toBe(201);
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.getByRole('link', { name: 'Content', exact: true }).click();
      await page.getByRole('heading', { name: 'Content', exact: true }).waitFor();
      expect(new URL(page.url()).searchParams.get('spaceId')).toBe(null);
      await page.getByText('No content items in this space yet.').waitFor();
      await page.getByLabel('Title').fill('Spring launch reel');
      await page.getByRole('button', { name: 'Create content item' }).click();
      await page.getByRole('heading', { name: /Spring launch reel/ }).waitFor();
      itemId = page.url().split('/').pop()!;
      const created = await getItem(itemId);
      expect(created).toMatchObject({ title: 'Spring launch reel', version: 1, status: 'Ideas', spaceId: w.spaceId });

      // Fields: caption, assignee (from the space's members, by name), scheduled time as ISO.
      await page.getByLabel('Caption').fill('Flowers, coffee, sunshine.');
      await page.getByLabel('Eddie Editor').check();
      await page.getByLabel('Scheduled at').fill('2030-03-01T09:30');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('[data-version="2"]').waitFor();
      const v2 = await getItem(itemId);
      expect(v2).toMatchObject({ version: 2, caption: 'Flowers, coffee, sunshine.', assignees: [editor.id] });
      expect(new Date(v2.scheduledAt).getTime()).toBe(new Date(2030, 2, 1, 9, 30).getTime());

      // The status becomes Pending: version 3, and the workflow runs on the item.
      await page.getByLabel('Status').fill('Pending');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('[data-version="3"]').waitFor();
      expect(await getItem(itemId)).toMatchObject({ version: 3, status: 'Pending' });
      const run = await until('the triggered run', async () => {
        const r = await s.call('GET', `/api/runs?targetId=${itemId}`, { token: w.owner.token });
        return r.body.items.find((x: { workflowId: string }) => x.workflowId === wf.body.id);
      });
      expect(run.target).toMatchObject({ type: 'content', id: itemId });
      const section = page.getByRole('region', { name: 'Runs on this item' });
      await section.locator(`tr[data-run-id="${run.id}"]`).waitFor();
      expect(await section.locator(`tr[data-run-id="${run.id}"]`).textContent()).toContain('Ready for review');

      // A comment from the page reaches the server.
      await page.getByLabel('Add a comment').fill('Looks great, sending for review.');
      await page.getByRole('button', { name: 'Post comment' }).click();
      await page.locator('.comments li', { hasText: 'Looks great, sending for review.' }).waitFor();
      const comments = await s.call('GET', `/api/content/${itemId}/comments`, { token: w.owner.token });
      expect(comments.body.items.map((c: { body: string }) => c.body)).toContain('Looks great, sending for review.');
      await screenshot(page, 'content-item-editor');

      // The full list of runs on the item is one click away.
      await section.getByRole('link', { name: 'All runs on this item' }).click();
      expect(new URL(page.url()).searchParams.get('targetId')).toBe(itemId);
      await page.locator(`tr[data-run-id="${run.id}"]`).waitFor();

      // Back on the list: the item with its status, assignee and version.
      await page.goto(`${s.url}/content?spaceId=${w.spaceId}`);
      const row = page.locator(`tr[data-target-id="${itemId}"]`);
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      expect(cells.slice(0, 4)).toEqual(['Spring launch reel', 'Pending', 'Eddie Editor', 'v3']);
      await screenshot(page, 'content-list');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a stale edit shows the 409 message and "Reload latest" loads the new version; nothing is overwritten', async () => {
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.goto(`${s.url}/content/content/${itemId}`);
      await page.locator('[data-version="3"]').waitFor();
      await page.getByLabel('Caption').fill('My stale caption');
      // Someone else saves in between.
      const other = await s.call('PATCH', `/api/content/${itemId}`, { token: w.owner.token, body: { title: 'Spring launch reel (final)' } });
      expect(other.body.version).toBe(4);
      await page.getByRole('button', { name: 'Save changes' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Not saved' });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/version 4, not version 3/);
      await screenshot(page, 'content-item-conflict');
      expect(await getItem(itemId)).toMatchObject({ version: 4, title: 'Spring launch reel (final)', caption: 'Flowers, coffee, sunshine.' });
      await alert.getByRole('button', { name: 'Reload latest' }).click();
      await page.locator('[data-version="4"]').waitFor();
      expect(await page.getByLabel('Title').inputValue()).toBe('Spring launch reel (final)');
      expect(await page.getByLabel('Caption').inputValue()).toBe('Flowers, coffee, sunshine.');
      expect(await page.getByText('Not saved').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a task is created, assigned and deleted after confirmation', async () => {
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.goto(`${s.url}/content?spaceId=${w.spaceId}`);
      await page.getByRole('button', { name: 'Tasks' }).click();
      await page.getByText('No tasks in this space yet.').waitFor();
      expect(new URL(page.url()).searchParams.get('type')).toBe('task');
      await page.getByLabel('Title').fill('Book the photographer');
      await page.getByRole('button', { name: 'Create task' }).click();
      await page.getByRole('heading', { name: /Book the photographer/ }).waitFor();
      const taskId = page.url().split('/').pop()!;
      await page.getByLabel('Assignee').selectOption({ label: 'Eddie Editor (eddie@acme.example)' });
      await page.getByLabel('Due at').fill('2030-02-15T17:00');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('[data-version="2"]').waitFor();
      const task = (await s.call('GET', `/api/tasks/${taskId}`, { token: w.owner.token })).body;
      expect(task).toMatchObject({ assignee: editor.id, version: 2 });
      expect(new Date(task.dueAt).getTime()).toBe(new Date(2030, 1, 15, 17, 0).getTime());

      await page.getByRole('button', { name: 'Delete task' }).click();
      // Nothing happens until the explicit confirmation.
      expect((await s.call('GET', `/api/tasks/${taskId}`, { token: w.owner.token })).status).toBe(200);
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await page.getByText('No tasks in this space yet.').waitFor();
      expect((await s.call('GET', `/api/tasks/${taskId}`, { token: w.owner.token })).status).toBe(404);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a space viewer sees the item and its comments read-only, with no edit controls', async () => {
    const { context, page, errors } = await signIn(browser, s, viewer.email);
    try {
      await page.goto(`${s.url}/content`);
      await page.locator(`tr[data-target-id="${itemId}"]`).waitFor();
      expect(await page.getByRole('button', { name: /Create/ }).count()).toBe(0);
      await page.getByRole('link', { name: 'Spring launch reel (final)' }).click();
      const fields = page.getByRole('definition');
      await fields.first().waitFor();
      const dl = await page.locator('dl.target-fields').textContent();
      expect(dl).toContain('Pending');
      expect(dl).toContain('Eddie Editor');
      await page.locator('.comments li', { hasText: 'Looks great, sending for review.' }).waitFor();
      expect(await page.getByRole('textbox').count()).toBe(0);
      expect(await page.getByRole('button', { name: /Save|Delete|Post comment/ }).count()).toBe(0);
      await screenshot(page, 'content-item-viewer');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
