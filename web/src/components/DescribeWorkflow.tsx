/**
 * "Describe it in words", in the builder: a description goes to
 * `POST /api/spaces/{spaceId}/workflows/describe`, where the server's AI provider drafts a
 * definition for the space (picking approvers from its people) and checks it as a save
 * would. The draft fills the builder for review through `onDescribed`; nothing is saved
 * until the user saves. When the draft is still invalid, its problems are listed and it can
 * be opened anyway to fix by hand. Without a provider (`GET /api/ai`), the panel says how
 * the server is configured for one.
 */
import { useState, type FormEvent } from 'react';
import { ApiError, get } from '../api';
import { ErrorBox, useAsync } from '../ui';
import type { Phase, Trigger } from '../workflows';
import { Problems } from './Problems';

export interface DescribedWorkflow {
  name: string;
  trigger: Trigger;
  phases: Phase[];
}

interface AiStatus {
  configured: boolean;
  model: string | null;
  message: string | null;
}

interface Spend {
  model: string;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  costUsd: number;
  calls: number;
}

interface Described extends Spend {
  definition: DescribedWorkflow;
  repaired: boolean;
}

/** A refused description, with the model's last (invalid) draft when there was one. */
class DescribeError extends ApiError {
  constructor(status: number, code: string, message: string, details: unknown, readonly draft: DescribedWorkflow | null) {
    super(status, code, message, details);
  }
}

const MAX_CHARS = 2000;
const EXAMPLE = 'Two editors approve, then the client by email, auto-deny after 2 days, then publish.';

/** Whatever the model drafted, in the shape the builder holds (it shows the server's problems on save). */
function asDraft(value: unknown): DescribedWorkflow | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const trigger = v.trigger && typeof v.trigger === 'object' && typeof (v.trigger as Trigger).type === 'string' ? (v.trigger as Trigger) : { type: 'manual' };
  const phases = Array.isArray(v.phases) ? v.phases.filter((p): p is Phase => !!p && typeof p === 'object' && !Array.isArray(p)) : [];
  return { name: typeof v.name === 'string' ? v.name : '', trigger, phases };
}

async function describe(spaceId: string, description: string): Promise<Described> {
  const res = await fetch(`/api/spaces/${encodeURIComponent(spaceId)}/workflows/describe`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ description }),
  });
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (res.ok) return body as Described;
  const e = body?.error;
  throw new DescribeError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? (text || res.statusText), e?.details, asDraft(e?.definition));
}

function spendInWords(s: Spend): string {
  const cost = s.costUsd < 0.01 ? 'under $0.01' : `about $${s.costUsd.toFixed(2)}`;
  return `${s.model}, ${s.calls} call${s.calls === 1 ? '' : 's'}, ${s.usage.totalTokens.toLocaleString('en')} tokens, ${cost}`;
}

export function DescribeWorkflow({ spaceId, onDescribed }: { spaceId: string; onDescribed: (d: DescribedWorkflow) => void }) {
  const status = useAsync(() => get<AiStatus>('/api/ai'), []);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<Described | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const answer = await describe(spaceId, text.trim());
      onDescribed(answer.definition);
      setDone(answer);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const openDraft = (draft: DescribedWorkflow) => {
    onDescribed(draft);
    setError(null);
  };

  const notConfigured = status.data && !status.data.configured;
  const draft = error instanceof DescribeError ? error.draft : null;
  return (
    <section className="wf-panel" aria-labelledby="describe-h" data-testid="describe-workflow">
      <h2 id="describe-h">Describe it in words</h2>
      {status.error && <ErrorBox error={status.error} />}
      <form className="form" onSubmit={submit} aria-labelledby="describe-h" aria-busy={busy}>
        <label htmlFor="describe-text">What should happen?</label>
        <textarea
          id="describe-text"
          rows={3}
          maxLength={MAX_CHARS}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={EXAMPLE}
          disabled={!!notConfigured}
          aria-describedby="describe-help"
        />
        {notConfigured ? (
          <p id="describe-help" className="tpl-fill" role="note" data-testid="describe-unavailable">
            {status.data!.message}
          </p>
        ) : (
          <p id="describe-help" className="muted">
            The server's AI provider drafts the name, trigger and phases, picking approvers from this space's people; the draft fills the form below for you to review. Nothing is saved until you save. {text.length > MAX_CHARS - 200 ? `${MAX_CHARS - text.length} characters left.` : ''}
          </p>
        )}
        <div className="wf-actions">
          <button type="submit" disabled={busy || !!notConfigured || status.loading || !text.trim()}>
            {busy ? 'Describing…' : 'Describe'}
          </button>
        </div>
      </form>
      {busy && (
        <p className="muted" role="status">
          Asking the AI provider; this can take up to a minute.
        </p>
      )}
      {done && (
        <p className="tpl-fill" role="status" data-testid="describe-done">
          Drafted from your description{done.repaired ? ' (the first draft had problems and was corrected)' : ''}. Review the name, trigger, phases and people below, and
          replace any placeholder email address, before creating it. <span className="muted">({spendInWords(done)})</span>
        </p>
      )}
      {error && <Problems error={error} title={error.message} />}
      {draft && (
        <div className="wf-actions">
          <button type="button" onClick={() => openDraft(draft)}>
            Open the draft anyway
          </button>
        </div>
      )}
    </section>
  );
}
