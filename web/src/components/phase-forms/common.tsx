/**
 * Building blocks of the phase forms: a labelled field that shows the server's problems for
 * its own path, people and email pickers, duration and jump pickers, and the template helper.
 * Every form edits a phase by setting or removing keys on a copy, so keys it does not show
 * (advanced or unknown ones) are kept as they are.
 */
import { useId, useRef, useState, type ReactNode } from 'react';
import type { Phase } from '../../workflows';

/** A member of the space, as `GET /api/spaces/{id}` lists them. */
export interface Person {
  id: string;
  name: string;
  email: string;
  role: string;
}

/** A problem from the server, its path relative to the phase ("approvers.emails.0"). */
export interface FieldProblem {
  path: string;
  message: string;
}

export interface PhaseFormProps {
  phase: Phase;
  index: number;
  phases: Phase[];
  people: Person[];
  statuses: string[];
  triggerType: string;
  problems: FieldProblem[];
  onChange: (next: Phase) => void;
}

/** A copy of `obj` with `key` set, or removed when `value` is undefined. */
export function withKey<T extends object>(obj: T, key: string, value: unknown): T {
  const next = { ...obj } as Record<string, unknown>;
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next as T;
}

export const asObject = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
export const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The problems at `path` or below it. */
export function problemsAt(problems: FieldProblem[], path: string): FieldProblem[] {
  return problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
}

export function ProblemText({ problems, id }: { problems: FieldProblem[]; id?: string }) {
  if (problems.length === 0) return null;
  return (
    <ul className="pf-problem" id={id} role="alert">
      {problems.map((p, i) => (
        <li key={i} data-path={p.path}>
          {p.message}
        </li>
      ))}
    </ul>
  );
}

/** A labelled control and the server's problems for `path`. `children` gets the input's id. */
export function Field({ label, path, problems, hint, children }: { label: string; path: string; problems: FieldProblem[]; hint?: ReactNode; children: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId();
  const mine = problemsAt(problems, path);
  const described = [hint ? `${id}-hint` : '', mine.length ? `${id}-problem` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`pf-field${mine.length ? ' pf-invalid' : ''}`} data-field={path}>
      <label htmlFor={id}>{label}</label>
      {children(id, described)}
      {hint && (
        <p className="pf-hint muted" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <ProblemText problems={mine} id={`${id}-problem`} />
    </div>
  );
}

/** A group of controls (checkboxes, radios) with a legend and the problems for `path`. */
export function Group({ legend, path, problems, children, hint }: { legend: string; path: string; problems: FieldProblem[]; children: ReactNode; hint?: ReactNode }) {
  const mine = problemsAt(problems, path);
  return (
    <fieldset className={`pf-group${mine.length ? ' pf-invalid' : ''}`} data-field={path}>
      <legend>{legend}</legend>
      {children}
      {hint && <p className="pf-hint muted">{hint}</p>}
      <ProblemText problems={mine} />
    </fieldset>
  );
}

/** Space members picked by name, each shown with their role; ids not in the space stay listed. */
export function PeoplePicker({ legend, path, problems, people, value, onChange }: { legend: string; path: string; problems: FieldProblem[]; people: Person[]; value: string[]; onChange: (ids: string[]) => void }) {
  const known = new Set(people.map((p) => p.id));
  const strangers = value.filter((v) => !known.has(v));
  const toggle = (id: string, on: boolean) => onChange(on ? [...value, id] : value.filter((v) => v !== id));
  return (
    <Group legend={legend} path={path} problems={problems}>
      {people.length === 0 && <p className="muted">Loading the space's people…</p>}
      <div className="pf-people">
        {people.map((p) => (
          <label key={p.id} className="pf-check pf-person">
            <input type="checkbox" checked={value.includes(p.id)} onChange={(e) => toggle(p.id, e.target.checked)} />
            <span>
              {p.name} <span className="pf-role">{p.role}</span>
              <span className="muted pf-email">{p.email}</span>
            </span>
          </label>
        ))}
        {strangers.map((id) => (
          <label key={id} className="pf-check pf-person">
            <input type="checkbox" checked onChange={() => toggle(id, false)} />
            <span>
              <code>{id}</code> <span className="muted">not a member of this space</span>
            </span>
          </label>
        ))}
      </div>
    </Group>
  );
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const isEmail = (s: string) => EMAIL_RE.test(s);

/** Email addresses added one at a time, each checked as it is typed. */
export function EmailList({ label, path, problems, value, onChange }: { label: string; path: string; problems: FieldProblem[]; value: string[]; onChange: (emails: string[]) => void }) {
  const [draft, setDraft] = useState('');
  const id = useId();
  const trimmed = draft.trim();
  const invalid = trimmed !== '' && !isEmail(trimmed);
  const dup = value.includes(trimmed);
  const add = () => {
    if (!trimmed || invalid || dup) return;
    onChange([...value, trimmed]);
    setDraft('');
  };
  const mine = problemsAt(problems, path);
  return (
    <div className={`pf-field${mine.length ? ' pf-invalid' : ''}`} data-field={path}>
      <label htmlFor={id}>{label}</label>
      {value.length > 0 && (
        <ul className="pf-chips" aria-label={`${label}: added`}>
          {value.map((e, i) => (
            <li key={e + i} className="pf-chip">
              {e}
              <button type="button" className="link" aria-label={`Remove ${e}`} onClick={() => onChange(value.filter((_, k) => k !== i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="pf-inline">
        <input
          id={id}
          type="email"
          value={draft}
          placeholder="name@example.com"
          aria-invalid={invalid || undefined}
          aria-describedby={`${id}-state`}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" onClick={add} disabled={!trimmed || invalid || dup}>
          Add
        </button>
      </div>
      <p id={`${id}-state`} className={invalid ? 'pf-problem-inline' : 'pf-hint muted'} aria-live="polite">
        {invalid ? `"${trimmed}" is not an email address yet.` : dup ? 'Already added.' : 'Press Enter or Add after each address.'}
      </p>
      <ProblemText problems={mine} />
    </div>
  );
}

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNITS: Array<[string, string]> = [
  ['m', 'minutes'],
  ['h', 'hours'],
  ['d', 'days'],
  ['w', 'weeks'],
  ['s', 'seconds'],
  ['ms', 'milliseconds'],
];

/** "48h" as an amount and a unit; a value in another spelling is kept and shown as text. */
export function DurationInput({ id, value, onChange, describedBy, label }: { id: string; value: string | undefined; onChange: (v: string | undefined) => void; describedBy?: string; label: string }) {
  const m = value === undefined ? null : DURATION_RE.exec(value);
  const [unit, setUnit] = useState(m?.[2] ?? 'h');
  if (value !== undefined && !m) {
    return <input id={id} value={value} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value || undefined)} />;
  }
  const amount = m?.[1] ?? '';
  const u = m?.[2] ?? unit;
  return (
    <div className="pf-inline pf-duration">
      <input id={id} type="number" min="0" step="any" inputMode="decimal" value={amount} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value === '' ? undefined : `${e.target.value}${u}`)} />
      <select
        aria-label={`${label}: unit`}
        value={u}
        onChange={(e) => {
          setUnit(e.target.value);
          if (amount !== '') onChange(`${amount}${e.target.value}`);
        }}
      >
        {UNITS.map(([k, words]) => (
          <option key={k} value={k}>
            {words}
          </option>
        ))}
      </select>
    </div>
  );
}

/** "Next phase" and friends: only the phases after `index`, and End. */
export function JumpSelect({ id, phases, index, value, onChange, defaultLabel, describedBy }: { id: string; phases: Phase[]; index: number; value: string | undefined; onChange: (v: string | undefined) => void; defaultLabel?: string; describedBy?: string }) {
  const later = phases.slice(index + 1);
  const known = value === undefined || value === 'end' || later.some((p) => p.id === value);
  return (
    <select id={id} value={value ?? ''} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
      {defaultLabel !== undefined ? <option value="">{defaultLabel}</option> : value === undefined && <option value="">Choose…</option>}
      {later.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name ? `${p.name} (${p.id})` : p.id}
        </option>
      ))}
      <option value="end">End the run</option>
      {!known && <option value={value}>{value} (not a later phase)</option>}
    </select>
  );
}

/** The `{{target.*}}` fields a message may use, for the template helper. */
export function targetFields(triggerType: string): string[] {
  const content = ['title', 'caption', 'status', 'platforms', 'scheduledAt', 'assignees', 'tags'];
  const task = ['title', 'description', 'status', 'assignee', 'dueAt'];
  const fields = triggerType.startsWith('task.') ? task : triggerType.startsWith('content.') || triggerType === 'share_email.sent' ? content : [...new Set([...content, ...task])];
  return ['id', ...fields];
}

/** A textarea for a template, with buttons that insert `{{target.<field>}}` at the cursor. */
export function TemplateText({ label, path, problems, value, onChange, triggerType, rows = 3, required }: { label: string; path: string; problems: FieldProblem[]; value: string; onChange: (v: string) => void; triggerType: string; rows?: number; required?: boolean }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const insert = (field: string) => {
    const token = `{{target.${field}}}`;
    const el = ref.current;
    const at = el ? el.selectionStart : value.length;
    const end = el ? el.selectionEnd : value.length;
    onChange(value.slice(0, at) + token + value.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + token.length, at + token.length);
    });
  };
  return (
    <Field label={label} path={path} problems={problems}>
      {(id, describedBy) => (
        <>
          <textarea id={id} ref={ref} rows={rows} value={value} required={required} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)} />
          <div className="pf-tokens" role="group" aria-label={`${label}: insert a field`}>
            <span className="muted">Insert:</span>
            {targetFields(triggerType).map((f) => (
              <button key={f} type="button" onClick={() => insert(f)} title={`Insert {{target.${f}}}`}>
                {`{{target.${f}}}`}
              </button>
            ))}
          </div>
        </>
      )}
    </Field>
  );
}
