/**
 * Every workflow in the caller's spaces (`GET /api/spaces/{spaceId}/workflows` for each space
 * of `GET /api/me`), grouped by space and filterable by it, with "New workflow" where the
 * caller may edit.
 */
import { allPages, type Me } from '../api';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { ErrorBox, SpaceSelect, Time, useAsync } from '../ui';
import { canEdit, triggerInWords, type Workflow } from '../workflows';

type Space = Me['spaces'][number];

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <span className={`badge badge-${enabled ? 'enabled' : 'disabled'}`}>{enabled ? 'enabled' : 'disabled'}</span>;
}

function SpaceWorkflows({ space, workflows, editable }: { space: Space; workflows: Workflow[]; editable: boolean }) {
  const headingId = `space-${space.id}-h`;
  return (
    <section aria-labelledby={headingId} data-space-id={space.id}>
      <div className="wf-head">
        <h2 id={headingId}>
          {space.name} <span className="muted">({workflows.length})</span>
        </h2>
        {editable && (
          <div className="wf-actions">
            <button type="button" className="primary" onClick={() => navigate(`/workflows/new?spaceId=${encodeURIComponent(space.id)}`)}>
              New workflow in {space.name}
            </button>
          </div>
        )}
      </div>
      {workflows.length === 0 ? (
        <p className="muted">No workflows in this space yet.</p>
      ) : (
        <table className="wf-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Version</th>
              <th>Trigger</th>
              <th>Phases</th>
              <th>Saved</th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((w) => (
              <tr key={w.id} data-workflow-id={w.id}>
                <td>
                  <Link to={`/workflows/${w.id}`}>{w.name}</Link>
                </td>
                <td>
                  <EnabledBadge enabled={w.enabled} />
                </td>
                <td>v{w.version}</td>
                <td>
                  {triggerInWords(w.trigger)} <code className="muted">{w.trigger.type}</code>
                </td>
                <td>{w.phases.length}</td>
                <td>
                  <Time at={w.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Workflows() {
  const session = useSession();
  const { me } = session;
  const loc = useLocation();
  const only = loc.query.get('space') ?? '';
  const data = useAsync(() => Promise.all(me.spaces.map(async (space) => ({ space, workflows: await allPages<Workflow>(`/api/spaces/${space.id}/workflows`) }))), [me]);
  const groups = (data.data ?? []).filter((g) => !only || g.space.id === only);
  return (
    <>
      <h1>Workflows</h1>
      <p>
        <Link to="/workflows/templates">Start from a template</Link> <span className="muted">— client sign-off, two editors then legal, reminders, AI captions and more.</span>
      </p>
      <div className="filters">
        <SpaceSelect value={only} onChange={(v) => navigate(`/workflows${v ? `?space=${encodeURIComponent(v)}` : ''}`, { replace: true })} allLabel="All spaces" />
      </div>
      <ErrorBox error={data.error} />
      {data.loading && !data.data && <p className="muted">Loading…</p>}
      {data.data && me.spaces.length === 0 && <p className="muted">You are not a member of any space yet.</p>}
      {groups.map((g) => (
        <SpaceWorkflows key={g.space.id} space={g.space} workflows={g.workflows} editable={canEdit(session, g.space.id)} />
      ))}
    </>
  );
}
