/**
 * The signed-in shell: loads the caller (`GET /api/me`), shows the sign-in page when there is
 * no session, and otherwise the navigation and the page the path names.
 */
import { useEffect, useMemo, useState, type JSX } from 'react';
import { api, ApiError, get, onSignedOut, type Me } from './api';
import { Link, match, navigate, useLocation } from './router';
import { SessionContext, type Session } from './session';
import { ErrorBox, useInterval } from './ui';
import { Login } from './pages/Login';
import { CommandCenter } from './pages/CommandCenter';
import { Inbox } from './pages/Inbox';
import { RunPage } from './pages/RunPage';
import { RunsDashboard } from './pages/RunsDashboard';
import { Workflows } from './pages/Workflows';
import { Content } from './pages/Content';
import { ContentItem } from './pages/ContentItem';
import { WorkflowDetail } from './pages/WorkflowDetail';
import { Templates } from './pages/Templates';
import { WorkflowBuilder } from './pages/WorkflowBuilder';
import { Audit } from './pages/Audit';
import { Outbox } from './pages/Outbox';
import { Spaces } from './pages/Spaces';

interface Route {
  pattern: string;
  render: (params: Record<string, string>) => JSX.Element;
}

const ROUTES: Route[] = [
  { pattern: '/', render: () => <CommandCenter /> },
  { pattern: '/inbox', render: () => <Inbox /> },
  { pattern: '/runs/:id', render: (p) => <RunPage key={p.id} id={p.id} /> },
  { pattern: '/runs', render: () => <RunsDashboard /> },
  { pattern: '/workflows', render: () => <Workflows /> },
  { pattern: '/content', render: () => <Content /> },
  { pattern: '/content/:type/:id', render: (p) => <ContentItem key={`${p.type}/${p.id}`} type={p.type} id={p.id} /> },
  { pattern: '/workflows/new', render: () => <WorkflowBuilder /> },
  { pattern: '/workflows/templates', render: () => <Templates /> },
  { pattern: '/workflows/:id/edit', render: (p) => <WorkflowBuilder key={p.id} id={p.id} /> },
  { pattern: '/workflows/:id', render: (p) => <WorkflowDetail key={p.id} id={p.id} /> },
  { pattern: '/audit', render: () => <Audit /> },
  { pattern: '/outbox', render: () => <Outbox /> },
  { pattern: '/spaces', render: () => <Spaces /> },
];

export function App() {
  const loc = useLocation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [unread, setUnread] = useState(0);

  const refresh = () =>
    get<Me>('/api/me').then(
      (m) => (setMe(m), setError(null)),
      (e) => (e instanceof ApiError && e.status === 401 ? setMe(null) : setError(e)),
    );
  useEffect(() => {
    void refresh();
    return onSignedOut(() => setMe(null));
  }, []);

  const countUnread = () =>
    get<{ items: { readAt: string | null }[] }>('/api/me/notifications?limit=100').then(
      (p) => setUnread(p.items.filter((n) => !n.readAt).length),
      () => {},
    );
  useEffect(() => {
    if (me) void countUnread();
  }, [me, loc.path]);
  useInterval(() => me && void countUnread(), 10_000);

  // Signed in on the sign-in page's address: go on to the command center.
  useEffect(() => {
    if (me && loc.path === '/login') navigate('/', { replace: true });
  }, [me, loc.path]);

  const session = useMemo<Session | null>(() => (me ? { me, orgRole: me.orgs[0]?.role ?? 'member', refresh } : null), [me]);

  if (me === undefined) return error ? <ErrorBox error={error} /> : <p className="muted page">Loading…</p>;
  if (me === null || !session) return <Login onSignedIn={refresh} />;

  let page: JSX.Element | null = null;
  for (const r of ROUTES) {
    const params = match(r.pattern, loc.path);
    if (params) {
      page = r.render(params);
      break;
    }
  }
  const isAdmin = session.orgRole === 'owner' || session.orgRole === 'admin';
  const nav = (to: string, label: string, extra?: JSX.Element) => (
    <Link to={to} className={loc.path === to || (to !== '/' && loc.path.startsWith(to)) ? 'active' : ''}>
      {label}
      {extra}
    </Link>
  );
  const signOut = async () => {
    await api('POST', '/api/auth/logout').catch(() => {});
    setMe(null);
    navigate('/');
  };
  return (
    <SessionContext.Provider value={session}>
      <header className="top">
        <span className="brand">Flowgate</span>
        <nav aria-label="Main">
          {nav('/', 'Command center')}
          {nav('/workflows', 'Workflows')}
          {nav('/content', 'Content')}
          {nav('/runs', 'Runs')}
          {nav('/spaces', 'Spaces')}
          {nav('/inbox', 'Inbox', unread > 0 ? <span className="count" aria-label={`${unread} unread`}>{unread}</span> : undefined)}
          {isAdmin && nav('/audit', 'Audit')}
          {isAdmin && nav('/outbox', 'Outbox')}
        </nav>
        <span className="who">
          {me.user.name} <span className="muted">({session.orgRole})</span>{' '}
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main className="page">{page ?? <NotFound />}</main>
    </SessionContext.Provider>
  );
}

function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Go to the command center</Link>.
      </p>
    </>
  );
}
