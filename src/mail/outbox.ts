/**
 * The transactional outbox. An email is a row written in the same transaction as the
 * decision that sends it: if that transaction rolls back, the email never existed; once it
 * commits, the email survives any crash until `MailDelivery` sends it (or holds it, when
 * no SMTP server is configured). Nothing here talks to the network.
 */
import type { Transaction } from 'kysely';
import { InvalidInputError } from '../core/errors.js';
import { newId } from '../store/ids.js';
import { afterCommit } from '../store/before-commit.js';
import type { DB } from '../store/schema.js';

export interface OutgoingEmail {
  orgId: string;
  runId?: string | null;
  executionId?: string | null;
  /** One mailbox, e.g. `reviewer@example.com`. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The links the email carries (shown by the outbox viewer); found in `text` when omitted. */
  links?: string[];
  now: number;
}

/** One plain address: no display name, no list, nothing that could smuggle a header. */
const MAILBOX = /^[^\s@,;:<>()"\[\]\\]+@[^\s@,;:<>()"\[\]\\]+$/;

/**
 * Inserts one pending outbox row inside `trx` and returns its id. Call it in the
 * transaction of the decision that sends the email; once that commits, the mail deliveries
 * are woken (onOutboxWritten; the engine passes it on to other processes). Throws `InvalidInputError` for a recipient that is not a single plain address.
 */
export async function enqueueEmail(trx: Transaction<DB>, msg: OutgoingEmail): Promise<string> {
  const to = msg.to.trim();
  if (!MAILBOX.test(to)) {
    throw new InvalidInputError(`${JSON.stringify(msg.to)} is not a single email address.`, [{ path: 'to', message: 'must be one email address' }]);
  }
  const id = newId();
  await trx
    .insertInto('outbox')
    .values({
      id,
      org_id: msg.orgId,
      run_id: msg.runId ?? null,
      execution_id: msg.executionId ?? null,
      to_addr: to,
      // A header is one line: a line break in a rendered subject must not start another header.
      subject: msg.subject.replace(/\s*[\r\n]+\s*/g, ' ').trim(),
      text_body: msg.text,
      html_body: msg.html,
      links: JSON.stringify(msg.links ?? extractLinks(msg.text)),
      status: 'pending',
      attempts: 0,
      next_attempt_at: msg.now,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      message_id: null,
      created_at: msg.now,
      sent_at: null,
    })
    .execute();
  // Deliveries are woken once the row is committed (once per transaction), not by every commit.
  if (!afterCommit(trx, 'outbox', async () => outboxWritten())) queueMicrotask(outboxWritten);
  return id;
}

const outboxListeners = new Set<() => void>();

/** Calls `fn` whenever a transaction in this process has committed outbox rows. */
export function onOutboxWritten(fn: () => void): () => void {
  outboxListeners.add(fn);
  return () => void outboxListeners.delete(fn);
}

function outboxWritten() {
  for (const fn of outboxListeners) fn();
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element body or a double- or single-quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** http(s) URLs in plain text; a trailing full stop, comma or closing bracket is not part of the URL. */
const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

function trimUrl(u: string): string {
  return u.replace(/[.,;:!?)\]]+$/, '');
}

/** The distinct http(s) links in a plain-text body, in order of appearance. */
export function extractLinks(text: string): string[] {
  return [...new Set((text.match(URL_IN_TEXT) ?? []).map(trimUrl))];
}

export interface EmailContent {
  heading: string;
  /** Plain text; http(s) URLs in it become links in the HTML part. */
  paragraphs: string[];
  /** The one button of the email, e.g. "Review and decide". Only http(s) URLs. */
  action?: { label: string; url: string };
  footer?: string;
}

export interface RenderedEmail {
  text: string;
  html: string;
  links: string[];
}

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/** A paragraph as HTML: escaped, with its URLs turned into links. */
function paragraphHtml(p: string): string {
  let out = '';
  let last = 0;
  for (const m of p.matchAll(URL_IN_TEXT)) {
    const url = trimUrl(m[0]);
    out += escapeHtml(p.slice(last, m.index));
    out += `<a href="${escapeHtml(url)}" style="color:#2f5bea">${escapeHtml(url)}</a>`;
    last = m.index + url.length;
  }
  out += escapeHtml(p.slice(last));
  return out.replace(/\r?\n/g, '<br>');
}

/**
 * Renders an email as a text part and an HTML part saying the same thing. The HTML uses
 * inline styles only and loads nothing from outside (mail clients strip `<style>` and
 * block remote images); every piece of text is escaped. The text part shows the action's
 * URL in full, so it works in a plain-text client. `links` lists every URL, action first.
 */
export function renderEmail(content: EmailContent): RenderedEmail {
  const { heading, paragraphs, action, footer } = content;
  if (action && !/^https?:\/\//i.test(action.url)) {
    throw new InvalidInputError('An email action must be an http(s) URL.', [{ path: 'action.url', message: 'must start with http:// or https://' }]);
  }

  const text = [
    heading,
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    ...(action ? [`${action.label}:`, action.url, ''] : []),
    ...(footer ? ['-- ', footer, ''] : []),
  ].join('\n');

  const button = action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:12px 20px;background:#2f5bea;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600">${escapeHtml(action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:13px;color:#5b6475">If the button does not work, open this address: <a href="${escapeHtml(action.url)}" style="color:#2f5bea;word-break:break-all">${escapeHtml(action.url)}</a></p>`
    : '';
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(heading)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f4f6fa">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f6fa"><tr><td align="center" style="padding:24px 12px">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border:1px solid #dde2ec;border-radius:6px"><tr><td style="padding:24px;${FONT};font-size:16px;line-height:1.5;color:#1d2430">` +
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;color:#1d2430">${escapeHtml(heading)}</h1>` +
    paragraphs.map((p) => `<p style="margin:0 0 16px">${paragraphHtml(p)}</p>`).join('') +
    button +
    (footer ? `<p style="margin:24px 0 0;padding-top:16px;border-top:1px solid #dde2ec;font-size:13px;color:#5b6475">${paragraphHtml(footer)}</p>` : '') +
    `</td></tr></table></td></tr></table></body></html>`;

  const links = [...new Set([...(action ? [action.url] : []), ...paragraphs.flatMap(extractLinks), ...(footer ? extractLinks(footer) : [])])];
  return { text, html, links };
}
