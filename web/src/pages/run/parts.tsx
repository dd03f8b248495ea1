/** Small pieces of the run page: JSON blocks, and buttons that ask before they act. */
import { useId, useState, type FormEvent } from 'react';
import { ErrorBox } from '../../ui';

/** A collapsed, pretty-printed JSON value. */
export function JsonDetails({ label, value }: { label: string; value: unknown }) {
  const empty = value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0);
  return (
    <details className="json">
      <summary>
        {label}
        {empty ? <span className="muted"> (empty)</span> : null}
      </summary>
      <pre>{JSON.stringify(value ?? null, null, 2)}</pre>
    </details>
  );
}

/** A call to the server from a form or button: busy while it runs, its refusal kept to show. Resolves true on success. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(e as Error);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}

/** Runs an API call from a button, showing the server's refusal beside it. */
export function ActionButton({ label, onRun, className }: { label: string; onRun: () => Promise<unknown>; className?: string }) {
  const action = useAction();
  return (
    <span className="action">
      <button type="button" className={className} onClick={() => action.run(onRun)} disabled={action.busy}>
        {label}
      </button>
      <ErrorBox error={action.error} />
    </span>
  );
}

/**
 * A destructive action: the first click opens a confirmation (with a reason box when the
 * action takes one); only the second, explicit click calls the server.
 */
export function ConfirmAction(props: {
  label: string;
  question: string;
  confirmLabel: string;
  reason?: 'optional' | 'required';
  onConfirm: (reason: string) => Promise<unknown>;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const reasonId = useId();

  if (!open) {
    return (
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {props.label}
      </button>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => props.onConfirm(reason.trim()))) {
      setOpen(false);
      setReason('');
    }
  };
  const missing = props.reason === 'required' && !reason.trim();
  return (
    <form className="confirm" onSubmit={submit} aria-label={props.question}>
      <p>{props.question}</p>
      {props.reason && (
        <>
          <label htmlFor={reasonId}>Reason{props.reason === 'optional' ? ' (optional)' : ''}</label>
          <textarea id={reasonId} value={reason} onChange={(e) => setReason(e.target.value)} required={props.reason === 'required'} rows={2} maxLength={2000} />
        </>
      )}
      <div className="buttons">
        <button type="submit" className="danger-solid" disabled={action.busy || missing}>
          {props.confirmLabel}
        </button>
        <button type="button" onClick={() => (setOpen(false), action.clear())} disabled={action.busy}>
          Back
        </button>
      </div>
      <ErrorBox error={action.error} />
    </form>
  );
}
