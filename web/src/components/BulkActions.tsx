/**
 * Bulk cancel / delete (docs/REQUIREMENTS.md section 11, docs/API.md "Bulk operations"): the first call only
 * counts what would be affected and returns a confirmation token; nothing happens until the
 * user confirms that count. The operation then runs in the background and its progress
 * (`GET /api/jobs/{id}`) is shown until it ends.
 */
import { useState } from 'react';
import { get, post } from '../api';
import { ErrorBox } from '../ui';

type Action = 'cancel' | 'delete';
type Scope = { ids: string[] } | { filter: Record<string, string | undefined> };

interface Pending {
  action: Action;
  scope: Scope;
  count: number;
  confirmToken: string;
}

interface Progress {
  action: Action;
  status: 'running' | 'done' | 'failed';
  done: number;
  total: number;
}

const VERB: Record<Action, [string, string]> = { cancel: ['Cancel', 'cancelled'], delete: ['Delete', 'deleted'] };

export function BulkActions({ selected, filter, onDone }: { selected: string[]; filter: Record<string, string | undefined> | null; onDone: () => void }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const ask = async (action: Action, scope: Scope) => {
    setError(null);
    setProgress(null);
    setBusy(true);
    try {
      const r = await post<{ count: number; confirmToken: string }>('/api/runs/bulk', { action, ...scope });
      setPending({ action, scope, count: r.count, confirmToken: r.confirmToken });
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    try {
      const { jobId } = await post<{ jobId: string }>('/api/runs/bulk', { action: pending.action, ...pending.scope, confirmToken: pending.confirmToken });
      setPending(null);
      for (;;) {
        const j = await get<{ status: Progress['status']; done: number; total: number }>(`/api/jobs/${jobId}`);
        setProgress({ action: pending.action, ...j });
        if (j.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      onDone();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const cleanFilter = filter && Object.fromEntries(Object.entries(filter).filter(([, v]) => v));
  return (
    <div className="bulk">
      {(['cancel', 'delete'] as Action[]).map((a) => (
        <button key={a} type="button" className={a === 'delete' ? 'danger' : ''} disabled={busy || selected.length === 0} onClick={() => ask(a, { ids: selected })}>
          {VERB[a][0]} selected ({selected.length})
        </button>
      ))}
      {cleanFilter &&
        (['cancel', 'delete'] as Action[]).map((a) => (
          <button key={`all-${a}`} type="button" className={a === 'delete' ? 'danger' : ''} disabled={busy} onClick={() => ask(a, { filter: cleanFilter })}>
            {VERB[a][0]} all matching…
          </button>
        ))}
      {pending && (
        <div role="dialog" aria-label="Confirm bulk action" className="confirm">
          <p>
            {pending.count === 0 ? (
              <>No run can be {VERB[pending.action][1]}: {pending.action === 'cancel' ? 'only unfinished runs can be cancelled' : 'only finished runs can be deleted'}.</>
            ) : (
              <>
                {VERB[pending.action][0]} <strong>{pending.count}</strong> run{pending.count === 1 ? '' : 's'}? This is recorded in the audit log and cannot be undone.
              </>
            )}
          </p>
          {pending.count > 0 && (
            <button type="button" className="primary" disabled={busy} onClick={confirm}>
              Confirm: {VERB[pending.action][0].toLowerCase()} {pending.count}
            </button>
          )}{' '}
          <button type="button" onClick={() => setPending(null)}>
            Back
          </button>
        </div>
      )}
      {progress && (
        <p role="status" className="progress">
          <progress value={progress.done} max={Math.max(progress.total, 1)} /> {progress.done} of {progress.total} {VERB[progress.action][1]}
          {progress.status === 'failed' ? ' — the operation failed; see the audit log' : progress.status === 'done' ? ' — done' : '…'}
        </p>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
