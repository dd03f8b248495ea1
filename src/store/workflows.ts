/**
 * Workflow queries. A workflow row holds what may change without a new definition (name,
 * enabled, webhook secret hash) and the number of its current version; every save of the
 * definition inserts an immutable `workflow_versions` row, and the move of `workflows.version`
 * is guarded by the version the save was computed from, so two saves of the same version
 * produce one new version and one refusal.
 */
import type { Trigger, Phase } from '../definitions/schema.js';
import type { Executor } from './db.js';
import { rows } from './statements.js';
import { txCached, txForget } from './tx-cache.js';

/** What a version row's `definition` column holds (JSON). */
export interface StoredDefinition {
  trigger: Trigger;
  phases: Phase[];
}

export interface WorkflowRecord {
  id: string;
  orgId: string;
  spaceId: string;
  name: string;
  enabled: boolean;
  version: number;
  trigger: Trigger;
  phases: Phase[];
  hasWebhookSecret: boolean;
  createdBy: string | null;
  /** UTC milliseconds */
  createdAt: number;
  updatedAt: number;
}

export interface WorkflowVersionRecord {
  workflowId: string;
  version: number;
  name: string;
  trigger: Trigger;
  phases: Phase[];
  createdBy: string | null;
  createdAt: number;
}

function workflowQuery(db: Executor) {
  return db
    .selectFrom('workflows as w')
    .innerJoin('workflow_versions as v', (j) => j.onRef('v.workflow_id', '=', 'w.id').onRef('v.version', '=', 'w.version'))
    .select([
      'w.id',
      'w.org_id',
      'w.space_id',
      'w.name',
      'w.enabled',
      'w.version',
      'w.webhook_secret_hash',
      'w.created_by',
      'w.created_at',
      'w.updated_at',
      'v.definition',
    ]);
}

type WorkflowRow = Awaited<ReturnType<ReturnType<typeof workflowQuery>['executeTakeFirstOrThrow']>>;

function toRecord(r: Omit<WorkflowRow, 'definition'>, def: StoredDefinition): WorkflowRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    spaceId: r.space_id,
    name: r.name,
    enabled: Number(r.enabled) === 1,
    version: r.version,
    trigger: def.trigger,
    phases: def.phases,
    hasWebhookSecret: r.webhook_secret_hash !== null,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const definitions = new Map<string, StoredDefinition>();

/**
 * The definition of one version of a workflow, parsed once: versions never change, so each
 * is read and parsed once per process (the run engine reads it at every transition). The
 * object is shared: callers must not change it.
 */
export async function versionDefinition(db: Executor, workflowId: string, version: number): Promise<StoredDefinition> {
  const key = `${workflowId}@${version}`;
  const hit = definitions.get(key);
  if (hit) return hit;
  const [row] = await rows<{ definition: string }>(db, 'SELECT definition FROM workflow_versions WHERE workflow_id = ? AND version = ?', [workflowId, version]);
  if (!row) throw new Error(`workflow ${workflowId} has no version ${version}`);
  const def = JSON.parse(row.definition) as StoredDefinition;
  if (definitions.size >= 5000) definitions.delete(definitions.keys().next().value!);
  definitions.set(key, def);
  return def;
}

/** The workflow with its current definition, or undefined when it is not in this org. */
export async function getWorkflow(db: Executor, orgId: string, id: string): Promise<WorkflowRecord | undefined> {
  const [r] = await rows<Omit<WorkflowRow, 'definition'>>(
    db,
    'SELECT id, org_id, space_id, name, enabled, version, webhook_secret_hash, created_by, created_at, updated_at FROM workflows WHERE id = ? AND org_id = ?',
    [id, orgId],
  );
  if (!r) return undefined;
  return toRecord(r, await versionDefinition(db, r.id, r.version));
}

/** One immutable version of a workflow (what a run pins), or undefined. */
export async function getWorkflowVersion(db: Executor, workflowId: string, version: number): Promise<WorkflowVersionRecord | undefined> {
  const row = await db
    .selectFrom('workflow_versions')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) return undefined;
  const def = JSON.parse(row.definition) as StoredDefinition;
  return { workflowId: row.workflow_id, version: row.version, name: row.name, trigger: def.trigger, phases: def.phases, createdBy: row.created_by, createdAt: row.created_at };
}

/** A space's workflows in id (creation) order, `limit` of them after the id `after`. */
export async function listWorkflows(db: Executor, spaceId: string, opts: { limit: number; after?: string }): Promise<WorkflowRecord[]> {
  let q = workflowQuery(db).where('w.space_id', '=', spaceId);
  if (opts.after) q = q.where('w.id', '>', opts.after);
  const rows = await q.orderBy('w.id').limit(opts.limit).execute();
  return rows.map((r) => toRecord(r, JSON.parse(r.definition) as StoredDefinition));
}

/** A workflow's versions, newest first, `limit` of them below the version `before`. */
export async function listWorkflowVersions(
  db: Executor,
  workflowId: string,
  opts: { limit: number; before?: number },
): Promise<Array<{ version: number; name: string; createdBy: string | null; createdAt: number }>> {
  let q = db.selectFrom('workflow_versions').select(['version', 'name', 'created_by', 'created_at']).where('workflow_id', '=', workflowId);
  if (opts.before !== undefined) q = q.where('version', '<', opts.before);
  const rows = await q.orderBy('version', 'desc').limit(opts.limit).execute();
  return rows.map((r) => ({ version: r.version, name: r.name, createdBy: r.created_by, createdAt: r.created_at }));
}

/**
 * Who belongs to a space for approvals and notifications: its members, and the owners and
 * admins of its org, who can see and act in every space (GET /api/me lists them as editors).
 */
export async function spaceMemberIds(db: Executor, spaceId: string): Promise<Set<string>> {
  return (await spaceRoster(db, spaceId)).members;
}

/**
 * Who may receive a space's messages, in one query: `members` are the space's members and the
 * org's owners and admins; `editors` are the space's editors.
 */
export async function spaceRoster(db: Executor, spaceId: string): Promise<{ members: Set<string>; editors: Set<string> }> {
  return txCached(db, `${ROSTER}${spaceId}`, async () => {
    const found = await rows<{ user_id: string; role: string }>(
      db,
      `SELECT user_id, role FROM space_members WHERE space_id = ?
       UNION ALL
       SELECT m.user_id, 'org_admin' FROM spaces s JOIN memberships m ON m.org_id = s.org_id WHERE s.id = ? AND m.role IN ('owner', 'admin')`,
      [spaceId, spaceId],
    );
    return { members: new Set(found.map((r) => r.user_id)), editors: new Set(found.filter((r) => r.role === 'editor').map((r) => r.user_id)) };
  });
}

/** The read cache's prefix for spaces' people: a write of space members or org memberships forgets it. */
export const ROSTER = 'roster:';

export interface NewWorkflow {
  id: string;
  orgId: string;
  spaceId: string;
  name: string;
  enabled: boolean;
  definition: StoredDefinition;
  webhookSecretHash: string | null;
  createdBy: string | null;
  now: number;
}

/** Inserts a workflow and its version 1. */
export async function insertWorkflow(db: Executor, w: NewWorkflow): Promise<void> {
  txForget(db, 'workflows:');
  await db
    .insertInto('workflows')
    .values({
      id: w.id,
      org_id: w.orgId,
      space_id: w.spaceId,
      name: w.name,
      enabled: w.enabled ? 1 : 0,
      version: 1,
      webhook_secret_hash: w.webhookSecretHash,
      created_by: w.createdBy,
      created_at: w.now,
      updated_at: w.now,
    })
    .execute();
  await db
    .insertInto('workflow_versions')
    .values({ workflow_id: w.id, version: 1, name: w.name, definition: JSON.stringify(w.definition), created_by: w.createdBy, created_at: w.now })
    .execute();
}

export interface SaveVersion {
  id: string;
  /** The version the save was computed from; the save is refused if the workflow moved on. */
  expectedVersion: number;
  name: string;
  definition: StoredDefinition;
  /** Leave out to keep the current state. */
  enabled?: boolean;
  /** A new hash, null to clear it, or leave out to keep the current one. */
  webhookSecretHash?: string | null;
  by: string | null;
  now: number;
}

/**
 * Makes version expectedVersion + 1 the current one. Returns false, writing nothing, when
 * the workflow is no longer at expectedVersion (another save won the race).
 */
export async function saveWorkflowVersion(db: Executor, s: SaveVersion): Promise<{ saved: false } | { saved: true; version: number }> {
  txForget(db, 'workflows:');
  const version = s.expectedVersion + 1;
  const res = await db
    .updateTable('workflows')
    .set({
      version,
      name: s.name,
      updated_at: s.now,
      ...(s.enabled !== undefined ? { enabled: s.enabled ? 1 : 0 } : {}),
      ...(s.webhookSecretHash !== undefined ? { webhook_secret_hash: s.webhookSecretHash } : {}),
    })
    .where('id', '=', s.id)
    .where('version', '=', s.expectedVersion)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return { saved: false };
  await db
    .insertInto('workflow_versions')
    .values({ workflow_id: s.id, version, name: s.name, definition: JSON.stringify(s.definition), created_by: s.by, created_at: s.now })
    .execute();
  return { saved: true, version };
}

/**
 * Enables or disables a workflow (no new version). Returns false when it already was in that
 * state, so a caller records only real changes even when two requests race.
 */
export async function setWorkflowEnabled(db: Executor, id: string, enabled: boolean, now: number): Promise<boolean> {
  txForget(db, 'workflows:');
  const res = await db
    .updateTable('workflows')
    .set({ enabled: enabled ? 1 : 0, updated_at: now })
    .where('id', '=', id)
    .where('enabled', '=', enabled ? 0 : 1)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Renames a workflow (no new version; saved versions keep the name they were saved with). Returns false when the name was already that. */
export async function renameWorkflow(db: Executor, id: string, name: string, now: number): Promise<boolean> {
  const res = await db.updateTable('workflows').set({ name, updated_at: now }).where('id', '=', id).where('name', '<>', name).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Replaces the webhook secret hash. With `expectedVersion`, only while the workflow is still
 * at that version (its trigger is the one the caller checked); returns whether it was set.
 */
export async function setWebhookSecretHash(db: Executor, id: string, hash: string | null, now: number, expectedVersion?: number): Promise<boolean> {
  let q = db.updateTable('workflows').set({ webhook_secret_hash: hash, updated_at: now }).where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The stored SHA-256 of a workflow's webhook secret, for the hook endpoint to compare against. */
export async function getWebhookSecretHash(db: Executor, workflowId: string): Promise<string | null | undefined> {
  const row = await db.selectFrom('workflows').select('webhook_secret_hash').where('id', '=', workflowId).executeTakeFirst();
  return row ? row.webhook_secret_hash : undefined;
}
