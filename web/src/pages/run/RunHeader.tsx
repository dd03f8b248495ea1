/** The run's identity and state: workflow, target, trigger, people, times, queue and error. */
import { get, type Run } from '../../api';
import { Link } from '../../router';
import { duration, runSummary, shortId, Status, Time, useAsync } from '../../ui';
import type { LiveMode } from './live';
import { personName, type People, type Target } from './model';
import { JsonDetails } from './parts';

/** Where a run held by flow control stands, and why it waits. */
function QueueFact({ position }: { position: number }) {
  const org = useAsync(() => get<{ maxActiveRuns: number }>('/api/org'), []);
  const limit = org.data?.maxActiveRuns;
  const why =
    limit === undefined
      ? 'held by flow control until a slot frees up'
      : limit === 0
        ? 'held by flow control: the org allows no active runs (limit 0); it starts once an admin raises the limit'
        : `held by flow control: the org's limit of ${limit} active run${limit === 1 ? '' : 's'} is reached; it starts when a slot frees up`;
  return (
    <>
      {position === 1 ? 'next to start' : `number ${position} to start`} — {why}.{' '}
      <span className="muted">Held runs start least busy space first, then least busy workflow, then oldest.</span>
    </>
  );
}

const LIVE_TEXT: Record<LiveMode, string> = { connecting: 'connecting…', live: 'live', polling: 'refreshing every 5 s' };

export function RunHeader({ run, workflowName, target, targetError, people, live }: {
  run: Run;
  workflowName: string | null;
  target: Target | null;
  targetError: Error | null;
  people: People | null;
  live: LiveMode;
}) {
  const total = run.startedAt && run.endedAt ? new Date(run.endedAt).getTime() - new Date(run.startedAt).getTime() : null;
  const summary = runSummary(run);
  const trigger = run.trigger;
  const triggerBy = typeof trigger.by === 'string' ? trigger.by : null;
  const triggerRest = Object.keys(trigger).filter((k) => k !== 'type' && k !== 'by' && k !== 'of');
  return (
    <header className="run-head">
      <p className="crumbs">
        <Link to={`/workflows/${run.workflowId}`}>{workflowName ?? `Workflow ${shortId(run.workflowId)}`}</Link> <span className="muted">version {run.workflowVersion}</span>
      </p>
      <h1>
        Run <span className="mono">{shortId(run.id)}</span> <Status status={run.status} outcome={run.outcome} />{' '}
        <span className={`live live-${live}`} data-live={live}>
          {LIVE_TEXT[live]}
        </span>
      </h1>
      {summary && run.status !== 'failed' && <p className="run-summary">{summary}</p>}
      {run.status === 'failed' && run.error && (
        <section className="run-error" aria-labelledby="run-error-h">
          <h2 id="run-error-h">Failed at phase {run.error.phaseId ?? 'unknown'}</h2>
          <p>
            <code className="code">{run.error.code}</code> {run.error.message}
          </p>
        </section>
      )}
      <dl className="run-facts">
        <dt>Run id</dt>
        <dd className="mono">{run.id}</dd>
        <dt>Target</dt>
        <dd data-fact="target">
          {run.target ? (
            <>
              {run.target.type} {target ? <strong>“{target.title}”</strong> : <span className="mono">{run.target.id}</span>}
              {targetError && <span className="muted"> (deleted, or not visible to you)</span>}
              <span className="muted">
                {' '}
                · version {run.target.version ?? '—'} at start, {run.target.versionSeen ?? '—'} last seen{target ? `, ${target.version} now` : ''}
                {target?.status ? ` · status ${target.status}` : ''}
              </span>{' '}
              · <Link to={`/workflows/${run.workflowId}?targetId=${encodeURIComponent(run.target.id)}`}>runs of this workflow on it</Link>
            </>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <dt>Trigger</dt>
        <dd data-fact="trigger">
          {trigger.type}
          {triggerBy && ` by ${personName(triggerBy, people)}`}
          {triggerRest.length > 0 && <JsonDetails label="details" value={Object.fromEntries(triggerRest.map((k) => [k, trigger[k]]))} />}
        </dd>
        <dt>Started by</dt>
        <dd data-fact="started-by">{run.startedBy ? personName(run.startedBy, people) : <span className="muted">the system</span>}</dd>
        {run.rerunOf && (
          <>
            <dt>Re-run of</dt>
            <dd>
              <Link to={`/runs/${run.rerunOf}`} data-fact="rerun-of">
                run {shortId(run.rerunOf)}
              </Link>
            </dd>
          </>
        )}
        {run.queuePosition !== null && (
          <>
            <dt>Queue</dt>
            <dd data-fact="queue">
              <QueueFact position={run.queuePosition} />
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <Time at={run.createdAt} />
        </dd>
        <dt>Started</dt>
        <dd>
          <Time at={run.startedAt} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <Time at={run.endedAt} />
          {total !== null && <span className="muted"> · took {duration(total)}</span>}
        </dd>
        <dt>Input</dt>
        <dd>
          <JsonDetails label="run input" value={run.input} />
        </dd>
      </dl>
    </header>
  );
}
