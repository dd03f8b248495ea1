/**
 * The spaces and people page in a real Chromium against a real server (SQLite): an org owner
 * creates a space and a person, puts the person in the space and changes their role, and sets
 * the flow control limit, each checked through the API; the new person sees it read-only; a
 * duplicate email shows the server's refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { until } from './helpers/wait.js';
import { addUser, startTestServer, type TestServer } from './helpers/server.js';

describe('web UI: spaces and people', { timeout: 90_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let ownerToken: string;

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    // A brand-new organization: an owner and nothing else.
    const setup = await s.call('POST', '/api/setup', { body: { orgName: 'Fresh', email: 'owner@fresh.example', name: 'Olive Owner', password: 'correct horse' } });
    expect(setup.status).toBe(201);
    ownerToken = setup.body.token;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const spaceMembers = async (spaceId: string) => (await s.call('GET', `/api/spaces/${spaceId}`, { token: ownerToken })).body.members as { id: string; role: string }[];

  it('lets the owner create a space and a person, manage membership and the flow control limit; the person sees it read-only', async () => {
    let spaceId = '';
    const { context, page, errors } = await signIn(browser, s, 'owner@fresh.example');
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Spaces' }).click();
      await page.getByRole('heading', { name: 'Spaces and people', level: 1 }).waitFor();
      await page.getByText('No spaces yet').waitFor();

      // A new space: stored, listed with its creator as editor, and known to other pages.
      await page.getByLabel('Space name').fill('Social');
      await page.getByRole('button', { name: 'Create space' }).click();
      const space = await until('the space', async () => (await s.call('GET', '/api/spaces', { token: ownerToken })).body.items.find((x: { name: string }) => x.name === 'Social'));
      spaceId = space.id;
      const card = page.locator(`[data-space-id="${space.id}"]`);
      await card.getByRole('heading', { name: 'Social' }).waitFor();
      await card.getByRole('cell', { name: 'Olive Owner', exact: true }).waitFor();
      await page.getByRole('link', { name: 'Workflows' }).click();
      await expect.poll(() => page.locator('main').textContent()).toContain('Social');
      await page.getByRole('link', { name: 'Spaces' }).click();

      // A new person in the org.
      await page.getByLabel('Name', { exact: true }).fill('Vera Viewer');
      await page.getByLabel('Email').fill('vera@fresh.example');
      await page.getByLabel('Initial password').fill('correct horse');
      await page.getByRole('button', { name: 'Add person' }).click();
      await page.getByText('Vera Viewer was added to the organization.').waitFor();
      const users = (await s.call('GET', '/api/users', { token: ownerToken })).body.items as { id: string; email: string; role: string }[];
      const vera = users.find((u) => u.email === 'vera@fresh.example')!;
      expect(vera.role).toBe('member');

      // Into the space as a viewer, then promoted to editor.
      const addForm = page.getByRole('form', { name: 'Add a member to Social' });
      await addForm.getByLabel('Person').selectOption({ label: 'Vera Viewer (vera@fresh.example)' });
      await addForm.getByLabel('Role').selectOption('viewer');
      await addForm.getByRole('button', { name: 'Add to space' }).click();
      await expect.poll(async () => (await spaceMembers(space.id)).find((m) => m.id === vera.id)?.role).toBe('viewer');
      const roleSelect = page.getByLabel('Role of Vera Viewer in Social');
      await expect.poll(() => roleSelect.inputValue()).toBe('viewer');
      await roleSelect.selectOption('editor');
      await expect.poll(async () => (await spaceMembers(space.id)).find((m) => m.id === vera.id)?.role).toBe('editor');

      // The flow control limit.
      const limit = page.getByLabel('Runs executing at once');
      await expect.poll(() => limit.inputValue()).toBe('100');
      await limit.fill('7');
      await page.getByRole('button', { name: 'Save limit' }).click();
      await page.getByText('Limit saved.').waitFor();
      expect((await s.call('GET', '/api/org', { token: ownerToken })).body.maxActiveRuns).toBe(7);

      // Adding the same email again shows the server's refusal.
      await page.getByLabel('Name', { exact: true }).fill('Vera Again');
      await page.getByLabel('Email').fill('vera@fresh.example');
      await page.getByLabel('Initial password').fill('correct horse');
      await page.getByRole('button', { name: 'Add person' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('vera@fresh.example is already a member of this organization.');
      await screenshot(page, 'spaces-owner');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }

    // Vera sees the space and its members, without any admin forms.
    const vp = await signIn(browser, s, 'vera@fresh.example');
    try {
      await vp.page.goto(`${s.url}/spaces`);
      await vp.page.getByRole('heading', { name: 'Spaces and people', level: 1 }).waitFor();
      const card = vp.page.locator(`[data-space-id="${spaceId}"]`);
      await card.getByRole('heading', { name: 'Social' }).waitFor();
      await card.getByRole('row', { name: /Olive Owner/ }).getByText('editor').waitFor();
      await card.getByRole('row', { name: /Vera Viewer/ }).getByText('editor').waitFor();
      await vp.page.getByText('you see them read-only').waitFor();
      for (const name of ['Create space', 'Add person', 'Save limit', 'Add to space', 'Remove Olive Owner']) expect(await vp.page.getByRole('button', { name }).count(), name).toBe(0);
      expect(await vp.page.getByRole('combobox').count()).toBe(0);
      await screenshot(vp.page, 'spaces-member');
      expect(vp.errors).toEqual([]);
    } finally {
      await vp.context.close();
    }
  });

  it('removes a member only after confirmation', async () => {
    const { context, page, errors } = await signIn(browser, s, 'owner@fresh.example');
    try {
      const space = (await s.call('POST', '/api/spaces', { token: ownerToken, body: { name: 'Newsletter' } })).body;
      const rita = await addUser(s, ownerToken, { email: 'rita@fresh.example', name: 'Rita Reader', spaceId: space.id, spaceRole: 'viewer' });
      await page.goto(`${s.url}/spaces`);
      await page.getByRole('button', { name: 'Remove Rita Reader' }).click();
      await page.getByText('Remove Rita Reader from Newsletter?').waitFor();
      await screenshot(page, 'spaces-remove-confirm');
      expect((await spaceMembers(space.id)).some((m) => m.id === rita.id)).toBe(true);
      await page.getByRole('button', { name: 'Back' }).click();
      await page.getByRole('button', { name: 'Remove Rita Reader' }).click();
      await page.getByRole('button', { name: 'Yes, remove' }).click();
      await expect.poll(async () => (await spaceMembers(space.id)).some((m) => m.id === rita.id)).toBe(false);
      await page.getByRole('button', { name: 'Remove Rita Reader' }).waitFor({ state: 'detached' });
      // Rita is still in the org and can be added back from the space's form.
      await page.getByRole('form', { name: 'Add a member to Newsletter' }).getByLabel('Person').selectOption({ label: 'Rita Reader (rita@fresh.example)' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
