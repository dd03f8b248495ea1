/**
 * The workflows pages in a real Chromium (SQLite): the list across spaces, the detail page's
 * canvas (approval gates as their own shape with approve and deny exits, condition branches,
 * jumps to End), the builder (palette, JSON, the server's problems by path, versions), the
 * webhook secret shown once, and starting a run — each checked against the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import path from 'node:path';
import { launchChromium, SCREENS, screenshot, signIn } from './helpers/browser.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('web UI: workflows', { timeout: 120_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let editor: { id: string; token: string; email: string };
  let viewer: { id: string; token: string; email: string };
  let newsletterId: string;
  let signOff: string;
  let digest: string;

  async function createWorkflow(spaceId: string, body: Record<string, unknown>) {
    const r = await s.call('POST', `/api/spaces/${spaceId}/workflows`, { token: w.owner.token, body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }
  async function getWorkflow(id: string) {
    const r = await s.call('GET', `/api/workflows/${id}`, { token: w.owner.token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }

  /** The canvas edge leaving `from` of `kind`, as the page draws it. */
  async function edge(page: Page, from: string, kind: string) {
    const g = page.locator(`.react-flow__edge[data-from="${from}"][data-kind="${kind}"]`);
    expect(await g.count(), `${kind} edge from ${from}`).toBe(1);
    return g.evaluate((el) => ({ to: el.getAttribute('data-to'), label: el.querySelector('.react-flow__edge-text')?.textContent ?? null }));
  }

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    const space = await s.call('POST', '/api/spaces', { token: w.owner.token, body: { name: 'Newsletter' } });
    newsletterId = space.body.id;
    editor = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    await s.call('PUT', `/api/spaces/${newsletterId}/members/${editor.id}`, { token: w.owner.token, body: { role: 'editor' } });
    viewer = await addUser(s, w.owner.token, { email: 'vera@acme.example', name: 'Vera Viewer', spaceId: w.spaceId, spaceRole: 'viewer' });

    signOff = await createWorkflow(w.spaceId, {
      name: 'Client sign-off',
      trigger: { type: 'content.status_changed', to: 'Pending' },
      phases: [
        { id: 'brief', type: 'notify', name: 'Tell the team', to: ['assignees'], message: '{{target.title}} needs review' },
        { id: 'client', type: 'approval', name: 'Client approval', approvers: { members: [editor.id], emails: ['client@brand.example'] }, required: 'any', onDeny: 'end' },
        { id: 'legal', type: 'approval', name: 'Legal check', approvers: { members: [w.owner.id] }, required: 1, onDeny: { goto: 'rework' } },
        { id: 'check', type: 'condition', name: 'Still pending?', if: { field: 'target.status', op: 'eq', value: 'Pending' }, then: 'publish', else: 'rework' },
        { id: 'publish', type: 'mutate', name: 'Approve', set: { status: 'Approved' } },
        { id: 'hold', type: 'wait', name: 'Cool down', duration: '10s', next: 'end' },
        { id: 'rework', type: 'comment', name: 'Ask for rework', body: 'Please rework {{target.title}}' },
      ],
    });
    digest = await createWorkflow(newsletterId, {
      name: 'Weekly digest',
      trigger: { type: 'schedule', cron: '0 9 * * 2', timezone: 'Europe/Paris' },
      phases: [{ id: 'tell', type: 'notify', to: ['space_admins'], channels: ['in_app'], message: 'Digest time' }],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('lists the workflows of every space, with "New workflow" only where the user may edit', async () => {
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.getByRole('link', { name: 'Workflows' }).click();
      await page.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
      const social = page.locator(`section[data-space-id="${w.spaceId}"]`);
      const newsletter = page.locator(`section[data-space-id="${newsletterId}"]`);
      await social.locator(`tr[data-workflow-id="${signOff}"]`).waitFor();
      const row = await social.locator(`tr[data-workflow-id="${signOff}"]`).innerText();
      expect(row).toContain('Client sign-off');
      expect(row).toContain('enabled');
      expect(row).toContain('v1');
      expect(row).toContain('content.status_changed');
      expect(await newsletter.locator(`tr[data-workflow-id="${digest}"]`).innerText()).toContain('schedule');
      expect(await social.getByRole('button', { name: /New workflow/ }).count()).toBe(1);
      await screenshot(page, 'workflows-list');

      // Filtering by space leaves the other space out.
      await page.getByLabel('Space').selectOption({ label: 'Newsletter' });
      await expect.poll(() => social.count()).toBe(0);
      expect(await newsletter.count()).toBe(1);
      expect(page.url()).toContain(`space=${newsletterId}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    // A viewer sees the workflows but no way to make or change them.
    const v = await signIn(browser, s, viewer.email);
    try {
      await v.page.goto(`${s.url}/workflows`);
      await v.page.locator(`tr[data-workflow-id="${signOff}"]`).waitFor();
      expect(await v.page.getByRole('button', { name: /New workflow/ }).count()).toBe(0);
      await v.page.getByRole('link', { name: 'Client sign-off' }).click();
      await v.page.getByRole('heading', { name: 'Client sign-off' }).waitFor();
      await v.page.locator('.react-flow__node').first().waitFor();
      expect(await v.page.getByRole('button', { name: 'Start run' }).count()).toBe(0);
      expect(await v.page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
      await v.page.goto(`${s.url}/workflows/${signOff}/edit`);
      await expect.poll(() => v.page.getByRole('alert').innerText()).toMatch(/ask for the editor role/);
      expect(await v.page.getByRole('button', { name: 'Save new version' }).count()).toBe(0);
    } finally {
      await v.context.close();
    }
  });

  it('draws the canvas: a node per phase and End, gates as their own shape with approve and deny exits, condition branches', async () => {
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.goto(`${s.url}/workflows/${signOff}`);
      await page.getByRole('heading', { name: 'Client sign-off' }).waitFor();
      expect(await page.getByTestId('trigger').innerText()).toMatch(/status changes to "Pending"/);
      const nodes = page.locator('.react-flow__node');
      await expect.poll(() => nodes.count()).toBe(8);
      const ids = await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('data-phase-id')));
      expect(ids).toEqual(['brief', 'client', 'legal', 'check', 'publish', 'hold', 'rework', 'end']);
      expect(await page.locator('.react-flow__node[data-phase-id="end"]').innerText()).toBe('End');

      // Approval gates: the hexagon shape, marked "approval", with their counts.
      const gate = page.locator('.react-flow__node[data-phase-id="client"] [data-phase-type="approval"]');
      expect(await gate.getAttribute('class')).toContain('fg-gate');
      expect(await gate.getAttribute('data-approvers')).toBe('2');
      const gateText = await gate.innerText();
      expect(gateText).toMatch(/approval/i);
      expect(gateText).toContain('Client approval');
      expect(gateText).toContain('needs any of 2 approvers');
      expect(await page.locator('.fg-gate').count()).toBe(2);
      expect(await page.locator('.react-flow__node[data-phase-id="brief"] .fg-gate').count()).toBe(0);
      expect(await page.locator('.react-flow__node[data-phase-id="hold"]').innerText()).toContain('wait 10s');

      // Exits: approve to the next phase, deny to End or to the goto phase, labelled.
      expect(await edge(page, 'client', 'approve')).toEqual({ to: 'legal', label: 'approve' });
      expect(await edge(page, 'client', 'deny')).toEqual({ to: 'end', label: 'deny' });
      expect(await edge(page, 'legal', 'approve')).toEqual({ to: 'check', label: 'approve' });
      expect(await edge(page, 'legal', 'deny')).toEqual({ to: 'rework', label: 'deny' });
      expect(await edge(page, 'check', 'then')).toEqual({ to: 'publish', label: 'then' });
      expect(await edge(page, 'check', 'else')).toEqual({ to: 'rework', label: 'else' });
      expect(await edge(page, 'hold', 'next')).toEqual({ to: 'end', label: 'next' });
      expect((await edge(page, 'brief', 'flow')).to).toBe('client');
      expect((await edge(page, 'rework', 'flow')).to).toBe('end');
      expect(await page.locator('.react-flow__edge').count()).toBe(10);

      // Clean drawing: no two nodes overlap, no label covers a node or another label.
      const nodeBoxes = (await nodes.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) as Box[];
      const labelBoxes = (await page.locator('.react-flow__edge-textwrapper').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) as Box[];
      expect(labelBoxes).toHaveLength(7);
      for (let i = 0; i < nodeBoxes.length; i++) for (let j = i + 1; j < nodeBoxes.length; j++) expect(overlap(nodeBoxes[i]!, nodeBoxes[j]!), `nodes ${i} and ${j}`).toBe(false);
      for (const [i, l] of labelBoxes.entries()) {
        for (const n of nodeBoxes) expect(overlap(l, n), `label ${i} over a node`).toBe(false);
        for (const m of labelBoxes.slice(i + 1)) expect(overlap(l, m), `label ${i} over another`).toBe(false);
      }
      await screenshot(page, 'workflow-detail');
      await page.getByTestId('workflow-canvas').screenshot({ path: path.join(SCREENS, 'workflow-canvas.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('builder: palette and JSON, the server\'s problem shown by path, then version 1, then an edit makes version 2', async () => {
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.goto(`${s.url}/workflows`);
      await page.locator(`section[data-space-id="${w.spaceId}"]`).getByRole('button', { name: /New workflow/ }).click();
      await page.getByRole('heading', { name: 'New workflow' }).waitFor();
      expect(page.url()).toBe(`${s.url}/workflows/new?spaceId=${w.spaceId}`);
      await page.getByLabel('Name').fill('Launch review');
      const palette = page.getByRole('group', { name: 'Add a phase' });
      for (const t of ['approval', 'comment', 'wait']) await palette.getByRole('button', { name: `+ ${t}` }).click();
      await palette.getByRole('button', { name: '+ comment' }).click();
      const preview = page.locator('.wf-preview');
      await expect.poll(() => preview.locator('.react-flow__node').count()).toBe(5);
      expect(await preview.locator('.fg-gate').count()).toBe(1);

      // A backward jump, typed into the JSON: the preview follows, the server refuses it by path.
      await page.getByRole('group', { name: 'Phases view' }).getByRole('button', { name: 'JSON' }).click();
      const editor_ = page.getByLabel('Phases (JSON)');
      const phases = JSON.parse(await editor_.inputValue());
      expect(phases.map((p: { id: string }) => p.id)).toEqual(['approval', 'comment', 'wait', 'comment_2']);
      phases[2].next = 'approval';
      await editor_.fill(JSON.stringify(phases, null, 2));
      await preview.locator('.react-flow__edge[data-from="wait"][data-to="approval"]').waitFor();
      await page.getByRole('button', { name: 'Create workflow' }).click();
      const problem = page.getByTestId('problems').locator('li[data-path="phases.2.next"]');
      await problem.waitFor();
      expect(await problem.innerText()).toMatch(/phases\.2\.next.*backward/);
      await screenshot(page, 'workflow-builder-problem');

      // Not JSON: the palette waits for a fix and the preview keeps the last good drawing.
      await editor_.fill('[{"id": ');
      await page.getByText(/Not valid JSON yet/).waitFor();
      expect(await palette.getByRole('button', { name: '+ wait' }).isDisabled()).toBe(true);
      expect(await preview.locator('.react-flow__node').count()).toBe(5);

      delete phases[2].next;
      await editor_.fill(JSON.stringify(phases, null, 2));
      await page.getByRole('button', { name: 'Create workflow' }).click();
      // The builder's own address (/workflows/new?spaceId=…) is not the saved workflow's.
      await page.waitForURL(/\/workflows\/(?!new\b)[^/?]+$/);
      const id = page.url().split('/').pop()!;
      await page.getByRole('heading', { name: 'Launch review' }).waitFor();
      expect(await page.getByLabel('Version').inputValue()).toBe('1');
      const saved = await getWorkflow(id);
      expect(saved.version).toBe(1);
      expect(saved.spaceId).toBe(w.spaceId);
      expect(saved.phases.map((p: { id: string }) => p.id)).toEqual(['approval', 'comment', 'wait', 'comment_2']);
      expect(saved.phases[0].approvers).toEqual({ members: [editor.id], emails: [] });

      // Edit: rename, add a phase, save → version 2; the old version stays pickable.
      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByRole('heading', { name: 'Edit Launch review' }).waitFor();
      await expect.poll(() => page.getByLabel('Phases (JSON)').inputValue()).toContain('comment_2');
      await page.getByLabel('Name').fill('Launch review (strict)');
      await palette.getByRole('button', { name: '+ notify' }).click();
      await expect.poll(() => preview.locator('.react-flow__node').count()).toBe(6);
      await screenshot(page, 'workflow-builder');
      await page.getByRole('button', { name: 'Save new version' }).click();
      await page.getByRole('heading', { name: 'Launch review (strict)' }).waitFor();
      await expect.poll(() => page.getByLabel('Version').inputValue()).toBe('2');
      const v2 = await getWorkflow(id);
      expect(v2.version).toBe(2);
      expect(v2.phases.at(-1)).toMatchObject({ id: 'notify', type: 'notify' });
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(6);
      await page.getByLabel('Version').selectOption('1');
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(5);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('builder: a webhook workflow shows its secret once, and the secret works', async () => {
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.goto(`${s.url}/workflows/new?spaceId=${newsletterId}`);
      await page.getByLabel('Name').fill('Inbound ping');
      await page.getByLabel('Trigger', { exact: true }).selectOption('webhook');
      await page.getByRole('group', { name: 'Add a phase' }).getByRole('button', { name: '+ wait' }).click();
      await page.getByRole('button', { name: 'Create workflow' }).click();
      const secret = await page.getByTestId('webhook-secret').innerText();
      expect(await page.locator('.wf-secret').innerText()).toMatch(/shown only this once/);
      await page.getByRole('button', { name: /open the workflow/ }).click();
      await page.getByRole('heading', { name: 'Inbound ping' }).waitFor();
      const id = page.url().split('/').pop()!;
      expect((await getWorkflow(id)).trigger).toEqual({ type: 'webhook' });
      const hook = await s.call('POST', `/api/hooks/${id}`, { headers: { 'x-flowgate-secret': secret }, body: { hello: 1 } });
      expect(hook.status, JSON.stringify(hook.body)).toBeLessThan(300);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('starts a run from the detail page on a target with an input, and opens the run page', async () => {
    const wf = await createWorkflow(w.spaceId, { name: 'Note it', trigger: { type: 'manual' }, phases: [{ id: 'note', type: 'comment', body: 'Noted: {{target.title}}' }] });
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: editor.token, body: { title: 'Spring launch' } });
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.goto(`${s.url}/workflows/${wf}`);
      await page.getByRole('button', { name: 'Start run' }).click();
      const form = page.getByRole('form', { name: 'Start a run' });
      // Without a target the server refuses, and says why.
      await form.getByRole('button', { name: 'Start run' }).click();
      await expect.poll(() => form.getByRole('alert').innerText()).toMatch(/needs a target/);
      await form.getByLabel('Target').selectOption('content');
      await form.getByLabel('Content item id').fill(item.body.id);
      await form.getByLabel(/Input/).fill('{"reason": "launch"}');
      await form.getByRole('button', { name: 'Start run' }).click();
      await page.waitForURL(/\/runs\/[^/]+$/);
      const runId = page.url().split('/').pop()!;
      const run = await s.call('GET', `/api/runs/${runId}`, { token: editor.token });
      expect(run.status).toBe(200);
      expect(run.body.workflowId).toBe(wf);
      expect(run.body.target).toMatchObject({ type: 'content', id: item.body.id });
      expect(run.body.input).toEqual({ reason: 'launch' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
  it('the template gallery opens the builder filled in; the people are filled by the user, then it saves', async () => {
    const { context, page, errors } = await signIn(browser, s, editor.email);
    try {
      await page.goto(`${s.url}/workflows`);
      await page.getByRole('link', { name: 'Start from a template' }).click();
      await page.getByRole('heading', { name: 'Workflow templates', level: 1 }).waitFor();
      const cards = page.locator('article.tpl-card');
      await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(12);
      const card = page.locator('article[data-template-id="two-editors-then-legal"]');
      expect(await card.innerText()).toMatch(/Two of three editors approve/);
      // Its canvas: the three phases, the gates drawn as gates, and End.
      for (const id of ['editors', 'legal', 'ready', 'end']) expect(await card.locator(`.react-flow__node[data-phase-id="${id}"]`).count(), id).toBe(1);
      expect(await card.locator('.react-flow__node[data-phase-id="legal"] [data-phase-type="approval"]').count()).toBe(1);
      await screenshot(page, 'workflow-templates');
      await page.getByLabel('Use in space').selectOption({ label: 'Newsletter' });
      await card.getByRole('button', { name: /Use this template/ }).click();

      await page.getByRole('heading', { name: 'New workflow', level: 1 }).waitFor();
      expect(page.url()).toContain(`spaceId=${newsletterId}`);
      expect(page.url()).toContain('template=two-editors-then-legal');
      await expect.poll(() => page.getByLabel('Name').inputValue()).toBe('Two editors, then legal');
      const notice = page.getByRole('note', { name: 'Fill in before saving' });
      expect(await notice.innerText()).toMatch(/Three editors \(two must approve\)[\s\S]*The legal reviewer/);
      // Saved as is, the server names the people fields that are still empty, and nothing is saved.
      await page.getByRole('button', { name: 'Create workflow' }).click();
      await page.getByText('The server refused the workflow').waitFor();
      expect(await page.getByTestId('problems').innerText()).toContain('phases.0.approvers');
      const before = await s.call('GET', `/api/spaces/${newsletterId}/workflows`, { token: w.owner.token });
      expect(before.body.items.map((x: { name: string }) => x.name)).not.toContain('Two editors, then legal');
      await screenshot(page, 'workflow-from-template');

      await page.getByRole('group', { name: 'Phases view' }).getByRole('button', { name: 'JSON' }).click();
      const phases = JSON.parse(await page.locator('#wf-phases').inputValue());
      phases[0].approvers.members = [editor.id, w.owner.id];
      phases[1].approvers.members = [w.owner.id];
      await page.locator('#wf-phases').fill(JSON.stringify(phases, null, 2));
      await page.getByRole('button', { name: 'Create workflow' }).click();
      await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      const saved = await getWorkflow(id);
      expect(saved).toMatchObject({ name: 'Two editors, then legal', spaceId: newsletterId, trigger: { type: 'manual' } });
      expect(saved.phases.map((p: { id: string }) => p.id)).toEqual(['editors', 'legal', 'ready']);
      expect(saved.phases[0]).toMatchObject({ approvers: { members: [editor.id, w.owner.id] }, required: 2, allowSelfApproval: false });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
