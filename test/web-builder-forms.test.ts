/**
 * The builder's phase forms in a real Chromium (SQLite, a real SMTP server, a local HTTP
 * server standing in for the publishing service): the client sign-off workflow built from the
 * forms alone, saved, run, and decided by a teammate in the app and by the client through the
 * emailed guest link; the server's problem shown beside its field; reordering by drag and from the
 * keyboard; a canvas click opening a phase's form; and every gallery template surviving
 * JSON → forms → JSON unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { listenLocal, type LocalHttp } from './helpers/local-http.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { freePort, parseMime, startSmtp, until, type TestSmtp } from './helpers/smtp.js';

const CLIENT = 'client@brand.example';

describe('web UI: the builder\'s phase forms', { timeout: 180_000 }, () => {
  let s: TestServer;
  let w: World;
  let smtp: TestSmtp;
  let publisher: LocalHttp;
  const published: unknown[] = [];
  let browser: Browser;
  let eddie: { id: string; token: string; email: string };
  let pat: { id: string; token: string; email: string };
  let alex: { id: string; token: string; email: string };

  beforeAll(async () => {
    smtp = await startSmtp();
    publisher = await listenLocal((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        published.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    const port = await freePort();
    s = await startTestServer('sqlite', { port, smtpUrl: smtp.url, publicUrl: `http://127.0.0.1:${port}` });
    w = await setupWorld(s);
    eddie = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    pat = await addUser(s, w.owner.token, { email: 'pat@acme.example', name: 'Pat Partner', spaceId: w.spaceId });
    alex = await addUser(s, w.owner.token, { email: 'alex@acme.example', name: 'Alex Accounts', spaceId: w.spaceId, spaceRole: 'viewer' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    await smtp?.close();
    await publisher?.close();
  });

  const form = (page: Page, id: string) => page.locator(`[data-phase-form="${id}"]`);
  const listIds = (page: Page) => page.locator('ol.pf-list > li').evaluateAll((els) => els.map((e) => e.getAttribute('data-phase-id')));
  async function addPhase(page: Page, type: string, id: string) {
    await page.getByRole('group', { name: 'Add a phase' }).getByRole('button', { name: `+ ${type}`, exact: true }).click();
    await form(page, id).waitFor();
    return form(page, id);
  }
  async function label(f: ReturnType<typeof form>, text: string) {
    await f.getByLabel('Label', { exact: true }).fill(text);
  }
  async function rename(page: Page, from: string, to: string) {
    const input = form(page, from).getByLabel('Phase id');
    await input.fill(to);
    await input.press('Enter');
    await form(page, to).waitFor();
  }
  async function duration(f: ReturnType<typeof form>, name: string, amount: string, unit: string) {
    await f.getByLabel(name, { exact: true }).fill(amount);
    await f.getByLabel(`${name}: unit`, { exact: true }).selectOption(unit);
  }

  it('builds the client sign-off from the forms alone, saves it, runs it, and a teammate and the client decide', async () => {
    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      await page.goto(`${s.url}/workflows/new?spaceId=${w.spaceId}`);
      await page.getByRole('heading', { name: 'New workflow' }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Client sign-off');

      // 1. Tell the team, in the app only, with a field inserted by the template helper.
      let f = await addPhase(page, 'notify', 'notify');
      await rename(page, 'notify', 'tell-team');
      f = form(page, 'tell-team');
      await label(f, 'Tell the team');
      await f.getByRole('checkbox', { name: 'Email' }).uncheck();
      const message = f.getByLabel('Message', { exact: true });
      await message.fill('');
      await f.getByRole('group', { name: 'Message: insert a field' }).getByRole('button', { name: '{{target.title}}' }).click();
      await message.press('End');
      await message.pressSequentially(' went to the client for sign-off');
      await expect.poll(() => message.inputValue()).toBe('{{target.title}} went to the client for sign-off');
      await screenshot(page, 'builder-notify');

      // 2. The client's approval: named no one at first, so the server's problem shows beside the approvers.
      f = await addPhase(page, 'approval', 'approval');
      await rename(page, 'approval', 'client');
      f = form(page, 'client');
      await label(f, 'Client approves');
      const approvers = f.getByRole('group', { name: 'Approvers from the space' });
      // The space's people by name and role.
      expect(await approvers.innerText()).toMatch(/Pat Partner\s*editor/i);
      expect(await approvers.innerText()).toMatch(/Alex Accounts\s*viewer/i);
      await approvers.getByRole('checkbox', { name: /Eddie Editor/ }).uncheck();
      await page.getByRole('button', { name: 'Create workflow' }).click();
      const problem = f.locator('[data-path="approvers"]');
      await problem.waitFor();
      expect(await problem.innerText()).toMatch(/names no one/);
      expect(await page.getByTestId('problems').locator('li[data-path="phases.1.approvers"]').count()).toBe(1);
      await screenshot(page, 'builder-problem');

      await approvers.getByRole('checkbox', { name: /Pat Partner/ }).check();
      const email = f.getByLabel(/Outside reviewers/);
      await email.fill('client@brand');
      await f.getByText('"client@brand" is not an email address yet.').waitFor();
      expect(await f.getByRole('button', { name: 'Add', exact: true }).isDisabled()).toBe(true);
      await email.fill(CLIENT);
      await email.press('Enter');
      await f.getByRole('list', { name: /added/ }).getByText(CLIENT).waitFor();
      await f.getByRole('radio', { name: 'All approvers' }).check();
      // N is bounded by the number of approvers (two).
      await f.getByRole('radio', { name: /A number of them/ }).check();
      await f.getByLabel('How many approvals').fill('5');
      await expect.poll(() => f.getByLabel('How many approvals').inputValue()).toBe('2');
      await f.getByRole('radio', { name: 'All approvers' }).check();
      await f.getByRole('checkbox', { name: 'Time out' }).check();
      await duration(f, 'Time out after', '48', 'h');
      await f.getByLabel('Then', { exact: true }).selectOption('escalate');
      await f.getByRole('group', { name: 'Escalate to' }).getByRole('checkbox', { name: /Alex Accounts/ }).check();
      await f.getByRole('checkbox', { name: /Deny if the escalation/ }).check();

      // 3.–6. Approved, publish, done; the draft fallback.
      f = await addPhase(page, 'mutate', 'mutate');
      await rename(page, 'mutate', 'approved');
      f = form(page, 'approved');
      expect(await f.getByLabel('New status').inputValue()).toBe('Approved');
      await screenshot(page, 'builder-mutate');

      // The comment is added before the call, by mistake; it is moved from the keyboard below.
      f = await addPhase(page, 'comment', 'comment');
      await rename(page, 'comment', 'done');
      f = form(page, 'done');
      await f.getByLabel('Comment', { exact: true }).fill('Approved by the client and sent to publishing');
      await f.getByLabel('Afterwards').selectOption('end');
      await screenshot(page, 'builder-comment');

      f = await addPhase(page, 'http', 'http');
      await rename(page, 'http', 'publish');
      f = form(page, 'publish');
      await f.getByLabel('URL').fill(`${publisher.url}/posts`);
      await f.getByLabel(/^Body/).fill('{"contentId": "{{target.id}}", "caption": "{{target.caption}}"}');
      await duration(f, 'Give up after', '10', 's');
      await screenshot(page, 'builder-http');

      f = await addPhase(page, 'mutate', 'mutate');
      await rename(page, 'mutate', 'back-to-draft');
      f = form(page, 'back-to-draft');
      await f.getByLabel('New status').fill('In Progress');

      // Reorder from the keyboard: "publish" moves up above "done".
      expect(await listIds(page)).toEqual(['tell-team', 'client', 'approved', 'done', 'publish', 'back-to-draft']);
      const up = page.getByRole('button', { name: 'Move publish up' });
      await up.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => listIds(page)).toEqual(['tell-team', 'client', 'approved', 'publish', 'done', 'back-to-draft']);
      await page.getByText('Call a service moved to position 4 of 6.').waitFor({ state: 'attached' });
      // The keyboard stays on the moved phase: Enter again moves it once more, and back down.
      await page.keyboard.press('Enter');
      await expect.poll(() => listIds(page)).toEqual(['tell-team', 'client', 'publish', 'approved', 'done', 'back-to-draft']);
      await page.getByRole('button', { name: 'Move publish down' }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => listIds(page)).toEqual(['tell-team', 'client', 'approved', 'publish', 'done', 'back-to-draft']);

      // A click on the canvas opens that phase's form; deny goes to a later phase only.
      await page.locator('.wf-preview .react-flow__node[data-phase-id="client"]').click();
      f = form(page, 'client');
      await f.waitFor();
      const deny = f.getByLabel('When denied');
      const options = await deny.locator('option').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
      expect(options).toEqual(['', 'approved', 'publish', 'done', 'back-to-draft', 'end']);
      await deny.selectOption('back-to-draft');
      await screenshot(page, 'builder-approval');

      // The other forms, for their screenshots; then removed again.
      for (const [type, id] of [['wait', 'wait'], ['condition', 'condition'], ['ai', 'ai'], ['share_email', 'share_email']] as const) {
        f = await addPhase(page, type, id);
        await screenshot(page, `builder-${type}`);
        await page.getByRole('button', { name: `Remove ${id}` }).click();
        await expect.poll(() => form(page, id).count()).toBe(0);
      }
      expect(await page.locator('textarea#wf-phases').count()).toBe(0);

      await page.getByRole('button', { name: 'Create workflow' }).click();
      await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
      const wfId = page.url().split('/').pop()!;
      const saved = (await s.call('GET', `/api/workflows/${wfId}`, { token: eddie.token })).body;
      expect(saved.phases).toEqual([
        { id: 'tell-team', type: 'notify', name: 'Tell the team', to: ['assignees'], channels: ['in_app'], message: '{{target.title}} went to the client for sign-off' },
        {
          id: 'client',
          type: 'approval',
          name: 'Client approves',
          approvers: { members: [pat.id], emails: [CLIENT] },
          required: 'all',
          onDeny: { goto: 'back-to-draft' },
          timeout: { after: '48h', action: 'escalate', escalateTo: { members: [alex.id] }, then: { after: '24h', action: 'deny' } },
        },
        { id: 'approved', type: 'mutate', name: 'Set status', set: { status: 'Approved' } },
        { id: 'publish', type: 'http', name: 'Call a service', method: 'POST', url: `${publisher.url}/posts`, body: { contentId: '{{target.id}}', caption: '{{target.caption}}' }, timeout: '10s' },
        { id: 'done', type: 'comment', name: 'Comment', body: 'Approved by the client and sent to publishing', next: 'end' },
        { id: 'back-to-draft', type: 'mutate', name: 'Set status', set: { status: 'In Progress' } },
      ]);

      // Run it on a post.
      const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: eddie.token, body: { title: 'Spring launch', caption: 'New colours', assignees: [eddie.id] } });
      await page.getByRole('button', { name: 'Start run' }).click();
      const start = page.getByRole('form', { name: 'Start a run' });
      await start.getByLabel('Target').selectOption('content');
      await start.getByLabel('Content item id').fill(item.body.id);
      await start.getByRole('button', { name: 'Start run' }).click();
      await page.waitForURL(/\/runs\/[^/]+$/);
      const runId = page.url().split('/').pop()!;
      const runOf = async () => (await s.call('GET', `/api/runs/${runId}`, { token: eddie.token })).body;
      await expect.poll(async () => JSON.stringify(await runOf()), { timeout: 10_000 }).toContain('"status":"waiting"');

      // The teammate approves in the app.
      const p = await signIn(browser, s, pat.email);
      try {
        await p.page.goto(`${s.url}/runs/${runId}`);
        const decide = p.page.getByRole('form', { name: 'Your decision on gate client' });
        await decide.getByRole('button', { name: 'Approve' }).click();
        await p.page.locator('article[data-gate="client"] li.decision', { hasText: 'Pat Partner' }).waitFor();
        expect(p.errors).toEqual([]);
      } finally {
        await p.context.close();
      }

      // The client approves through the link in their email.
      const mail = await until('the review email', async () => smtp.messages.find((m) => m.to.includes(CLIENT)) ?? null);
      const text = parseMime(mail.raw).parts.find((x) => /text\/plain/.test(x.headers['content-type'] ?? ''))!.body;
      const link = /(https?:\/\/\S+\/review\/\S+)/.exec(text)![1]!;
      const guest = await browser.newContext();
      try {
        const g = await guest.newPage();
        await g.goto(link);
        await g.getByRole('button', { name: 'Approve' }).click();
        await g.waitForLoadState();
      } finally {
        await guest.close();
      }

      await until('the run to complete', async () => (await s.call('GET', `/api/runs/${runId}`, { token: eddie.token })).body.status === 'completed', 20_000);
      const gates = await s.call('GET', `/api/runs/${runId}/approvals`, { token: eddie.token });
      expect(gates.body.items[0].status).toBe('approved');
      expect(gates.body.items[0].decisions.map((d: { via: string }) => d.via).sort()).toEqual(['app', 'link'].sort());
      expect(published).toEqual([{ contentId: item.body.id, caption: 'New colours' }]);
      expect((await s.call('GET', `/api/content/${item.body.id}`, { token: eddie.token })).body.status).toBe('Approved');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('every gallery template goes JSON → forms → JSON unchanged', async () => {
    const templates = (await s.call('GET', '/api/templates', { token: eddie.token })).body.items as Array<{ id: string; definition: { phases: Array<{ id: string }> } }>;
    expect(templates.length).toBeGreaterThanOrEqual(12);
    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      for (const t of templates) {
        await page.goto(`${s.url}/workflows/new?spaceId=${w.spaceId}&template=${t.id}`);
        await page.getByRole('heading', { name: 'New workflow' }).waitFor();
        await expect.poll(() => listIds(page), { message: t.id }).toEqual(t.definition.phases.map((p) => p.id));
        // Open every phase's form (from the list), then read the JSON view.
        for (const p of t.definition.phases) {
          await page.locator(`ol.pf-list > li[data-phase-id="${p.id}"] .pf-pick`).click();
          await form(page, p.id).waitFor();
        }
        await page.getByRole('group', { name: 'Phases view' }).getByRole('button', { name: 'JSON' }).click();
        expect(JSON.parse(await page.locator('#wf-phases').inputValue()), t.id).toEqual(t.definition.phases);
        await page.getByRole('group', { name: 'Phases view' }).getByRole('button', { name: 'Forms' }).click();
        await page.locator('ol.pf-list').waitFor();
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('reorders by dragging, and the JSON view follows', async () => {
    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      await page.goto(`${s.url}/workflows/new?spaceId=${w.spaceId}&template=client-signoff`);
      await expect.poll(() => listIds(page)).toEqual(['tell-team', 'client', 'approved', 'publish', 'done', 'back-to-draft']);
      await page.locator('ol.pf-list > li[data-phase-id="approved"]').dragTo(page.locator('ol.pf-list > li[data-phase-id="done"]'));
      await expect.poll(() => listIds(page)).toEqual(['tell-team', 'client', 'publish', 'done', 'approved', 'back-to-draft']);
      await expect.poll(() => page.locator('.wf-preview .react-flow__edge[data-from="done"][data-kind="next"]').count()).toBe(1);
      await page.getByRole('group', { name: 'Phases view' }).getByRole('button', { name: 'JSON' }).click();
      const phases = JSON.parse(await page.locator('#wf-phases').inputValue()) as Array<{ id: string }>;
      expect(phases.map((p) => p.id)).toEqual(['tell-team', 'client', 'publish', 'done', 'approved', 'back-to-draft']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
