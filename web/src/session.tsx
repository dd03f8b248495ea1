/** The signed-in user, shared with every page, and the names of workflows for tables. */
import { createContext, useContext } from 'react';
import { allPages, type Me } from './api';

export interface Session {
  me: Me;
  /** The caller's role in the org of this session. */
  orgRole: 'owner' | 'admin' | 'member';
  refresh: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in app');
  return s;
}

/** id → name of every workflow in the caller's spaces (for run tables). */
export async function workflowNames(me: Me): Promise<Map<string, string>> {
  const lists = await Promise.all(me.spaces.map((s) => allPages<{ id: string; name: string }>(`/api/spaces/${s.id}/workflows`)));
  return new Map(lists.flat().map((w) => [w.id, w.name]));
}
