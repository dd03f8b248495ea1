/**
 * Targets: content items and tasks, and the comments on them. These functions are the only
 * paths through which a target changes — the API calls them today, the run engine's mutate
 * and comment phases and the guest page will call them too — so they know nothing of HTTP.
 *
 * - Every field edit goes through `editTarget`: it refuses a missing or deleted target,
 *   checks the version the caller expects, computes what really changed (an edit that
 *   changes nothing does not bump the version), and writes with an UPDATE guarded by the
 *   version it read, checking the row count. Called inside the caller's transaction, the
 *   check and the write are one atomic step (docs/REQUIREMENTS.md section 6).
 * - Deleting is soft (`deleted_at`): the row stays so the engine can tell "deleted" from
 *   "never existed" (`getTarget(…, {includeDeleted: true})`, `TargetDeletedError`).
 * - Comments never change a target's version.
 * - Each change ends by calling `recordTargetEvent` in the same transaction: the place where
 *   the engine will record trigger events (content.created, content.updated, …).
 *
 * Times are stored as UTC milliseconds and taken/returned as ISO-8601 strings; lists are
 * stored as JSON text. Audit events are the caller's job (the audit log sits above the store).
 */
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import type { Executor } from './db.js';
import { newId } from './ids.js';
import { rows, run } from './statements.js';
import { txCached, txForget, txRemember } from './tx-cache.js';
import { runTargetHooks } from './target-hooks.js';
import type { ContentItemsTable, DB, TasksTable } from './schema.js';

export type TargetType = 'content' | 'task';
export const TARGET_TYPES: readonly TargetType[] = ['content', 'task'];

export interface ContentItem {
  type: 'content';
  id: string;
  spaceId: string;
  title: string;
  caption: string | null;
  status: string;
  platforms: string[];
  scheduledAt: string | null;
  /** User ids, members of the space when they were assigned. */
  assignees: string[];
  tags: string[];
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  /** Always null for what the API returns; set only with `includeDeleted`. */
  deletedAt: string | null;
}

export interface Task {
  type: 'task';
  id: string;
  spaceId: string;
  title: string;
  description: string | null;
  status: string;
  assignee: string | null;
  dueAt: string | null;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export type Target = ContentItem | Task;
export type TargetOf<T extends TargetType> = T extends 'content' ? ContentItem : Task;

/** Who makes a change: a person (becomes the item's `createdBy`), or a workflow run. */
export type ChangedBy = { userId: string } | { runId: string };

/** The display name of a target type in messages: "Content item", "Task". */
export const TARGET_LABEL: Record<TargetType, string> = { content: 'Content item', task: 'Task' };

// ---------------------------------------------------------------------------------------
// Field schemas: the same zod objects validate API requests (and generate their OpenAPI
// documents) and the values the engine passes in, so both paths accept exactly the same.

/**
 * A closed object: an unknown field is an issue at that field's path. (zod's strict mode
 * reports unknown keys at the object's own path, which does not name the field.)
 */
export function closedObject<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).catchall(unknownField).meta({ additionalProperties: false });
}
const unknownField = z.unknown().refine(() => false, { message: 'is not a known field' });

const noRepeats = (l: string[]) => new Set(l).size === l.length;
const stringList = (what: string) =>
  z.array(z.string().min(1).max(200)).max(50).refine(noRepeats, 'must not repeat an entry').describe(`${what}; at most 50, no repeats.`);
const userIds = z.array(z.string().min(1).max(100)).max(50).refine(noRepeats, 'must not repeat a user').describe('User ids of members of the space; at most 50.');
const TIME_MESSAGE = 'must be an ISO-8601 date-time such as 2030-01-31T09:00:00Z';
/** The calendar date exists (zod's pattern lets 2030-02-30 through, which Date rolls into March). */
function realDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d && Number.isFinite(Date.parse(s));
}
const isoTime = z.iso.datetime({ offset: true, error: TIME_MESSAGE, abort: true }).refine(realDate, TIME_MESSAGE);
const title = z.string().min(1).max(500);
const status = z.string().min(1).max(100).describe("One of the space's statuses; default: the first.");

const contentShape = {
  title,
  caption: z.string().max(10_000).nullable().optional(),
  status: status.optional(),
  platforms: stringList('Platforms such as "instagram"').optional(),
  scheduledAt: isoTime.nullable().optional().describe('ISO-8601 date-time; null clears it.'),
  assignees: userIds.optional(),
  tags: stringList('Tags').optional(),
};
const taskShape = {
  title,
  description: z.string().max(10_000).nullable().optional(),
  status: status.optional(),
  assignee: z.string().min(1).max(100).nullable().optional().describe('A user id of a member of the space; null clears it.'),
  dueAt: isoTime.nullable().optional().describe('ISO-8601 date-time; null clears it.'),
};

export const contentCreateSchema = closedObject(contentShape);
export const contentChangesSchema = closedObject({ ...contentShape, title: title.optional() });
export const taskCreateSchema = closedObject(taskShape);
export const taskChangesSchema = closedObject({ ...taskShape, title: title.optional() });
export const commentBodySchema = z.string().min(1).max(10_000);

export type ContentFields = z.input<typeof contentCreateSchema>;
export type ContentChanges = z.input<typeof contentChangesSchema>;
export type TaskFields = z.input<typeof taskCreateSchema>;
export type TaskChanges = z.input<typeof taskChangesSchema>;
export type FieldsOf<T extends TargetType> = T extends 'content' ? ContentFields : TaskFields;
export type ChangesOf<T extends TargetType> = T extends 'content' ? ContentChanges : TaskChanges;

const SCHEMAS = {
  content: { create: contentCreateSchema, changes: contentChangesSchema },
  task: { create: taskCreateSchema, changes: taskChangesSchema },
} as const;

function parseFields(type: TargetType, kind: 'create' | 'changes', value: unknown): Record<string, unknown> {
  const res = SCHEMAS[type][kind].safeParse(value);
  if (res.success) return res.data as Record<string, unknown>;
  const details = res.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new InvalidInputError(`The ${TARGET_LABEL[type].toLowerCase()} fields are invalid: ${details.map((d) => `${d.path || 'fields'}: ${d.message}`).join('; ')}`, details);
}

// ---------------------------------------------------------------------------------------
// Storage mapping: API field → column, and how a value is encoded for it.

type Col = string | number | null;
const asText = (v: unknown): Col => (v === undefined ? null : (v as string | null));
const asJson = (v: unknown): Col => JSON.stringify(v ?? []);
const asTime = (v: unknown): Col => (v === null || v === undefined ? null : Date.parse(v as string));

const COLUMNS: Record<TargetType, Record<string, { column: string; encode: (v: unknown) => Col }>> = {
  content: {
    title: { column: 'title', encode: asText },
    caption: { column: 'caption', encode: asText },
    status: { column: 'status', encode: asText },
    platforms: { column: 'platforms', encode: asJson },
    scheduledAt: { column: 'scheduled_at', encode: asTime },
    assignees: { column: 'assignees', encode: asJson },
    tags: { column: 'tags', encode: asJson },
  },
  task: {
    title: { column: 'title', encode: asText },
    description: { column: 'description', encode: asText },
    status: { column: 'status', encode: asText },
    assignee: { column: 'assignee', encode: asText },
    dueAt: { column: 'due_at', encode: asTime },
  },
};

/** The fields of each type, in API order. */
export const TARGET_FIELD_NAMES: Record<TargetType, string[]> = { content: Object.keys(COLUMNS.content), task: Object.keys(COLUMNS.task) };

const TABLE = { content: 'content_items', task: 'tasks' } as const;
type Row = ContentItemsTable | TasksTable;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Records a version of a target's fields (target_versions), one prepared statement in the
 * transaction of the create or edit that made it: a committed version always has its row.
 */
const VERSION_INSERT = 'INSERT INTO target_versions (target_type, target_id, version, org_id, fields, changed_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
function recordVersion(trx: Executor, orgId: string, type: TargetType, row: Row, by: ChangedBy, now: number): Promise<number> {
  const fields: Record<string, unknown> = {};
  for (const { column } of Object.values(COLUMNS[type])) fields[column] = (row as unknown as Record<string, Col>)[column];
  const who = 'userId' in by ? `user:${by.userId}` : `run:${by.runId}`;
  return run(trx, VERSION_INSERT, [type, row.id, row.version, orgId, JSON.stringify(fields), who, now]);
}

/** A recorded version's fields as the API names them (the inverse of COLUMNS). */
export function versionFields(type: TargetType, fieldsJson: string): Record<string, unknown> {
  const stored = JSON.parse(fieldsJson) as Record<string, Col>;
  const t = toTarget(type, { ...stored, id: '', space_id: '', version: 0, created_by: null, created_at: 0, updated_at: 0, deleted_at: null } as unknown as Row) as unknown as Record<string, unknown>;
  return Object.fromEntries(TARGET_FIELD_NAMES[type].map((f) => [f, t[f]]));
}

function toTarget(type: TargetType, row: Row): Target {
  const common = {
    id: row.id,
    spaceId: row.space_id,
    title: row.title,
    status: row.status,
    version: row.version,
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    deletedAt: iso(row.deleted_at),
  };
  if (type === 'content') {
    const r = row as ContentItemsTable;
    return {
      type: 'content',
      ...common,
      caption: r.caption,
      platforms: JSON.parse(r.platforms) as string[],
      scheduledAt: iso(r.scheduled_at),
      assignees: JSON.parse(r.assignees) as string[],
      tags: JSON.parse(r.tags) as string[],
    } satisfies ContentItem;
  }
  const r = row as TasksTable;
  return { type: 'task', ...common, description: r.description, assignee: r.assignee, dueAt: iso(r.due_at) } satisfies Task;
}

// Both tables share id, org_id, space_id, version, updated_at and deleted_at; queries below
// touch type-specific columns only through COLUMNS, so one code path serves both.
// A transaction reads a target once (tx-cache.ts); every write below replaces or forgets
// its entry, and a write that loses its race reads the row afresh.
const rowKey = (orgId: string, type: TargetType, id: string) => `target:${type}:${orgId}:${id}`;

async function selectRow(db: Executor, orgId: string, type: TargetType, id: string, opts: { fresh?: boolean } = {}): Promise<Row | undefined> {
  const read = async () => (await rows<Row>(db, `SELECT * FROM ${TABLE[type]} WHERE id = ? AND org_id = ?`, [id, orgId]))[0];
  if (opts.fresh) txForget(db, rowKey(orgId, type, id));
  return txCached(db, rowKey(orgId, type, id), read);
}

// ---------------------------------------------------------------------------------------
// Validation against the space: statuses and members.

/** Refuses a status that is not in the space's list (`path` names the field in errors). */
export function checkStatus(statuses: string[], value: string, path = 'status'): void {
  if (statuses.includes(value)) return;
  throw new InvalidInputError(`"${value}" is not a status of this space; use one of: ${statuses.join(', ')}.`, [
    { path, message: `must be one of: ${statuses.join(', ')}` },
  ]);
}

/**
 * Refuses user ids that are not members (editors or viewers) of the space. `entries` pairs
 * each id with the path to name in errors, e.g. `["<id>", "assignees.0"]`.
 */
export async function checkSpaceMembers(db: Executor, spaceId: string, entries: Array<[userId: string, path: string]>): Promise<void> {
  if (entries.length === 0) return;
  const rows = await db
    .selectFrom('space_members')
    .select('user_id')
    .where('space_id', '=', spaceId)
    .where('user_id', 'in', [...new Set(entries.map(([id]) => id))])
    .execute();
  const members = new Set(rows.map((r) => r.user_id));
  const bad = entries.filter(([id]) => !members.has(id));
  if (bad.length === 0) return;
  throw new InvalidInputError(
    `Only members of the space can be assigned; not members: ${bad.map(([id]) => id).join(', ')}.`,
    bad.map(([, path]) => ({ path, message: 'is not a member of this space' })),
  );
}

async function spaceStatuses(db: Executor, orgId: string, spaceId: string): Promise<string[]> {
  const space = await db.selectFrom('spaces').select('statuses').where('id', '=', spaceId).where('org_id', '=', orgId).executeTakeFirst();
  if (!space) throw new NotFoundError('Space');
  return JSON.parse(space.statuses) as string[];
}

/**
 * Validates against the space the fields being set. Only what is new is checked: an item
 * keeps a status that has since left the space's list, and keeps an assignee who has since
 * left the space, until someone changes that field.
 */
async function checkAgainstSpace(db: Executor, orgId: string, spaceId: string, type: TargetType, set: Record<string, unknown>, before?: Target, statuses?: string[]): Promise<void> {
  if (typeof set.status === 'string') checkStatus(statuses ?? (await spaceStatuses(db, orgId, spaceId)), set.status);
  if (type === 'content' && Array.isArray(set.assignees)) {
    const had = new Set(before?.type === 'content' ? before.assignees : []);
    const added = (set.assignees as string[]).map((id, i): [string, string] => [id, `assignees.${i}`]).filter(([id]) => !had.has(id));
    await checkSpaceMembers(db, spaceId, added);
  }
  if (type === 'task' && typeof set.assignee === 'string') await checkSpaceMembers(db, spaceId, [[set.assignee, 'assignee']]);
}

// ---------------------------------------------------------------------------------------
// Reads

/** The target, or null when it does not exist in this org (or is deleted, unless asked). */
export async function getTarget<T extends TargetType>(db: Executor, orgId: string, type: T, id: string, opts: { includeDeleted?: boolean } = {}): Promise<TargetOf<T> | null> {
  const row = await selectRow(db, orgId, type, id);
  if (!row || (row.deleted_at !== null && !opts.includeDeleted)) return null;
  return toTarget(type, row) as TargetOf<T>;
}

export interface Page<T> {
  items: T[];
  /** The key to pass as `after` for the next page; null on the last page. */
  nextAfter: string | null;
}

function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { items: rows, nextAfter: null };
  const items = rows.slice(0, limit);
  return { items, nextAfter: items[items.length - 1]!.id };
}

/** A space's targets that are not deleted, newest first, keyset by id (`after` = last id seen). */
export async function listTargets<T extends TargetType>(db: Executor, args: { orgId: string; spaceId: string; type: T; limit: number; after?: string }): Promise<Page<TargetOf<T>>> {
  let q = db
    .selectFrom(TABLE[args.type] as 'tasks')
    .selectAll()
    .where('space_id', '=', args.spaceId)
    .where('org_id', '=', args.orgId)
    .where('deleted_at', 'is', null);
  if (args.after) q = q.where('id', '<', args.after);
  const rows = (await q.orderBy('id', 'desc').limit(args.limit + 1).execute()) as Row[];
  return pageOf(rows.map((r) => toTarget(args.type, r) as TargetOf<T>), args.limit);
}

// ---------------------------------------------------------------------------------------
// Changes. Each runs inside the caller's transaction and ends with recordTargetEvent.

/** A change to a target, as the engine will see it. */
export type TargetEvent =
  | { kind: 'created'; orgId: string; target: Target; by: ChangedBy; at: number }
  | { kind: 'updated'; orgId: string; before: Target; after: Target; changed: string[]; by: ChangedBy; at: number }
  | { kind: 'deleted'; orgId: string; target: Target; by: ChangedBy; at: number }
  | { kind: 'comment_created'; orgId: string; target: Target; comment: Comment; at: number };

/**
 * Called by createTarget, editTarget (only when something changed), deleteTarget and
 * addComment, inside their transaction, after the write: the engine's hooks (gate
 * re-evaluation, trigger events) run here, so a committed change and its consequences are
 * never apart.
 */
export async function recordTargetEvent(trx: Transaction<DB>, event: TargetEvent): Promise<void> {
  await runTargetHooks(trx, event);
}

/** A target that existed and was deleted: `code` stays `not_found` (404), but the engine can tell it from a missing one. */
export class TargetDeletedError extends NotFoundError {
  constructor(readonly targetType: TargetType, readonly targetId: string) {
    super(TARGET_LABEL[targetType]);
  }
}

async function liveRow(trx: Executor, orgId: string, type: TargetType, id: string, opts: { fresh?: boolean } = {}): Promise<Row> {
  const row = await selectRow(trx, orgId, type, id, opts);
  if (!row) throw new NotFoundError(TARGET_LABEL[type]);
  if (row.deleted_at !== null) throw new TargetDeletedError(type, id);
  return row;
}

export function versionMismatch(type: TargetType, current: number, expected: number): ConflictError {
  return new ConflictError(
    `The ${TARGET_LABEL[type].toLowerCase()} is at version ${current}, not version ${expected} as expected; it was changed meanwhile. Reload it and try again.`,
    'version_mismatch',
    { currentVersion: current, expectedVersion: expected },
  );
}

export async function createTarget<T extends TargetType>(
  trx: Transaction<DB>,
  args: { orgId: string; spaceId: string; type: T; fields: FieldsOf<T>; by: ChangedBy; now: number },
): Promise<TargetOf<T>> {
  const { orgId, spaceId, type, by, now } = args;
  const fields = parseFields(type, 'create', args.fields);
  const statuses = await spaceStatuses(trx, orgId, spaceId);
  fields.status ??= statuses[0];
  await checkAgainstSpace(trx, orgId, spaceId, type, fields, undefined, statuses);
  const id = newId();
  const values: Record<string, Col> = {
    id,
    org_id: orgId,
    space_id: spaceId,
    version: 1,
    created_by: 'userId' in by ? by.userId : null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  for (const [field, { column, encode }] of Object.entries(COLUMNS[type])) values[column] = encode(fields[field]);
  await trx.insertInto(TABLE[type] as 'tasks').values(values as unknown as TasksTable).execute();
  txRemember(trx, rowKey(orgId, type, id), values as unknown as Row);
  await recordVersion(trx, orgId, type, values as unknown as Row, by, now);
  const target = toTarget(type, values as unknown as Row) as TargetOf<T>;
  await recordTargetEvent(trx, { kind: 'created', orgId, target, by, at: now });
  return target;
}

export interface EditResult<T extends TargetType> {
  before: TargetOf<T>;
  after: TargetOf<T>;
  /** API names of the fields whose value changed; empty for an edit that changed nothing. */
  changed: string[];
}

/**
 * The one mechanism for every field edit. Refuses a missing target (NotFoundError) or a
 * deleted one (TargetDeletedError); with `expectedVersion`, refuses any other version
 * (ConflictError `version_mismatch`). Bumps the version by exactly one when a field really
 * changes, not at all otherwise. The write is guarded by the version read, so a concurrent
 * edit committed in between makes it match no row: with `expectedVersion` that is a
 * version_mismatch; without, the edit is computed again on the newer row.
 */
export async function editTarget<T extends TargetType>(
  trx: Transaction<DB>,
  args: { orgId: string; type: T; id: string; changes: ChangesOf<T>; expectedVersion?: number; by: ChangedBy; now: number },
): Promise<EditResult<T>> {
  const { orgId, type, id, expectedVersion, by, now } = args;
  const changes = parseFields(type, 'changes', args.changes);
  for (let attempt = 1; ; attempt++) {
    const row = await liveRow(trx, orgId, type, id);
    if (expectedVersion !== undefined && row.version !== expectedVersion) throw versionMismatch(type, row.version, expectedVersion);
    const set: Record<string, Col> = {};
    const changedValues: Record<string, unknown> = {};
    for (const [field, { column, encode }] of Object.entries(COLUMNS[type])) {
      if (changes[field] === undefined) continue;
      const value = encode(changes[field]);
      if (value === (row as unknown as Record<string, Col>)[column]) continue;
      set[column] = value;
      changedValues[field] = changes[field];
    }
    const before = toTarget(type, row) as TargetOf<T>;
    const changed = Object.keys(changedValues);
    if (changed.length === 0) return { before, after: before, changed };
    await checkAgainstSpace(trx, orgId, row.space_id, type, changedValues, before);

    const columns = Object.keys(set);
    const updated = await run(
      trx,
      `UPDATE ${TABLE[type]} SET ${columns.map((c) => `${c} = ?, `).join('')}version = ?, updated_at = ? WHERE id = ? AND version = ? AND deleted_at IS NULL`,
      [...columns.map((c) => set[c]), row.version + 1, now, id, row.version],
    );
    if (updated === 0) {
      // Lost a race to a concurrent edit or delete that committed after our read.
      const current = await liveRow(trx, orgId, type, id, { fresh: true });
      if (expectedVersion !== undefined || attempt >= 10) throw versionMismatch(type, current.version, expectedVersion ?? row.version);
      continue;
    }
    const written = { ...row, ...set, version: row.version + 1, updated_at: now } as Row;
    txRemember(trx, rowKey(orgId, type, id), written);
    await recordVersion(trx, orgId, type, written, by, now);
    const after = toTarget(type, written) as TargetOf<T>;
    await recordTargetEvent(trx, { kind: 'updated', orgId, before, after, changed, by, at: now });
    return { before, after, changed };
  }
}

/**
 * Soft-deletes a live target (NotFoundError / TargetDeletedError otherwise) and returns it
 * as it was, with `deletedAt` set. The version does not change. With `expectedVersion`,
 * refuses any other version (ConflictError `version_mismatch`).
 */
export async function deleteTarget<T extends TargetType>(
  trx: Transaction<DB>,
  args: { orgId: string; type: T; id: string; expectedVersion?: number; by: ChangedBy; now: number },
): Promise<TargetOf<T>> {
  const { orgId, type, id, expectedVersion, by, now } = args;
  const row = await liveRow(trx, orgId, type, id);
  if (expectedVersion !== undefined && row.version !== expectedVersion) throw versionMismatch(type, row.version, expectedVersion);
  let q = trx
    .updateTable(TABLE[type] as 'tasks')
    .set({ deleted_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  const res = await q.executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    // Lost a race: deleted meanwhile (liveRow throws), or edited when a version was expected.
    const current = await liveRow(trx, orgId, type, id, { fresh: true });
    throw versionMismatch(type, current.version, expectedVersion ?? row.version);
  }
  txRemember(trx, rowKey(orgId, type, id), { ...row, deleted_at: now } as Row);
  const target = { ...toTarget(type, row), deletedAt: iso(now) } as TargetOf<T>;
  await recordTargetEvent(trx, { kind: 'deleted', orgId, target, by, at: now });
  return target;
}

// ---------------------------------------------------------------------------------------
// Comments

export type CommentSource = 'app' | 'guest' | 'workflow';
/**
 * A member (`userId`), a guest reviewer (`email`), or a workflow run commenting on its own
 * (`workflowRunId`, or null with `runId` given).
 */
export type CommentAuthor = { userId: string } | { email: string } | { workflowRunId: string } | null;

export interface Comment {
  id: string;
  targetType: TargetType;
  targetId: string;
  body: string;
  author: { userId: string; name: string | null } | { email: string } | { workflowRunId: string } | null;
  source: CommentSource;
  runId: string | null;
  createdAt: string;
}

interface CommentRow {
  id: string;
  target_type: TargetType;
  target_id: string;
  body: string;
  author_user_id: string | null;
  author_email: string | null;
  source: string;
  run_id: string | null;
  created_at: number;
  author_name: string | null;
}

function toComment(r: CommentRow): Comment {
  const author = r.author_user_id
    ? { userId: r.author_user_id, name: r.author_name }
    : r.author_email
      ? { email: r.author_email }
      : r.run_id
        ? { workflowRunId: r.run_id }
        : null;
  return {
    id: r.id,
    targetType: r.target_type,
    targetId: r.target_id,
    body: r.body,
    author,
    source: r.source as CommentSource,
    runId: r.run_id,
    createdAt: iso(r.created_at)!,
  };
}

/** Adds a comment to a live target (NotFoundError / TargetDeletedError otherwise). Does not touch the target's version. */
export async function addComment(
  trx: Transaction<DB>,
  args: { orgId: string; type: TargetType; targetId: string; body: string; author: CommentAuthor; source: CommentSource; runId?: string | null; now: number },
): Promise<Comment> {
  const { orgId, type, targetId, author, source, now } = args;
  const body = commentBodySchema.safeParse(args.body);
  if (!body.success) throw new InvalidInputError(`The comment body ${body.error.issues[0]!.message}.`, [{ path: 'body', message: body.error.issues[0]!.message }]);
  const row = await liveRow(trx, orgId, type, targetId);
  const userId = author && 'userId' in author ? author.userId : null;
  const values = {
    id: newId(),
    org_id: orgId,
    target_type: type,
    target_id: targetId,
    author_user_id: userId,
    author_email: author && 'email' in author ? author.email.toLowerCase() : null,
    source,
    run_id: args.runId ?? (author && 'workflowRunId' in author ? author.workflowRunId : null),
    body: body.data,
    created_at: now,
  };
  await run(
    trx,
    'INSERT INTO comments (id, org_id, target_type, target_id, author_user_id, author_email, source, run_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [values.id, values.org_id, values.target_type, values.target_id, values.author_user_id, values.author_email, values.source, values.run_id, values.body, values.created_at],
  );
  const name = userId ? ((await trx.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst())?.name ?? null) : null;
  const comment = toComment({ ...values, author_name: name });
  await recordTargetEvent(trx, { kind: 'comment_created', orgId, target: toTarget(type, row), comment, at: now });
  return comment;
}

/**
 * A target's comments, oldest first, keyset by id (`after` = the last id seen). The caller
 * has checked that the target is in its org and readable.
 */
export async function listComments(db: Executor, type: TargetType, targetId: string, opts: { limit: number; after?: string }): Promise<Page<Comment>> {
  let q = db
    .selectFrom('comments as c')
    .leftJoin('users as u', 'u.id', 'c.author_user_id')
    .select(['c.id', 'c.target_type', 'c.target_id', 'c.body', 'c.author_user_id', 'c.author_email', 'c.source', 'c.run_id', 'c.created_at', 'u.name as author_name'])
    .where('c.target_type', '=', type)
    .where('c.target_id', '=', targetId);
  if (opts.after) q = q.where('c.id', '>', opts.after);
  const rows = await q.orderBy('c.id', 'asc').limit(opts.limit + 1).execute();
  return pageOf(rows.map((r) => toComment(r as CommentRow)), opts.limit);
}
