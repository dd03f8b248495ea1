/**
 * Keyset paging over the API's `{items, nextCursor}` lists. The server only hands out the
 * cursor of the next (older) page, so "Newer" walks back through the cursors already seen.
 * Give the component that uses it a `key` built from its filters: new filters start over.
 */
import { useState } from 'react';

export interface CursorPages {
  /** The cursor of the page shown; null for the newest page. */
  cursor: string | null;
  atNewest: boolean;
  older: (nextCursor: string) => void;
  newer: () => void;
}

export function useCursorPages(): CursorPages {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  return {
    cursor: stack[stack.length - 1] ?? null,
    atNewest: stack.length === 1,
    older: (next) => setStack((s) => [...s, next]),
    newer: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
  };
}

export function Pager({ pages, nextCursor }: { pages: CursorPages; nextCursor: string | null | undefined }) {
  if (pages.atNewest && !nextCursor) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={pages.newer} disabled={pages.atNewest}>
        Newer
      </button>
      <button type="button" onClick={() => nextCursor && pages.older(nextCursor)} disabled={!nextCursor}>
        Older
      </button>
    </nav>
  );
}
