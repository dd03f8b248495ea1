/**
 * Bulk cancel and bulk delete (docs/REQUIREMENTS.md section 11; docs/API.md "Bulk operations"), on
 * SQLite and PostgreSQL over real HTTP: the first call counts and changes nothing; the
 * confirmed call starts a background job with visible progress; repeating it changes
 * nothing; the audit log has the operation (who, filter, count) and one event per run. The
 * big case inserts its runs straight into the store (through `createRun`, as the API does)
 * and lets the embedded worker start them, because 5,000 HTTP calls would only test HTTP.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { sealAllPending } from '../src/audit/log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBulkJob } from '../src/runtime/bulk.js';
import { claimJobs, LeaseLostError } from '../src/runtime/jobs.js';
import { createRun } from '../src/runtime/runs.js';
import { applyEvent } from '../src/runtime/transition.js';
import { resultEvent } from '../src/runtime/worker.js';
import type { Dialect } from '../src/store/migrations.js';
import { DIALECTS } from './helpers/databases.js';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { waitFor, sleep } from './helpers/wait.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/flowgate.js');
/**
 * 5,000 runs on SQLite. On PostgreSQL 2,000 by default: on a busy 2-core machine, creating
 * 5,000 waiting runs alone takes longer than the ~90 s this suite may spend there
 * (FLOWGATE_TEST_BULK_PG_RUNS=5000 runs the full size).
 */
const bigCount = (d: Dialect) => (d === 'sqlite' ? 5000 : Number(process.env.FLOWGATE_TEST_BULK_PG_RUNS ?? 2000));

/**
 * Inserts `n` waiting runs of workflow `wf` (version 1, one `wait` of 1h): each is created by
 * `createRun` and moved through the same guarded transitions the worker would apply (start,
 * then the wait phase's result), in a few big transactions; the jobs the worker would have
 * consumed on the way are dropped, the 1h timer stays.
 */
async function insertRuns(s: TestServer, w: World, wf: string, n: number, spaceId = w.spaceId): Promise<string[]> {
  const ids: string[] = [];
  const CHUNK = 250;
  for (let i = 0; i < n; i += CHUNK) {
    const chunk = await s.db.tx(async (trx) => {
      const out: string[] = [];
      for (let j = i; j < Math.min(n, i + CHUNK); j++) {
        const now = Date.now();
        const id = await createRun(trx, s.db.dialect, {
          orgId: w.orgId,
          spaceId,
          workflowId: wf,
          workflowVersion: 1,
          target: null,
          trigger: { type: 'manual', by: w.owner.id },
          input: { n: j },
          startedBy: w.owner.id,
          actor: `user:${w.owner.id}`,
        }, now);
        const started = await applyEvent(trx, s.db, id, { type: 'start' }, now);
        const wakeAt = now + 3600_000;
        await applyEvent(trx, s.db, id, resultEvent(started!.state.phases[0]!.id, { kind: 'waiting', waitingFor: 'wait', wakeAt, input: { duration: '1h' }, output: { wakeAt: new Date(wakeAt).toISOString() } }), now);
        out.push(id);
      }
      await trx.deleteFrom('jobs').where('run_id', 'in', out).where('kind', '!=', 'timer').execute();
      return out;
    });
    ids.push(...chunk);
  }
  return ids;
}

async function countRuns(s: TestServer, wf: string, status?: string): Promise<number> {
  let q = s.db.k.selectFrom('runs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('workflow_id', '=', wf);
  if (status) q = q.where('status', '=', status);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function auditHead(s: TestServer, orgId: string): Promise<number> {
  await sealAllPending(s.db);
  const row = await s.db.k.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('seq')).where('org_id', '=', orgId).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

describe.each(DIALECTS)('bulk operations (%s)', (dialect: Dialect) => {
  const BIG = bigCount(dialect);
  let s: TestServer;
  let w: World;
  let editor: { id: string; token: string };
  let viewer: { id: string; token: string };
  let outsider: { id: string; token: string };
  let otherOrgOwner: { token: string };
  let hold: string;
  let holdB: string;
  let spaceB: string;
  let bigIds: string[] = [];
  let bigJob = '';
  let bigBody: Record<string, unknown> = {};

  const call = (method: string, p: string, opts: { token?: string; body?: unknown } = {}) => s.call(method, p, { token: w.owner.token, ...opts });

  async function workflow(name: string, spaceId = w.spaceId): Promise<string> {
    const res = await call('POST', `/api/spaces/${spaceId}/workflows`, { body: { name, trigger: { type: 'manual' }, phases: [{ id: 'hold', type: 'wait', duration: '1h' }] } });
    if (res.status !== 201) throw new Error(`workflow: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** Polls the job until it is no longer running; returns every `done` seen on the way. */
  async function follow(jobId: string, token = w.owner.token, timeoutMs = 80_000) {
    const seen: number[] = [];
    const job = await waitFor(async () => {
      const res = await s.call('GET', `/api/jobs/${jobId}`, { token });
      expect(res.status).toBe(200);
      seen.push(res.body.done);
      return res.body.status !== 'running' ? res.body : null;
    }, timeoutMs, `bulk job ${jobId}`);
    return { job, seen };
  }

  async function allAudit(query: string): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await call('GET', `/api/audit?limit=500&${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'ed@acme.example', spaceId: w.spaceId, spaceRole: 'editor' });
    viewer = await addUser(s, w.owner.token, { email: 'vi@acme.example', spaceId: w.spaceId, spaceRole: 'viewer' });
    outsider = await addUser(s, w.owner.token, { email: 'out@acme.example' });
    spaceB = (await call('POST', '/api/spaces', { body: { name: 'Video' } })).body.id;
    const org2 = await call('POST', '/api/orgs', { body: { name: 'Globex', owner: { email: 'owner@globex.example', name: 'Gus', password: 'correct horse' } } });
    expect(org2.status).toBe(201);
    otherOrgOwner = { token: (await s.call('POST', '/api/auth/login', { body: { email: 'owner@globex.example', password: 'correct horse' } })).body.token };
    hold = await workflow('Hold an hour');
    holdB = await workflow('Hold in space B', spaceB);
  }, 60_000);
  afterAll(async () => s?.close());

  it(`cancels ${bigCount(dialect)} waiting runs by filter in the background, with progress, once`, { timeout: 150_000 }, async () => {
    const t0 = Date.now();
    bigIds = await insertRuns(s, w, hold, BIG);
    const [control] = await insertRuns(s, w, holdB, 1, spaceB);
    expect(await countRuns(s, hold, 'waiting')).toBe(BIG);
    expect(await countRuns(s, holdB, 'waiting')).toBe(1);
    const t1 = Date.now();

    // First call: a count and a token; nothing changes.
    bigBody = { action: 'cancel', filter: { workflowId: hold } };
    const headBefore = await auditHead(s, w.orgId);
    const first = await call('POST', '/api/runs/bulk', { body: bigBody });
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(BIG);
    expect(typeof first.body.confirmToken).toBe('string');
    expect(await auditHead(s, w.orgId)).toBe(headBefore);
    expect(await s.db.k.selectFrom('bulk_operations').selectAll().execute()).toEqual([]);
    expect(await countRuns(s, hold, 'waiting')).toBe(BIG);

    // A token answers only for the body it was given with, and only to its user.
    const forged = await call('POST', '/api/runs/bulk', { body: { ...bigBody, confirmToken: `${first.body.confirmToken.slice(0, -4)}AAAA` } });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('invalid_confirm_token');
    const otherBody = await call('POST', '/api/runs/bulk', { body: { action: 'cancel', filter: { workflowId: holdB }, confirmToken: first.body.confirmToken } });
    expect(otherBody.status).toBe(400);
    const otherUser = await call('POST', '/api/runs/bulk', { token: editor.token, body: { ...bigBody, confirmToken: first.body.confirmToken } });
    expect(otherUser.status).toBe(400);
    expect(await countRuns(s, hold, 'waiting')).toBe(BIG);

    // Confirmed: 202 and a job whose progress grows batch by batch.
    bigBody = { ...bigBody, confirmToken: first.body.confirmToken };
    const t2 = Date.now();
    const confirmed = await call('POST', '/api/runs/bulk', { body: bigBody });
    expect(confirmed.status).toBe(202);
    expect(confirmed.body.total).toBe(BIG);
    bigJob = confirmed.body.jobId;
    const { job, seen } = await follow(bigJob);
    const t3 = Date.now();
    expect(job).toMatchObject({ id: bigJob, action: 'cancel', status: 'done', done: BIG, total: BIG, changed: BIG });
    expect(job.finishedAt).toEqual(expect.any(String));
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.some((d) => d > 0 && d < BIG), `progress seen: ${seen.join(',')}`).toBe(true);

    expect(await countRuns(s, hold, 'cancelled')).toBe(BIG);
    expect(await countRuns(s, holdB, 'waiting')).toBe(1);
    const one = await call('GET', `/api/runs/${bigIds[1234]}`);
    expect(one.body.status).toBe('cancelled');
    expect(one.body.phases[0].status).toBe('cancelled');
    // Cancelled runs drop their timers: no wait job is left behind.
    const timers = await s.db.k.selectFrom('jobs').select('id').where('run_id', 'in', bigIds.slice(0, 500)).execute();
    expect(timers).toEqual([]);
    expect(control).toBeDefined();

    // The audit log: the operation (who, filter, count), one event per run, the end.
    const requested = await allAudit('action=runs.bulk_requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ actor: `user:${w.owner.id}`, subject: `bulk:${bigJob}`, data: { action: 'cancel', filter: { workflowId: hold }, count: BIG, operationId: bigJob } });
    const cancelled = await allAudit(`action=run.cancelled&actor=user:${w.owner.id}`);
    expect(cancelled).toHaveLength(BIG);
    expect(new Set(cancelled.map((e) => e.runId)).size).toBe(BIG);
    expect(cancelled[0].data.reason).toBe(`bulk operation ${bigJob}`);
    const doneEvents = await allAudit('action=runs.bulk_done');
    expect(doneEvents).toHaveLength(1);
    expect(doneEvents[0].data).toMatchObject({ count: BIG, changed: BIG });
    expect((await call('GET', '/api/audit/verify')).body.ok).toBe(true);

    // Repeating the confirmed call: the same job, and nothing happens.
    const head = await auditHead(s, w.orgId);
    const again = await call('POST', '/api/runs/bulk', { body: bigBody });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ jobId: bigJob, total: BIG });
    await sleep(300);
    expect(await auditHead(s, w.orgId)).toBe(head);
    expect(await s.db.k.selectFrom('bulk_operations').select('id').execute()).toHaveLength(1);
    expect(await s.db.k.selectFrom('jobs').select('id').where('kind', '=', 'bulk').execute()).toEqual([]);
    // Asked again from the start, there is nothing left to cancel.
    expect((await call('POST', '/api/runs/bulk', { body: { action: 'cancel', filter: { workflowId: hold } } })).body.count).toBe(0);

    console.log(`[bulk ${dialect}] ${BIG} runs inserted and waiting in ${t1 - t0} ms; bulk cancel confirmed → done in ${t3 - t2} ms; ${seen.length} progress polls, ${new Set(seen).size} distinct values`);
  });

  it('counts only runs the caller may change; jobs of another org, or of someone else, are 404', async () => {
    const runsB = await insertRuns(s, w, holdB, 3, spaceB);
    expect(await countRuns(s, holdB, 'waiting')).toBe(4);
    const ask = (token: string, body: Record<string, unknown>) => call('POST', '/api/runs/bulk', { token, body });
    // The owner (org admin) may act in every space.
    expect((await ask(w.owner.token, { action: 'cancel', filter: {} })).body.count).toBe(4);
    // Space A editor: space B is not theirs; a viewer or a member of no space may change nothing.
    expect((await ask(editor.token, { action: 'cancel', filter: { workflowId: holdB } })).body.count).toBe(0);
    expect((await ask(editor.token, { action: 'cancel', ids: runsB })).body.count).toBe(0);
    expect((await ask(viewer.token, { action: 'cancel', filter: {} })).body.count).toBe(0);
    expect((await ask(outsider.token, { action: 'cancel', filter: { status: 'waiting' } })).body.count).toBe(0);
    expect((await ask(otherOrgOwner.token, { action: 'cancel', ids: runsB })).body.count).toBe(0);
    // Cancel counts unfinished runs only; delete counts finished runs only.
    expect((await ask(w.owner.token, { action: 'cancel', filter: { workflowId: hold } })).body.count).toBe(0);
    expect((await ask(editor.token, { action: 'delete', filter: { workflowId: hold } })).body.count).toBe(BIG);
    expect((await ask(w.owner.token, { action: 'delete', filter: { workflowId: holdB } })).body.count).toBe(0);

    // Validation: strict, and ids or a filter is required.
    for (const body of [{ action: 'cancel' }, { action: 'archive', filter: {} }, { action: 'cancel', filter: { colour: 'red' } }, { action: 'cancel', ids: [] }, { action: 'cancel', filter: {}, extra: 1 }]) {
      const res = await ask(w.owner.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await ask(w.owner.token, { action: 'cancel', ids: Array.from({ length: 10_001 }, (_, i) => `r${i}`) })).status).toBe(400);

    // The big job: its requester and org admins see it; another org, or another member, get 404.
    expect((await s.call('GET', `/api/jobs/${bigJob}`, { token: otherOrgOwner.token })).status).toBe(404);
    expect((await s.call('GET', `/api/jobs/${bigJob}`, { token: editor.token })).status).toBe(404);
    expect((await s.call('GET', '/api/jobs/nope', { token: w.owner.token })).status).toBe(404);
    expect((await s.call('GET', `/api/jobs/${bigJob}`)).status).toBe(401);
    const doc = (await s.call('GET', '/api/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/runs/bulk', '/api/jobs/{id}']));
  });

  it('bulk delete by ids: finished runs leave lists and pages, their audit trail stays; unfinished ones are untouched', async () => {
    const finished = bigIds.slice(0, 25);
    const unfinished = (await s.db.k.selectFrom('runs').select('id').where('workflow_id', '=', holdB).where('status', '=', 'waiting').limit(1).execute())[0]!.id;
    const body = { action: 'delete', ids: [...finished, unfinished, 'no-such-run'] };
    const first = await s.call('POST', '/api/runs/bulk', { token: editor.token, body });
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(25);
    // The same confirmed call twice at once: one operation.
    const [confirmed, twin] = await Promise.all([0, 1].map(() => s.call('POST', '/api/runs/bulk', { token: editor.token, body: { ...body, confirmToken: first.body.confirmToken } })));
    expect(confirmed!.status).toBe(202);
    expect(twin!.status).toBe(202);
    expect(twin!.body.jobId).toBe(confirmed!.body.jobId);
    const { job } = await follow(confirmed!.body.jobId, editor.token);
    expect(job).toMatchObject({ action: 'delete', status: 'done', done: 25, total: 25, changed: 25, idCount: 27 });

    for (const id of finished.slice(0, 3)) expect((await call('GET', `/api/runs/${id}`)).status).toBe(404);
    expect((await call('GET', `/api/runs/${unfinished}`)).body.status).toBe('waiting');
    const listed = await call('GET', `/api/workflows/${hold}/runs?limit=500&status=cancelled`);
    expect(listed.body.items.map((r: any) => r.id)).not.toContain(finished[0]);
    const deleted = await allAudit(`action=run.deleted&actor=user:${editor.id}`);
    expect(deleted.map((e) => e.runId).sort()).toEqual([...finished].sort());
    const trail = await call('GET', `/api/audit?runId=${finished[0]}`);
    expect(trail.body.items.map((e: any) => e.action)).toEqual(expect.arrayContaining(['run.created', 'run.cancelled', 'run.deleted']));
    const req = await allAudit('action=runs.bulk_requested');
    expect(req[0]).toMatchObject({ actor: `user:${editor.id}`, data: { action: 'delete', ids: body.ids, count: 25 } });
    // A single-run DELETE of an already deleted run is a 404: nothing is deleted twice.
    expect((await call('DELETE', `/api/runs/${finished[0]}`)).status).toBe(404);
  });

  it('resumes from its cursor after a crash: a worker that lost its lease writes nothing, and no run is handled twice', async () => {
    // The embedded worker steps aside: here the test is the worker, and it crashes on purpose.
    const n = 130;
    const wf = await workflow('Crash me');
    const ids = await insertRuns(s, w, wf, n);
    expect(await countRuns(s, wf, 'waiting')).toBe(n);
    const first = await call('POST', '/api/runs/bulk', { body: { action: 'cancel', filter: { workflowId: wf, status: 'waiting' } } });
    expect(first.body.count).toBe(n);
    // Keep the embedded worker away from the job while this test drives it by hand.
    await s.ctx.engine.worker!.stop();
    try {
      const confirmed = await call('POST', '/api/runs/bulk', { body: { action: 'cancel', filter: { workflowId: wf, status: 'waiting' }, confirmToken: first.body.confirmToken } });
      expect(confirmed.status).toBe(202);
      const opId = confirmed.body.jobId;
      const aborted: string[] = [];
      const deps = { db: s.db, now: Date.now, notifier: s.ctx.engine.notifier, logger: pino({ level: 'silent' }), abort: (id: string) => aborted.push(id), batchSize: 50 };
      const claim = async (owner: string, leaseMs: number) => {
        const jobs = (await claimJobs(s.db, owner, Date.now(), leaseMs, 100)).filter((j) => j.kind === 'bulk');
        expect(jobs).toHaveLength(1);
        return jobs[0]!;
      };
      const progress = async () => (await call('GET', `/api/jobs/${opId}`)).body;

      await runBulkJob(deps, await claim('w1', 60_000)); // batch 1: 50
      expect(await progress()).toMatchObject({ status: 'running', done: 50 });
      // w2 claims batch 2 and dies (its lease runs out); w3 takes the job over.
      const dead = await claim('w2', 1);
      await sleep(5);
      const alive = await claim('w3', 60_000);
      await expect(runBulkJob(deps, dead)).rejects.toBeInstanceOf(LeaseLostError);
      expect(await progress()).toMatchObject({ status: 'running', done: 50 });
      await runBulkJob(deps, alive); // batch 2: 100
      expect(await progress()).toMatchObject({ status: 'running', done: 100 });
      await runBulkJob(deps, await claim('w4', 60_000)); // batch 3: the last 30
      expect(await progress()).toMatchObject({ status: 'done', done: n, total: n, changed: n });
      expect(await claimJobs(s.db, 'w5', Date.now(), 60_000, 100)).toSatisfy((jobs: any[]) => !jobs.some((j) => j.kind === 'bulk'));

      expect(await countRuns(s, wf, 'cancelled')).toBe(n);
      await sealAllPending(s.db);
      const events = await s.db.k.selectFrom('audit_events').select('run_id').where('action', '=', 'run.cancelled').where('run_id', 'in', ids).execute();
      expect(events).toHaveLength(n);
      expect(aborted).toHaveLength(n); // each run's open (waiting) phase is told to stop
    } finally {
      s.ctx.engine.worker!.start();
    }
  });
});

describe('flowgate runs cancel/delete --filter (CLI)', () => {
  let s: TestServer;
  let w: World;
  let wf: string;

  type Result = { code: number | null; stdout: string; stderr: string };
  function cli(args: string[], stdin?: string): Promise<Result> {
    return new Promise((resolve, reject) => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...process.env, FLOWGATE_URL: s.url, FLOWGATE_TOKEN: w.owner.token })) if (v !== undefined) env[k] = v;
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      if (stdin !== undefined) child.stdin!.end(stdin);
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: 'Hold', trigger: { type: 'manual' }, phases: [{ id: 'hold', type: 'wait', duration: '1h' }] } });
    wf = res.body.id;
    await insertRuns(s, w, wf, 600);
    expect(await countRuns(s, wf, 'waiting')).toBe(600);
  }, 60_000);
  afterAll(async () => s?.close());

  it('asks first, refuses without an answer, and shows a progress bar with --yes', { timeout: 90_000 }, async () => {
    const refused = await cli(['runs', 'cancel', '--filter', `status=waiting,workflow=${wf}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('This will cancel 600 runs. Continue? [y/N]');
    expect(refused.stderr).toContain('pass --yes');
    const declined = await cli(['runs', 'cancel', '--filter', `workflow=${wf}`], 'n\n');
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('not confirmed');
    expect(await countRuns(s, wf, 'waiting')).toBe(600);
    expect(await s.db.k.selectFrom('bulk_operations').select('id').execute()).toEqual([]);

    const bad = await cli(['runs', 'cancel', '--filter', 'colour=red', '--yes']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--filter takes');

    const ok = await cli(['runs', 'cancel', '--filter', `status=waiting,workflow=${wf}`, '--yes', '--poll', '20']);
    expect(ok.stderr).toMatch(/\[#{30}\] 600\/600\n$/);
    expect(ok.stderr).toMatch(/^\[[# ]{30}\] \d+\/600$/m);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Cancelled 600 runs; bulk job \S+\.\n$/);
    expect(await countRuns(s, wf, 'cancelled')).toBe(600);

    // Confirming on stdin works too; then delete them, and a single run id still means one run.
    const some = (await s.db.k.selectFrom('runs').select('id').where('workflow_id', '=', wf).orderBy('id').limit(3).execute()).map((r) => r.id);
    const del = await cli(['runs', 'delete', '--ids', some.slice(0, 2).join(',')], 'y\n');
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/^Deleted 2 runs; bulk job \S+\.\n$/);
    const single = await cli(['runs', 'delete', some[2]!]);
    expect(single.stdout).toBe(`Deleted run ${some[2]}.\n`);
    const none = await cli(['runs', 'cancel', '--filter', `workflow=${wf}`]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No runs to cancel');
    const both = await cli(['runs', 'cancel', some[0]!, '--filter', 'status=waiting']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('not both');
  });
});
