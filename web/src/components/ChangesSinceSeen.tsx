/**
 * What changed in the run's target since the signed-in user last decided on or viewed this
 * run (`GET /api/runs/{id}/changes`): each changed field with its old and new value. The
 * starting version is fixed when the page opens, so edits made while the page is open are
 * added to the same list; the server records that an approver has seen the current version
 * each time it answers.
 */
import { useEffect, useRef, useState } from 'react';
import { get, type Schemas } from '../api';
import type { People } from '../pages/run/model';
import { ErrorBox } from '../ui';

type Changes = Schemas['TargetChanges'];
type Value = Changes['changes'][number]['before'];

const TIME_FIELDS = new Set(['scheduledAt', 'dueAt']);
const PEOPLE_FIELDS = new Set(['assignees', 'assignee']);

function show(field: string, v: Value, people: People | null): string {
  if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return '—';
  const name = (id: string) => people?.get(id)?.name ?? id;
  if (Array.isArray(v)) return PEOPLE_FIELDS.has(field) ? v.map(name).join(', ') : v.join(', ');
  if (TIME_FIELDS.has(field) && typeof v === 'string') return new Date(v).toLocaleString();
  if (PEOPLE_FIELDS.has(field) && typeof v === 'string') return name(v);
  return String(v);
}

const box = { background: '#fff', border: '1px solid #dde2ec', borderLeft: '4px solid #b7791f', borderRadius: 6, padding: '.6rem 1rem', marginBottom: '.8rem' } as const;
const was = { background: '#fde2e2', color: '#7a1f1f', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;
const now = { background: '#dcf5e3', color: '#14532d', textDecoration: 'none', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

export function ChangesSinceSeen({ runId, refreshKey, people }: { runId: string; refreshKey: unknown; people: People | null }) {
  const [data, setData] = useState<Changes | null>(null);
  const [error, setError] = useState<Error | null>(null);
  /** The first answer for this run: its starting version is kept while the page stays open. */
  const first = useRef<{ runId: string; answer: Promise<Changes> } | null>(null);

  useEffect(() => {
    let gone = false;
    const path = `/api/runs/${encodeURIComponent(runId)}/changes`;
    (async () => {
      if (!first.current || first.current.runId !== runId) {
        first.current = { runId, answer: get<Changes>(path) };
        const c = await first.current.answer;
        if (!gone) setData(c);
        return;
      }
      const c0 = await first.current.answer;
      // Never looked before this page: what changed since the page opened.
      const since = c0.since ?? (c0.currentVersion !== null ? { version: c0.currentVersion, reason: 'viewed' as const, at: null } : null);
      const c = await get<Changes>(since ? `${path}?since=${since.version}` : path);
      if (!gone) setData({ ...c, since });
    })().then(
      () => !gone && setError(null),
      (e: Error) => {
        // A failed first answer is asked again on the next update.
        if (first.current?.runId === runId) first.current.answer.catch(() => (first.current = null));
        if (!gone) setError(e);
      },
    );
    return () => {
      gone = true;
    };
  }, [runId, refreshKey]);

  if (error) return <ErrorBox error={error} />;
  const since = data?.since ?? null;
  if (!data || !since || data.currentVersion === null || since.version >= data.currentVersion) return null;
  const why = since.reason === 'decided' ? 'you decided' : since.reason === 'viewed' ? (since.at ? 'you last looked' : 'you opened this page') : `version ${since.version}`;
  return (
    <section aria-labelledby="changes-h" className="changes-since" style={box} data-since={since.version} data-current={data.currentVersion}>
      <h2 id="changes-h" style={{ marginTop: 0 }}>
        Changed since {why} (version {since.version} → {data.currentVersion})
      </h2>
      {!data.recorded ? (
        <p className="muted">Version {since.version} predates version history, so its changes cannot be listed.</p>
      ) : data.changes.length === 0 ? (
        <p className="muted">The version changed, but no field differs from version {since.version}.</p>
      ) : (
        <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {data.changes.map((c) => (
            <li key={c.field} data-field={c.field} style={{ borderTop: '1px solid #eef1f6', padding: '.4rem 0' }}>
              <strong>{c.label} changed</strong>
              <div>
                <span className="muted">Was </span>
                <del style={was}>{show(c.field, c.before, people)}</del>
              </div>
              <div>
                <span className="muted">Now </span>
                <ins style={now}>{show(c.field, c.after, people)}</ins>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
