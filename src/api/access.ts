/**
 * Access rules, checked on every route. Another org's ids answer 404 (their existence is
 * not revealed). Org owners and admins may do anything in their org's spaces; other members
 * act in a space by their space role: editors write, viewers read.
 */
import type { Executor } from '../store/db.js';
import { ForbiddenError, NotFoundError } from '../core/errors.js';
import type { Auth, SpaceRole } from './context.js';
import type { SpacesTable } from '../store/schema.js';
import { rows } from '../store/statements.js';

export function isOrgAdmin(auth: Auth): boolean {
  return auth.orgRole === 'owner' || auth.orgRole === 'admin';
}

export function requireOrgAdmin(auth: Auth): void {
  if (!isOrgAdmin(auth)) throw new ForbiddenError('Only an owner or admin of this organization may do this.');
}

export interface SpaceAccess {
  space: { id: string; org_id: string; name: string; statuses: string; created_at: number };
  role: SpaceRole | 'admin';
}

export async function spaceAccess(db: Executor, auth: Auth, spaceId: string, need: 'read' | 'write'): Promise<SpaceAccess> {
  const [space] = await rows<SpacesTable>(db, 'SELECT * FROM spaces WHERE id = ? AND org_id = ?', [spaceId, auth.orgId]);
  if (!space) throw new NotFoundError('Space');
  if (isOrgAdmin(auth)) return { space, role: 'admin' };
  const [m] = await rows<{ role: SpaceRole }>(db, 'SELECT role FROM space_members WHERE space_id = ? AND user_id = ?', [spaceId, auth.userId]);
  if (!m) throw new ForbiddenError('You are not a member of this space.');
  if (need === 'write' && m.role !== 'editor') throw new ForbiddenError('Viewers of a space cannot change anything in it; ask for the editor role.');
  return { space, role: m.role };
}

/**
 * The ids of the spaces the caller may read, or change with `need = 'write'`: all of the
 * org's for owners and admins, else the spaces they are a member of (an editor, to write).
 */
export async function readableSpaceIds(db: Executor, auth: Auth, need: 'read' | 'write' = 'read'): Promise<string[]> {
  if (isOrgAdmin(auth)) {
    return (await db.selectFrom('spaces').select('id').where('org_id', '=', auth.orgId).execute()).map((r) => r.id);
  }
  let q = db
    .selectFrom('space_members as sm')
    .innerJoin('spaces as s', 's.id', 'sm.space_id')
    .select('s.id')
    .where('sm.user_id', '=', auth.userId)
    .where('s.org_id', '=', auth.orgId);
  if (need === 'write') q = q.where('sm.role', '=', 'editor');
  return (await q.execute()).map((r) => r.id);
}
