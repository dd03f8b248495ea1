/**
 * The phases as forms: a list to pick, add, remove and reorder phases (drag, or the move
 * buttons from the keyboard), and the picked phase's form — id, name and where it goes next,
 * then the fields of its type. Each form shows the server's problems for its own fields.
 */
import { useRef, useState, type ReactNode } from 'react';
import type { Phase } from '../../workflows';
import { ApprovalForm } from './ApprovalForm';
import { AiForm, CommentForm, ConditionForm, HttpForm, MutateForm, NotifyForm, ShareEmailForm, WaitForm } from './OtherForms';
import { Field, JumpSelect, ProblemText, withKey, type FieldProblem, type Person, type PhaseFormProps } from './common';
import { phaseSummary } from '../../workflows';

export type { Person, FieldProblem } from './common';

export const TYPE_WORDS: Record<string, string> = {
  approval: 'Approval',
  wait: 'Wait',
  mutate: 'Set fields',
  notify: 'Notify',
  comment: 'Comment',
  share_email: 'Share by email',
  condition: 'Condition',
  http: 'Call a service',
  ai: 'Ask AI',
};

const FORMS: Record<string, (p: PhaseFormProps) => ReactNode> = {
  approval: ApprovalForm,
  wait: WaitForm,
  mutate: MutateForm,
  notify: NotifyForm,
  comment: CommentForm,
  share_email: ShareEmailForm,
  condition: ConditionForm,
  http: HttpForm,
  ai: AiForm,
};

/** The problems of phase `index` with paths relative to it ("phases.2.next" → "next"). */
export function phaseProblems(problems: FieldProblem[], index: number): FieldProblem[] {
  const prefix = `phases.${index}`;
  return problems.filter((p) => p.path === prefix || p.path.startsWith(`${prefix}.`)).map((p) => ({ ...p, path: p.path.slice(prefix.length + 1) }));
}

/** Renames a phase id and every jump that points to it. */
export function renamePhase(phases: Phase[], from: string, to: string): Phase[] {
  const swap = (v: unknown) => (v === from ? to : v);
  return phases.map((p) => {
    let q: Phase = p.id === from ? { ...p, id: to } : p;
    if (q.next === from) q = { ...q, next: to };
    if (q.type === 'condition') q = { ...q, then: swap(q.then), else: swap(q.else) };
    const deny = q.onDeny as { goto?: unknown } | undefined;
    if (deny && typeof deny === 'object' && deny.goto === from) q = { ...q, onDeny: { ...deny, goto: to } };
    return q;
  });
}

export function PhaseForm(props: PhaseFormProps) {
  const { phase, index, phases, problems, onChange } = props;
  const Form = FORMS[phase.type];
  const own = problems.filter((p) => p.path === '' && phase.type !== 'wait');
  return (
    <section className="pf-form" aria-label={`Phase ${index + 1}: ${phase.name || phase.id}`} data-phase-form={phase.id} data-phase-type={phase.type}>
      <h3>
        <span className={`fg-node-type fg-type-${phase.type}`}>{TYPE_WORDS[phase.type] ?? phase.type}</span> {phase.name || phase.id}
      </h3>
      <ProblemText problems={own} />
      <div className="pf-row">
        <Field label="Label" path="name" problems={problems} hint="What people see for this phase; optional.">
          {(id, d) => <input id={id} aria-describedby={d} value={phase.name ?? ''} maxLength={200} onChange={(e) => onChange(withKey(phase, 'name', e.target.value || undefined))} />}
        </Field>
        <Field label="Phase id" path="id" problems={problems} hint="Lowercase letters, digits, _ and -; jumps use it.">
          {(id, d) => <IdInput id={id} describedBy={d} value={phase.id} onCommit={(v) => onChange({ ...phase, id: v })} />}
        </Field>
      </div>
      {Form ? <Form {...props} /> : <p className="muted">This phase type has no form; edit it in the JSON view.</p>}
      {phase.type !== 'condition' && (
        <Field label="Afterwards" path="next" problems={problems}>
          {(id, d) => <JumpSelect id={id} describedBy={d} phases={phases} index={index} value={phase.next} defaultLabel={index + 1 < phases.length ? 'Go on to the following phase' : 'End the run'} onChange={(v) => onChange(withKey(phase, 'next', v))} />}
        </Field>
      )}
    </section>
  );
}

/** The id is committed on blur or Enter, so jumps to it are renamed once, not per keystroke. */
function IdInput({ id, value, onCommit, describedBy }: { id: string; value: string; onCommit: (v: string) => void; describedBy?: string }) {
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    if (draft !== null && draft !== value && draft !== '') onCommit(draft);
    setDraft(null);
  };
  return (
    <input
      id={id}
      aria-describedby={describedBy}
      value={draft ?? value}
      spellCheck={false}
      onChange={(e) => setDraft(e.target.value.toLowerCase().replace(/[^a-z0-9_-]/g, '_'))}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit();
        }
      }}
    />
  );
}

export interface PhaseListProps {
  phases: Phase[];
  selected: string | null;
  problems: FieldProblem[];
  onSelect: (id: string) => void;
  onMove: (from: number, to: number) => void;
  onRemove: (index: number) => void;
}

/** The phases in order: pick one, drag it, or move it with the buttons (keyboard). */
export function PhaseList({ phases, selected, problems, onSelect, onMove, onRemove }: PhaseListProps) {
  const dragFrom = useRef<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  const [said, setSaid] = useState('');
  const move = (from: number, to: number, focusAfter?: 'up' | 'down') => {
    if (to < 0 || to >= phases.length || from === to) return;
    onMove(from, to);
    const p = phases[from]!;
    setSaid(`${p.name || p.id} moved to position ${to + 1} of ${phases.length}.`);
    // Keep the keyboard on the moved phase, so it can be moved again.
    if (focusAfter) {
      requestAnimationFrame(() => {
        const want = to === 0 ? 'down' : to === phases.length - 1 ? 'up' : focusAfter;
        document.querySelector<HTMLButtonElement>(`button[aria-label="${CSS.escape(`Move ${p.id} ${want}`)}"]`)?.focus();
      });
    }
  };
  // Keyed by id, so a moved phase keeps its element; a repeated id (only possible in JSON) by position.
  const seen = new Set<string>();
  const ids = new Set(phases.filter((p) => (seen.has(p.id) ? true : (seen.add(p.id), false))).map((p) => p.id));
  if (phases.length === 0) return <p className="muted pf-empty">No phases yet: add one with the buttons above.</p>;
  return (
    <>
      <ol className="pf-list" aria-label="Phases">
        {phases.map((p, i) => {
          const count = phaseProblems(problems, i).length;
          return (
            <li
              key={ids.has(p.id) ? `${p.id}-${i}` : p.id}
              className={`pf-item${selected === p.id ? ' selected' : ''}${over === i ? ' drop' : ''}${count ? ' pf-invalid' : ''}`}
              data-phase-id={p.id}
              draggable
              onDragStart={(e) => {
                dragFrom.current = i;
                e.dataTransfer.effectAllowed = 'move';
                e.dataTransfer.setData('text/plain', p.id);
              }}
              onDragOver={(e) => {
                e.preventDefault();
                setOver(i);
              }}
              onDragLeave={() => setOver((o) => (o === i ? null : o))}
              onDrop={(e) => {
                e.preventDefault();
                setOver(null);
                if (dragFrom.current !== null) move(dragFrom.current, i);
                dragFrom.current = null;
              }}
              onDragEnd={() => setOver(null)}
            >
              <span className="pf-grip" aria-hidden="true" title="Drag to reorder">
                ⋮⋮
              </span>
              <button type="button" className="pf-pick" aria-pressed={selected === p.id} onClick={() => onSelect(p.id)}>
                <span className="pf-num">{i + 1}.</span> <span className={`fg-node-type fg-type-${p.type}`}>{TYPE_WORDS[p.type] ?? p.type}</span> <strong>{p.name || p.id}</strong>
                <span className="pf-sum muted">{phaseSummary(p)}</span>
                {count > 0 && <span className="pf-count">{count} problem{count === 1 ? '' : 's'}</span>}
              </button>
              <span className="pf-item-actions">
                <button type="button" aria-label={`Move ${p.id} up`} title="Move up" disabled={i === 0} onClick={() => move(i, i - 1, 'up')}>
                  ↑
                </button>
                <button type="button" aria-label={`Move ${p.id} down`} title="Move down" disabled={i === phases.length - 1} onClick={() => move(i, i + 1, 'down')}>
                  ↓
                </button>
                <button type="button" className="danger" aria-label={`Remove ${p.id}`} title="Remove" onClick={() => onRemove(i)}>
                  ×
                </button>
              </span>
            </li>
          );
        })}
      </ol>
      <p className="pf-sr" aria-live="polite">
        {said}
      </p>
    </>
  );
}

export { Field };
export type { PhaseFormProps };
