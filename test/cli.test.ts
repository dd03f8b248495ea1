/**
 * `flowgate runs …` as a user runs it: `node bin/flowgate.js` child processes against a real
 * server (SQLite) over HTTP. Checks what they print and how they exit.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, setupWorld, startTestServer, type TestServer, type World } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/flowgate.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, what = 'a condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('flowgate runs (CLI)', () => {
  let s: TestServer;
  let w: World;
  let editor: { id: string; token: string };
  let item: { id: string };
  let signOff: string;
  let slow: string;

  /** Runs the CLI; FLOWGATE_URL / FLOWGATE_TOKEN point at the test server unless `env` says otherwise. */
  function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
    return new Promise((resolve, reject) => {
      const childEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...process.env, FLOWGATE_URL: s.url, FLOWGATE_TOKEN: editor.token, ...env })) if (v !== undefined) childEnv[k] = v;
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  async function run(id: string) {
    return (await s.call('GET', `/api/runs/${id}`, { token: w.owner.token })).body;
  }
  const until = (id: string, pred: (r: any) => boolean) => waitFor(async () => {
    const r = await run(id);
    return pred(r) ? r : null;
  }, 20_000, `run ${id}`);

  async function workflow(name: string, phases: unknown[]) {
    const res = await s.call('POST', `/api/spaces/${w.spaceId}/workflows`, { token: w.owner.token, body: { name, trigger: { type: 'manual' }, phases } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    w = await setupWorld(s);
    editor = await addUser(s, w.owner.token, { email: 'ed@acme.example', spaceId: w.spaceId, spaceRole: 'editor' });
    item = (await s.call('POST', `/api/spaces/${w.spaceId}/content`, { token: w.owner.token, body: { title: 'Spring launch', assignees: [editor.id] } })).body;
    signOff = await workflow('Sign-off', [
      { id: 'brief', type: 'notify', to: ['assignees'], channels: ['in_app'], message: '{{target.title}} needs review' },
      { id: 'approve', type: 'mutate', set: { status: 'Approved' } },
      { id: 'done', type: 'comment', body: 'Approved: {{input.note}}' },
    ]);
    slow = await workflow('Slow', [
      { id: 'hold', type: 'wait', duration: '10m' }, // long enough for slow CI: each CLI call is a new process
      { id: 'after', type: 'comment', body: 'after the wait' },
    ]);
  });
  afterAll(async () => s?.close());

  it('starts a run, shows its timeline, and lists it', { timeout: 300_000 }, async () => {
    const started = await cli(['runs', 'start', signOff, '--target', `content:${item.id}`, '--input', '{"note":"looks good"}']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const m = /^Started run (\S+) \((triggered|active|waiting|completed)\) of workflow (\S+) v1 on content:(\S+) v1\.\n$/.exec(started.stdout);
    expect(m, started.stdout).not.toBeNull();
    const runId = m![1]!;
    expect(m![3]).toBe(signOff);
    expect(m![4]).toBe(item.id);
    const done = await until(runId, (r) => r.status === 'completed');
    expect(done.trigger.by).toBe(editor.id);

    const [show, showJson, list, listJson, paged] = await Promise.all([
      cli(['runs', 'show', runId]),
      cli(['runs', 'show', runId, '--json']),
      cli(['runs', 'list', '--workflow', signOff, '--status', 'completed']),
      cli(['runs', 'list', '--space', w.spaceId, '--json']),
      cli(['runs', 'list', '--limit', '1', '--workflow', signOff]),
    ]);

    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`Run ${runId}: completed (succeeded)`);
    expect(show.stdout).toMatch(new RegExp(`target\\s+content:${item.id} \\(version 1 at start\\)`));
    expect(show.stdout).toMatch(new RegExp(`trigger\\s+manual by ${editor.id}`));
    expect(show.stdout).toContain('Timeline');
    const timeline = show.stdout.split('Timeline\n')[1]!.trimEnd().split('\n').map((l) => l.trim());
    expect(timeline[0]).toMatch(/PHASE\s+TYPE\s+TRY\s+STATUS\s+TIME/);
    expect(timeline.slice(1)).toHaveLength(3);
    expect(timeline[1]).toMatch(/^1\.\s+brief\s+notify\s+#1\s+succeeded\s+\d+(ms|\.\ds)$/);
    expect(timeline[2]).toMatch(/^2\.\s+approve\s+mutate\s+#1\s+succeeded\s+\d+(ms|\.\ds)$/);
    expect(timeline[3]).toMatch(/^3\.\s+done\s+comment\s+#1\s+succeeded\s+\d+(ms|\.\ds)$/);

    expect(showJson.code).toBe(0);
    expect(JSON.parse(showJson.stdout)).toEqual(await run(runId));

    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+PHASE\s+WORKFLOW\s+TARGET\s+CREATED$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(new RegExp(`^${runId}\\s+completed \\(succeeded\\)\\s+—\\s+${signOff} v1\\s+content:${item.id}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`));

    expect(listJson.code).toBe(0);
    expect(JSON.parse(listJson.stdout).items.map((r: any) => r.id)).toContain(runId);

    expect(paged.code).toBe(0);
    expect(paged.stdout).toContain(runId);
    expect(paged.stdout).not.toContain('More runs');

    const none = await cli(['runs', 'list', '--status', 'failed']);
    expect(none).toMatchObject({ code: 0, stdout: 'No runs.\n' });
  });

  it('cancels a waiting run with a reason; cancelling again prints the API message and exits 1', { timeout: 300_000 }, async () => {
    const started = await cli(['runs', 'start', slow, '--target', `content:${item.id}`, '--json']);
    expect(started.code).toBe(0);
    const runId = JSON.parse(started.stdout).id as string;
    await until(runId, (r) => r.status === 'waiting');

    const waiting = await cli(['runs', 'show', runId]);
    expect(waiting.stdout).toContain(`Run ${runId}: waiting (wait)`);
    expect(waiting.stdout).toMatch(/1\.\s+hold\s+wait\s+#1\s+waiting\s+\S+\s+waiting until \d{4}-/);

    const cancelled = await cli(['runs', 'cancel', runId, '--reason', 'Campaign moved']);
    expect(cancelled.stderr).toBe('');
    expect(cancelled).toMatchObject({ code: 0, stdout: `Cancelled run ${runId} at phase hold.\n` });
    expect((await run(runId)).status).toBe('cancelled');
    const trail = (await s.call('GET', `/api/audit?runId=${runId}&action=run.cancelled`, { token: w.owner.token })).body.items;
    expect(trail[0]).toMatchObject({ actor: `user:${editor.id}`, data: { reason: 'Campaign moved' } });

    const again = await cli(['runs', 'cancel', runId]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^flowgate: Run \S+ is already cancelled; only unfinished runs can be cancelled\.\n$/);

    const shown = await cli(['runs', 'show', runId]);
    expect(shown.stdout).toContain(`Run ${runId}: cancelled`);
    expect(shown.stdout).toMatch(/1\.\s+hold\s+wait\s+#1\s+cancelled\s+\d/);
  });

  it('skips a waiting phase and re-runs the finished run', { timeout: 300_000 }, async () => {
    const runId = (await s.call('POST', `/api/workflows/${slow}/runs`, { token: editor.token, body: { target: { type: 'content', id: item.id } } })).body.id;
    await until(runId, (r) => r.status === 'waiting');
    const noReason = await cli(['runs', 'skip', runId, 'hold']);
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/--reason/);

    const skipped = await cli(['runs', 'skip', runId, 'hold', '--reason', 'Client already agreed']);
    expect(skipped.stderr).toBe('');
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(new RegExp(`^Skipped phase hold of run ${runId}; the run is (active|completed)`));
    await until(runId, (r) => r.status === 'completed');
    const shown = await cli(['runs', 'show', runId]);
    expect(shown.stdout).toMatch(new RegExp(`1\\.\\s+hold\\s+wait\\s+#1\\s+skipped\\s+\\S+\\s+skipped by user:${editor.id} — Client already agreed`));

    const rerun = await cli(['runs', 'rerun', runId]);
    expect(rerun.code).toBe(0);
    const m = new RegExp(`^Started run (\\S+) \\(\\w+\\), a re-run of ${runId}, on workflow ${slow} v1\\.\\n$`).exec(rerun.stdout);
    expect(m, rerun.stdout).not.toBeNull();
    expect((await run(m![1]!)).rerunOf).toBe(runId);
    await s.call('POST', `/api/runs/${m![1]}/cancel`, { token: editor.token, body: {} });
  });

  it('shows a failed phase with its error and retries it as a new attempt', { timeout: 300_000 }, async () => {
    const port = await closedPort();
    const wf = await workflow('Publish', [{ id: 'publish', type: 'http', url: `http://127.0.0.1:${port}/hook` }]);
    // --url and --token instead of the environment.
    const started = await cli(['runs', 'start', wf, '--json', '--url', s.url, '--token', editor.token], { FLOWGATE_URL: 'http://127.0.0.1:1', FLOWGATE_TOKEN: 'nope' });
    expect(started.code).toBe(0);
    const runId = JSON.parse(started.stdout).id as string;
    await until(runId, (r) => r.status === 'failed');

    const shown = await cli(['runs', 'show', runId]);
    expect(shown.stdout).toContain(`Run ${runId}: failed`);
    expect(shown.stdout).toMatch(/error\s+publish: external_error — /);
    expect(shown.stdout).toMatch(/1\.\s+publish\s+http\s+#1\s+failed\s+\S+\s+external_error: /);

    const retried = await cli(['runs', 'retry', runId]);
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(new RegExp(`^Retrying run ${runId}: phase publish, attempt 2 \\((active|failed)\\)\\.\\n$`));
    await until(runId, (r) => r.status === 'failed' && r.phases.length === 2);
    const again = await cli(['runs', 'show', runId]);
    expect(again.stdout).toMatch(/2\.\s+publish\s+http\s+#2\s+failed/);
  });

  it('prints the API message and exits 1 on errors', { timeout: 300_000 }, async () => {
    const port = await closedPort();
    // One after another: each is a whole Node process, and CI machines are small.
    const missing = await cli(['runs', 'show', '01900000-0000-7000-8000-000000000000']);
    const badToken = await cli(['runs', 'list'], { FLOWGATE_TOKEN: 'fg_not_a_token' });
    const noToken = await cli(['runs', 'list'], { FLOWGATE_TOKEN: undefined });
    const badTarget = await cli(['runs', 'start', signOff, '--target', 'page:1']);
    const badInput = await cli(['runs', 'start', signOff, '--input', '{not json']);
    const unknownTarget = await cli(['runs', 'start', signOff, '--target', 'content:01900000-0000-7000-8000-000000000000']);
    const unreachable = await cli(['runs', 'list'], { FLOWGATE_URL: `http://127.0.0.1:${port}` });
    const unknownRetry = await cli(['runs', 'retry', '01900000-0000-7000-8000-000000000000']);
    for (const r of [missing, badToken, noToken, badTarget, badInput, unknownTarget, unreachable, unknownRetry]) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^flowgate: .+\n$/);
    }
    expect(missing.stderr).toBe('flowgate: Run was not found.\n');
    expect(badToken.stderr).not.toContain('no token given');
    expect(noToken.stderr).toContain('Sign in first');
    expect(noToken.stderr).toContain('FLOWGATE_TOKEN');
    expect(badTarget.stderr).toContain('--target must look like content:<id> or task:<id>');
    expect(badInput.stderr).toContain('--input is not valid JSON');
    expect(unknownTarget.stderr).toContain('No content 01900000-0000-7000-8000-000000000000 in this workflow');
    expect(unreachable.stderr).toContain(`cannot reach the Flowgate server at http://127.0.0.1:${port}`);
    expect(unknownRetry.stderr).toBe('flowgate: Run was not found.\n');
  });
});
