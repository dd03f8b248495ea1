/**
 * Guest review links: one per external reviewer per gate execution (or per share_email
 * recipient). 256 random bits; only the SHA-256 is stored; the raw token exists only in the
 * email. Approval links die when they are used, when their gate is decided, or when the run
 * ends; every link dies at its expiry.
 */
import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/log.js';
import { newSecret, sha256 } from '../api/secrets.js';
import { enqueueEmail, renderEmail } from '../mail/outbox.js';
import { dialectOf } from '../store/dialect.js';
import { newId } from '../store/ids.js';
import type { DB, GuestLinksTable } from '../store/schema.js';
import type { Executor } from '../store/db.js';

export type LinkKind = 'approval' | 'share';

export interface IssueLink {
  kind: LinkKind;
  orgId: string;
  runId: string;
  executionId: string;
  phaseId: string;
  email: string;
  target: { type: 'content' | 'task'; id: string; title?: string } | null;
  expiresAt: number;
  now: number;
  publicUrl: string;
  /** The sentence that opens the email. */
  message: string;
}

/** Creates a link and the email that carries it, in the caller's transaction. */
export async function issueGuestLink(trx: Transaction<DB>, l: IssueLink): Promise<{ linkId: string; outboxId: string }> {
  const token = newSecret('fgr');
  const linkId = newId();
  await trx
    .insertInto('guest_links')
    .values({
      id: linkId,
      token_hash: sha256(token),
      kind: l.kind,
      org_id: l.orgId,
      run_id: l.runId,
      execution_id: l.executionId,
      phase_id: l.phaseId,
      email: l.email.toLowerCase(),
      target_type: l.target?.type ?? null,
      target_id: l.target?.id ?? null,
      expires_at: l.expiresAt,
      used_at: null,
      closed_at: null,
      created_at: l.now,
    })
    .execute();
  const url = `${l.publicUrl}/review/${token}`;
  const expires = new Date(l.expiresAt).toUTCString();
  const mail = renderEmail({
    heading: l.message,
    paragraphs: [
      l.kind === 'approval'
        ? 'Open the link to read the content, leave a comment, and approve or deny. Opening the link decides nothing.'
        : 'Open the link to read the content and leave a comment.',
      `The link is yours alone and works until ${expires}.`,
    ],
    action: { label: l.kind === 'approval' ? 'Review and decide' : 'Review', url },
  });
  const outboxId = await enqueueEmail(trx, {
    orgId: l.orgId,
    runId: l.runId,
    executionId: l.executionId,
    to: l.email,
    subject: l.message.slice(0, 200),
    text: mail.text,
    html: mail.html,
    links: mail.links,
    now: l.now,
  });
  await appendAudit(trx, dialectOf(trx), {
    orgId: l.orgId,
    actor: 'system',
    action: 'guest_link.issued',
    subject: `guest_link:${linkId}`,
    runId: l.runId,
    data: { kind: l.kind, email: l.email.toLowerCase(), phaseId: l.phaseId, expiresAt: new Date(l.expiresAt).toISOString() },
    at: l.now,
  });
  return { linkId, outboxId };
}

export type LinkState = 'valid' | 'expired' | 'used' | 'closed';

export function linkState(link: GuestLinksTable, now: number): LinkState {
  if (link.closed_at !== null) return 'closed';
  if (link.used_at !== null) return 'used';
  if (link.expires_at <= now) return 'expired';
  return 'valid';
}

export async function findLink(db: Executor, token: string): Promise<GuestLinksTable | undefined> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 200) return undefined;
  return db.selectFrom('guest_links').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
}
