/** One space on the spaces page: its members and their roles, and (for org admins) managing them. */
import { useId, useState, type FormEvent } from 'react';
import { api, type Schemas } from '../../api';
import { ErrorBox } from '../../ui';
import { ConfirmAction, useAction } from '../run/parts';

export type SpaceRole = 'editor' | 'viewer';
export type OrgUser = Schemas['OrgUser'];
export type SpaceDetail = Schemas['SpaceDetail'];

const memberPath = (spaceId: string, userId: string) => `/api/spaces/${encodeURIComponent(spaceId)}/members/${encodeURIComponent(userId)}`;
const setRole = (spaceId: string, userId: string, role: SpaceRole) => api('PUT', memberPath(spaceId, userId), { role });

export function SpaceCard({ space, users, canManage, onChanged }: { space: SpaceDetail; users: OrgUser[]; canManage: boolean; onChanged: () => void }) {
  const id = useId();
  const outside = users.filter((u) => !space.members.some((m) => m.id === u.id));
  return (
    <article className="sp-space" data-space-id={space.id} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{space.name}</h3>
      {space.members.length === 0 ? (
        <p className="muted">No members yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Member</th>
              <th>Email</th>
              <th>Role in space</th>
              {canManage && <th>Remove</th>}
            </tr>
          </thead>
          <tbody>
            {space.members.map((m) => (
              <MemberRow key={m.id} space={space} member={m} canManage={canManage} onChanged={onChanged} />
            ))}
          </tbody>
        </table>
      )}
      {canManage && <AddMemberForm space={space} candidates={outside} onAdded={onChanged} />}
    </article>
  );
}

function MemberRow({ space, member: m, canManage, onChanged }: { space: SpaceDetail; member: SpaceDetail['members'][number]; canManage: boolean; onChanged: () => void }) {
  const action = useAction();
  const change = (role: SpaceRole) => action.run(() => setRole(space.id, m.id, role)).then((ok) => ok && onChanged());
  return (
    <tr data-member-id={m.id}>
      <td>{m.name}</td>
      <td>{m.email}</td>
      <td>
        {canManage ? (
          <>
            <select aria-label={`Role of ${m.name} in ${space.name}`} value={m.role} disabled={action.busy} onChange={(e) => void change(e.target.value as SpaceRole)}>
              <option value="editor">editor</option>
              <option value="viewer">viewer</option>
            </select>
            <ErrorBox error={action.error} />
          </>
        ) : (
          <span className={`badge sp-role-${m.role}`}>{m.role}</span>
        )}
      </td>
      {canManage && (
        <td>
          <ConfirmAction
            label={`Remove ${m.name}`}
            question={`Remove ${m.name} from ${space.name}? They lose access to its content, tasks, workflows and runs.`}
            confirmLabel="Yes, remove"
            onConfirm={() => api('DELETE', memberPath(space.id, m.id)).then(onChanged)}
          />
        </td>
      )}
    </tr>
  );
}

function AddMemberForm({ space, candidates, onAdded }: { space: SpaceDetail; candidates: { id: string; name: string; email: string }[]; onAdded: () => void }) {
  const [userId, setUserId] = useState('');
  const [role, setRoleValue] = useState<SpaceRole>('editor');
  const action = useAction();
  const id = useId();
  if (candidates.length === 0) return <p className="muted">Everyone in the organization is a member of this space.</p>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => setRole(space.id, userId, role))) {
      setUserId('');
      onAdded();
    }
  };
  return (
    <form className="sp-add" onSubmit={submit} aria-label={`Add a member to ${space.name}`}>
      <label htmlFor={`${id}-user`}>Person</label>
      <select id={`${id}-user`} value={userId} onChange={(e) => setUserId(e.target.value)} required>
        <option value="">Choose…</option>
        {candidates.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name} ({u.email})
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-role`}>Role</label>
      <select id={`${id}-role`} value={role} onChange={(e) => setRoleValue(e.target.value as SpaceRole)}>
        <option value="editor">editor</option>
        <option value="viewer">viewer</option>
      </select>
      <button type="submit" disabled={action.busy || !userId}>
        Add to space
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}
