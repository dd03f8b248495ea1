/**
 * Small pieces every page uses: loading data, status badges, times, the runs table, errors.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, type Run } from './api';
import { Link } from './router';
import { useSession } from './session';
import { RunningFor } from './live';

export interface Async<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/** Loads `fn()` when `deps` change; `reload()` fetches again without clearing what is shown. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (error: Error) => mine === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** Calls `fn` every `ms` while the page is visible. */
export function useInterval(fn: () => void, ms: number) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const t = setInterval(() => document.visibilityState === 'visible' && saved.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}

export function ErrorBox({ error }: { error: Error | null }) {
  if (!error) return null;
  const code = error instanceof ApiError ? ` (${error.code})` : '';
  return (
    <p className="error" role="alert">
      {error.message}
      {code}
    </p>
  );
}

export function Status({ status, outcome }: { status: string; outcome?: string | null }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status}
      {outcome && outcome !== status ? ` · ${outcome}` : ''}
    </span>
  );
}

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const d = new Date(at);
  return (
    <time dateTime={at} title={d.toISOString()}>
      {d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}
    </time>
  );
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function shortId(id: string): string {
  return id.slice(-8);
}

/** Where a run stands, in words: the waiting reason, the current phase, or its error. */
export function runSummary(r: Run): string {
  if (r.status === 'waiting') {
    if (r.waitingFor === 'flow_control') return `queued by flow control${r.queuePosition ? ` (#${r.queuePosition})` : ''}`;
    if (r.waitingFor === 'approval') return `waiting for approval at ${r.currentPhaseId ?? '?'}`;
    return `waiting at ${r.currentPhaseId ?? '?'}`;
  }
  if (r.status === 'active') return r.currentPhaseId ? `running ${r.currentPhaseId}` : 'starting';
  if (r.status === 'failed' && r.error) return `${r.error.code}: ${r.error.message}`;
  return '';
}

/** Row selection for bulk actions: which ids are ticked, and how to tick them. */
export interface Selection {
  ids: Set<string>;
  toggle: (id: string) => void;
  setAll: (ids: string[], on: boolean) => void;
}

export function RunTable({ runs, empty, names, selection }: { runs: Run[]; empty: ReactNode; names?: Map<string, string>; selection?: Selection }) {
  if (runs.length === 0) return <p className="muted">{empty}</p>;
  const allOn = selection ? runs.every((r) => selection.ids.has(r.id)) : false;
  return (
    <table className="runs">
      <thead>
        <tr>
          {selection && (
            <th>
              <input type="checkbox" aria-label="Select all runs on this page" checked={allOn} onChange={(e) => selection.setAll(runs.map((r) => r.id), e.target.checked)} />
            </th>
          )}
          <th>Run</th>
          <th>Workflow</th>
          <th>Target</th>
          <th>Status</th>
          <th>Where</th>
          <th>Started</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-run-id={r.id}>
            {selection && (
              <td>
                <input type="checkbox" aria-label={`Select run ${shortId(r.id)}`} checked={selection.ids.has(r.id)} onChange={() => selection.toggle(r.id)} />
              </td>
            )}
            <td>
              <Link to={`/runs/${r.id}`}>{shortId(r.id)}</Link>
            </td>
            <td>
              <Link to={`/workflows/${r.workflowId}`}>{names?.get(r.workflowId) ?? shortId(r.workflowId)}</Link> <span className="muted">v{r.workflowVersion}</span>
            </td>
            <td>{r.target ? `${r.target.type} ${shortId(r.target.id)}` : <span className="muted">none</span>}</td>
            <td>
              <Status status={r.status} outcome={r.outcome} />
            </td>
            <td className="summary">
              {runSummary(r)}
              <RunningFor run={r} />
            </td>
            <td>
              <Time at={r.createdAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A "Space" picker over the caller's spaces; with `allLabel`, an empty first choice for all of them. */
export function SpaceSelect({ value, onChange, allLabel }: { value: string; onChange: (spaceId: string) => void; allLabel?: string }) {
  const { me } = useSession();
  return (
    <label>
      Space
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {allLabel !== undefined && <option value="">{allLabel}</option>}
        {me.spaces.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}
