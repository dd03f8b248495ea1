/**
 * `flowgate runs …`: list, inspect, start and control workflow runs through a running
 * server's HTTP API (docs/API.md "Runs"). The server is `--url` or FLOWGATE_URL (default
 * http://127.0.0.1:3000); the token is `--token` or FLOWGATE_TOKEN. Every command prints
 * something readable, or the API's JSON with `--json`; an error prints the API's message
 * and exits 1.
 */
import type { Command } from 'commander';
import { act, connectionOptions, UsageError, type ConnOpts } from './command.js';
import type { FlowgateClient } from './http-client.js';
import type { components } from '../../web/src/api-types.js';

/** A run as the API answers it (generated from the OpenAPI document: web/src/api-types.ts). */
export type RunView = components['schemas']['Run'];
type PhaseView = components['schemas']['PhaseExecution'];

// ---------------------------------------------------------------------------------------
// Formatting (pure, exported for tests)

/** 12ms, 1.5s, 2m 05s, 3h 04m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** An ISO time as `2030-01-31 09:00:00Z`, or a dash. */
function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function statusWithOutcome(run: Pick<RunView, 'status' | 'outcome' | 'waitingFor'>): string {
  if (run.outcome) return `${run.status} (${run.outcome})`;
  if (run.waitingFor) return `${run.status} (${run.waitingFor.replace('_', ' ')})`;
  return run.status;
}

function targetLabel(t: RunView['target']): string {
  return t ? `${t.type}:${t.id}` : '—';
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatRunList(items: RunView[]): string {
  if (!items.length) return 'No runs.';
  return table(
    ['ID', 'STATUS', 'PHASE', 'WORKFLOW', 'TARGET', 'CREATED'],
    items.map((r) => [r.id, statusWithOutcome(r), r.currentPhaseId ?? '—', `${r.workflowId} v${r.workflowVersion}`, targetLabel(r.target), time(r.createdAt)]),
  );
}

/** One line per phase attempt: phase, type, attempt, status, duration, and what went wrong or why it was skipped. */
export function formatTimeline(phases: PhaseView[]): string {
  if (!phases.length) return '  (no phase has started yet)';
  const rows = phases.map((p, i) => {
    let note = '';
    if (p.error) note = `${p.error.code}: ${p.error.message}`;
    else if (p.status === 'skipped') note = `skipped by ${p.skippedBy ?? 'someone'}${p.skipReason ? ` — ${p.skipReason}` : ''}`;
    else if (p.status === 'waiting') note = p.waitingFor === 'wait' && p.wakeAt ? `waiting until ${time(p.wakeAt)}` : `waiting for ${p.waitingFor ?? 'something'}`;
    const duration = p.durationMs !== null ? formatDuration(p.durationMs) : p.startedAt && !p.endedAt ? `${formatDuration(Date.now() - Date.parse(p.startedAt))}…` : '—';
    return [`${i + 1}.`, p.phaseId, p.type, `#${p.attempt}`, p.status, duration, note];
  });
  return table(['', 'PHASE', 'TYPE', 'TRY', 'STATUS', 'TIME', ''], rows)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export function formatRun(run: RunView): string {
  const lines = [`Run ${run.id}: ${statusWithOutcome(run)}`];
  const kv = (k: string, v: string) => lines.push(`  ${k.padEnd(10)}${v}`);
  kv('workflow', `${run.workflowId} v${run.workflowVersion} (space ${run.spaceId})`);
  kv('target', run.target ? `${targetLabel(run.target)} (version ${run.target.version} at start)` : 'none');
  kv('trigger', `${run.trigger.type}${run.trigger.by ? ` by ${run.trigger.by}` : ''}`);
  if (run.rerunOf) kv('rerun of', run.rerunOf);
  const took = run.startedAt && run.endedAt ? ` (took ${formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))})` : '';
  kv('times', `created ${time(run.createdAt)} · started ${time(run.startedAt)} · ended ${time(run.endedAt)}${took}`);
  if (run.currentPhaseId && !run.endedAt) kv('now at', run.currentPhaseId);
  if (run.queuePosition !== null && run.queuePosition !== undefined) kv('queue', `position ${run.queuePosition}`);
  if (run.error) kv('error', `${run.error.phaseId}: ${run.error.code} — ${run.error.message}`);
  lines.push('', 'Timeline', formatTimeline(run.phases));
  return lines.join('\n');
}

/** `content:ID` or `task:ID`. */
export function parseTarget(s: string): { type: 'content' | 'task'; id: string } {
  const m = /^(content|task):(.+)$/.exec(s.trim());
  if (!m) throw new UsageError(`--target must look like content:<id> or task:<id>, not ${JSON.stringify(s)}`);
  return { type: m[1] as 'content' | 'task', id: m[2]! };
}

export function parseInput(s: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (err) {
    throw new UsageError(`--input is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('--input must be a JSON object, such as {"campaign": "spring"}');
  return v as Record<string, unknown>;
}

const out = (opts: ConnOpts, value: unknown, text: () => string) => console.log(opts.json ? JSON.stringify(value, null, 2) : text());
const enc = encodeURIComponent;

export function registerRunCommands(program: Command): void {
  const runs = program.commands.find((c) => c.name() === 'runs') ?? program.command('runs').description('list, inspect, start and control workflow runs on a running server');

  connectionOptions(runs.command('list'))
    .description("runs across your spaces, newest first")
    .option('--status <status>', 'only runs in this status: triggered, active, waiting, completed, failed or cancelled')
    .option('--outcome <outcome>', 'only completed runs with this outcome: succeeded or denied')
    .option('--workflow <id>', 'only runs of this workflow')
    .option('--space <id>', 'only runs in this space')
    .option('--limit <n>', 'at most this many runs (default 50, max 500)')
    .option('--cursor <cursor>', 'the page after this cursor (printed under a full page)')
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts) => {
        const page = await client.get<{ items: RunView[]; nextCursor: string | null }>('/api/runs', {
          status: opts.status,
          outcome: opts.outcome,
          workflowId: opts.workflow,
          spaceId: opts.space,
          limit: opts.limit,
          cursor: opts.cursor,
        });
        out(opts, page, () => formatRunList(page.items) + (page.nextCursor ? `\n\nMore runs: add --cursor ${page.nextCursor}` : ''));
      }),
    );

  connectionOptions(runs.command('show').argument('<run>', 'run id'))
    .description('a run and its timeline: one line per phase attempt with status, duration and error')
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts, id) => {
        const run = await client.get<RunView>(`/api/runs/${enc(id)}`);
        out(opts, run, () => formatRun(run));
      }),
    );

  connectionOptions(runs.command('start').argument('<workflow>', 'workflow id'))
    .description("start a run of the workflow's current version")
    .option('--target <type:id>', 'what the run works on: content:<id> or task:<id>')
    .option('--input <json>', 'the run input, a JSON object')
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts, workflowId) => {
        const body: Record<string, unknown> = {};
        if (opts.target) body.target = parseTarget(opts.target);
        if (opts.input !== undefined) body.input = parseInput(opts.input);
        const run = await client.post<RunView>(`/api/workflows/${enc(workflowId)}/runs`, body);
        out(opts, run, () => `Started run ${run.id} (${run.status}) of workflow ${run.workflowId} v${run.workflowVersion}${run.target ? ` on ${targetLabel(run.target)} v${run.target.version}` : ''}.`);
      }),
    );

  bulkOptions(connectionOptions(runs.command('cancel').argument('[run]', 'run id (or select many with --filter / --ids)')))
    .description('cancel an unfinished run: its current phase stops and no later phase starts; with --filter or --ids, cancel many in the background')
    .option('--reason <text>', 'why, for the audit log (one run only)')
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts, id?: string) => {
        if (opts.filter !== undefined || opts.ids !== undefined) {
          if (id) throw new UsageError('give either a run id or --filter/--ids, not both');
          if (opts.reason) throw new UsageError('--reason applies to one run; a bulk cancel records "bulk operation <id>" as the reason');
          return bulk(client, opts, 'cancel');
        }
        if (!id) throw new UsageError('say which runs: a run id, or --filter status=waiting,workflow=<id> (or --ids <id,id,…>)');
        const run = await client.post<RunView>(`/api/runs/${enc(id)}/cancel`, opts.reason ? { reason: opts.reason } : {});
        const phase = run.phases.find((p) => p.status === 'cancelled');
        out(opts, run, () => `Cancelled run ${run.id}${phase ? ` at phase ${phase.phaseId}` : ''}.`);
      }),
    );

  connectionOptions(runs.command('retry').argument('<run>', 'run id'))
    .description('continue a failed run with a new attempt of the phase that failed')
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts, id) => {
        const run = await client.post<RunView>(`/api/runs/${enc(id)}/retry`);
        const last = [...run.phases].reverse().find((p) => p.phaseId === run.currentPhaseId) ?? run.phases[run.phases.length - 1];
        out(opts, run, () => `Retrying run ${run.id}${last ? `: phase ${last.phaseId}, attempt ${last.attempt}` : ''} (${run.status}).`);
      }),
    );

  connectionOptions(runs.command('rerun').argument('<run>', 'a finished run id'))
    .description("start a new run like a finished one, on the workflow's current version")
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts, id) => {
        const run = await client.post<RunView>(`/api/runs/${enc(id)}/rerun`);
        out(opts, run, () => `Started run ${run.id} (${run.status}), a re-run of ${run.rerunOf}, on workflow ${run.workflowId} v${run.workflowVersion}.`);
      }),
    );

  connectionOptions(runs.command('skip').argument('<run>', 'run id').argument('<phase>', 'the id of the active or waiting phase'))
    .description('skip the active or waiting phase (wait, approval, http, ai, notify); the run moves on')
    .requiredOption('--reason <text>', 'why, recorded with the skip')
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts, id, phaseId) => {
        const run = await client.post<RunView>(`/api/runs/${enc(id)}/phases/${enc(phaseId)}/skip`, { reason: opts.reason });
        out(opts, run, () => `Skipped phase ${phaseId} of run ${run.id}; the run is ${statusWithOutcome(run)}.`);
      }),
    );

  bulkOptions(connectionOptions(runs.command('delete').argument('[run]', 'a finished run id (or select many with --filter / --ids)')))
    .description('hide a finished run from lists and pages (its audit trail stays); with --filter or --ids, delete many finished runs in the background (unfinished ones are left alone)')
    .option('--json', 'print the final job as JSON (bulk only)')
    .action(
      act(async (client, opts, id?: string) => {
        if (opts.filter !== undefined || opts.ids !== undefined) {
          if (id) throw new UsageError('give either a run id or --filter/--ids, not both');
          return bulk(client, opts, 'delete');
        }
        if (!id) throw new UsageError('say which runs: a run id, or --filter status=completed,workflow=<id> (or --ids <id,id,…>)');
        await client.delete(`/api/runs/${enc(id)}`);
        console.log(`Deleted run ${id}.`);
      }),
    );
}

// ---------------------------------------------------------------------------------------
// Bulk cancel / delete (docs/API.md "Bulk operations": POST /api/runs/bulk, GET /api/jobs/{id})

function bulkOptions(cmd: Command): Command {
  return cmd
    .option('--filter <spec>', 'select runs: comma-separated status=<status>, workflow=<id>, space=<id> (all must match); `all` selects every run you may change')
    .option('--ids <ids>', 'select runs by id: comma-separated (at most 10000); with --filter, only those that also match')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--poll <ms>', 'how often to check progress, in milliseconds (default 250)');
}

export interface BulkFilterSpec {
  workflowId?: string;
  status?: string;
  spaceId?: string;
}

const FILTER_KEYS: Record<string, keyof BulkFilterSpec> = { status: 'status', workflow: 'workflowId', workflowid: 'workflowId', space: 'spaceId', spaceid: 'spaceId' };

/** `status=waiting,workflow=<id>,space=<id>` (or `all`) as the API's filter object. */
export function parseFilter(spec: string): BulkFilterSpec {
  const s = spec.trim();
  if (s === 'all') return {};
  const filter: BulkFilterSpec = {};
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+)\s*=\s*(.+)$/.exec(part);
    const key = m && FILTER_KEYS[m[1]!.toLowerCase()];
    if (!m || !key) throw new UsageError(`--filter takes status=<status>, workflow=<id> and space=<id> separated by commas (or \`all\`), not ${JSON.stringify(part)}`);
    if (filter[key] !== undefined) throw new UsageError(`--filter names ${m[1]} twice`);
    filter[key] = m[2]!.trim();
  }
  if (!Object.keys(filter).length) throw new UsageError('--filter is empty: give status=…, workflow=… or space=… (or `all` for every run you may change)');
  return filter;
}

/** `[#####     ] 2500/5000` */
export function progressBar(done: number, total: number, width = 30): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${' '.repeat(width - full)}] ${done}/${total}`;
}

type BulkJob = components['schemas']['BulkJob'];

/** One line from stdin, or null when stdin is closed (or not there at all) before a line comes. */
function readAnswer(): Promise<string | null> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    let buf = '';
    const finish = (v: string | null) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
      resolve(v);
    };
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const onEnd = () => finish(buf.length ? buf : null);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onEnd);
    stdin.resume();
  });
}

async function bulk(client: FlowgateClient, opts: ConnOpts & Record<string, any>, action: 'cancel' | 'delete') {
  const body: Record<string, unknown> = { action };
  if (opts.filter !== undefined) body.filter = parseFilter(String(opts.filter));
  if (opts.ids !== undefined) {
    const ids = String(opts.ids).split(',').map((x) => x.trim()).filter(Boolean);
    if (!ids.length) throw new UsageError('--ids is empty: give run ids separated by commas');
    body.ids = ids;
  }
  const pollMs = opts.poll !== undefined ? Number(opts.poll) : 250;
  if (!Number.isFinite(pollMs) || pollMs < 10) throw new UsageError('--poll takes a number of milliseconds (at least 10)');
  const verb = action === 'cancel' ? 'cancel' : 'delete';
  const counted = await client.post<{ count: number; confirmToken: string }>('/api/runs/bulk', body);
  const noun = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  if (counted.count === 0) {
    out(opts, { count: 0 }, () => `No runs to ${verb}: nothing matches that you may change${action === 'delete' ? ' (delete touches only finished runs)' : ' (cancel touches only unfinished runs)'}.`);
    return;
  }
  if (!opts.yes) {
    process.stderr.write(`This will ${verb} ${noun(counted.count)}. Continue? [y/N] `);
    const answer = await readAnswer();
    if (answer === null) {
      process.stderr.write('\n');
      throw new UsageError(`not confirmed: no answer on stdin; nothing was changed (pass --yes to ${verb} without asking)`);
    }
    if (!/^\s*y(es)?\s*$/i.test(answer)) throw new UsageError('not confirmed; nothing was changed');
  }
  const { jobId } = await client.post<{ jobId: string }>('/api/runs/bulk', { ...body, confirmToken: counted.confirmToken });
  const tty = Boolean(process.stderr.isTTY);
  let last = '';
  let job: BulkJob;
  for (;;) {
    job = await client.get<BulkJob>(`/api/jobs/${enc(jobId)}`);
    const bar = progressBar(job.done, job.total);
    if (bar !== last) {
      process.stderr.write(tty ? `\r${bar}` : `${bar}\n`);
      last = bar;
    }
    if (job.status !== 'running') break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  if (tty) process.stderr.write('\n');
  if (job.status === 'failed') throw new UsageError(`bulk ${verb} ${jobId} failed after ${job.done}/${job.total}: ${job.error ?? 'see the server log'}`);
  const changed = job.changed ?? job.total;
  const past = action === 'cancel' ? 'Cancelled' : 'Deleted';
  const left = job.total - changed;
  out(opts, job, () => `${past} ${changed === job.total ? noun(changed) : `${changed} of ${noun(job.total)}`}${left > 0 ? ` (${left} ${left === 1 ? 'was' : 'were'} no longer ${action === 'cancel' ? 'unfinished' : 'there to delete'})` : ''}; bulk job ${jobId}.`);
}
