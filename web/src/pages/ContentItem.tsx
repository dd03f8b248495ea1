/**
 * One content item or task: its fields (an edit form for space editors, saved with PATCH and
 * `If-Match: <version>` so a stale edit is refused with 409 rather than overwriting someone
 * else's), delete with confirmation, its comments, and the workflow runs on it.
 */
import type { ReactNode } from 'react';
import { api, get, qs, type Page, type Run } from '../api';
import { getSpace, itemPath, isTargetType, TARGET_LABEL, userNames, assigneesOf, type Target, type TargetType } from '../content';
import { Link, navigate } from '../router';
import { useSession, workflowNames } from '../session';
import { ErrorBox, RunTable, Time, useAsync, useInterval } from '../ui';
import { canEdit } from '../workflows';
import { Comments } from './run/Comments';
import { ConfirmAction } from './run/parts';
import { TargetEditForm } from './content/TargetEditForm';

export function ContentItem({ type, id }: { type: string; id: string }) {
  if (!isTargetType(type)) {
    return (
      <>
        <h1>Not found</h1>
        <p>
          There is no kind of item called “{type}”. <Link to="/content">Back to content</Link>.
        </p>
      </>
    );
  }
  return <TargetPage type={type} id={id} />;
}

function TargetPage({ type, id }: { type: TargetType; id: string }) {
  const session = useSession();
  const item = useAsync(() => get<Target>(itemPath(type, id)), [type, id]);
  const spaceId = item.data?.spaceId;
  const space = useAsync(() => (spaceId ? getSpace(spaceId) : Promise.resolve(null)), [spaceId]);
  const names = useAsync(userNames, []);
  const t = item.data;
  if (!t) {
    return (
      <div className="run-page content-page">
        <p className="crumbs">
          <Link to="/content">Content</Link>
        </p>
        <ErrorBox error={item.error} />
        {item.loading && <p className="muted">Loading…</p>}
      </div>
    );
  }
  const editable = canEdit(session, t.spaceId);
  const spaceName = session.me.spaces.find((s) => s.id === t.spaceId)?.name ?? space.data?.name ?? t.spaceId;
  const back = `/content${qs({ spaceId: t.spaceId, type: type === 'task' ? 'task' : undefined })}`;
  const remove = async () => {
    await api('DELETE', itemPath(type, id), undefined, { 'if-match': String(t.version) });
    navigate(back);
  };
  return (
    <div className="run-page content-page" data-target-id={t.id} data-version={t.version}>
      <p className="crumbs">
        <Link to={back}>Content · {spaceName}</Link>
      </p>
      <h1>
        {t.title} <span className="badge">{t.status}</span> <span className="muted">v{t.version}</span>
      </h1>
      <p className="muted">
        {TARGET_LABEL[type]} · created <Time at={t.createdAt} /> · updated <Time at={t.updatedAt} />
      </p>
      <ErrorBox error={item.error ?? space.error ?? names.error} />
      {editable ? (
        space.data && <TargetEditForm key={`${t.id}@${t.version}`} item={t} space={space.data} onSaved={item.reload} onReload={item.reload} />
      ) : (
        <TargetFields item={t} names={names.data} />
      )}
      {editable && (
        <p>
          <ConfirmAction label={`Delete ${type === 'content' ? 'content item' : 'task'}`} question={`Delete “${t.title}”? Runs on it keep their history, but the item is gone.`} confirmLabel="Yes, delete" onConfirm={remove} />
        </p>
      )}
      <Comments target={{ type, id }} refreshKey={t.version} canWrite={editable} />
      <TargetRuns id={id} />
    </div>
  );
}

/** The fields, read-only (space viewers). */
function TargetFields({ item, names }: { item: Target; names: Map<string, string> | null }) {
  const people = assigneesOf(item).map((u) => names?.get(u) ?? u).join(', ') || '—';
  const rows: [string, ReactNode][] =
    item.type === 'content'
      ? [
          ['Caption', item.caption || '—'],
          ['Status', item.status],
          ['Platforms', item.platforms.join(', ') || '—'],
          ['Scheduled', <Time at={item.scheduledAt} />],
          ['Assignees', people],
          ['Tags', item.tags.join(', ') || '—'],
        ]
      : [
          ['Description', item.description || '—'],
          ['Status', item.status],
          ['Assignee', people],
          ['Due', <Time at={item.dueAt} />],
        ];
  return (
    <dl className="target-fields" aria-label="Fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The latest runs whose target is this item, refreshed every 5 s, and a link to all of them. */
function TargetRuns({ id }: { id: string }) {
  const { me } = useSession();
  const runs = useAsync(() => get<Page<Run>>(`/api/runs${qs({ targetId: id, limit: 10 })}`), [id]);
  const names = useAsync(() => workflowNames(me), [me]);
  useInterval(runs.reload, 5000);
  return (
    <section aria-labelledby="target-runs-h">
      <h2 id="target-runs-h">Runs on this item</h2>
      <ErrorBox error={runs.error} />
      {runs.data && <RunTable runs={runs.data.items} names={names.data ?? undefined} empty="No workflow has run on this item yet." />}
      <p>
        <Link to={`/runs${qs({ targetId: id })}`}>All runs on this item</Link>
      </p>
    </section>
  );
}
