/**
 * GET /metrics over real HTTP, on SQLite and PostgreSQL: the counters move by exactly what a
 * few runs did (transitions, finished runs, executed phases, claimed jobs, group commits,
 * emails), the text is valid Prometheus exposition, labels carry route patterns and never a
 * run id or a token, and FLOWGATE_METRICS_TOKEN guards the endpoint. On PostgreSQL, a
 * `flowgate worker --metrics-port` process serves the metrics of the work it did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/databases.js';
import { setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';
import { freePort, startSmtp, until, type TestSmtp } from './helpers/smtp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One sample: `name{labels} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case
// (prom-client writes an empty event-loop-lag mean as `Nan`).
const VALUE = '(?:[-+]?(?:\\d+\\.?\\d*(?:[eE][-+]?\\d+)?|\\.\\d+(?:[eE][-+]?\\d+)?)|[nN][aA][nN]|[-+]?[iI][nN][fF])';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,(?:${LABEL}))*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);
const COMMENT_LINE = new RegExp(`^# (?:HELP ${NAME} .*|TYPE ${NAME} (?:counter|gauge|histogram|summary|untyped))$`);

/** Parses Prometheus text exposition (format 0.0.4); throws on a line that is not valid. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!COMMENT_LINE.test(line)) throw new Error(`not a HELP/TYPE line: ${line}`);
      continue;
    }
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    const v = m[3]!;
    samples.push({ name: m[1]!, labels, value: /^nan$/i.test(v) ? NaN : /inf$/i.test(v) ? (v.startsWith('-') ? -Infinity : Infinity) : Number(v) });
  }
  return samples;
}

/** The value of the sample with this name and (at least) these labels; 0 when absent. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v) && Object.keys(x.labels).length === Object.keys(labels).length);
  return s ? s.value : 0;
}

async function scrape(url: string, token?: string): Promise<{ status: number; contentType: string; text: string }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

const COMMENTS = [
  { id: 'note', type: 'comment', body: 'Looked at {{target.title}}' },
  { id: 'again', type: 'comment', body: 'And once more' },
];

describe.each(DIALECTS)('metrics (%s)', { timeout: 90_000 }, (dialect) => {
  let smtp: TestSmtp;
  let s: TestServer;
  let w: World;

  beforeAll(async () => {
    smtp = await startSmtp({ refuse: (to) => (to === 'nobody@brand.example' ? 550 : null) });
    s = await startTestServer(dialect, { smtpUrl: smtp.url });
    w = await setupWorld(s);
  });
  afterAll(async () => {
    await s?.close();
    await smtp?.close();
  });

  async function startRuns(phases: unknown[], n: number): Promise<string[]> {
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: `wf ${Math.random()}`, trigger: { type: 'manual' }, phases } });
    expect(wf.status).toBe(201);
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch' } });
    expect(item.status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
      expect(run.status).toBe(201);
      ids.push(run.body.id);
    }
    for (const id of ids) {
      await until(`run ${id} to complete`, async () => (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body.status === 'completed', 30_000);
    }
    return ids;
  }

  it('counts finished runs, transitions, executed phases, claimed jobs and group commits by the right amounts', async () => {
    const before = parseExposition((await scrape(`${s.url}/metrics`)).text);
    const runs = 3;
    const ids = await startRuns(COMMENTS, runs);
    const res = await scrape(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const after = parseExposition(res.text);
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);

    expect(delta('flowgate_runs_finished_total', { status: 'completed' })).toBe(runs);
    expect(delta('flowgate_runs_finished_total', { status: 'failed' })).toBe(0);
    expect(delta('flowgate_run_transitions_total', { event: 'start' })).toBe(runs);
    expect(delta('flowgate_run_transitions_total', { event: 'phase_succeeded' })).toBe(runs * COMMENTS.length);
    expect(delta('flowgate_phase_executions_total', { type: 'comment', result: 'succeeded' })).toBe(runs * COMMENTS.length);
    expect(delta('flowgate_phase_duration_seconds_count', { type: 'comment' })).toBe(runs * COMMENTS.length);
    expect(delta('flowgate_phase_duration_seconds_bucket', { type: 'comment', le: '+Inf' })).toBe(runs * COMMENTS.length);
    expect(delta('flowgate_jobs_claimed_total', { kind: 'run.start' })).toBe(runs);
    // Comment phases run inline, in the transaction of the start: no job of their own.
    expect(delta('flowgate_jobs_claimed_total', { kind: 'phase.execute' })).toBe(0);
    expect(delta('flowgate_job_failures_total', { kind: 'phase.execute' })).toBe(0);
    // Every transaction is a unit of a committer: at least one per run's start (on SQLite the
    // API's writes share it too: the workflow, the item and each POST /runs).
    expect(delta('flowgate_group_commit_batch_size_sum')).toBeGreaterThanOrEqual(runs);
    expect(delta('flowgate_group_commit_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(delta('flowgate_group_commit_batch_size_count')).toBeLessThanOrEqual(delta('flowgate_group_commit_batch_size_sum'));
    expect(value(after, 'flowgate_group_commit_ran_alone_total')).toBe(0);
    expect(value(after, 'flowgate_jobs_due')).toBe(0);

    // HTTP: the route pattern, never the URL with the run's id in it.
    expect(delta('flowgate_http_requests_total', { method: 'GET', route: '/api/runs/:id', status: '200' })).toBeGreaterThanOrEqual(runs);
    expect(delta('flowgate_http_requests_total', { method: 'POST', route: '/api/workflows/:id/runs', status: '201' })).toBe(runs);
    expect(value(after, 'flowgate_http_request_duration_seconds_count', { method: 'GET', route: '/api/runs/:id', status: '200' })).toBeGreaterThanOrEqual(runs);
    for (const sample of after) {
      for (const v of Object.values(sample.labels)) {
        for (const id of ids) expect(v).not.toContain(id);
        expect(v).not.toContain(w.owner.token);
      }
    }
    for (const id of ids) expect(res.text).not.toContain(id);
    expect(res.text).not.toContain(w.owner.token);
    // Standard process metrics, under their usual names.
    expect(after.some((x) => x.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(after.some((x) => x.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('labels a request no route matched "unmatched", without its path', async () => {
    const secretish = 'a0b1c2d3e4f5-not-a-route';
    expect((await fetch(`${s.url}/nowhere/${secretish}`)).status).toBe(404);
    expect((await s.call('GET', `/api/nowhere/${secretish}`, { token: w.owner.token })).status).toBe(404);
    const { text } = await scrape(`${s.url}/metrics`);
    const samples = parseExposition(text);
    expect(value(samples, 'flowgate_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(2);
    expect(text).not.toContain(secretish);
  });

  it('counts emails sent and emails refused for good', async () => {
    const before = parseExposition((await scrape(`${s.url}/metrics`)).text);
    const sentBefore = smtp.messages.length;
    await startRuns([{ id: 'tell', type: 'notify', to: ['client@brand.example'], channels: ['email'], message: 'Ready' }], 1);
    await startRuns([{ id: 'tell', type: 'notify', to: ['nobody@brand.example'], channels: ['email'], message: 'Ready' }], 1);
    await until('the email to arrive', async () => smtp.messages.length > sentBefore);
    const after = await until('the refused email to be counted', async () => {
      const a = parseExposition((await scrape(`${s.url}/metrics`)).text);
      return value(a, 'flowgate_email_failures_total', { final: 'true' }) > value(before, 'flowgate_email_failures_total', { final: 'true' }) && a;
    });
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('flowgate_emails_sent_total')).toBe(1);
    expect(delta('flowgate_email_failures_total', { final: 'true' })).toBe(1);
    expect(delta('flowgate_email_failures_total', { final: 'false' })).toBe(0);
    expect(delta('flowgate_phase_executions_total', { type: 'notify', result: 'succeeded' })).toBe(2);
  });

  it('counts cancels, one by one and in bulk, as transitions and as finished runs', async () => {
    const before = parseExposition((await scrape(`${s.url}/metrics`)).text);
    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: 'Hold', trigger: { type: 'manual' }, phases: [{ id: 'hold', type: 'wait', duration: '1h' }] } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: {} })).body.id);
    for (const id of ids) await until(`run ${id} to wait`, async () => (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body.status === 'waiting', 30_000);
    expect((await s.call('POST', `/api/runs/${ids[0]}/cancel`, { token: w.owner.token, body: {} })).status).toBe(200);
    const ask = { action: 'cancel', filter: { workflowId: wf.body.id } };
    const counted = await s.call('POST', '/api/runs/bulk', { token: w.owner.token, body: ask });
    expect(counted.body.count).toBe(2);
    expect((await s.call('POST', '/api/runs/bulk', { token: w.owner.token, body: { ...ask, confirmToken: counted.body.confirmToken } })).status).toBe(202);
    for (const id of ids) await until(`run ${id} to be cancelled`, async () => (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body.status === 'cancelled', 30_000);
    const after = parseExposition((await scrape(`${s.url}/metrics`)).text);
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('flowgate_run_transitions_total', { event: 'cancel' })).toBe(3);
    expect(delta('flowgate_runs_finished_total', { status: 'cancelled' })).toBe(3);
    expect(delta('flowgate_phase_executions_total', { type: 'wait', result: 'waiting' })).toBe(3);
    expect(delta('flowgate_jobs_claimed_total', { kind: 'bulk' })).toBe(1);
  });

  it('is served outside the API: not in the OpenAPI document, no sign-in needed', async () => {
    const doc = await s.call('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
    expect((await scrape(`${s.url}/metrics`)).status).toBe(200);
  });

  it('with FLOWGATE_METRICS_TOKEN set, answers 401 without the token or with a wrong one', async () => {
    const token = 'metrics-secret-7f3a9c';
    const guarded = await startTestServer(dialect, { metricsToken: token });
    try {
      const world = await setupWorld(guarded);
      const none = await scrape(`${guarded.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.text).not.toContain(token);
      expect((await scrape(`${guarded.url}/metrics`, 'metrics-secret-wrong')).status).toBe(401);
      // A user's API token is not the metrics token.
      expect((await scrape(`${guarded.url}/metrics`, world.owner.token)).status).toBe(401);
      const ok = await scrape(`${guarded.url}/metrics`, token);
      expect(ok.status).toBe(200);
      expect(parseExposition(ok.text).some((x) => x.name === 'flowgate_http_requests_total' && x.labels.status === '401' && x.labels.route === '/metrics')).toBe(true);
      expect(ok.text).not.toContain(token);
    } finally {
      await guarded.close();
    }
  });

  it('keeps its own registry: a second server in this process counts apart', async () => {
    const other = await startTestServer(dialect);
    try {
      const samples = parseExposition((await scrape(`${other.url}/metrics`)).text);
      expect(value(samples, 'flowgate_runs_finished_total', { status: 'completed' })).toBe(0);
      expect(value(samples, 'flowgate_jobs_claimed_total', { kind: 'run.start' })).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('metrics of a `flowgate worker --metrics-port` process (postgres)', { timeout: 90_000 }, () => {
  let s: TestServer;
  let w: World;
  let child: ChildProcess | null = null;
  let output = '';
  const token = 'worker-metrics-secret';

  beforeAll(async () => {
    // The API without a worker: the runs are the worker process's to execute.
    s = await startTestServer('postgres', { worker: false });
    w = await setupWorld(s);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await s?.close();
  });

  it('serves the metrics of the work it did, on its own port', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [path.join(ROOT, 'bin/flowgate.js'), 'worker', '--db', s.dbUrl, '--metrics-port', String(port)], {
      cwd: ROOT,
      env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', FLOWGATE_LEASE_MS: '2000', FLOWGATE_METRICS_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const url = `http://127.0.0.1:${port}/metrics`;
    await until(
      'the worker to serve /metrics',
      async () => {
        if (child!.exitCode !== null) throw new Error(`flowgate worker exited:\n${output}`);
        return (await scrape(url, token).catch(() => null))?.status === 200;
      },
      45_000,
    );
    expect((await scrape(url)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);

    const wf = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name: 'Notes', trigger: { type: 'manual' }, phases: COMMENTS } });
    const item = await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch' } });
    const run = await s.call('POST', `/api/workflows/${wf.body.id}/runs`, { token: w.owner.token, body: { target: { type: 'content', id: item.body.id } } });
    expect(run.status).toBe(201);
    await until('the run to complete', async () => (await s.call('GET', `/api/runs/${run.body.id}`, { token: w.owner.token })).body.status === 'completed', 30_000);

    const res = await scrape(url, token);
    expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(res.text);
    expect(value(samples, 'flowgate_runs_finished_total', { status: 'completed' })).toBe(1);
    expect(value(samples, 'flowgate_phase_executions_total', { type: 'comment', result: 'succeeded' })).toBe(COMMENTS.length);
    expect(value(samples, 'flowgate_jobs_claimed_total', { kind: 'run.start' })).toBe(1);
    expect(value(samples, 'flowgate_jobs_due')).toBe(0);
    expect(res.text).not.toContain(run.body.id);
    // The worker has no HTTP API, so no request metrics; the serve process did no work.
    expect(samples.some((x) => x.name === 'flowgate_http_requests_total')).toBe(false);
    const served = parseExposition((await scrape(`${s.url}/metrics`)).text);
    expect(value(served, 'flowgate_runs_finished_total', { status: 'completed' })).toBe(0);
    expect(value(served, 'flowgate_http_requests_total', { method: 'POST', route: '/api/workflows/:id/runs', status: '201' })).toBe(1);
  });
});
