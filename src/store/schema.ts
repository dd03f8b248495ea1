/**
 * Kysely table types: one schema for both dialects. Times are UTC milliseconds (bigint in
 * PostgreSQL, integer in SQLite), booleans are 0/1 integers, and structured values are
 * JSON text, so every query reads the same on both.
 */
import type { Generated } from 'kysely';

export interface OrgsTable {
  id: string;
  name: string;
  max_active_runs: number;
  created_at: number;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  is_instance_admin: number;
  created_at: number;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  created_at: number;
}

export interface AuthTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  org_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface SpacesTable {
  id: string;
  org_id: string;
  name: string;
  /** JSON array of status names, in order. */
  statuses: string;
  created_at: number;
}

export interface SpaceMembersTable {
  space_id: string;
  user_id: string;
  role: 'editor' | 'viewer';
  created_at: number;
}

export interface ContentItemsTable {
  id: string;
  org_id: string;
  space_id: string;
  title: string;
  caption: string | null;
  status: string;
  platforms: string;
  scheduled_at: number | null;
  assignees: string;
  tags: string;
  version: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface TasksTable {
  id: string;
  org_id: string;
  space_id: string;
  title: string;
  description: string | null;
  status: string;
  assignee: string | null;
  due_at: number | null;
  version: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface CommentsTable {
  id: string;
  org_id: string;
  target_type: 'content' | 'task';
  target_id: string;
  author_user_id: string | null;
  author_email: string | null;
  /** app | guest | workflow */
  source: string;
  run_id: string | null;
  body: string;
  created_at: number;
}

export interface WorkflowsTable {
  id: string;
  org_id: string;
  space_id: string;
  name: string;
  enabled: number;
  version: number;
  webhook_secret_hash: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface WorkflowVersionsTable {
  workflow_id: string;
  version: number;
  name: string;
  /** JSON: {trigger, phases}. Immutable once written. */
  definition: string;
  created_by: string | null;
  created_at: number;
}

export interface AuditEventsTable {
  org_id: string;
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  run_id: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

/** The newest event of each org's audit chain, written with every append. */
export interface AuditHeadsTable {
  org_id: string;
  seq: number;
  hash: string;
}

/** Audit events committed but not chained yet (PostgreSQL): the sealer moves them into audit_events. */
export interface AuditPendingTable {
  id: Generated<number>;
  org_id: string;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  run_id: string | null;
  data: string;
}

export interface MigrationsTable {
  id: number;
  name: string;
  checksum: string;
  applied_at: number;
}

export interface RunsTable {
  id: string;
  org_id: string;
  space_id: string;
  workflow_id: string;
  workflow_version: number;
  status: string;
  outcome: string | null;
  target_type: 'content' | 'task' | null;
  target_id: string | null;
  target_version_start: number | null;
  /** The target version the run last saw: at start, after its own mutation, or at the last approval. */
  target_version_seen: number | null;
  trigger: string;
  input: string;
  /** Unique key of the event that created the run: one event makes one run per workflow. */
  event_key: string | null;
  started_by: string | null;
  rerun_of: string | null;
  current_phase_id: string | null;
  waiting_for: string | null;
  error: string | null;
  /** Grows by one on every transition; every state write is guarded by it. */
  rev: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
  deleted_at: number | null;
}

export interface PhaseExecutionsTable {
  id: string;
  run_id: string;
  phase_id: string;
  phase_index: number;
  type: string;
  attempt: number;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  waiting_for: string | null;
  wake_at: number | null;
  skipped_by: string | null;
  skip_reason: string | null;
  started_at: number | null;
  ended_at: number | null;
}

export interface JobsTable {
  id: string;
  kind: string;
  org_id: string | null;
  run_id: string | null;
  execution_id: string | null;
  payload: string;
  due_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  /** Grows on every claim: a worker whose lease expired finds its fenced writes match nothing. */
  fence: number;
  attempts: number;
  created_at: number;
}

export interface OutboxTable {
  id: string;
  org_id: string;
  run_id: string | null;
  execution_id: string | null;
  to_addr: string;
  subject: string;
  text_body: string;
  html_body: string;
  links: string;
  /** pending | sent | failed (gave up after retries) | held (no SMTP configured: kept for the outbox viewer) */
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  message_id: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface NotificationsTable {
  id: string;
  org_id: string;
  user_id: string;
  kind: string;
  run_id: string | null;
  message: string;
  created_at: number;
  read_at: number | null;
}

export interface GateApproversTable {
  execution_id: string;
  /** "user:<id>" or "email:<address>" */
  approver_key: string;
  run_id: string;
  user_id: string | null;
  email: string | null;
  /** definition | escalation */
  added_by: string;
  created_at: number;
}

export interface GateDecisionsTable {
  id: string;
  org_id: string;
  run_id: string;
  execution_id: string;
  approver_key: string;
  user_id: string | null;
  email: string | null;
  decision: 'approve' | 'deny';
  comment: string | null;
  target_version: number | null;
  /** app | link | api */
  via: string;
  /** 1 while it counts; 0 once the target changed after it (resetOnEdit). */
  counts: number;
  created_at: number;
}

export interface GuestLinksTable {
  id: string;
  token_hash: string;
  /** approval (may decide) | share (view and comment) */
  kind: string;
  org_id: string;
  run_id: string;
  execution_id: string;
  phase_id: string;
  email: string;
  target_type: 'content' | 'task' | null;
  target_id: string | null;
  expires_at: number;
  used_at: number | null;
  closed_at: number | null;
  created_at: number;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
}

export interface BulkOperationsTable {
  id: string;
  org_id: string;
  /** cancel | delete */
  action: string;
  /** JSON: the selection as requested, {ids?, filter?: {workflowId?, status?, spaceId?}}. */
  filter: string;
  /** JSON array: the spaces the requester could write in when the operation was confirmed. */
  space_ids: string;
  /** The largest run id of the selection when it was counted: later runs are never touched. */
  up_to_run_id: string | null;
  counted_at: number;
  requested_by: string;
  /** running | done | failed */
  status: string;
  total: number;
  done: number;
  /** Runs this operation actually cancelled or deleted. */
  changed: number;
  /** Keyset cursor: every selected run with an id up to this one has been handled. */
  last_run_id: string | null;
  /** sha256 of the confirmed request (body with its confirmToken) and the requester: a repeat maps here. */
  confirm_hash: string;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** A slot of an org's flow-control limit, free (run_id null) or held by a run. */
export interface OrgSlotsTable {
  org_id: string;
  slot: number;
  run_id: string | null;
}

/** One version of a target's fields (column values by column name), written with the change that made it. */
export interface TargetVersionsTable {
  target_type: 'content' | 'task';
  target_id: string;
  version: number;
  org_id: string;
  /** JSON: {column: stored value} of every field column at this version. */
  fields: string;
  /** user:<id> | run:<id>; null for versions recorded when the table was created. */
  changed_by: string | null;
  created_at: number;
}

/** The target version a viewer (user:<id> or link:<guest link id>) last saw on a run's page. */
export interface RunViewsTable {
  run_id: string;
  viewer_key: string;
  target_version: number | null;
  viewed_at: number;
}

export interface DB {
  target_versions: TargetVersionsTable;
  run_views: RunViewsTable;
  org_slots: OrgSlotsTable;
  gate_approvers: GateApproversTable;
  gate_decisions: GateDecisionsTable;
  guest_links: GuestLinksTable;
  instance_settings: InstanceSettingsTable;
  bulk_operations: BulkOperationsTable;
  runs: RunsTable;
  phase_executions: PhaseExecutionsTable;
  jobs: JobsTable;
  outbox: OutboxTable;
  notifications: NotificationsTable;
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  auth_tokens: AuthTokensTable;
  spaces: SpacesTable;
  space_members: SpaceMembersTable;
  content_items: ContentItemsTable;
  tasks: TasksTable;
  comments: CommentsTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  audit_pending: AuditPendingTable;
  flowgate_migrations: MigrationsTable;
}

export type { Generated };
