/**
 * The edit form of a content item or task. Only the fields that changed are sent, with
 * `If-Match: <version>`: when someone else saved in between, the server answers 409 and the
 * form shows its message with "Reload latest" (nothing is overwritten). Statuses are free
 * text suggested from the space's; assignees are picked from the space's members.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../api';
import { fromLocalInput, itemPath, splitList, toLocalInput, type SpaceDetail, type Target } from '../../content';
import { ErrorBox } from '../../ui';
import { useAction } from '../run/parts';

type Draft = Record<string, string | string[]>;

/** The item's fields as form values. */
function draftOf(t: Target): Draft {
  if (t.type === 'content') {
    return { title: t.title, caption: t.caption ?? '', status: t.status, platforms: t.platforms.join(', '), scheduledAt: toLocalInput(t.scheduledAt), assignees: t.assignees, tags: t.tags.join(', ') };
  }
  return { title: t.title, description: t.description ?? '', status: t.status, assignee: t.assignee ?? '', dueAt: toLocalInput(t.dueAt) };
}

/** Form values as API fields. */
function fieldsOf(type: Target['type'], d: Draft): Record<string, unknown> {
  const s = (k: string) => String(d[k] ?? '');
  if (type === 'content') {
    return { title: s('title').trim(), caption: s('caption') || null, status: s('status').trim(), platforms: splitList(s('platforms')), scheduledAt: fromLocalInput(s('scheduledAt')), assignees: d.assignees, tags: splitList(s('tags')) };
  }
  return { title: s('title').trim(), description: s('description') || null, status: s('status').trim(), assignee: s('assignee') || null, dueAt: fromLocalInput(s('dueAt')) };
}

export function TargetEditForm({ item, space, onSaved, onReload }: { item: Target; space: SpaceDetail; onSaved: () => void; onReload: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(item));
  const action = useAction();
  const uid = useId();
  const set = (k: string) => (v: string | string[]) => setDraft((d) => ({ ...d, [k]: v }));
  const before = fieldsOf(item.type, draftOf(item));
  const after = fieldsOf(item.type, draft);
  const changes = Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])));
  const dirty = Object.keys(changes).length > 0;
  const conflict = action.error instanceof ApiError && action.error.status === 409;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => api('PATCH', itemPath(item.type, item.id), changes, { 'if-match': String(item.version) }))) onSaved();
  };
  const statuses = [...new Set([...space.statuses, item.status])];
  const text = (k: string, label: string, props: { type?: string; list?: string; required?: boolean } = {}) => (
    <Field id={`${uid}-${k}`} label={label}>
      <input id={`${uid}-${k}`} value={String(draft[k] ?? '')} onChange={(e) => set(k)(e.target.value)} {...props} />
    </Field>
  );
  const area = (k: string, label: string) => (
    <Field id={`${uid}-${k}`} label={label}>
      <textarea id={`${uid}-${k}`} rows={3} value={String(draft[k] ?? '')} onChange={(e) => set(k)(e.target.value)} />
    </Field>
  );

  return (
    <form className="form target-form" onSubmit={submit} aria-label={`Edit ${item.type === 'content' ? 'content item' : 'task'}`}>
      {text('title', 'Title', { required: true })}
      {item.type === 'content' ? area('caption', 'Caption') : area('description', 'Description')}
      {text('status', 'Status', { list: `${uid}-statuses`, required: true })}
      <datalist id={`${uid}-statuses`}>
        {statuses.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {item.type === 'content' ? (
        <>
          {text('platforms', 'Platforms (comma-separated)')}
          {text('scheduledAt', 'Scheduled at', { type: 'datetime-local' })}
          <fieldset className="assignees">
            <legend>Assignees</legend>
            {space.members.length === 0 && <p className="muted">The space has no members.</p>}
            {space.members.map((m) => {
              const on = (draft.assignees as string[]).includes(m.id);
              return (
                <label key={m.id} className="check">
                  <input type="checkbox" checked={on} onChange={() => set('assignees')(on ? (draft.assignees as string[]).filter((x) => x !== m.id) : [...(draft.assignees as string[]), m.id])} /> {m.name}{' '}
                  <span className="muted">({m.email})</span>
                </label>
              );
            })}
          </fieldset>
          {text('tags', 'Tags (comma-separated)')}
        </>
      ) : (
        <>
          <Field id={`${uid}-assignee`} label="Assignee">
            <select id={`${uid}-assignee`} value={String(draft.assignee ?? '')} onChange={(e) => set('assignee')(e.target.value)}>
              <option value="">Nobody</option>
              {space.members.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({m.email})
                </option>
              ))}
            </select>
          </Field>
          {text('dueAt', 'Due at', { type: 'datetime-local' })}
        </>
      )}
      <div className="buttons">
        <button type="submit" disabled={action.busy || !dirty || conflict}>
          Save changes
        </button>
        <button type="button" disabled={action.busy || !dirty} onClick={() => (setDraft(draftOf(item)), action.clear())}>
          Discard changes
        </button>
      </div>
      {conflict ? (
        <div className="conflict" role="alert">
          <p>
            <strong>Not saved:</strong> {action.error!.message}
          </p>
          <p>Someone changed this item since you opened it (you edited version {item.version}). Reload the latest version, then make your changes again.</p>
          <button type="button" onClick={onReload}>
            Reload latest
          </button>
        </div>
      ) : (
        <ErrorBox error={action.error} />
      )}
    </form>
  );
}

function Field({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      {children}
    </>
  );
}
