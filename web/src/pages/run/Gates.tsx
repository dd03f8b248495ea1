/**
 * The run's approval gates: who must approve, every decision (with its comment, channel and
 * target version; a decision reset by an edit is marked), and Approve / Deny for the
 * signed-in user when they are one of a waiting gate's approvers.
 */
import { useId, useState } from 'react';
import { post } from '../../api';
import { ErrorBox, Status, Time } from '../../ui';
import { useAction } from './parts';
import { approvalsNeeded, countedApprovals, mayDecide, partyLabel, requiredLabel, type Gate, type People } from './model';

const VIA: Record<string, string> = { app: 'in the app', link: 'by review link', api: 'through the API' };

export function Gates({ runId, gates, people, userId, names, onDecided }: { runId: string; gates: Gate[]; people: People | null; userId: string; names: Map<string, string>; onDecided: () => void }) {
  if (gates.length === 0) return null;
  return (
    <section aria-labelledby="gates-h">
      <h2 id="gates-h">Approvals</h2>
      {gates.map((g) => (
        <GateCard key={g.executionId} runId={runId} gate={g} name={names.get(g.phaseId)} people={people} userId={userId} onDecided={onDecided} />
      ))}
    </section>
  );
}

function GateCard({ runId, gate: g, name, people, userId, onDecided }: { runId: string; gate: Gate; name?: string; people: People | null; userId: string; onDecided: () => void }) {
  const headingId = useId();
  const mine = g.decisions.find((d) => d.counts && d.approver.userId === userId);
  return (
    <article className="gate" aria-labelledby={headingId} data-gate={g.phaseId} data-status={g.status}>
      <h3 id={headingId}>
        {name ? `${name} (gate ${g.phaseId})` : `Gate ${g.phaseId}`}
        {g.attempt > 1 ? ` (attempt ${g.attempt})` : ''} <Status status={g.status} />
      </h3>
      <p className="muted">
        Needs {requiredLabel(g.required)} · {countedApprovals(g)} of {approvalsNeeded(g)} approval{approvalsNeeded(g) === 1 ? '' : 's'} counted
      </p>
      <p>
        Approvers:{' '}
        {g.approvers.length === 0 && <span className="muted">none</span>}
        {g.approvers.map((a, i) => (
          <span key={a.userId ?? a.email} className="approver">
            {i > 0 && ', '}
            {partyLabel(a, people)}
            {a.addedBy === 'escalation' ? <span className="muted"> (added by escalation)</span> : null}
          </span>
        ))}
      </p>
      {g.decisions.length === 0 ? (
        <p className="muted">No decisions yet.</p>
      ) : (
        <ul className="decisions">
          {g.decisions.map((d, i) => (
            <li key={i} className={d.counts ? 'decision' : 'decision reset'} data-decision={d.decision} data-counts={String(d.counts)}>
              <strong>{partyLabel(d.approver, people)}</strong> <span className={`badge badge-${d.decision === 'approve' ? 'approved' : 'denied'}`}>{d.decision === 'approve' ? 'approved' : 'denied'}</span>{' '}
              <span className="muted">
                {VIA[d.via] ?? d.via} · on target version {d.targetVersion ?? '—'} · <Time at={d.at} />
              </span>
              {!d.counts && <span className="badge badge-reset">reset by an edit</span>}
              {d.comment && <blockquote className="decision-comment">{d.comment}</blockquote>}
            </li>
          ))}
        </ul>
      )}
      {mine && g.status === 'waiting' && <p className="muted">You have decided on this gate.</p>}
      {mayDecide(g, userId) && <DecisionForm runId={runId} phaseId={g.phaseId} onDecided={onDecided} />}
    </article>
  );
}

function DecisionForm({ runId, phaseId, onDecided }: { runId: string; phaseId: string; onDecided: () => void }) {
  const [comment, setComment] = useState('');
  const action = useAction();
  const id = useId();
  const decide = async (decision: 'approve' | 'deny') => {
    const body = { decision, ...(comment.trim() ? { comment: comment.trim() } : {}) };
    if (await action.run(() => post(`/api/runs/${encodeURIComponent(runId)}/phases/${encodeURIComponent(phaseId)}/decision`, body))) {
      setComment('');
      onDecided();
    }
  };
  return (
    <form className="decide" aria-label={`Your decision on gate ${phaseId}`} onSubmit={(e) => e.preventDefault()}>
      <label htmlFor={id}>Comment (optional)</label>
      <textarea id={id} value={comment} onChange={(e) => setComment(e.target.value)} rows={3} maxLength={5000} />
      <div className="buttons">
        <button type="button" className="approve" onClick={() => decide('approve')} disabled={action.busy}>
          Approve
        </button>
        <button type="button" className="deny" onClick={() => decide('deny')} disabled={action.busy}>
          Deny
        </button>
      </div>
      <ErrorBox error={action.error} />
    </form>
  );
}
