/**
 * `notify`: in-app notifications and/or emails. Recipients are roles (`assignees`,
 * `space_admins` = the space's editors, `approvers` = the workflow's approvers), user ids
 * (space members) or email addresses. Notifications and outbox rows are written in the
 * run's transaction; the mailer delivers outbox rows afterwards. No valid recipient on any
 * channel fails `no_recipients`.
 */
import { DEFAULTS, renderTemplate, type NotifyPhase, type Phase } from '../definitions/index.js';
import { enqueueEmail, renderEmail } from '../mail/outbox.js';
import { newId } from '../store/ids.js';
import { run as runStatement, valuesList } from '../store/statements.js';
import { spaceRoster } from '../store/workflows.js';
import type { Executor } from '../store/db.js';
import { failed, type PhaseHandler } from './types.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

export interface Recipients {
  userIds: string[];
  emails: string[];
}

export async function resolveRecipients(
  db: Executor,
  entries: readonly string[],
  ctx: { spaceId: string; target: Record<string, unknown> | null; phases: readonly Phase[] },
): Promise<Recipients> {
  const userIds = new Set<string>();
  const emails = new Set<string>();
  // One read of the space's people serves both the `space_admins` role and the membership check.
  let roster: Promise<{ members: Set<string>; editors: Set<string> }> | null = null;
  const people = () => (roster ??= spaceRoster(db, ctx.spaceId));
  for (const entry of entries) {
    if (entry === 'assignees') {
      const t = ctx.target;
      const list = Array.isArray(t?.assignees) ? (t.assignees as string[]) : typeof t?.assignee === 'string' ? [t.assignee] : [];
      list.forEach((u) => userIds.add(u));
    } else if (entry === 'space_admins') {
      (await people()).editors.forEach((u) => userIds.add(u));
    } else if (entry === 'approvers') {
      for (const p of ctx.phases) {
        if (p.type !== 'approval') continue;
        p.approvers.members?.forEach((u) => userIds.add(u));
        p.approvers.emails?.forEach((e) => emails.add(e.toLowerCase()));
      }
    } else if (EMAIL_RE.test(entry)) emails.add(entry.toLowerCase());
    else userIds.add(entry);
  }
  // Only members of the run's space (and the org's owners and admins) receive anything: a
  // stale user id or a removed member drops out.
  const members = userIds.size ? (await people()).members : new Set<string>();
  return { userIds: [...userIds].filter((u) => members.has(u)).sort(), emails: [...emails].sort() };
}

export const notifyPhase: PhaseHandler<NotifyPhase> = {
  mode: 'tx',
  async execute({ spec, scope, run, target, phases, trx, now, config }) {
    const message = renderTemplate(spec.message, scope);
    const channels = spec.channels ?? DEFAULTS.notify.channels;
    const { userIds, emails } = await resolveRecipients(trx, spec.to, { spaceId: run.space_id, target: target as Record<string, unknown> | null, phases });
    const input = { to: spec.to, channels, message };
    const inApp = channels.includes('in_app') ? userIds : [];
    let mailTo: string[] = [];
    if (channels.includes('email')) {
      const users = userIds.length ? await trx.selectFrom('users').select('email').where('id', 'in', userIds).execute() : [];
      mailTo = [...new Set([...users.map((u) => u.email), ...emails])].sort();
    }
    if (inApp.length === 0 && mailTo.length === 0) {
      return failed('no_recipients', `No valid recipients for ${spec.to.join(', ')} on ${channels.join(' and ')}.`, input);
    }
    if (inApp.length) {
      await runStatement(
        trx,
        `INSERT INTO notifications (id, org_id, user_id, kind, run_id, message, created_at, read_at) VALUES ${valuesList(8, inApp.length)}`,
        inApp.flatMap((userId) => [newId(), run.org_id, userId, 'workflow.notify', run.id, message, now, null]),
      );
    }
    const runUrl = `${config.publicUrl}/runs/${run.id}`;
    for (const to of mailTo) {
      const mail = renderEmail({ heading: message, paragraphs: [`Sent by a Flowgate workflow run.`], action: { label: 'Open the run', url: runUrl } });
      await enqueueEmail(trx, { orgId: run.org_id, runId: run.id, executionId: null, to, subject: message.slice(0, 200), text: mail.text, html: mail.html, links: mail.links, now });
    }
    return { kind: 'succeeded', input, output: { inApp, emails: mailTo } };
  },
};
