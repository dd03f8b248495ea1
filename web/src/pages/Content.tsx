/**
 * The content of a space: its content items or its tasks (`GET /api/spaces/{id}/content` and
 * `/tasks`, newest first, paged), and a form to create one for space editors. The space and
 * the kind shown live in the address bar (`?spaceId=&type=`).
 */
import { useState, type FormEvent } from 'react';
import { api, get, qs, type Page } from '../api';
import { listPath, TARGET_LABEL, getSpace, userNames, assigneesOf, type Target, type TargetType } from '../content';
import { useCursorPages, Pager } from '../pager';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { ErrorBox, SpaceSelect, Time, useAsync } from '../ui';
import { canEdit } from '../workflows';

export function Content() {
  const session = useSession();
  const { me } = session;
  const loc = useLocation();
  const spaceId = loc.query.get('spaceId') || me.spaces[0]?.id || '';
  const type: TargetType = loc.query.get('type') === 'task' ? 'task' : 'content';
  const go = (next: { spaceId?: string; type?: TargetType }) => navigate(`/content${qs({ spaceId: next.spaceId ?? spaceId, type: (next.type ?? type) === 'task' ? 'task' : undefined })}`, { replace: true });

  return (
    <>
      <h1>Content</h1>
      {me.spaces.length === 0 ? (
        <p className="muted">You are not a member of any space yet.</p>
      ) : (
        <>
          <div className="filters">
            <SpaceSelect value={spaceId} onChange={(v) => go({ spaceId: v })} />
          </div>
          <div className="content-tabs" role="group" aria-label="Kind">
            {(['content', 'task'] as const).map((t) => (
              <button key={t} type="button" aria-pressed={t === type} onClick={() => go({ type: t })}>
                {t === 'content' ? 'Content items' : 'Tasks'}
              </button>
            ))}
          </div>
          <TargetList key={`${spaceId}/${type}`} spaceId={spaceId} type={type} editable={canEdit(session, spaceId)} />
        </>
      )}
    </>
  );
}

function TargetList({ spaceId, type, editable }: { spaceId: string; type: TargetType; editable: boolean }) {
  const pages = useCursorPages();
  const list = useAsync(() => get<Page<Target>>(`${listPath(type, spaceId)}${qs({ limit: 25, cursor: pages.cursor })}`), [spaceId, type, pages.cursor]);
  const names = useAsync(userNames, []);
  const label = TARGET_LABEL[type];
  return (
    <section aria-label={type === 'content' ? 'Content items' : 'Tasks'}>
      {editable && <NewTargetForm spaceId={spaceId} type={type} />}
      <ErrorBox error={list.error ?? names.error} />
      {list.loading && !list.data && <p className="muted">Loading…</p>}
      {list.data && list.data.items.length === 0 && <p className="muted">No {type === 'content' ? 'content items' : 'tasks'} in this space yet.</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="content-list">
          <thead>
            <tr>
              <th>{label}</th>
              <th>Status</th>
              <th>{type === 'content' ? 'Assignees' : 'Assignee'}</th>
              <th>Version</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((t) => (
              <tr key={t.id} data-target-id={t.id}>
                <td>
                  <Link to={`/content/${type}/${t.id}`}>{t.title}</Link>
                </td>
                <td>
                  <span className="badge">{t.status}</span>
                </td>
                <td>{assigneesOf(t).map((id) => names.data?.get(id) ?? id).join(', ') || <span className="muted">—</span>}</td>
                <td>v{t.version}</td>
                <td>
                  <Time at={t.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager pages={pages} nextCursor={list.data?.nextCursor} />
    </section>
  );
}

/** Title (and optionally a status of the space): the rest is filled in on the item's page. */
function NewTargetForm({ spaceId, type }: { spaceId: string; type: TargetType }) {
  const space = useAsync(() => getSpace(spaceId), [spaceId]);
  const [title, setTitle] = useState('');
  const [status, setStatus] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const noun = type === 'content' ? 'content item' : 'task';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const created = await api<Target>('POST', listPath(type, spaceId), { title, ...(status ? { status } : {}) });
      navigate(`/content/${type}/${created.id}`);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <form className="content-new" onSubmit={submit} aria-label={`New ${noun}`}>
      <h2>New {noun}</h2>
      <div className="filters">
        <label>
          Title
          <input required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Default{space.data?.statuses[0] ? ` (${space.data.statuses[0]})` : ''}</option>
            {space.data?.statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || !title.trim()}>
          Create {noun}
        </button>
      </div>
      <ErrorBox error={error ?? space.error} />
    </form>
  );
}
