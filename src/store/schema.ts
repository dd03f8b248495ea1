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

export interface MigrationsTable {
  id: number;
  name: string;
  checksum: string;
  applied_at: number;
}

export interface DB {
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
  flowgate_migrations: MigrationsTable;
}

export type { Generated };
