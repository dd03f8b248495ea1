/** The signed-in user, shared with every page, and the names of workflows for tables. */
import { createContext, useContext } from 'react';
import { get, type Me } from './api';

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
  const names = new Map<string, string>();
  await Promise.all(
    me.spaces.map(async (s) => {
      let cursor: string | null = null;
      do {
        const page: { items: { id: string; name: string }[]; nextCursor: string | null } = await get(`/api/spaces/${s.id}/workflows?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        for (const w of page.items) names.set(w.id, w.name);
        cursor = page.nextCursor;
      } while (cursor);
    }),
  );
  return names;
}
