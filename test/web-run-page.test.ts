/**
 * The run detail page in a real Chromium against a real server (SQLite; the page only calls
 * the API, whose behaviour on PostgreSQL the API tests cover): the phase-by-phase timeline,
 * approving from the page with live updates, what a non-approver sees, cancel, retry,
 * re-run, delete and skip — each checked on the server through the API.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, signIn } from './helpers/browser.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { until } from './helpers/smtp.js';

type User = { id: string; token: string; email: string };

describe('run detail page', { timeout: 90_000 }, () => {
  let s: TestServer;
  let w: World;
  let browser: Browser;
  let eddie: User;
  let pat: User;
  let nora: User;

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    eddie = await addUser(s, w.owner.token, { email: 'eddie@acme.example', name: 'Eddie Editor', spaceId: w.spaceId });
    pat = await addUser(s, w.owner.token, { email: 'pat@acme.example', name: 'Pat Partner', spaceId: w.spaceId });
    nora = await addUser(s, w.owner.token, { email: 'nora@acme.example', name: 'Nora Nobody', spaceId: w.spaceId });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  /** Saves a manual workflow, makes a content item and starts a run on it as the owner. */
  async function startRun(name: string, phases: unknown[], by: User = w.owner) {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name, trigger: { type: 'manual' }, phases } });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: `${name} post` } });
    const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: by.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    return { workflowId: wf.body.id as string, itemId: item.body.id as string, runId: run.body.id as string };
  }

  const getRun = async (id: string) => (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body;
  const runReaches = (id: string, pred: (r: any) => boolean, what: string) =>
    until(what, async () => {
      const r = await getRun(id);
      return pred(r) && r;
    }, 20_000);
  const phaseItem = (page: Page, phaseId: string, attempt = 1) => page.locator(`ol.timeline > li[data-phase-id="${phaseId}"][data-attempt="${attempt}"]`);
  const runStatus = (page: Page) => page.locator('.run-page').getAttribute('data-status');

  it('shows the timeline phase by phase: status, duration, input and output; phases not reached; the target comments', async () => {
    const { runId, workflowId } = await startRun('Launch review', [
      { id: 'brief', type: 'notify', to: [eddie.id], channels: ['in_app'], message: 'Please review {{target.title}}' },
      { id: 'note', type: 'comment', body: 'Review started for {{target.title}}' },
      { id: 'pause', type: 'wait', duration: '1s' },
      { id: 'review', type: 'approval', name: 'Editor review', approvers: { members: [eddie.id] }, required: 'any' },
      { id: 'approve', type: 'mutate', set: { status: 'Approved' } },
    ]);
    await runReaches(runId, (r) => r.status === 'waiting' && r.waitingFor === 'approval', 'the gate to wait');

    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.goto(`${s.url}/runs/${runId}`);
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      expect(await page.getByRole('link', { name: 'Launch review' }).getAttribute('href')).toBe(`/workflows/${workflowId}`);
      await expect.poll(() => page.locator('[data-fact="target"]').textContent()).toContain('Launch review post');
      await expect.poll(() => page.locator('[data-fact="started-by"]').textContent()).toBe('Olive Owner');
      expect(await runStatus(page)).toBe('waiting');

      for (const id of ['brief', 'note', 'pause']) {
        const li = phaseItem(page, id);
        expect(await li.getAttribute('data-status'), id).toBe('succeeded');
        expect(await li.locator('[data-field="duration"]').textContent(), id).toMatch(/took \d+(\.\d)? (ms|s)/);
      }
      // The wait took its second (or a little more).
      expect((await getRun(runId)).phases.find((p: any) => p.phaseId === 'pause').durationMs).toBeGreaterThanOrEqual(1000);
      expect(await phaseItem(page, 'pause').locator('[data-field="duration"]').textContent()).toMatch(/took \d+(\.\d)? s|took \d+ min/);
      const gate = phaseItem(page, 'review');
      expect(await gate.getAttribute('data-status')).toBe('waiting');
      expect(await gate.textContent()).toContain('Editor review');
      expect(await gate.textContent()).toContain('Waiting for approvers');

      // Input and output open on demand and show the JSON the phase recorded.
      const note = phaseItem(page, 'note');
      const output = note.locator('details', { hasText: 'Output' });
      expect(await output.locator('pre').isVisible()).toBe(false);
      await note.getByText('Input', { exact: true }).click();
      await note.getByText('Output', { exact: true }).click();
      await expect.poll(() => output.locator('pre').isVisible()).toBe(true);
      expect(await note.locator('details', { hasText: 'Input' }).locator('pre').textContent()).toContain('"body": "Review started for Launch review post"');
      const recorded = (await getRun(runId)).phases.find((p: any) => p.phaseId === 'note').output.commentId;
      expect(await output.locator('pre').textContent()).toContain(recorded);
      await phaseItem(page, 'brief').getByText('Output', { exact: true }).click();
      expect(await phaseItem(page, 'brief').locator('details', { hasText: 'Output' }).locator('pre').textContent()).toContain(eddie.id);

      // The mutate phase has not run yet; the comment phase's comment is on the target.
      const notReached = page.locator('ol.timeline.pending > li[data-phase-id="approve"]');
      expect(await notReached.textContent()).toContain('mutate');
      expect(await page.getByRole('heading', { name: 'Phases not reached yet' }).count()).toBe(1);
      const comments = page.locator('section', { has: page.getByRole('heading', { name: /Comments on the content item/ }) });
      await comments.getByText('Review started for Launch review post').waitFor();
      expect(await comments.getByRole('link', { name: /^run / }).getAttribute('href')).toBe(`/runs/${runId}`);

      // A comment added from the page lands on the target.
      await comments.getByLabel('Add a comment').fill('Caption reads well.');
      await comments.getByRole('button', { name: 'Post comment' }).click();
      // In the list, not the text box: React mirrors a controlled textarea's value into its text.
      await comments.locator('ul.comments').getByText('Caption reads well.').waitFor();
      const onServer = await s.call('GET', `/api/content/${(await getRun(runId)).target.id}/comments`, { token: w.owner.token });
      expect(onServer.body.items.map((c: any) => c.body)).toContain('Caption reads well.');
      await screenshot(page, 'run-timeline');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an approver approves with a comment on the page; the page follows the run live until it completes', async () => {
    const { runId } = await startRun('Client sign-off', [
      { id: 'client', type: 'approval', approvers: { members: [eddie.id, pat.id] }, required: 'all' },
      { id: 'settle', type: 'wait', duration: '1s' },
      { id: 'done', type: 'comment', body: 'Approved by workflow' },
    ]);
    await runReaches(runId, (r) => r.status === 'waiting', 'the gate to wait');

    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      await page.goto(`${s.url}/runs/${runId}`);
      const gate = page.locator('article[data-gate="client"]');
      await gate.waitFor();
      await page.locator('[data-live="live"]').waitFor();
      // Marks this document: it must still be the same one (no reload) at the end.
      await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
      expect(await gate.textContent()).toContain('0 of 2 approvals counted');

      // Pat decides through the API: the decision appears on Eddie's open page by itself.
      const byPat = await s.call('POST', `/api/runs/${runId}/phases/client/decision`, { token: pat.token, body: { decision: 'approve', comment: 'Fine by me' } });
      expect(byPat.status, JSON.stringify(byPat.body)).toBe(200);
      await gate.getByText('Fine by me').waitFor();
      expect(await gate.textContent()).toContain('1 of 2 approvals counted');

      const form = page.getByRole('form', { name: 'Your decision on gate client' });
      await form.getByLabel('Comment (optional)').fill('Looks great, ship it');
      await screenshot(page, 'run-gate-waiting');
      await form.getByRole('button', { name: 'Approve' }).click();
      await gate.locator('li.decision').getByText('Looks great, ship it').waitFor();
      const mine = gate.locator('li.decision', { hasText: 'Eddie Editor' });
      expect(await mine.getAttribute('data-decision')).toBe('approve');
      expect(await mine.textContent()).toMatch(/in the app · on target version 1/);
      await expect.poll(() => gate.getAttribute('data-status')).toBe('approved');
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);

      // The run moves on through the wait and completes; the page sees it without a reload.
      await expect.poll(() => runStatus(page), { timeout: 15_000 }).toBe('completed');
      expect(await phaseItem(page, 'settle').getAttribute('data-status')).toBe('succeeded');
      expect(await phaseItem(page, 'done').getAttribute('data-status')).toBe('succeeded');
      await page.locator('ul.comments').getByText('Approved by workflow', { exact: true }).waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
      await screenshot(page, 'run-approved-completed');

      const run = await getRun(runId);
      expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });
      const gates = await s.call('GET', `/api/runs/${runId}/approvals`, { token: eddie.token });
      expect(gates.body.items[0]).toMatchObject({ status: 'approved' });
      expect(gates.body.items[0].decisions).toEqual([
        expect.objectContaining({ approver: { userId: pat.id }, decision: 'approve', comment: 'Fine by me', via: 'api', counts: true }),
        expect.objectContaining({ approver: { userId: eddie.id }, decision: 'approve', comment: 'Looks great, ship it', via: 'app', counts: true }),
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a non-approver sees the gate but no Approve button; a refused decision shows the server’s reason', async () => {
    // Olive starts the run and is listed, but may not approve her own run (self-approval off).
    const { runId } = await startRun('Self check', [{ id: 'gate', type: 'approval', approvers: { members: [eddie.id, w.owner.id] }, required: 'any' }]);
    await runReaches(runId, (r) => r.status === 'waiting', 'the gate to wait');

    const nonApprover = await signIn(browser, s, nora.email);
    try {
      await nonApprover.page.goto(`${s.url}/runs/${runId}`);
      const gate = nonApprover.page.locator('article[data-gate="gate"]');
      await gate.waitFor();
      await expect.poll(() => gate.textContent()).toContain('Eddie Editor');
      expect(await gate.textContent()).toContain('Olive Owner');
      expect(await gate.textContent()).not.toContain('escalation');
      expect(await gate.textContent()).toContain('No decisions yet.');
      expect(await nonApprover.page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await nonApprover.page.getByRole('button', { name: 'Deny' }).count()).toBe(0);
      await screenshot(nonApprover.page, 'run-non-approver');
      expect(nonApprover.errors).toEqual([]);
    } finally {
      await nonApprover.context.close();
    }

    const starter = await signIn(browser, s, w.owner.email);
    try {
      await starter.page.goto(`${s.url}/runs/${runId}`);
      await starter.page.getByRole('button', { name: 'Approve' }).click();
      const alert = starter.page.getByRole('form', { name: 'Your decision on gate gate' }).getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/\(forbidden\)|self|own/i);
      const gates = await s.call('GET', `/api/runs/${runId}/approvals`, { token: w.owner.token });
      expect(gates.body.items[0].decisions).toEqual([]);
      expect((await getRun(runId)).status).toBe('waiting');
    } finally {
      await starter.context.close();
    }
  });

  it('a run held by flow control shows its place in the order runs will start and why it waits', async () => {
    const limit = (n: number) => s.call('PATCH', '/api/org', { token: w.owner.token, body: { maxActiveRuns: n } });
    expect((await limit(0)).status).toBe(200);
    try {
      const first = await startRun('Held first', [{ id: 'post', type: 'comment', body: 'posted' }]);
      const second = await startRun('Held second', [{ id: 'post', type: 'comment', body: 'posted' }]);
      await runReaches(second.runId, (r) => r.waitingFor === 'flow_control', 'the run to be held');
      const { context, page, errors } = await signIn(browser, s, eddie.email);
      try {
        await page.goto(`${s.url}/runs/${second.runId}`);
        const fact = page.locator('[data-fact="queue"]');
        await expect.poll(() => fact.innerText()).toMatch(/^number 2 to start — held by flow control: the org allows no active runs \(limit 0\)/);
        await page.goto(`${s.url}/runs/${first.runId}`);
        await expect.poll(() => fact.innerText()).toMatch(/^next to start — held by flow control/);
        await screenshot(page, 'run-held-by-flow-control');
        expect((await limit(1)).status).toBe(200);
        await runReaches(first.runId, (r) => r.status === 'completed', 'the first run to complete once a slot exists');
        await page.goto(`${s.url}/runs/${second.runId}`);
        await expect.poll(() => fact.count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    } finally {
      await limit(100);
    }
  });

  it('cancels a waiting run after confirmation, with a reason', async () => {
    const { runId } = await startRun('Hold then post', [
      { id: 'hold', type: 'wait', duration: '1h' },
      { id: 'post', type: 'comment', body: 'posted' },
    ]);
    await runReaches(runId, (r) => r.status === 'waiting', 'the wait');

    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      await page.goto(`${s.url}/runs/${runId}`);
      await phaseItem(page, 'hold').getByText('Waiting until').waitFor();
      // Backing out of the confirmation does nothing.
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.getByRole('button', { name: 'Back' }).click();
      expect((await getRun(runId)).status).toBe('waiting');

      await page.getByRole('button', { name: 'Cancel run' }).click();
      const confirm = page.getByRole('form', { name: /Cancel this run\?/ });
      await confirm.getByLabel('Reason (optional)').fill('Campaign pulled');
      await screenshot(page, 'run-cancel-confirm');
      await confirm.getByRole('button', { name: 'Yes, cancel the run' }).click();
      await expect.poll(() => runStatus(page)).toBe('cancelled');
      expect(await phaseItem(page, 'hold').getAttribute('data-status')).toBe('cancelled');
      expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Re-run' }).waitFor();

      const run = await getRun(runId);
      expect(run.status).toBe('cancelled');
      expect(run.phases[0]).toMatchObject({ phaseId: 'hold', status: 'cancelled' });
      const audit = await s.call('GET', `/api/audit?runId=${runId}`, { token: w.owner.token });
      expect(JSON.stringify(audit.body.items)).toContain('Campaign pulled');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a failed run shows the error and its phase; Retry continues it, Re-run starts a linked run, Delete hides it', async () => {
    let answer = 503;
    const svc = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer, { 'content-type': 'application/json' }).end(answer === 200 ? '{"published":true}' : '{"error":"maintenance"}'));
    });
    await new Promise<void>((r) => svc.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(svc.address() as AddressInfo).port}/publish`;
    try {
      const { runId, workflowId } = await startRun('Publish', [
        { id: 'publish', type: 'http', url, body: { title: '{{target.title}}' } },
        { id: 'thanks', type: 'comment', body: 'Published' },
      ]);
      await runReaches(runId, (r) => r.status === 'failed', 'the run to fail');

      const { context, page, errors } = await signIn(browser, s, eddie.email);
      try {
        await page.goto(`${s.url}/runs/${runId}`);
        const failure = page.locator('section.run-error');
        await failure.waitFor();
        expect(await failure.getByRole('heading').textContent()).toBe('Failed at phase publish');
        expect(await failure.textContent()).toContain('external_error');
        expect(await failure.textContent()).toContain('answered 503');
        expect(await phaseItem(page, 'publish').getAttribute('data-status')).toBe('failed');
        expect(await phaseItem(page, 'publish').textContent()).toContain('external_error');
        expect(await page.getByRole('heading', { name: 'Phases that did not run' }).count()).toBe(1);
        await screenshot(page, 'run-failed');

        answer = 200;
        await page.getByRole('button', { name: 'Retry publish' }).click();
        await expect.poll(() => runStatus(page), { timeout: 15_000 }).toBe('completed');
        expect(await phaseItem(page, 'publish', 1).getAttribute('data-status')).toBe('failed');
        expect(await phaseItem(page, 'publish', 2).getAttribute('data-status')).toBe('succeeded');
        expect(await phaseItem(page, 'publish', 2).textContent()).toContain('attempt 2');
        expect(await page.locator('section.run-error').count()).toBe(0);
        const retried = await getRun(runId);
        expect(retried.phases.map((p: any) => [p.phaseId, p.attempt, p.status])).toEqual([
          ['publish', 1, 'failed'],
          ['publish', 2, 'succeeded'],
          ['thanks', 1, 'succeeded'],
        ]);
        await screenshot(page, 'run-retried');

        // Re-run: a new run, linked back to this one, and the page goes to it.
        await page.getByRole('button', { name: 'Re-run' }).click();
        await page.waitForURL((u) => u.pathname.startsWith('/runs/') && !u.pathname.endsWith(runId));
        const newId = new URL(page.url()).pathname.split('/').pop()!;
        const back = page.locator('[data-fact="rerun-of"]');
        await back.waitFor();
        expect(await back.getAttribute('href')).toBe(`/runs/${runId}`);
        expect((await getRun(newId)).rerunOf).toBe(runId);
        await expect.poll(() => runStatus(page), { timeout: 15_000 }).toBe('completed');
        await screenshot(page, 'run-rerun');

        // Delete the re-run: confirmed, then the workflow's page; the run is gone from the API.
        await page.getByRole('button', { name: 'Delete run' }).click();
        await page.getByRole('button', { name: 'Yes, delete the run' }).click();
        await page.waitForURL((u) => u.pathname === `/workflows/${workflowId}`);
        expect((await s.call('GET', `/api/runs/${newId}`, { token: w.owner.token })).status).toBe(404);
        await page.goto(`${s.url}/runs/${newId}`);
        await page.getByText('This run does not exist or you cannot see it').waitFor();
        await screenshot(page, 'run-not-found');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    } finally {
      svc.closeAllConnections();
      await new Promise<void>((r) => svc.close(() => r()));
    }
  });

  it('falls back to polling when the live stream is unavailable, and still follows the run', async () => {
    const { runId } = await startRun('Polled', [{ id: 'hold', type: 'wait', duration: '1h' }]);
    await runReaches(runId, (r) => r.status === 'waiting', 'the wait');
    const { context, page, errors } = await signIn(browser, s, eddie.email);
    try {
      await page.route('**/stream', (route) => route.abort());
      await page.goto(`${s.url}/runs/${runId}`);
      await page.locator('[data-live="polling"]').waitFor();
      const cancelled = await s.call('POST', `/api/runs/${runId}/cancel`, { token: w.owner.token, body: {} });
      expect(cancelled.status).toBe(200);
      await expect.poll(() => runStatus(page), { timeout: 15_000 }).toBe('cancelled');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('skips a stuck phase with a required reason; the run moves on', async () => {
    const { runId } = await startRun('Embargo', [
      { id: 'embargo', type: 'wait', duration: '1h' },
      { id: 'announce', type: 'comment', body: 'Embargo lifted' },
    ]);
    await runReaches(runId, (r) => r.status === 'waiting', 'the wait');

    const { context, page, errors } = await signIn(browser, s, w.owner.email);
    try {
      await page.goto(`${s.url}/runs/${runId}`);
      const stuck = phaseItem(page, 'embargo');
      await stuck.getByRole('button', { name: 'Skip embargo' }).click();
      const confirm = stuck.getByRole('form', { name: /Skip phase embargo\?/ });
      const go = confirm.getByRole('button', { name: 'Skip phase' });
      expect(await go.isDisabled()).toBe(true);
      await confirm.getByLabel('Reason').fill('Embargo lifted early by the client');
      await screenshot(page, 'run-skip-confirm');
      await go.click();
      await expect.poll(() => runStatus(page), { timeout: 15_000 }).toBe('completed');
      expect(await stuck.getAttribute('data-status')).toBe('skipped');
      expect(await stuck.textContent()).toContain('Skipped by Olive Owner: “Embargo lifted early by the client”');
      expect(await phaseItem(page, 'announce').getAttribute('data-status')).toBe('succeeded');

      const run = await getRun(runId);
      expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });
      expect(run.phases[0]).toMatchObject({ phaseId: 'embargo', status: 'skipped', skipReason: 'Embargo lifted early by the client', skippedBy: `user:${w.owner.id}` });
      await screenshot(page, 'run-skipped');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
