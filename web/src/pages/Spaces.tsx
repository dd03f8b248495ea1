/**
 * Spaces and people (docs/API.md "Spaces"): the spaces the caller can read with their
 * members and roles. Org owners and admins also create spaces, add people to the org, put
 * people in spaces (editor or viewer), change or remove them, and set the org's flow control
 * limit. Everyone else sees the same lists read-only.
 */
import { get, type Page } from '../api';
import { useSession } from '../session';
import { ErrorBox, useAsync } from '../ui';
import { AddPersonForm, FlowControlForm, NewSpaceForm } from './spaces/OrgForms';
import { SpaceCard, type OrgUser, type SpaceDetail } from './spaces/SpaceCard';

async function loadSpaces(): Promise<SpaceDetail[]> {
  const list = await get<Page<{ id: string }>>('/api/spaces');
  return Promise.all(list.items.map((s) => get<SpaceDetail>(`/api/spaces/${encodeURIComponent(s.id)}`)));
}

export function Spaces() {
  const session = useSession();
  const isAdmin = session.orgRole === 'owner' || session.orgRole === 'admin';
  const spaces = useAsync(loadSpaces, []);
  const users = useAsync(() => get<Page<OrgUser>>('/api/users').then((p) => p.items), []);
  const reloadAll = () => (spaces.reload(), users.reload());

  return (
    <>
      <h1>Spaces and people</h1>
      {!isAdmin && <p className="muted">Only organization owners and admins can change spaces and people; you see them read-only.</p>}
      {isAdmin && (
        <section className="sp-admin" aria-label="Organization settings">
          <NewSpaceForm
            onCreated={() => {
              spaces.reload();
              // Other pages (workflows, runs) list the caller's spaces from the session.
              session.refresh();
            }}
          />
          <AddPersonForm canMakeOwner={session.orgRole === 'owner'} onAdded={users.reload} />
          <FlowControlForm />
        </section>
      )}

      <h2>Spaces</h2>
      <ErrorBox error={spaces.error} />
      {spaces.loading && !spaces.data && <p className="muted">Loading…</p>}
      {spaces.data && spaces.data.length === 0 && <p className="muted">{isAdmin ? 'No spaces yet. Create the first one above.' : 'You are not a member of any space yet.'}</p>}
      {spaces.data?.map((s) => <SpaceCard key={s.id} space={s} users={users.data ?? []} canManage={isAdmin} onChanged={reloadAll} />)}

      <h2>People in this organization</h2>
      <ErrorBox error={users.error} />
      {users.data && (
        <table className="sp-people">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Organization role</th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id} data-user-id={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{u.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
