/**
 * Triggers. An entity event (a target created, changed, deleted; a comment) fires every
 * enabled workflow of the target's space whose trigger matches — inside the transaction of
 * the change itself, so a committed change always has its runs and a rolled-back one has
 * none. Each run carries a unique event key (event × workflow), so one event never makes two
 * runs of one workflow, even when it is delivered twice.
 *
 * A change made by a run does not fire the workflow that run belongs to: a workflow that
 * edits its own target would otherwise trigger itself forever.
 */
import type { Transaction } from 'kysely';
import type { Trigger } from '../definitions/index.js';
import { dialectOf } from '../store/dialect.js';
import type { DB } from '../store/schema.js';
import type { Target, TargetEvent } from '../store/targets.js';
import { createRun } from './runs.js';
import { rows } from '../store/statements.js';
import { txCached } from '../store/tx-cache.js';
import { versionDefinition } from '../store/workflows.js';

export interface FiredEvent {
  orgId: string;
  spaceId: string;
  /** e.g. content.updated, task.status_changed, comment.created, share_email.sent */
  type: string;
  target: Target | null;
  /** Unique per event occurrence: with the workflow id it keys the run. */
  key: string;
  /** What the run sees as `input` (and the audit records). */
  data: Record<string, unknown>;
  /** The user behind the event, if any (becomes the run's startedBy, for four-eyes checks). */
  userId: string | null;
  /** The workflow whose run caused the event, which must not fire again from it. */
  fromWorkflowId: string | null;
  at: number;
}

export function triggerMatches(trigger: Trigger, e: FiredEvent): boolean {
  if (trigger.type !== e.type) return false;
  switch (trigger.type) {
    case 'content.updated':
    case 'task.updated': {
      if (!trigger.fields) return true;
      const changed = (e.data.changed as string[] | undefined) ?? [];
      return trigger.fields.some((f) => changed.includes(f));
    }
    case 'content.status_changed':
    case 'task.status_changed':
      return (trigger.from === undefined || trigger.from === e.data.from) && (trigger.to === undefined || trigger.to === e.data.to);
    default:
      return true;
  }
}

/** Creates one run per matching enabled workflow of the event's space; returns their ids. */
export async function fireEvent(trx: Transaction<DB>, e: FiredEvent): Promise<string[]> {
  const candidates = await txCached(trx, `workflows:${e.orgId}:${e.spaceId}`, () =>
    rows<{ id: string; version: number }>(trx, 'SELECT id, version FROM workflows WHERE space_id = ? AND org_id = ? AND enabled = 1', [e.spaceId, e.orgId]),
  );
  const created: string[] = [];
  for (const wf of candidates) {
    if (wf.id === e.fromWorkflowId) continue;
    // Each version's definition is parsed once per process (versions never change).
    const def = await versionDefinition(trx, wf.id, wf.version);
    if (!triggerMatches(def.trigger as Trigger, e)) continue;
    const eventKey = `${e.key}:${wf.id}`;
    const exists = await trx.selectFrom('runs').select('id').where('event_key', '=', eventKey).executeTakeFirst();
    if (exists) continue;
    created.push(
      await createRun(trx, dialectOf(trx), {
        orgId: e.orgId,
        spaceId: e.spaceId,
        workflowId: wf.id,
        workflowVersion: wf.version,
        target: e.target ? { type: e.target.type, id: e.target.id, version: e.target.version } : null,
        trigger: { type: e.type, event: e.data, ...(e.userId ? { by: e.userId } : {}) },
        input: { event: e.data },
        startedBy: e.userId,
        eventKey,
        actor: e.userId ? `user:${e.userId}` : 'system',
      }, e.at),
    );
  }
  return created;
}

// A run's workflow never changes, so it is remembered (the worker tells it as it runs phases).
const workflowOfRunCache = new Map<string, string>();

/** Records the workflow of a run this process has read, so its target changes need not read it again. */
export function rememberRunWorkflow(runId: string, workflowId: string): void {
  if (workflowOfRunCache.size >= 10_000) workflowOfRunCache.delete(workflowOfRunCache.keys().next().value!);
  workflowOfRunCache.set(runId, workflowId);
}

async function workflowOfRun(trx: Transaction<DB>, runId: string): Promise<string | null> {
  const known = workflowOfRunCache.get(runId);
  if (known) return known;
  const r = await trx.selectFrom('runs').select('workflow_id').where('id', '=', runId).executeTakeFirst();
  if (r) rememberRunWorkflow(runId, r.workflow_id);
  return r?.workflow_id ?? null;
}

/** Target hook: turns target changes into trigger events. */
export async function fireTargetTriggers(trx: Transaction<DB>, event: TargetEvent): Promise<void> {
  const byUser = 'by' in event && event.by && 'userId' in event.by ? event.by.userId : null;
  const byRun = 'by' in event && event.by && 'runId' in event.by ? event.by.runId : null;
  const fromWorkflowId = byRun ? await workflowOfRun(trx, byRun) : null;
  const base = { orgId: event.orgId, userId: byUser, fromWorkflowId, at: event.at };
  switch (event.kind) {
    case 'created': {
      const t = event.target;
      await fireEvent(trx, { ...base, spaceId: t.spaceId, type: `${t.type}.created`, target: t, key: `${t.type}.created:${t.id}`, data: { targetId: t.id, version: t.version } });
      return;
    }
    case 'updated': {
      const t = event.after;
      const key = `${t.type}:${t.id}@${t.version}`;
      await fireEvent(trx, { ...base, spaceId: t.spaceId, type: `${t.type}.updated`, target: t, key: `updated:${key}`, data: { targetId: t.id, version: t.version, changed: event.changed } });
      if (event.changed.includes('status')) {
        await fireEvent(trx, {
          ...base,
          spaceId: t.spaceId,
          type: `${t.type}.status_changed`,
          target: t,
          key: `status_changed:${key}`,
          data: { targetId: t.id, version: t.version, from: event.before.status, to: t.status },
        });
      }
      return;
    }
    case 'comment_created': {
      const t = event.target;
      const c = event.comment;
      await fireEvent(trx, {
        ...base,
        userId: c.author && 'userId' in c.author ? c.author.userId : null,
        fromWorkflowId: c.runId ? await workflowOfRun(trx, c.runId) : null,
        spaceId: t.spaceId,
        type: 'comment.created',
        target: t,
        key: `comment.created:${c.id}`,
        data: { targetId: t.id, commentId: c.id, source: c.source },
      });
      return;
    }
    case 'deleted':
      return;
  }
}
