/**
 * The mail outbox viewer (docs/REQUIREMENTS.md section 12; org owners and admins): every email the server
 * sent or would have sent, newest first (`GET /api/outbox`), or one (`/outbox?id=…`,
 * `GET /api/outbox/{id}`). The HTML body is shown in an iframe sandboxed with no
 * permissions at all, so nothing in an email can run script or reach the page.
 */
import { get, type Page, type Schemas } from '../api';
import { Pager, useCursorPages } from '../pager';
import { Link, useLocation } from '../router';
import { ErrorBox, Time, shortId, useAsync, useInterval } from '../ui';

type Email = Schemas['Email'];

export function Outbox() {
  const id = useLocation().query.get('id');
  return (
    <>
      <h1>Outbox</h1>
      <p className="outbox-banner">
        Every email Flowgate sent or would have sent for this organization. Emails are listed here whether or not they were delivered by SMTP; one marked{' '}
        <em>held</em> was not sent because no SMTP server was configured when it was due.
      </p>
      {id ? <OneEmail key={id} id={id} /> : <EmailList />}
    </>
  );
}

function EmailList() {
  const pages = useCursorPages();
  const list = useAsync(() => get<Page<Email>>(`/api/outbox?limit=20${pages.cursor ? `&cursor=${encodeURIComponent(pages.cursor)}` : ''}`), [pages.cursor]);
  // New emails and delivery results arrive on their own; keep the newest page current.
  useInterval(() => pages.atNewest && list.reload(), 10_000);
  return (
    <>
      <ErrorBox error={list.error} />
      {list.data && list.data.items.length === 0 && <p className="muted">No emails yet.</p>}
      {list.data?.items.map((m) => <EmailCard key={m.id} email={m} />)}
      <Pager pages={pages} nextCursor={list.data?.nextCursor} />
    </>
  );
}

function OneEmail({ id }: { id: string }) {
  const email = useAsync(() => get<Email>(`/api/outbox/${encodeURIComponent(id)}`), [id]);
  return (
    <>
      <p>
        <Link to="/outbox">← All emails</Link>
      </p>
      <ErrorBox error={email.error} />
      {email.data && <EmailCard email={email.data} />}
    </>
  );
}

function EmailCard({ email: m }: { email: Email }) {
  return (
    <article className="email" data-email-id={m.id} aria-labelledby={`email-${m.id}`}>
      <h2 id={`email-${m.id}`}>
        <Link to={`/outbox?id=${encodeURIComponent(m.id)}`}>{m.subject || '(no subject)'}</Link>
      </h2>
      <dl className="email-meta">
        <dt>To</dt>
        <dd className="email-to">{m.to}</dd>
        <dt>Written</dt>
        <dd>
          <Time at={m.createdAt} />
        </dd>
        <dt>Delivery</dt>
        <dd>
          <DeliveryState email={m} />
        </dd>
        {m.runId && (
          <>
            <dt>Run</dt>
            <dd>
              <Link to={`/runs/${m.runId}`}>run {shortId(m.runId)}</Link>
            </dd>
          </>
        )}
        {m.links.length > 0 && (
          <>
            <dt>Links</dt>
            <dd>
              <ul className="email-links">
                {m.links.map((href) => (
                  <li key={href}>
                    <a href={href} target="_blank" rel="noopener noreferrer">
                      {href}
                    </a>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
      <iframe className="email-html" title={`HTML body of “${m.subject}”`} sandbox="" srcDoc={lockedDown(m.html)} />
      <details className="email-text">
        <summary>Plain text</summary>
        <pre>{m.text}</pre>
      </details>
    </article>
  );
}

function DeliveryState({ email: m }: { email: Email }) {
  switch (m.status) {
    case 'sent':
      return (
        <>
          <span className="badge mail-sent">sent</span> <Time at={m.sentAt} />
        </>
      );
    case 'held':
      return (
        <>
          <span className="badge mail-held">not sent</span> held: no SMTP server configured
        </>
      );
    case 'failed':
      return (
        <>
          <span className="badge mail-failed">not sent</span> failed after {m.attempts} attempt{m.attempts === 1 ? '' : 's'}
          {m.lastError ? `: ${m.lastError}` : ''}
        </>
      );
    case 'pending':
      return (
        <>
          <span className="badge mail-pending">not sent yet</span>
          {m.attempts > 0 && ` ${m.attempts} attempt${m.attempts === 1 ? '' : 's'} so far${m.lastError ? ` (${m.lastError})` : ''}`}
          {m.nextAttemptAt && (
            <>
              {' '}
              · next try <Time at={m.nextAttemptAt} />
            </>
          )}
        </>
      );
    default:
      return <span className="badge">{String(m.status)}</span>;
  }
}

/**
 * Adds a Content-Security-Policy to the email's own document: besides the sandbox (no
 * script, no forms, no popups), the preview loads nothing from the network, so opening the
 * outbox never fetches a remote image or tells a tracker that the email was seen.
 */
function lockedDown(html: string): string {
  const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (h) => h + csp) : csp + html;
}
