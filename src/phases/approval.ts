/**
 * `approval`: opens a gate. Records its approvers, tells members in-app and by email, and
 * emails each external reviewer a link of their own; then the run waits. Decisions arrive
 * through src/runtime/approvals.ts; a timeout is a timer job with the gate's deadline.
 */
import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/log.js';
import { DEFAULTS, parseDuration, type ApprovalPhase } from '../definitions/index.js';
import { enqueueEmail, renderEmail } from '../mail/outbox.js';
import { issueGuestLink } from '../runtime/guest-links.js';
import { newId } from '../store/ids.js';
import type { DB, RunsTable } from '../store/schema.js';
import type { Target } from '../store/targets.js';
import type { PhaseHandler } from './types.js';

export interface AddApprovers {
  run: RunsTable;
  executionId: string;
  phaseId: string;
  members: string[];
  emails: string[];
  addedBy: 'definition' | 'escalation';
  target: Target | null;
  linkExpiresIn: string;
  publicUrl: string;
  now: number;
}

/** Adds approvers to a gate execution and tells each of them; returns who was added. */
export async function addApprovers(trx: Transaction<DB>, a: AddApprovers): Promise<{ members: string[]; emails: string[] }> {
  const existing = new Set((await trx.selectFrom('gate_approvers').select('approver_key').where('execution_id', '=', a.executionId).execute()).map((r) => r.approver_key));
  const members = [...new Set(a.members)].filter((u) => !existing.has(`user:${u}`));
  const emails = [...new Set(a.emails.map((e) => e.toLowerCase()))].filter((e) => !existing.has(`email:${e}`));
  const rows = [
    ...members.map((u) => ({ execution_id: a.executionId, approver_key: `user:${u}`, run_id: a.run.id, user_id: u, email: null, added_by: a.addedBy, created_at: a.now })),
    ...emails.map((e) => ({ execution_id: a.executionId, approver_key: `email:${e}`, run_id: a.run.id, user_id: null, email: e, added_by: a.addedBy, created_at: a.now })),
  ];
  if (rows.length) await trx.insertInto('gate_approvers').values(rows).execute();
  const title = a.target ? `"${a.target.title}"` : 'a workflow run';
  const message = a.addedBy === 'escalation' ? `Escalated to you: your approval is needed on ${title}` : `Your approval is needed on ${title}`;
  const runUrl = `${a.publicUrl}/runs/${a.run.id}`;
  if (members.length) {
    await trx
      .insertInto('notifications')
      .values(members.map((u) => ({ id: newId(), org_id: a.run.org_id, user_id: u, kind: 'approval.requested', run_id: a.run.id, message, created_at: a.now, read_at: null })))
      .execute();
    const users = await trx.selectFrom('users').select(['id', 'email']).where('id', 'in', members).execute();
    for (const u of users) {
      const mail = renderEmail({ heading: message, paragraphs: ['Approve or deny it on the run page.'], action: { label: 'Open the run', url: runUrl } });
      await enqueueEmail(trx, { orgId: a.run.org_id, runId: a.run.id, executionId: a.executionId, to: u.email, subject: message, text: mail.text, html: mail.html, links: mail.links, now: a.now });
    }
  }
  const expiresAt = a.now + (parseDuration(a.linkExpiresIn) ?? 72 * 3600_000);
  for (const email of emails) {
    await issueGuestLink(trx, {
      kind: 'approval',
      orgId: a.run.org_id,
      runId: a.run.id,
      executionId: a.executionId,
      phaseId: a.phaseId,
      email,
      target: a.run.target_type && a.run.target_id ? { type: a.run.target_type, id: a.run.target_id } : null,
      expiresAt,
      now: a.now,
      publicUrl: a.publicUrl,
      message,
    });
  }
  return { members, emails };
}

export const approvalPhase: PhaseHandler<ApprovalPhase> = {
  mode: 'tx',
  // Its approvers (gate_approvers) reference the execution.
  refersToExecution: true,
  async execute({ spec, run, exec, trx, now, config, target, db }) {
    const added = await addApprovers(trx, {
      run,
      executionId: exec.id,
      phaseId: spec.id,
      members: spec.approvers.members ?? [],
      emails: spec.approvers.emails ?? [],
      addedBy: 'definition',
      target,
      linkExpiresIn: spec.linkExpiresIn ?? DEFAULTS.approval.linkExpiresIn,
      publicUrl: config.publicUrl,
      now,
    });
    await appendAudit(trx, db.dialect, {
      orgId: run.org_id,
      actor: 'system',
      action: 'gate.opened',
      subject: `run:${run.id}`,
      runId: run.id,
      data: { phaseId: spec.id, attempt: exec.attempt, required: spec.required, members: added.members, emails: added.emails, targetVersion: target?.version ?? null },
      at: now,
    });
    const wakeAt = spec.timeout ? now + (parseDuration(spec.timeout.after) ?? 0) : null;
    return {
      kind: 'waiting',
      waitingFor: 'approval',
      wakeAt,
      input: { approvers: spec.approvers, required: spec.required, timeout: spec.timeout ?? null },
      output: { timeoutAt: wakeAt === null ? null : new Date(wakeAt).toISOString(), stage: 1 },
    };
  },
};
