/**
 * `share_email`: emails each address a review link of its own to view the target and
 * comment (never to decide). Links and their emails are written in the run's transaction,
 * so a retried or replayed phase cannot send twice; the mailer delivers them afterwards.
 * The run does not wait: share links live on until they expire, after the run has ended.
 */
import { DEFAULTS, parseDuration, renderTemplate, type ShareEmailPhase } from '../definitions/index.js';
import { issueGuestLink } from '../runtime/guest-links.js';
import { fireEvent } from '../runtime/triggers.js';
import { failed, type PhaseHandler } from './types.js';

/** One plain mailbox, as the outbox accepts it. */
const MAILBOX = /^[^\s@,;:<>()"[\]\\]+@[^\s@,;:<>()"[\]\\]+$/;
const DEFAULT_MESSAGE = '{{target.title}} is ready for your review';

export const shareEmailPhase: PhaseHandler<ShareEmailPhase> = {
  mode: 'tx',
  async execute({ spec, scope, run, exec, target, targetDeleted, trx, now, config }) {
    const message = renderTemplate(spec.message ?? DEFAULT_MESSAGE, scope);
    const linkExpiresIn = spec.linkExpiresIn ?? DEFAULTS.shareEmail.linkExpiresIn;
    const input = { to: spec.to, message, linkExpiresIn };
    if (!run.target_type || !run.target_id) return failed('internal', 'This run has no target to share.', input);
    if (targetDeleted || !target) return failed('deleted', `The ${run.target_type} this run works on was deleted.`, input);
    const sentTo = [...new Set(spec.to.map((e) => e.trim().toLowerCase()))].filter((e) => MAILBOX.test(e)).sort();
    if (sentTo.length === 0) return failed('no_recipients', `No valid email address in ${spec.to.join(', ')}.`, input);
    const expiresAt = now + (parseDuration(linkExpiresIn) ?? 72 * 3600_000);
    for (const email of sentTo) {
      await issueGuestLink(trx, {
        kind: 'share',
        orgId: run.org_id,
        runId: run.id,
        executionId: exec.id,
        phaseId: spec.id,
        email,
        target: { type: run.target_type, id: run.target_id, title: target.title },
        expiresAt,
        now,
        publicUrl: config.publicUrl,
        message,
      });
    }
    // The `share_email.sent` event fires other workflows in this same transaction.
    await fireEvent(trx, {
      orgId: run.org_id,
      spaceId: run.space_id,
      type: 'share_email.sent',
      target,
      key: `share_email.sent:${exec.id}`,
      data: { targetId: target.id, sentTo, runId: run.id, phaseId: spec.id },
      userId: null,
      fromWorkflowId: run.workflow_id,
      at: now,
    });
    return { kind: 'succeeded', input, output: { sentTo, expiresAt: new Date(expiresAt).toISOString() } };
  },
};
