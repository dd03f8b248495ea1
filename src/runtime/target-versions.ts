/**
 * What changed in a run's target since an approver last looked (docs/decisions.md "What
 * changed since you last looked"). The store writes every version of a target's fields to
 * `target_versions` in the transaction of the change (src/store/targets.ts); an approver's
 * last look is the later of their last decision on the run (`gate_decisions.target_version`)
 * and the last time they opened the run page or review page (`run_views`, one upsert per
 * opening). The diff goes from that version to the target as it is now, field by field.
 *
 * Nothing here runs on the run transition path: it is read when a page is opened.
 */
import type { Executor } from '../store/db.js';
import { getTarget, TARGET_FIELD_NAMES, versionFields, type Target, type TargetType } from '../store/targets.js';

/** Who looks: a member, or a review link (its reviewer decides by email). */
export type Viewer = { userId: string } | { linkId: string; email: string };

/** A field's value as the API shows it: text, an ISO-8601 time, a list, or null. */
export type FieldValue = string | number | string[] | null;

export interface FieldChange {
  field: string;
  /** The field's name as people read it: "Caption", "Scheduled". */
  label: string;
  before: FieldValue;
  after: FieldValue;
}

export interface ChangesSince {
  /** The version the diff starts from, and why: the viewer's last decision or view, or asked for. Null: nothing to compare with. */
  since: { version: number; reason: 'decided' | 'viewed' | 'requested'; at: string | null } | null;
  currentVersion: number | null;
  /** False when the starting version was never recorded (it predates version history): `changes` is then empty. */
  recorded: boolean;
  /** Fields that differ between `since.version` and now, in the target's field order. */
  changes: FieldChange[];
}

export const FIELD_LABELS: Record<TargetType, Record<string, string>> = {
  content: { title: 'Title', caption: 'Caption', status: 'Status', platforms: 'Platforms', scheduledAt: 'Scheduled', assignees: 'Assignees', tags: 'Tags' },
  task: { title: 'Title', description: 'Description', status: 'Status', assignee: 'Assignee', dueAt: 'Due' },
};

interface RunRef {
  id: string;
  org_id: string;
  target_type: TargetType | null;
  target_id: string | null;
}

export const viewerKey = (v: Viewer) => ('userId' in v ? `user:${v.userId}` : `link:${v.linkId}`);

/** The viewer's last look at the run's target: the later of their last decision and last view. */
export async function lastLook(db: Executor, runId: string, viewer: Viewer): Promise<ChangesSince['since']> {
  let dq = db.selectFrom('gate_decisions').select(['target_version', 'created_at']).where('run_id', '=', runId).where('target_version', 'is not', null);
  dq = 'userId' in viewer ? dq.where('user_id', '=', viewer.userId) : dq.where('email', '=', viewer.email.toLowerCase());
  const decided = await dq.orderBy('target_version', 'desc').orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  const viewed = await db.selectFrom('run_views').select(['target_version', 'viewed_at']).where('run_id', '=', runId).where('viewer_key', '=', viewerKey(viewer)).executeTakeFirst();
  const d = decided?.target_version != null ? { version: decided.target_version, reason: 'decided' as const, at: new Date(decided.created_at).toISOString() } : null;
  const v = viewed?.target_version != null ? { version: viewed.target_version, reason: 'viewed' as const, at: new Date(viewed.viewed_at).toISOString() } : null;
  if (!d) return v;
  if (!v) return d;
  return v.version > d.version ? v : d;
}

function fieldsOf(t: Target): Record<string, unknown> {
  const r = t as unknown as Record<string, unknown>;
  return Object.fromEntries(TARGET_FIELD_NAMES[t.type].map((f) => [f, r[f]]));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The field-by-field diff of a target from a recorded version to now; null when that version was never recorded. */
export async function diffFromVersion(db: Executor, orgId: string, target: Target, fromVersion: number): Promise<FieldChange[] | null> {
  if (fromVersion >= target.version) return [];
  const row = await db
    .selectFrom('target_versions')
    .select('fields')
    .where('target_type', '=', target.type)
    .where('target_id', '=', target.id)
    .where('version', '=', fromVersion)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!row) return null;
  const before = versionFields(target.type, row.fields);
  const after = fieldsOf(target);
  return TARGET_FIELD_NAMES[target.type]
    .filter((f) => !same(before[f], after[f]))
    .map((f) => ({ field: f, label: FIELD_LABELS[target.type][f] ?? f, before: (before[f] ?? null) as FieldValue, after: (after[f] ?? null) as FieldValue }));
}

/**
 * What changed in the run's target since `since` (or, without it, since the viewer's last
 * look). The run must be the caller's to read; its target may be gone (no diff then).
 */
export async function changesSince(db: Executor, run: RunRef, viewer: Viewer, opts: { since?: number } = {}): Promise<ChangesSince & { target: Target | null }> {
  const target = run.target_type && run.target_id ? await getTarget(db, run.org_id, run.target_type, run.target_id) : null;
  const since = opts.since !== undefined ? { version: opts.since, reason: 'requested' as const, at: null } : await lastLook(db, run.id, viewer);
  if (!target) return { target: null, since, currentVersion: null, recorded: true, changes: [] };
  if (!since) return { target, since, currentVersion: target.version, recorded: true, changes: [] };
  const changes = await diffFromVersion(db, run.org_id, target, since.version);
  return { target, since, currentVersion: target.version, recorded: changes !== null, changes: changes ?? [] };
}

/** Records that the viewer has now seen the run's target at `version`: one upsert. */
export async function recordView(db: Executor, runId: string, viewer: Viewer, version: number | null, now: number): Promise<void> {
  await db
    .insertInto('run_views')
    .values({ run_id: runId, viewer_key: viewerKey(viewer), target_version: version, viewed_at: now })
    .onConflict((oc) => oc.columns(['run_id', 'viewer_key']).doUpdateSet((eb) => ({ target_version: eb.ref('excluded.target_version'), viewed_at: eb.ref('excluded.viewed_at') })))
    .execute();
}

/** Whether the member is named as an approver on any gate of the run (only approvers' views are recorded). */
export async function isApproverOfRun(db: Executor, runId: string, userId: string): Promise<boolean> {
  // Through the run's executions (index phase_executions_run) to the approvers' primary key.
  const row = await db
    .selectFrom('phase_executions as pe')
    .innerJoin('gate_approvers as ga', 'ga.execution_id', 'pe.id')
    .select('ga.approver_key')
    .where('pe.run_id', '=', runId)
    .where('ga.approver_key', '=', `user:${userId}`)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}
