/**
 * Scheduled workflows. A scheduled workflow has exactly one `schedule` job, due at its next
 * slot. When it fires, the run (keyed by workflow and slot, so no slot runs twice even with
 * several processes) and the next job are written in one transaction. After downtime the job
 * is simply overdue: it fires once, marked late, and the next slot is computed from now, so
 * missed slots are not replayed one by one.
 */
import { lockWorkflow } from '../store/locks.js';
import { Cron } from 'croner';
import type { Transaction } from 'kysely';
import type { Trigger } from '../definitions/index.js';
import { dialectOf } from '../store/dialect.js';
import type { DB } from '../store/schema.js';
import { enqueueJobs, type Job } from './jobs.js';
import { createRun } from './runs.js';

/** A fire counts as late when it runs more than this after its slot. */
export const LATE_AFTER_MS = 60_000;

export function nextSlot(trigger: Extract<Trigger, { type: 'schedule' }>, after: number): number | null {
  const next = new Cron(trigger.cron, { timezone: trigger.timezone, paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}

/** Makes the workflow's schedule job match its current definition and enabled state. */
export async function syncSchedule(trx: Transaction<DB>, workflowId: string, now: number): Promise<void> {
  // Serialises the writers of a workflow's schedule job (a save or enable/disable, and a fire)
  // on PostgreSQL. Without it, a save that read the job list before a concurrent fire
  // committed would miss the fire's next job and add its own: two jobs, every slot fired
  // twice over. (SQLite has one writer.)
  await lockWorkflow(trx, workflowId);
  const wf = await trx
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', (j) => j.onRef('v.workflow_id', '=', 'w.id').onRef('v.version', '=', 'w.version'))
    .select(['w.id', 'w.org_id', 'w.enabled', 'v.definition'])
    .where('w.id', '=', workflowId)
    .executeTakeFirst();
  if (!wf) return;
  const existing = await trx.selectFrom('jobs').select(['id', 'payload']).where('kind', '=', 'schedule').where('org_id', '=', wf.org_id).execute();
  const mine = existing.filter((j) => (JSON.parse(j.payload) as { workflowId?: string }).workflowId === workflowId);
  if (mine.length) await trx.deleteFrom('jobs').where('id', 'in', mine.map((j) => j.id)).execute();
  const trigger = (JSON.parse(wf.definition) as { trigger: Trigger }).trigger;
  if (wf.enabled !== 1 || trigger.type !== 'schedule') return;
  const slot = nextSlot(trigger, now);
  if (slot === null) return;
  await enqueueJobs(trx, [{ kind: 'schedule', orgId: wf.org_id, runId: null, payload: { workflowId, slot }, dueAt: slot }], now);
}

/** A schedule job fell due: start the run for its slot and set up the next one. */
export async function fireSchedule(trx: Transaction<DB>, job: Job, now: number): Promise<string | null> {
  const { workflowId, slot } = JSON.parse(job.payload) as { workflowId: string; slot: number };
  await lockWorkflow(trx, workflowId);
  const wf = await trx
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', (j) => j.onRef('v.workflow_id', '=', 'w.id').onRef('v.version', '=', 'w.version'))
    .select(['w.id', 'w.org_id', 'w.space_id', 'w.version', 'w.enabled', 'v.definition'])
    .where('w.id', '=', workflowId)
    .executeTakeFirst();
  const trigger = wf ? (JSON.parse(wf.definition) as { trigger: Trigger }).trigger : null;
  if (!wf || wf.enabled !== 1 || trigger?.type !== 'schedule') return null;
  const eventKey = `schedule:${workflowId}:${slot}`;
  let runId: string | null = null;
  const exists = await trx.selectFrom('runs').select('id').where('event_key', '=', eventKey).executeTakeFirst();
  if (!exists) {
    const late = now - slot > LATE_AFTER_MS;
    runId = await createRun(trx, dialectOf(trx), {
      orgId: wf.org_id,
      spaceId: wf.space_id,
      workflowId,
      workflowVersion: wf.version,
      target: null,
      trigger: { type: 'schedule', cron: trigger.cron, timezone: trigger.timezone, slot: new Date(slot).toISOString(), late },
      input: { slot: new Date(slot).toISOString(), late },
      startedBy: null,
      eventKey,
      actor: 'system',
    }, now);
  }
  const next = nextSlot(trigger, Math.max(now, slot));
  if (next !== null) await enqueueJobs(trx, [{ kind: 'schedule', orgId: wf.org_id, runId: null, payload: { workflowId, slot: next }, dueAt: next }], now);
  return runId;
}
