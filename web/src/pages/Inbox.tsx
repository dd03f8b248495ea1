/**
 * The notifications inbox: `GET /api/me/notifications`, newest first, with mark-as-read; the
 * newest page is read again when a notification arrives (the live stream, web/src/live.ts).
 */
import { useState } from 'react';
import { get, post, type Page } from '../api';
import { Link } from '../router';
import { ErrorBox, Time, useAsync } from '../ui';
import { LiveBadge, useLive } from '../live';

interface Notification {
  id: string;
  kind: string;
  runId: string | null;
  message: string;
  createdAt: string;
  readAt: string | null;
}

export function Inbox() {
  const [cursor, setCursor] = useState<string | null>(null);
  const list = useAsync(() => get<Page<Notification>>(`/api/me/notifications?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), [cursor]);
  const [error, setError] = useState<Error | null>(null);
  const live = useLive({ topics: ['inbox'], reload: () => !cursor && list.reload(), pollMs: 10_000 });

  const markRead = async (ids: string[]) => {
    setError(null);
    try {
      for (const id of ids) await post(`/api/me/notifications/${id}/read`);
    } catch (e) {
      setError(e as Error);
    }
    list.reload();
  };
  const unread = (list.data?.items ?? []).filter((n) => !n.readAt);

  return (
    <>
      <h1>
        Inbox <LiveBadge live={live} />
      </h1>
      <ErrorBox error={list.error ?? error} />
      {unread.length > 0 && (
        <p>
          <button type="button" onClick={() => markRead(unread.map((n) => n.id))}>
            Mark all {unread.length} as read
          </button>
        </p>
      )}
      {list.data && list.data.items.length === 0 && <p className="muted">No notifications.</p>}
      <ul className="inbox">
        {list.data?.items.map((n) => (
          <li key={n.id} className={n.readAt ? 'read' : 'unread'} data-notification-id={n.id}>
            <div>
              <span className="kind">{n.kind}</span> {n.message}
            </div>
            <div className="meta">
              <Time at={n.createdAt} />
              {n.runId && (
                <>
                  {' · '}
                  <Link to={`/runs/${n.runId}`}>open run</Link>
                </>
              )}
              {!n.readAt && (
                <>
                  {' · '}
                  <button type="button" className="link" onClick={() => markRead([n.id])}>
                    mark as read
                  </button>
                </>
              )}
            </div>
          </li>
        ))}
      </ul>
      <p className="pager">
        {cursor && (
          <button type="button" onClick={() => setCursor(null)}>
            Newest
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" onClick={() => setCursor(list.data!.nextCursor)}>
            Older
          </button>
        )}
      </p>
    </>
  );
}
