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
  {
    id: 2,
    name: 'runs, phase executions, jobs, outbox, notifications',
    statements: (d) => {
      const { time } = t(d);
      return [
        `CREATE TABLE runs (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          space_id TEXT NOT NULL REFERENCES spaces(id),
          workflow_id TEXT NOT NULL REFERENCES workflows(id),
          workflow_version INTEGER NOT NULL,
          status TEXT NOT NULL,
          outcome TEXT,
          target_type TEXT,
          target_id TEXT,
          target_version_start INTEGER,
          target_version_seen INTEGER,
          trigger TEXT NOT NULL,
          input TEXT NOT NULL,
          event_key TEXT UNIQUE,
          started_by TEXT,
          rerun_of TEXT,
          current_phase_id TEXT,
          waiting_for TEXT,
          error TEXT,
          rev INTEGER NOT NULL,
          created_at ${time} NOT NULL,
          started_at ${time},
          ended_at ${time},
          updated_at ${time} NOT NULL,
          deleted_at ${time})`,
        `CREATE INDEX runs_workflow ON runs (workflow_id, id)`,
        `CREATE INDEX runs_space_status ON runs (space_id, status, id)`,
        `CREATE INDEX runs_org_status ON runs (org_id, status, id)`,
        `CREATE INDEX runs_target ON runs (target_id, id)`,
        `CREATE TABLE phase_executions (
          id TEXT PRIMARY KEY,
          run_id TEXT NOT NULL REFERENCES runs(id),
          phase_id TEXT NOT NULL,
          phase_index INTEGER NOT NULL,
          type TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          status TEXT NOT NULL,
          input TEXT,
          output TEXT,
          error TEXT,
          waiting_for TEXT,
          wake_at ${time},
          skipped_by TEXT,
          skip_reason TEXT,
          started_at ${time},
          ended_at ${time},
          UNIQUE (run_id, phase_id, attempt))`,
        `CREATE INDEX phase_executions_run ON phase_executions (run_id, id)`,
        `CREATE TABLE jobs (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          org_id TEXT,
          run_id TEXT,
          execution_id TEXT,
          payload TEXT NOT NULL,
          due_at ${time} NOT NULL,
          lease_owner TEXT,
          lease_until ${time},
          fence INTEGER NOT NULL DEFAULT 0,
          attempts INTEGER NOT NULL DEFAULT 0,
          created_at ${time} NOT NULL)`,
        `CREATE INDEX jobs_due ON jobs (due_at)`,
        `CREATE INDEX jobs_run ON jobs (run_id)`,
        `CREATE TABLE outbox (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL,
          run_id TEXT,
          execution_id TEXT,
          to_addr TEXT NOT NULL,
          subject TEXT NOT NULL,
          text_body TEXT NOT NULL,
          html_body TEXT NOT NULL,
          links TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at ${time} NOT NULL,
          last_error TEXT,
          lease_owner TEXT,
          lease_until ${time},
          message_id TEXT,
          created_at ${time} NOT NULL,
          sent_at ${time})`,
        `CREATE INDEX outbox_due ON outbox (status, next_attempt_at)`,
        `CREATE INDEX outbox_org ON outbox (org_id, id)`,
        `CREATE TABLE notifications (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          run_id TEXT,
          message TEXT NOT NULL,
          created_at ${time} NOT NULL,
          read_at ${time})`,
        `CREATE INDEX notifications_user ON notifications (user_id, id)`,
      ];
    },
  },
  {
    id: 3,
    name: 'approval gates, decisions, guest links, instance secrets',
    statements: (d) => {
      const { time } = t(d);
      return [
        `CREATE TABLE gate_approvers (
          execution_id TEXT NOT NULL REFERENCES phase_executions(id),
          approver_key TEXT NOT NULL,
          run_id TEXT NOT NULL,
          user_id TEXT,
          email TEXT,
          added_by TEXT NOT NULL,
          created_at ${time} NOT NULL,
          PRIMARY KEY (execution_id, approver_key))`,
        `CREATE TABLE gate_decisions (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL,
          run_id TEXT NOT NULL,
          execution_id TEXT NOT NULL REFERENCES phase_executions(id),
          approver_key TEXT NOT NULL,
          user_id TEXT,
          email TEXT,
          decision TEXT NOT NULL,
          comment TEXT,
          target_version INTEGER,
          via TEXT NOT NULL,
          counts INTEGER NOT NULL,
          created_at ${time} NOT NULL)`,
        // One counting decision per approver per gate execution; a decision that stopped
        // counting (the target changed) does not block a fresh one.
        `CREATE UNIQUE INDEX gate_decisions_one_counting ON gate_decisions (execution_id, approver_key) WHERE counts = 1`,
        `CREATE INDEX gate_decisions_run ON gate_decisions (run_id, id)`,
        `CREATE TABLE guest_links (
          id TEXT PRIMARY KEY,
          token_hash TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL,
          org_id TEXT NOT NULL,
          run_id TEXT NOT NULL,
          execution_id TEXT NOT NULL,
          phase_id TEXT NOT NULL,
          email TEXT NOT NULL,
          target_type TEXT,
          target_id TEXT,
          expires_at ${time} NOT NULL,
          used_at ${time},
          closed_at ${time},
          created_at ${time} NOT NULL)`,
        `CREATE INDEX guest_links_run ON guest_links (run_id)`,
        `CREATE TABLE instance_settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL)`,
      ];
    },
  },
  {
    id: 4,
    name: 'bulk operations',
    statements: (d) => {
      const { time } = t(d);
      return [
        `CREATE TABLE bulk_operations (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          action TEXT NOT NULL,
          filter TEXT NOT NULL,
          space_ids TEXT NOT NULL,
          up_to_run_id TEXT,
          counted_at ${time} NOT NULL,
          requested_by TEXT NOT NULL,
          status TEXT NOT NULL,
          total INTEGER NOT NULL,
          done INTEGER NOT NULL DEFAULT 0,
          changed INTEGER NOT NULL DEFAULT 0,
          last_run_id TEXT,
          confirm_hash TEXT NOT NULL UNIQUE,
          error TEXT,
          created_at ${time} NOT NULL,
          finished_at ${time})`,
        `CREATE INDEX bulk_operations_org ON bulk_operations (org_id, id)`,
      ];
    },
  },
  {
    id: 5,
    name: 'runs by who started them',
    // The command center lists a user's own runs newest first (GET /api/me/runs); without
    // this, finding them walks every run of the user's spaces.
    statements: () => [`CREATE INDEX runs_started_by ON runs (started_by, id)`],
  },
  {
    id: 6,
    name: 'jobs by org and kind',
    // Flow control looks up an org's parked and admitted runs (resume jobs) on every start
    // and end of a run; without this it walks the whole job queue.
    statements: () => [`CREATE INDEX jobs_org_kind_due ON jobs (org_id, kind, due_at)`],
  },
  {
    id: 7,
    name: 'audit events waiting to be chained',
    // PostgreSQL: a transaction writes its audit events here without any lock; right after it
    // commits they are chained into audit_events under the org's chain lock, many
    // transactions' events at once (src/audit/log.ts). SQLite chains them in the transaction.
    statements: (d) => {
      const { time } = t(d);
      const id = d === 'postgres' ? 'id BIGSERIAL PRIMARY KEY' : 'id INTEGER PRIMARY KEY AUTOINCREMENT';
      return [
        `CREATE TABLE audit_pending (
          ${id},
          org_id TEXT NOT NULL,
          at ${time} NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          subject TEXT,
          run_id TEXT,
          data TEXT NOT NULL)`,
        `CREATE INDEX audit_pending_org ON audit_pending (org_id, id)`,
      ];
    },
  },
  {
    id: 8,
    name: 'runs by workflow and status',
    // Run lists filtered by workflow and status (GET /api/runs?workflowId=&status=, GET
    // /api/workflows/{id}/runs?status=) read the workflow's runs newest first and skip the
    // other statuses; for a status the workflow seldom or never has (the failures of a
    // workflow that does not fail), that walked every run of the workflow (SQLite, via
    // runs_workflow) or of the whole table (PostgreSQL, backwards on the primary key).
    statements: () => [`CREATE INDEX runs_workflow_status ON runs (workflow_id, status, id)`],
  },
  {
    id: 9,
    name: 'flow control slots',
    // One row per slot of an org's limit (src/runtime/flow-control.ts): a run entering
    // `active` claims a free row (PostgreSQL: FOR UPDATE SKIP LOCKED) and frees it when it
    // leaves, so no transition locks the org. Filled from what holds slots today: active
    // runs, and parked runs already admitted (a resume job due, not parked).
    statements: () => [
      `CREATE TABLE org_slots (
        org_id TEXT NOT NULL REFERENCES orgs(id),
        slot INTEGER NOT NULL,
        run_id TEXT,
        PRIMARY KEY (org_id, slot))`,
      `CREATE INDEX org_slots_run ON org_slots (run_id)`,
      `INSERT INTO org_slots (org_id, slot, run_id)
        SELECT org_id, row_number() OVER (PARTITION BY org_id ORDER BY id) - 1, id FROM (
          SELECT id, org_id FROM runs WHERE status = 'active'
          UNION
          SELECT r.id, r.org_id FROM jobs j JOIN runs r ON r.id = j.run_id
            WHERE j.kind = 'resume' AND j.due_at < 8640000000000000 AND r.status <> 'active') h`,
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < (SELECT max(max_active_runs) FROM orgs))
        INSERT INTO org_slots (org_id, slot) SELECT o.id, n.i FROM orgs o JOIN n ON n.i < o.max_active_runs WHERE true
        ON CONFLICT DO NOTHING`,
    ],
  },
  {
    id: 10,
    name: 'audit chain heads',
    // The last event of each org's chain (its seq and hash), written with every append in the
    // same transaction. A hash chain alone cannot show that its newest events were deleted
    // (the shorter chain still adds up) or that a well-formed event was added at its end;
    // verification checks the chain ends exactly at this head, and appends continue from it.
    statements: (d) => {
      const { big } = t(d);
      return [
        `CREATE TABLE audit_heads (
          org_id TEXT PRIMARY KEY,
          seq ${big} NOT NULL,
          hash TEXT NOT NULL)`,
        `INSERT INTO audit_heads (org_id, seq, hash)
          SELECT e.org_id, e.seq, e.hash FROM audit_events e
          WHERE e.seq = (SELECT max(m.seq) FROM audit_events m WHERE m.org_id = e.org_id)`,
      ];
    },
  },
  {
    id: 11,
    name: 'gate approvers by approver',
    // The command center's "waiting on me": one person's approver rows, oldest request first,
    // walked in index order until a page of open gates is found, instead of every waiting run
    // of the org read and sorted.
    statements: () => [`CREATE INDEX gate_approvers_key ON gate_approvers (approver_key, created_at, execution_id)`],
  },
  {
    id: 12,
    name: 'target versions and run views',
    // Each version of a target's fields, written by the same transaction as the create or
    // edit that made it (src/store/targets.ts), so "what changed since version N" can be
    // answered field by field; kept for as long as the target row exists. Targets existing
    // now get a row for their current version (earlier versions were never recorded).
    // run_views: per run, the target version each viewer (a user, or a review link) last
    // saw on the run page or the review page; one upsert per page opened.
    statements: (d) => {
      const { time } = t(d);
      const obj = d === 'postgres' ? 'json_build_object' : 'json_object';
      const asText = d === 'postgres' ? '::text' : '';
      return [
        `CREATE TABLE target_versions (
          target_type TEXT NOT NULL,
          target_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          org_id TEXT NOT NULL,
          fields TEXT NOT NULL,
          changed_by TEXT,
          created_at ${time} NOT NULL,
          PRIMARY KEY (target_type, target_id, version))`,
        `INSERT INTO target_versions (target_type, target_id, version, org_id, fields, changed_by, created_at)
          SELECT 'content', id, version, org_id, ${obj}('title', title, 'caption', caption, 'status', status, 'platforms', platforms, 'scheduled_at', scheduled_at, 'assignees', assignees, 'tags', tags)${asText}, NULL, updated_at
          FROM content_items`,
        `INSERT INTO target_versions (target_type, target_id, version, org_id, fields, changed_by, created_at)
          SELECT 'task', id, version, org_id, ${obj}('title', title, 'description', description, 'status', status, 'assignee', assignee, 'due_at', due_at)${asText}, NULL, updated_at
          FROM tasks`,
        `CREATE TABLE run_views (
          run_id TEXT NOT NULL,
          viewer_key TEXT NOT NULL,
          target_version INTEGER,
          viewed_at ${time} NOT NULL,
          PRIMARY KEY (run_id, viewer_key))`,
      ];
    },
  },
];
