/** The approval gate's form: who decides, how many, the timeout, self-approval, deny and edits. */
import { asObject, asStrings, DurationInput, EmailList, Field, Group, JumpSelect, PeoplePicker, withKey, type PhaseFormProps } from './common';

export function ApprovalForm({ phase, index, phases, people, problems, onChange }: PhaseFormProps) {
  const approvers = asObject(phase.approvers);
  const members = asStrings(approvers.members);
  const emails = asStrings(approvers.emails);
  const count = members.length + emails.length;
  const setApprovers = (key: 'members' | 'emails', list: string[]) => onChange(withKey(phase, 'approvers', withKey(approvers, key, list)));

  const required = phase.required;
  const mode = required === 'any' || required === 'all' ? required : typeof required === 'number' ? 'n' : 'any';
  const n = typeof required === 'number' ? required : Math.min(2, Math.max(1, count));

  const timeout = phase.timeout === undefined ? undefined : asObject(phase.timeout);
  const escalateTo = asObject(timeout?.escalateTo);
  const then = timeout?.then === undefined ? undefined : asObject(timeout.then);
  const setTimeout_ = (t: Record<string, unknown> | undefined) => onChange(withKey(phase, 'timeout', t));

  const onDeny = phase.onDeny;
  const denyGoto = onDeny && typeof onDeny === 'object' ? String(asObject(onDeny).goto ?? '') : undefined;

  return (
    <>
      <PeoplePicker legend="Approvers from the space" path="approvers.members" problems={problems} people={people} value={members} onChange={(ids) => setApprovers('members', ids)} />
      <EmailList label="Outside reviewers (by email; each gets a link of their own)" path="approvers.emails" problems={problems} value={emails} onChange={(list) => setApprovers('emails', list)} />
      {problems.filter((p) => p.path === 'approvers').map((p, i) => (
        <p key={i} className="pf-problem-inline" role="alert" data-path={p.path}>
          Approvers: {p.message}
        </p>
      ))}

      <Group legend="Approvals needed" path="required" problems={problems}>
        <div className="pf-radios">
          <label className="pf-check">
            <input type="radio" name={`required-${phase.id}`} checked={mode === 'any'} onChange={() => onChange(withKey(phase, 'required', 'any'))} /> Any one approver
          </label>
          <label className="pf-check">
            <input type="radio" name={`required-${phase.id}`} checked={mode === 'all'} onChange={() => onChange(withKey(phase, 'required', 'all'))} /> All approvers
          </label>
          <label className="pf-check">
            <input type="radio" name={`required-${phase.id}`} checked={mode === 'n'} onChange={() => onChange(withKey(phase, 'required', Math.max(1, Math.min(n, count || 1))))} /> A number of them:
          </label>
          <input
            type="number"
            className="pf-n"
            aria-label="How many approvals"
            min={1}
            value={mode === 'n' ? n : ''}
            disabled={mode !== 'n'}
            onChange={(e) => {
              const v = Math.round(Number(e.target.value));
              if (Number.isFinite(v) && v >= 1) onChange(withKey(phase, 'required', Math.min(v, Math.max(1, count))));
            }}
          />
          <span className="muted">of {count}</span>
        </div>
        {mode === 'n' && n > count && <p className="pf-problem-inline">Only {count} approver{count === 1 ? '' : 's'} named; {n} approvals can never be reached.</p>}
      </Group>

      <Group legend="When nobody decides in time" path="timeout" problems={problems}>
        <label className="pf-check">
          <input type="checkbox" checked={timeout !== undefined} onChange={(e) => setTimeout_(e.target.checked ? { after: '48h', action: 'deny' } : undefined)} /> Time out
        </label>
        {timeout && (
          <>
            <Field label="Time out after" path="timeout.after" problems={problems}>
              {(id, d) => <DurationInput id={id} label="Time out after" describedBy={d} value={timeout.after as string | undefined} onChange={(v) => setTimeout_(withKey(timeout, 'after', v))} />}
            </Field>
            <Field label="Then" path="timeout.action" problems={problems}>
              {(id, d) => (
                <select
                  id={id}
                  aria-describedby={d}
                  value={String(timeout.action ?? 'deny')}
                  onChange={(e) => {
                    if (e.target.value === 'deny') {
                      const t = withKey(withKey(timeout, 'escalateTo', undefined), 'then', undefined);
                      setTimeout_(withKey(t, 'action', 'deny'));
                    } else setTimeout_({ ...timeout, action: 'escalate', escalateTo: timeout.escalateTo ?? { members: [] } });
                  }}
                >
                  <option value="deny">Deny the gate</option>
                  <option value="escalate">Escalate to other people</option>
                </select>
              )}
            </Field>
            {timeout.action === 'escalate' && (
              <>
                <PeoplePicker
                  legend="Escalate to"
                  path="timeout.escalateTo"
                  problems={problems}
                  people={people}
                  value={asStrings(escalateTo.members)}
                  onChange={(ids) => setTimeout_(withKey(timeout, 'escalateTo', withKey(escalateTo, 'members', ids)))}
                />
                <label className="pf-check">
                  <input type="checkbox" checked={then !== undefined} onChange={(e) => setTimeout_(withKey(timeout, 'then', e.target.checked ? { after: '24h', action: 'deny' } : undefined))} /> Deny if the escalation is not decided either
                </label>
                {then && (
                  <Field label="Deny after (counted from the escalation)" path="timeout.then.after" problems={problems}>
                    {(id, d) => <DurationInput id={id} label="Deny after" describedBy={d} value={then.after as string | undefined} onChange={(v) => setTimeout_(withKey(timeout, 'then', withKey(then, 'after', v)))} />}
                  </Field>
                )}
              </>
            )}
          </>
        )}
      </Group>

      <Field label="When denied" path="onDeny" problems={problems}>
        {(id, d) => (
          <JumpSelect
            id={id}
            describedBy={d}
            phases={phases}
            index={index}
            value={denyGoto === undefined ? (onDeny === undefined ? undefined : 'end') : denyGoto}
            defaultLabel="End the run (denied)"
            onChange={(v) => onChange(withKey(phase, 'onDeny', v === undefined ? undefined : v === 'end' ? 'end' : { ...asObject(onDeny), goto: v }))}
          />
        )}
      </Field>

      <div className="pf-checks">
        <label className="pf-check">
          <input type="checkbox" checked={phase.allowSelfApproval === true} onChange={(e) => onChange(withKey(phase, 'allowSelfApproval', e.target.checked))} /> Allow whoever started the run to approve
        </label>
        <label className="pf-check">
          <input type="checkbox" checked={phase.resetOnEdit !== false} onChange={(e) => onChange(withKey(phase, 'resetOnEdit', e.target.checked))} /> Edits to the content reset the decisions made so far
        </label>
      </div>
      <Field label="Review links expire after" path="linkExpiresIn" problems={problems} hint="Default 72 hours.">
        {(id, d) => <DurationInput id={id} label="Review links expire after" describedBy={d} value={phase.linkExpiresIn as string | undefined} onChange={(v) => onChange(withKey(phase, 'linkExpiresIn', v))} />}
      </Field>
    </>
  );
}
