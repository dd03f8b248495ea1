/**
 * Deciding approval gates. A decision, the gate's evaluation and the run's transition
 * happen in one transaction (the run row locked on PostgreSQL; one writer on SQLite), and a
 * unique index allows one counting decision per approver per gate execution, so two
 * decisions at the same instant, or a decision racing the timeout, give exactly one outcome.
 */
import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/log.js';
import { ConflictError, ForbiddenError, GoneError, NotFoundError } from '../core/errors.js';
import { evaluateGate, type GateState } from '../core/gate.js';
import { openExecution, type PhaseExec } from '../core/decide.js';
import type { ApprovalPhase, Phase } from '../definitions/index.js';
import { DEFAULTS, parseDuration } from '../definitions/index.js';
import { addApprovers } from '../phases/approval.js';
import type { Database, Executor } from '../store/db.js';
import { isUniqueViolation } from '../store/db.js';
import { newId } from '../store/ids.js';
import type { DB, GuestLinksTable } from '../store/schema.js';
import { getTarget, type TargetEvent } from '../store/targets.js';
import { dialectOf } from '../store/dialect.js';
import { enqueueEmail, renderEmail } from '../mail/outbox.js';
import { enqueueJobs, type Job } from './jobs.js';
import { linkState } from './guest-links.js';
import { LostRaceError, loadRun, type RunRow } from './run-store.js';
import { applyEvent, lockAndLoadRun, versionPhases, type Applied } from './transition.js';
import { rows } from '../store/statements.js';
import { lockRuns } from '../store/locks.js';

export type Approver = { userId: string } | { email: string; link: GuestLinksTable };

export interface DecisionInput {
  runId: string;
  phaseId: string;
  approver: Approver;
  decision: 'approve' | 'deny';
  comment?: string | null;
  via: 'app' | 'api' | 'link';
  ip?: string | null;
  userAgent?: string | null;
}

const gone = (guest: boolean, message: string) => (guest ? new GoneError(message, 'link_closed') : new ConflictError(message, 'gate_not_waiting'));

/** Counts the gate's counting decisions and evaluates it. */
export async function gateTally(q: Executor, executionId: string, spec: ApprovalPhase): Promise<{ state: GateState; approvers: number; approvals: number; denials: number }> {
  const approvers = (await q.selectFrom('gate_approvers').select('approver_key').where('execution_id', '=', executionId).execute()).length;
  const decisions = await q.selectFrom('gate_decisions').select('decision').where('execution_id', '=', executionId).where('counts', '=', 1).execute();
  const approvals = decisions.filter((d) => d.decision === 'approve').length;
  const denials = decisions.length - approvals;
  return { state: evaluateGate(spec.required, approvers, approvals, denials), approvers, approvals, denials };
}

function openGate(phases: Phase[], exec: PhaseExec | undefined, phaseId: string): ApprovalPhase | null {
  if (!exec || exec.phaseId !== phaseId || exec.status !== 'waiting' || exec.waitingFor !== 'approval') return null;
  const spec = phases[exec.index];
  return spec?.type === 'approval' ? spec : null;
}

export async function recordDecision(db: Database, input: DecisionInput, now: number): Promise<{ applied: Applied | null; outcome: GateState }> {
  const guest = 'link' in input.approver;
  return db.tx(async (trx) => {
    const loaded = await lockAndLoadRun(trx, db, input.runId);
    if (!loaded) throw new NotFoundError('Run');
    const { row, state } = loaded;
    const phases = await versionPhases(trx, row.workflow_id, row.workflow_version);
    const exec = openExecution(state);
    // A gate whose outcome is already decided but held by flow control takes no more decisions.
    const spec = row.waiting_for === 'flow_control' ? null : openGate(phases, exec, input.phaseId);
    if (!spec || !exec) throw gone(guest, `The gate "${input.phaseId}" is not waiting for decisions${state.status === 'waiting' || state.status === 'active' ? '' : ` (the run is ${state.status})`}.`);

    let key: string;
    let userId: string | null = null;
    let email: string | null = null;
    if ('link' in input.approver) {
      const link = await trx.selectFrom('guest_links').selectAll().where('id', '=', input.approver.link.id).executeTakeFirstOrThrow();
      const ls = linkState(link, now);
      if (ls !== 'valid') throw new GoneError(`This review link is ${ls === 'expired' ? 'expired' : ls === 'used' ? 'already used' : 'closed'}.`, ls === 'expired' ? 'link_expired' : 'link_closed');
      if (link.kind !== 'approval' || link.execution_id !== exec.id) throw new GoneError('This review link is for a gate that is no longer waiting.', 'link_closed');
      email = link.email;
      key = `email:${email}`;
      await trx.updateTable('guest_links').set({ used_at: now }).where('id', '=', link.id).where('used_at', 'is', null).execute();
    } else {
      userId = input.approver.userId;
      key = `user:${userId}`;
    }
    const isApprover = await trx.selectFrom('gate_approvers').select('approver_key').where('execution_id', '=', exec.id).where('approver_key', '=', key).executeTakeFirst();
    if (!isApprover) throw new ForbiddenError(`You are not an approver of the gate "${input.phaseId}".`, 'not_an_approver');
    if (userId && userId === row.started_by && !(spec.allowSelfApproval ?? DEFAULTS.approval.allowSelfApproval)) {
      throw new ForbiddenError('You started this run, and this gate does not allow self-approval.', 'self_approval');
    }
    const prior = await trx.selectFrom('gate_decisions').select('decision').where('execution_id', '=', exec.id).where('approver_key', '=', key).where('counts', '=', 1).executeTakeFirst();
    if (prior) throw new ConflictError(`You already decided (${prior.decision}) on this gate.`, 'already_decided');

    const target = row.target_type && row.target_id ? await getTarget(trx, row.org_id, row.target_type, row.target_id) : null;
    try {
      await trx
        .insertInto('gate_decisions')
        .values({
          id: newId(),
          org_id: row.org_id,
          run_id: row.id,
          execution_id: exec.id,
          approver_key: key,
          user_id: userId,
          email,
          decision: input.decision,
          comment: input.comment ?? null,
          target_version: target?.version ?? null,
          via: input.via,
          counts: 1,
          created_at: now,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('You already decided on this gate.', 'already_decided');
      throw err;
    }
    const tally = await gateTally(trx, exec.id, spec);
    await appendAudit(trx, db.dialect, {
      orgId: row.org_id,
      actor: userId ? `user:${userId}` : `guest:${email}`,
      action: 'gate.decision',
      subject: `run:${row.id}`,
      runId: row.id,
      data: {
        phaseId: spec.id,
        attempt: exec.attempt,
        decision: input.decision,
        comment: input.comment ?? null,
        via: input.via,
        ip: input.ip ?? null,
        userAgent: input.userAgent ?? null,
        targetVersion: target?.version ?? null,
        tally: { approvals: tally.approvals, denials: tally.denials, approvers: tally.approvers },
      },
      at: now,
    });
    let applied: Applied | null = null;
    if (tally.state !== 'waiting') {
      applied = await applyEvent(trx, db, row.id, {
        type: 'gate_decided',
        executionId: exec.id,
        decision: tally.state === 'approved' ? 'approve' : 'deny',
        output: { decision: tally.state === 'approved' ? 'approve' : 'deny', approvals: tally.approvals, denials: tally.denials, approvers: tally.approvers, targetVersion: target?.version ?? null },
        targetVersion: tally.state === 'approved' ? target?.version : undefined,
      }, now);
    }
    return { applied, outcome: tally.state };
  });
}

/**
 * A gate's timer fired: `deny` denies it; `escalate` adds the escalation approvers, tells
 * them, and (with `then`) sets the second deadline. Stale timers (gate already decided) do
 * nothing.
 */
export async function gateTimeout(trx: Transaction<DB>, db: Database, job: Job, now: number, publicUrl: string): Promise<Applied | null> {
  const loaded = await lockAndLoadRun(trx, db, job.run_id!);
  if (!loaded) return null;
  const { row, state } = loaded;
  const exec = state.phases.find((p) => p.id === job.execution_id);
  const phases = await versionPhases(trx, row.workflow_id, row.workflow_version);
  const spec = exec && row.waiting_for !== 'flow_control' ? openGate(phases, openExecution(state), exec.phaseId) : null;
  if (!spec || !exec || !spec.timeout) return null;
  const stage = Number((JSON.parse(job.payload) as { stage?: number }).stage ?? 1);
  const action = stage === 1 ? spec.timeout.action : spec.timeout.then?.action ?? 'deny';
  await appendAudit(trx, db.dialect, { orgId: row.org_id, actor: 'system', action: 'gate.timeout', subject: `run:${row.id}`, runId: row.id, data: { phaseId: spec.id, stage, action }, at: now });
  if (action === 'deny') {
    return applyEvent(trx, db, row.id, { type: 'gate_decided', executionId: exec.id, decision: 'deny', output: { decision: 'deny', reason: 'timeout', stage } }, now);
  }
  const target = row.target_type && row.target_id ? await getTarget(trx, row.org_id, row.target_type, row.target_id) : null;
  const added = await addApprovers(trx, {
    run: row,
    executionId: exec.id,
    phaseId: spec.id,
    members: spec.timeout.escalateTo?.members ?? [],
    emails: spec.timeout.escalateTo?.emails ?? [],
    addedBy: 'escalation',
    target,
    linkExpiresIn: spec.linkExpiresIn ?? DEFAULTS.approval.linkExpiresIn,
    publicUrl,
    now,
  });
  await appendAudit(trx, db.dialect, { orgId: row.org_id, actor: 'system', action: 'gate.escalated', subject: `run:${row.id}`, runId: row.id, data: { phaseId: spec.id, members: added.members, emails: added.emails }, at: now });
  const secondDeadline = spec.timeout.then ? now + (parseDuration(spec.timeout.then.after) ?? 0) : null;
  if (secondDeadline !== null) {
    await enqueueJobs(trx, [{ kind: 'timer', orgId: row.org_id, runId: row.id, executionId: exec.id, payload: { stage: 2 }, dueAt: secondDeadline }], now);
  }
  // The gate's deadline as the run shows it (phase `wakeAt`, output `timeoutAt`) is now the
  // second one, or none; it used to keep showing the first, already past.
  const output = { ...(exec.output && typeof exec.output === 'object' ? exec.output : {}), timeoutAt: secondDeadline === null ? null : new Date(secondDeadline).toISOString(), stage: 2 };
  // Through the one writer of run state: the run's rev moves, so a transition that read it
  // before this escalation loses its race instead of writing the old deadline back.
  return applyEvent(trx, db, row.id, { type: 'gate_escalated', executionId: exec.id, wakeAt: secondDeadline, output }, now, { loaded });
}

export function approverLabel(d: { user_id: string | null; email: string | null }) {
  return d.user_id ? { userId: d.user_id } : { email: d.email };
}

/** Every approval gate execution of a run with its decisions (docs/API.md "Approvals"). */
export async function gatesOfRun(q: Executor, run: RunRow) {
  const phases = await versionPhases(q, run.workflow_id, run.workflow_version);
  const execs = await q.selectFrom('phase_executions').selectAll().where('run_id', '=', run.id).where('type', '=', 'approval').orderBy('id').execute();
  if (!execs.length) return [];
  const ids = execs.map((e) => e.id);
  const decisions = await q.selectFrom('gate_decisions').selectAll().where('execution_id', 'in', ids).orderBy('id').execute();
  const approvers = await q.selectFrom('gate_approvers').selectAll().where('execution_id', 'in', ids).orderBy('created_at').execute();
  return execs.map((e) => {
    const spec = phases[e.phase_index] as ApprovalPhase | undefined;
    const out = e.output ? (JSON.parse(e.output) as { decision?: string }) : {};
    const status = e.status === 'waiting' ? 'waiting' : e.status === 'succeeded' ? (out.decision === 'deny' ? 'denied' : 'approved') : 'closed';
    return {
      phaseId: e.phase_id,
      executionId: e.id,
      attempt: e.attempt,
      status,
      required: spec?.required ?? null,
      approvers: approvers.filter((a) => a.execution_id === e.id).map((a) => ({ ...approverLabel(a), addedBy: a.added_by })),
      decisions: decisions
        .filter((d) => d.execution_id === e.id)
        .map((d) => ({ approver: approverLabel(d), decision: d.decision, comment: d.comment, targetVersion: d.target_version, via: d.via, at: new Date(d.created_at).toISOString(), counts: d.counts === 1 })),
    };
  });
}

function describeChange(field: string, before: unknown, after: unknown): string {
  const show = (v: unknown) => (v === null || v === undefined ? 'nothing' : typeof v === 'string' ? `"${v.length > 80 ? v.slice(0, 77) + '…' : v}"` : JSON.stringify(v));
  return `${field}: ${show(before)} → ${show(after)}`;
}

/**
 * Target hook: when a target changes while a gate on it waits, decisions made on older
 * versions stop counting (unless the gate says `resetOnEdit: false`), the approvers who had
 * decided are told what changed, field by field, and the gate is evaluated again. A guest
 * whose decision stopped counting gets their link back (it had been used up by the decision).
 */
export async function reevaluateGatesOnEdit(trx: Transaction<DB>, event: TargetEvent): Promise<void> {
  if (event.kind !== 'updated') return;
  const target = event.after;
  const waiting = await rows<{ id: string }>(trx, "SELECT id FROM runs WHERE target_id = ? AND status = 'waiting' AND waiting_for = 'approval'", [target.id]);
  if (!waiting.length) return;
  const dialect = dialectOf(trx);
  const diff = event.changed.map((f) => describeChange(f, (event.before as unknown as Record<string, unknown>)[f], (target as unknown as Record<string, unknown>)[f]));
  // Every run is locked, in id order, before the first is changed.
  const ids = waiting.map((r) => r.id).sort();
  await lockRuns(trx, ids);
  for (const id of ids) {
    const loaded = await loadRun(trx, id);
    if (!loaded) continue;
    const exec = openExecution(loaded.state);
    const phases = await versionPhases(trx, loaded.row.workflow_id, loaded.row.workflow_version);
    const spec = exec ? openGate(phases, exec, exec.phaseId) : null;
    if (!spec || !exec) continue;
    const reset = spec.resetOnEdit ?? DEFAULTS.approval.resetOnEdit;
    const stale = reset
      ? await trx.selectFrom('gate_decisions').selectAll().where('execution_id', '=', exec.id).where('counts', '=', 1).where('target_version', '<', target.version).execute()
      : [];
    if (stale.length) {
      await trx.updateTable('gate_decisions').set({ counts: 0 }).where('id', 'in', stale.map((d) => d.id)).execute();
      const users = stale.filter((d) => d.user_id).map((d) => d.user_id!);
      const message = `"${target.title}" changed after your decision, which no longer counts; please decide again. ${diff.join('; ')}`;
      if (users.length) {
        await trx
          .insertInto('notifications')
          .values(users.map((u) => ({ id: newId(), org_id: event.orgId, user_id: u, kind: 'approval.reset', run_id: id, message, created_at: event.at, read_at: null })))
          .execute();
      }
      const guestEmails = stale.filter((d) => d.email).map((d) => d.email!);
      if (guestEmails.length) {
        await trx.updateTable('guest_links').set({ used_at: null }).where('execution_id', '=', exec.id).where('email', 'in', guestEmails).where('closed_at', 'is', null).execute();
      }
      const recipients = [
        ...(users.length ? await trx.selectFrom('users').select('email').where('id', 'in', users).execute() : []).map((u) => u.email),
        ...guestEmails,
      ];
      for (const to of recipients) {
        const mail = renderEmail({
          heading: `"${target.title}" changed after your decision`,
          paragraphs: ['Your decision no longer counts; please review it again.', ...diff, guestEmails.includes(to) ? 'The review link from your earlier email works again.' : 'Decide again on the run page.'],
        });
        await enqueueEmail(trx, { orgId: event.orgId, runId: id, executionId: exec.id, to, subject: `"${target.title}" changed: please review again`, text: mail.text, html: mail.html, links: mail.links, now: event.at });
      }
    }
    const tally = await gateTally(trx, exec.id, spec);
    await appendAudit(trx, dialect, {
      orgId: event.orgId,
      actor: 'system',
      action: 'gate.reevaluated',
      subject: `run:${id}`,
      runId: id,
      data: { phaseId: spec.id, targetVersion: target.version, changed: event.changed, reset: stale.length, resetOnEdit: reset, tally: { approvals: tally.approvals, denials: tally.denials, approvers: tally.approvers } },
      at: event.at,
    });
  }
}
