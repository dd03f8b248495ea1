/**
 * A list of runs with filters (status, outcome, target, creation date; space and workflow
 * on the dashboard), keyset pagination, live updates (web/src/live.ts; polling every 5 s without the stream), and bulk cancel/delete with a
 * confirmation step (docs/REQUIREMENTS.md sections 11 and 12). Filters live in the address bar, so a
 * filtered list can be bookmarked and shared. Used by the runs dashboard and the workflow page.
 */
import { useState, type JSX } from 'react';
import { get, qs, type Page, type Run } from '../api';
import { navigate, useLocation } from '../router';
import { useSession, workflowNames } from '../session';
import { ErrorBox, RunTable, SpaceSelect, useAsync, type Selection } from '../ui';
import { LiveBadge, useLive } from '../live';
import { BulkActions } from './BulkActions';

const STATUSES = ['active', 'waiting', 'completed', 'failed', 'cancelled', 'triggered'];
const FILTER_KEYS = ['status', 'outcome', 'targetId', 'since', 'until', 'spaceId', 'workflowId'] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

/** A date input's day (local time) as the ISO instant it starts at. */
const dayStart = (day: string | undefined, plusDays = 0) => {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
};

export function RunsBrowser({ workflowId }: { workflowId?: string }) {
  const { me } = useSession();
  const loc = useLocation();
  const filters: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = loc.query.get(k);
    if (v) filters[k] = v;
  }
  if (workflowId) filters.workflowId = workflowId;
  // The cursors of the pages before this one: "Newer" pops, "Older" pushes.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const key = JSON.stringify(filters);
  const query = {
    status: filters.status,
    outcome: filters.outcome,
    targetId: filters.targetId,
    since: dayStart(filters.since),
    until: dayStart(filters.until, 1),
    spaceId: workflowId ? undefined : filters.spaceId,
    cursor,
    limit: 25,
  };
  const path = workflowId ? `/api/workflows/${workflowId}/runs${qs(query)}` : `/api/runs${qs({ ...query, workflowId: filters.workflowId })}`;
  const list = useAsync(() => get<Page<Run>>(path), [path]);
  const names = useAsync(() => workflowNames(me), [me]);
  const live = useLive({ topics: ['runs'], workflowId: workflowId ?? filters.workflowId, spaceId: workflowId ? undefined : filters.spaceId, reload: list.reload, pollMs: 5000 });
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const selection: Selection = {
    ids: ticked,
    toggle: (id) => setTicked((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id]))),
    setAll: (ids, on) => setTicked((s) => (on ? new Set([...s, ...ids]) : new Set([...s].filter((x) => !ids.includes(x))))),
  };

  const setFilter = (k: keyof Filters, v: string) => {
    const q = new URLSearchParams(loc.query);
    if (v) q.set(k, v);
    else q.delete(k);
    setCursors([]);
    setTicked(new Set());
    const s = q.toString();
    navigate(`${loc.path}${s ? `?${s}` : ''}`, { replace: true });
  };
  const field = (k: keyof Filters, label: string, input: JSX.Element) => (
    <label>
      {label}
      {input}
    </label>
  );
  // "All matching" bulk actions take the filters the bulk API knows; others narrow by ids only.
  const bulkFilter = filters.outcome || filters.targetId || filters.since || filters.until ? null : { workflowId: filters.workflowId, status: filters.status, spaceId: workflowId ? undefined : filters.spaceId };

  return (
    <div className="runs-browser" data-filters={key}>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Run filters">
        {field(
          'status',
          'Status',
          <select value={filters.status ?? ''} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>,
        )}
        {field(
          'outcome',
          'Outcome',
          <select value={filters.outcome ?? ''} onChange={(e) => setFilter('outcome', e.target.value)}>
            <option value="">any</option>
            <option>succeeded</option>
            <option>denied</option>
          </select>,
        )}
        {field('targetId', 'Target id', <input value={filters.targetId ?? ''} onChange={(e) => setFilter('targetId', e.target.value.trim())} placeholder="content or task id" />)}
        {field('since', 'From', <input type="date" value={filters.since ?? ''} onChange={(e) => setFilter('since', e.target.value)} />)}
        {field('until', 'To', <input type="date" value={filters.until ?? ''} onChange={(e) => setFilter('until', e.target.value)} />)}
        {!workflowId && <SpaceSelect value={filters.spaceId ?? ''} onChange={(v) => setFilter('spaceId', v)} allLabel="all my spaces" />}
        {!workflowId &&
          field(
            'workflowId',
            'Workflow',
            <select value={filters.workflowId ?? ''} onChange={(e) => setFilter('workflowId', e.target.value)}>
              <option value="">all</option>
              {[...(names.data ?? new Map<string, string>())].map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>,
          )}
      </form>
      <BulkActions
        selected={[...ticked]}
        filter={bulkFilter}
        onDone={() => {
          setTicked(new Set());
          list.reload();
        }}
      />
      <p className="live-line">
        <LiveBadge live={live} />
      </p>
      <ErrorBox error={list.error} />
      {list.data && <RunTable runs={list.data.items} names={names.data ?? undefined} selection={selection} empty="No runs match." />}
      <p className="pager">
        {cursors.length > 0 && (
          <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" onClick={() => setCursors((c) => [...c, list.data!.nextCursor!])}>
            Older
          </button>
        )}
      </p>
    </div>
  );
}
