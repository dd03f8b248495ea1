/**
 * "Describe it in words" in the builder, in a real Chromium (SQLite), against a local server
 * speaking the chat-completions protocol: the draft fills the name, trigger and phases for
 * review, nothing is saved until the user creates it; a draft still invalid after its repair
 * lists its problems and opens anyway; without a provider the panel says how to configure one.
 * Screenshots at desktop and phone width go to .tmp/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signIn } from './helpers/browser.js';
import { startFakeLlm, type FakeLlm } from './helpers/fake-llm.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

const SHOTS = path.resolve(import.meta.dirname, '../.tmp/screenshots');

async function shots(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

const DESCRIPTION = 'Two editors approve, then the client by email, auto-deny after 2 days, then publish.';

describe('web UI: describe a workflow in words', { timeout: 120_000 }, () => {
  let llm: FakeLlm;
  let s: TestServer;
  let none: TestServer;
  let w: World;
  let wNone: World;
  let browser: Browser;
  let eddie: { id: string; token: string; email: string };
  let erin: { id: string; token: string; email: string };

  const draft = () => ({
    name: 'Editors then the client',
    trigger: { type: 'content.status_changed', to: 'Pending' },
    phases: [
      { id: 'editors', type: 'approval', name: 'Two editors', approvers: { members: [eddie.id, erin.id] }, required: 'all' },
      { id: 'client', type: 'approval', name: 'Client', approvers: { emails: ['client@example.com'] }, required: 'any', timeout: { after: '2d', action: 'deny' } },
      { id: 'publish', type: 'mutate', name: 'Publish', set: { status: 'Approved' } },
    ],
  });

  async function openBuilder(page: Page, server: TestServer, spaceId: string) {
    await page.goto(`${server.url}/workflows/new?spaceId=${spaceId}`);
    await page.getByRole('heading', { name: 'New workflow' }).waitFor();
    return page.getByTestId('describe-workflow');
  }

  beforeAll(async () => {
    llm = await startFakeLlm();
    s = await startTestServer('sqlite', { ai: { baseUrl: llm.baseUrl, apiKey: 'sk-test' } });
    w = await setupWorld(s);
    eddie = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    erin = await addUser(s, w.owner.token, { email: 'erin@acme.example', name: 'Erin Editor', spaceId: w.spaceId });
    none = await startTestServer('sqlite');
    wNone = await setupWorld(none);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    await none?.close();
    await llm?.close();
  });

  it('fills the builder with the draft for review, and saves only when the user creates it', async () => {
    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      const panel = await openBuilder(page, s, w.spaceId);
      const button = panel.getByRole('button', { name: 'Describe' });
      expect(await button.isDisabled()).toBe(true);
      await panel.getByLabel('What should happen?').fill(DESCRIPTION);
      llm.script({ content: { ...draft(), phases: [{ ...draft().phases[0], approvers: { members: ['u_invented'] } }, ...draft().phases.slice(1)] } }, { content: draft() });
      await button.click();
      await panel.getByTestId('describe-done').waitFor();
      expect(await panel.getByTestId('describe-done').innerText()).toMatch(/corrected.*Review the name, trigger, phases and people/s);

      // What was asked: the description, then a repair listing the problem by path.
      expect(llm.requests).toHaveLength(2);
      expect(llm.requests[0]!.body.messages[1]).toEqual({ role: 'user', content: DESCRIPTION });
      expect(llm.requests[1]!.body.messages[3]!.content).toMatch(/phases\.0\.approvers\.members\.0: .*u_invented/);

      // The builder holds the draft: name, trigger, phases and the canvas preview.
      expect(await page.getByLabel('Name').inputValue()).toBe('Editors then the client');
      // The preview shows the drafted phases (what the builder holds is checked on save, below).
      const canvas = page.getByTestId('workflow-canvas');
      await canvas.getByTestId('phase-publish').waitFor();
      expect(await canvas.getByTestId('phase-editors').getAttribute('data-approvers')).toBe('2');
      expect(await canvas.getByTestId('phase-client').getAttribute('data-phase-type')).toBe('approval');
      await shots(page, 'builder-described');

      // Nothing saved yet.
      const before = await s.call('GET', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token });
      expect(before.body.items).toEqual([]);
      await page.getByRole('button', { name: 'Create workflow' }).click();
      await page.getByRole('heading', { name: 'Editors then the client' }).waitFor();
      const after = await s.call('GET', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token });
      expect(after.body.items).toHaveLength(1);
      expect(after.body.items[0]).toMatchObject({ name: 'Editors then the client', trigger: { type: 'content.status_changed', to: 'Pending' }, phases: draft().phases });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lists the problems of a draft still invalid after its repair, and opens it anyway to fix by hand', async () => {
    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      const panel = await openBuilder(page, s, w.spaceId);
      const bad = { name: 'Sign-off', trigger: { type: 'manual' }, phases: [{ id: 'ok', type: 'approval', approvers: { members: [eddie.id] }, required: 3 }] };
      llm.script({ content: 'Sure! Here it is.' }, { content: bad });
      await panel.getByLabel('What should happen?').fill('Three people approve.');
      await panel.getByRole('button', { name: 'Describe' }).click();
      const problems = panel.getByTestId('problems');
      await problems.waitFor();
      expect(await problems.innerText()).toMatch(/after it was asked to correct it/);
      expect(await problems.locator('li[data-path="phases.0.required"]').count()).toBe(1);
      // Not opened on its own.
      expect(await page.getByLabel('Name').inputValue()).toBe('');
      await shots(page, 'builder-describe-problems');
      await panel.getByRole('button', { name: 'Open the draft anyway' }).click();
      expect(await page.getByLabel('Name').inputValue()).toBe('Sign-off');
      await page.getByTestId('workflow-canvas').getByTestId('phase-ok').waitFor();
      expect(await page.getByTestId('workflow-canvas').getByTestId('phase-ok').getAttribute('data-required')).toBe('3');
      // Saving it shows the same problem from the server, by path.
      await page.getByRole('button', { name: 'Create workflow' }).click();
      await page.getByText('required 3 is more than the 1 approver').first().waitFor();
      expect(await page.getByRole('heading', { name: 'New workflow' }).count()).toBe(1);
      expect(await panel.getByTestId('problems').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says a provider failed, without touching the form', async () => {
    const { context, page } = await signIn(browser, s, eddie.email);
    try {
      const panel = await openBuilder(page, s, w.spaceId);
      await page.getByLabel('Name').fill('Mine');
      llm.script({ status: 500, body: JSON.stringify({ error: { message: 'upstream exploded' } }) });
      await panel.getByLabel('What should happen?').fill(DESCRIPTION);
      await panel.getByRole('button', { name: 'Describe' }).click();
      const alert = panel.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/The AI provider failed.*upstream exploded/s);
      expect(await page.getByLabel('Name').inputValue()).toBe('Mine');
    } finally {
      await context.close();
    }
  });

  it('says how to configure a provider when none is', async () => {
    const { context, page } = await signIn(browser, none, wNone.owner.email);
    try {
      const panel = await openBuilder(page, none, wNone.spaceId);
      const note = panel.getByTestId('describe-unavailable');
      await note.waitFor();
      expect(await note.innerText()).toMatch(/No AI provider is configured.*FLOWGATE_AI_BASE_URL.*FLOWGATE_AI_API_KEY/s);
      expect(await panel.getByRole('button', { name: 'Describe' }).isDisabled()).toBe(true);
      expect(await panel.getByLabel('What should happen?').isDisabled()).toBe(true);
      await shots(page, 'builder-describe-unconfigured');
    } finally {
      await context.close();
    }
  });
});
