/**
 * The audit log viewer (docs/REQUIREMENTS.md section 10): `GET /api/audit`, newest first, filtered by run,
 * action and actor from the address (so `/audit?runId=…` links straight to one run's trail),
 * and `GET /api/audit/verify` to recompute the org's hash chain. Owners and admins read the
 * whole log; other members only one run's trail, and see the server's refusal otherwise.
 */
import { useState, type FormEvent } from 'react';
import { get, qs, type Answer, type Page, type Schemas } from '../api';
import { Pager, useCursorPages } from '../pager';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { ErrorBox, Time, shortId, useAsync } from '../ui';

type AuditEvent = Schemas['AuditEvent'];
type OrgUser = Schemas['OrgUser'];

interface Filters {
  runId: string;
  action: string;
  actor: string;
}

type Verdict = Answer<'/api/audit/verify', 'get'>;

/** Actions the server records, offered as suggestions in the action filter. */
const ACTIONS = [
  'run.created', 'run.started', 'run.completed', 'run.failed', 'run.cancelled', 'run.retried', 'run.deleted',
  'phase.skipped', 'gate.opened', 'gate.decision', 'gate.reevaluated', 'gate.timeout', 'gate.escalated',
  'guest_link.issued', 'guest_link.refused', 'guest.comment', 'comment.created',
  'workflow.created', 'workflow.saved', 'workflow.renamed', 'workflow.webhook_secret_rotated',
  'runs.bulk_requested', 'runs.bulk_done', 'runs.bulk_failed',
  'content.created', 'content.updated', 'content.deleted', 'task.created', 'task.updated', 'task.deleted',
  'space.created', 'space.updated', 'space.member_set', 'space.member_removed',
  'org.created', 'org.updated', 'user.added', 'user.login', 'user.logout', 'token.created',
];

/** "user:<id>" → ["user", "<id>"]; "system" → ["system", ""]. */
function splitRef(ref: string): [string, string] {
  const i = ref.indexOf(':');
  return i < 0 ? [ref, ''] : [ref.slice(0, i), ref.slice(i + 1)];
}

const auditHref = (f: Partial<Filters>) => `/audit${qs({ runId: f.runId, action: f.action, actor: f.actor })}`;

export function Audit() {
  const { query } = useLocation();
  const { orgRole } = useSession();
  const filters: Filters = { runId: query.get('runId') ?? '', action: query.get('action') ?? '', actor: query.get('actor') ?? '' };
  const key = auditHref(filters);
  const users = useAsync(() => get<Page<OrgUser>>('/api/users').then((p) => new Map(p.items.map((u) => [u.id, u]))), []);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  // Each verification re-reads the events too, so the table shows what is stored now.
  const [checks, setChecks] = useState(0);
  const onVerdict = (v: Verdict | null) => {
    setVerdict(v);
    if (v) setChecks((n) => n + 1);
  };
  const isAdmin = orgRole === 'owner' || orgRole === 'admin';

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">
        Every run and administrative act, newest first. Each event carries the hash of the one before it, so a change to any stored event breaks the chain.
      </p>
      {isAdmin && <VerifyChain verdict={verdict} onVerdict={onVerdict} />}
      <ErrorBox error={users.error} />
      <AuditFilters key={`filters ${key}`} filters={filters} users={users.data} />
      <AuditList key={`list ${key}`} filters={filters} checks={checks} users={users.data ?? new Map()} badSeq={verdict?.ok === false ? verdict.firstBad : undefined} />
    </>
  );
}

function VerifyChain({ verdict, onVerdict }: { verdict: Verdict | null; onVerdict: (v: Verdict | null) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const verify = async () => {
    setBusy(true);
    setError(null);
    onVerdict(null);
    try {
      onVerdict(await get<Verdict>('/api/audit/verify'));
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="audit-verify">
      <button type="button" onClick={verify} disabled={busy}>
        {busy ? 'Verifying…' : 'Verify chain'}
      </button>
      <ErrorBox error={error} />
      {verdict?.ok && (
        <p className="chain-ok" role="status">
          Chain intact: {verdict.checked} events checked
        </p>
      )}
      {verdict && !verdict.ok && (
        <div className="chain-broken" role="alert">
          <strong>Chain broken at event #{verdict.firstBad}</strong>
          <span>
            {verdict.reason ? `${verdict.reason}. ` : ''}
            {verdict.checked} events before it check out.
          </span>
        </div>
      )}
    </div>
  );
}

function AuditFilters({ filters, users }: { filters: Filters; users: Map<string, OrgUser> | null }) {
  const [f, setF] = useState(filters);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value.trim() });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(auditHref(f));
  };
  const actors = [...(users?.values() ?? [])].map((u) => ({ value: `user:${u.id}`, label: `${u.name} <${u.email}>` }));
  actors.push({ value: 'system', label: 'system' });
  if (filters.actor && !actors.some((a) => a.value === filters.actor)) actors.push({ value: filters.actor, label: filters.actor });
  const filtered = filters.runId || filters.action || filters.actor;
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter audit events">
      <label>
        Run ID
        <input value={f.runId} onChange={set('runId')} size={38} />
      </label>
      <label>
        Action
        <input value={f.action} onChange={set('action')} list="audit-actions" placeholder="any" />
      </label>
      <datalist id="audit-actions">
        {ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <label>
        Actor
        <select value={f.actor} onChange={set('actor')}>
          <option value="">anyone</option>
          {actors.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Filter</button>
      {filtered && (
        <Link to="/audit" className="clear">
          Clear filters
        </Link>
      )}
    </form>
  );
}

function AuditList({ filters, checks, users, badSeq }: { filters: Filters; checks: number; users: Map<string, OrgUser>; badSeq?: number }) {
  const pages = useCursorPages();
  const list = useAsync(() => get<Page<AuditEvent>>(`/api/audit${qs({ ...filters, limit: 50, cursor: pages.cursor })}`), [pages.cursor, checks]);
  return (
    <>
      <ErrorBox error={list.error} />
      {list.data && list.data.items.length === 0 && <p className="muted">No audit events match.</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="audit">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Subject</th>
              <th>Data</th>
              <th>Hash</th>
              <th>Previous hash</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((e) => (
              <tr key={e.seq} data-seq={e.seq} data-run-id={e.runId ?? ''} data-actor={e.actor} className={e.seq === badSeq ? 'bad' : undefined}>
                <td>{e.seq}</td>
                <td>
                  <Time at={e.at} />
                </td>
                <td>
                  <Link to={auditHref({ ...filters, actor: e.actor })} title={`Only events by ${e.actor}`}>
                    <Actor actor={e.actor} users={users} />
                  </Link>
                </td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  <Subject event={e} />
                </td>
                <td>
                  <EventData data={e.data} />
                </td>
                <td>
                  <Hash value={e.hash} />
                </td>
                <td>
                  <Hash value={e.prevHash} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager pages={pages} nextCursor={list.data?.nextCursor} />
    </>
  );
}

function Actor({ actor, users }: { actor: string; users: Map<string, OrgUser> }) {
  const [kind, id] = splitRef(actor);
  const user = kind === 'user' ? users.get(id) : undefined;
  if (user) return <span className="actor">{user.name} <span className="muted">{user.email}</span></span>;
  if (kind === 'user') return <span className="actor">user {shortId(id)}</span>;
  if (kind === 'guest') return <span className="actor">guest <span className="muted">{id}</span></span>;
  if (kind === 'webhook') return <span className="actor">webhook <span className="muted">workflow {shortId(id)}</span></span>;
  return <span className="actor">{actor || 'system'}</span>;
}

function Subject({ event }: { event: AuditEvent }) {
  const [kind, id] = event.subject ? splitRef(event.subject) : ['', ''];
  const subject =
    kind === 'run' ? <Link to={`/runs/${id}`}>run {shortId(id)}</Link>
    : kind === 'workflow' ? <Link to={`/workflows/${id}`}>workflow {shortId(id)}</Link>
    : event.subject ? <span>{kind} {id.length > 20 ? shortId(id) : id}</span>
    : null;
  const runLink = event.runId && !(kind === 'run' && id === event.runId) ? <Link to={`/runs/${event.runId}`}>run {shortId(event.runId)}</Link> : null;
  if (!subject && !runLink) return <span className="muted">—</span>;
  return (
    <span title={event.subject ?? undefined}>
      {subject}
      {subject && runLink && <span className="muted"> · </span>}
      {runLink}
    </span>
  );
}

function EventData({ data }: { data: unknown }) {
  if (data === null || data === undefined) return <span className="muted">—</span>;
  if (typeof data !== 'object') return <pre>{String(data)}</pre>;
  const keys = Object.keys(data);
  if (keys.length === 0) return <span className="muted">—</span>;
  return (
    <details className="audit-data">
      <summary>{keys.length > 4 ? `${keys.slice(0, 4).join(', ')}, …` : keys.join(', ')}</summary>
      <pre>{JSON.stringify(data, null, 2)}</pre>
    </details>
  );
}

function Hash({ value }: { value: string }) {
  return (
    <code className="hash" title={value}>
      {value.slice(0, 10)}…
    </code>
  );
}
