/**
 * The numbered, append-only migration list. Never edit an entry that has shipped: add a new
 * one. Each entry holds the SQLite and PostgreSQL statements side by side; where the two
 * differ only in column types, `t` spells the type for the dialect at hand.
 */
export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  id: number;
  name: string;
  statements(dialect: Dialect): string[];
}

/** Column types that differ between dialects. */
export function t(dialect: Dialect) {
  const pg = dialect === 'postgres';
  return {
    /** UTC milliseconds */
    time: pg ? 'BIGINT' : 'INTEGER',
    big: pg ? 'BIGINT' : 'INTEGER',
  };
}

export const migrations: Migration[] = [
  {
    id: 1,
    name: 'identity, spaces, targets, workflows, audit',
    statements: (d) => {
      const { time, big } = t(d);
      return [
        `CREATE TABLE orgs (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          max_active_runs INTEGER NOT NULL DEFAULT 100,
          created_at ${time} NOT NULL)`,
        `CREATE TABLE users (
          id TEXT PRIMARY KEY,
          email TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          password_hash TEXT NOT NULL,
          is_instance_admin INTEGER NOT NULL DEFAULT 0,
          created_at ${time} NOT NULL)`,
        `CREATE TABLE memberships (
          org_id TEXT NOT NULL REFERENCES orgs(id),
          user_id TEXT NOT NULL REFERENCES users(id),
          role TEXT NOT NULL,
          created_at ${time} NOT NULL,
          PRIMARY KEY (org_id, user_id))`,
        `CREATE INDEX memberships_user ON memberships (user_id)`,
        `CREATE TABLE auth_tokens (
          id TEXT PRIMARY KEY,
          token_hash TEXT NOT NULL UNIQUE,
          user_id TEXT NOT NULL REFERENCES users(id),
          org_id TEXT NOT NULL REFERENCES orgs(id),
          created_at ${time} NOT NULL,
          expires_at ${time} NOT NULL,
          revoked_at ${time})`,
        `CREATE TABLE spaces (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          name TEXT NOT NULL,
          statuses TEXT NOT NULL,
          created_at ${time} NOT NULL)`,
        `CREATE INDEX spaces_org ON spaces (org_id)`,
        `CREATE TABLE space_members (
          space_id TEXT NOT NULL REFERENCES spaces(id),
          user_id TEXT NOT NULL REFERENCES users(id),
          role TEXT NOT NULL,
          created_at ${time} NOT NULL,
          PRIMARY KEY (space_id, user_id))`,
        `CREATE INDEX space_members_user ON space_members (user_id)`,
        `CREATE TABLE content_items (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          space_id TEXT NOT NULL REFERENCES spaces(id),
          title TEXT NOT NULL,
          caption TEXT,
          status TEXT NOT NULL,
          platforms TEXT NOT NULL,
          scheduled_at ${time},
          assignees TEXT NOT NULL,
          tags TEXT NOT NULL,
          version INTEGER NOT NULL,
          created_by TEXT,
          created_at ${time} NOT NULL,
          updated_at ${time} NOT NULL,
          deleted_at ${time})`,
        `CREATE INDEX content_items_space ON content_items (space_id, id)`,
        `CREATE TABLE tasks (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          space_id TEXT NOT NULL REFERENCES spaces(id),
          title TEXT NOT NULL,
          description TEXT,
          status TEXT NOT NULL,
          assignee TEXT,
          due_at ${time},
          version INTEGER NOT NULL,
          created_by TEXT,
          created_at ${time} NOT NULL,
          updated_at ${time} NOT NULL,
          deleted_at ${time})`,
        `CREATE INDEX tasks_space ON tasks (space_id, id)`,
        `CREATE TABLE comments (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          target_type TEXT NOT NULL,
          target_id TEXT NOT NULL,
          author_user_id TEXT,
          author_email TEXT,
          source TEXT NOT NULL,
          run_id TEXT,
          body TEXT NOT NULL,
          created_at ${time} NOT NULL)`,
        `CREATE INDEX comments_target ON comments (target_type, target_id, id)`,
        `CREATE TABLE workflows (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          space_id TEXT NOT NULL REFERENCES spaces(id),
          name TEXT NOT NULL,
          enabled INTEGER NOT NULL,
          version INTEGER NOT NULL,
          webhook_secret_hash TEXT,
          created_by TEXT,
          created_at ${time} NOT NULL,
          updated_at ${time} NOT NULL)`,
        `CREATE INDEX workflows_space ON workflows (space_id, id)`,
        `CREATE TABLE workflow_versions (
          workflow_id TEXT NOT NULL REFERENCES workflows(id),
          version INTEGER NOT NULL,
          name TEXT NOT NULL,
          definition TEXT NOT NULL,
          created_by TEXT,
          created_at ${time} NOT NULL,
          PRIMARY KEY (workflow_id, version))`,
        `CREATE TABLE audit_events (
          org_id TEXT NOT NULL,
          seq ${big} NOT NULL,
          at ${time} NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          subject TEXT,
          run_id TEXT,
          data TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL,
          PRIMARY KEY (org_id, seq))`,
        `CREATE INDEX audit_events_run ON audit_events (org_id, run_id, seq)`,
        `CREATE INDEX audit_events_action ON audit_events (org_id, action, seq)`,
      ];
    },
  },
];
