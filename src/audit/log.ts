/**
 * The append-only, hash-chained audit log. Each org has its own chain: event `seq` carries
 * `prev_hash` (the hash of event seq-1, or 64 zeros for the first) and
 * `hash = sha256(prev_hash ‖ canonical JSON of the event)`. Events are written in the same
 * transaction as the change they record; the chain head is taken under a per-org lock
 * (PostgreSQL advisory lock; SQLite has one writer), so concurrent writers never fork it.
 */
import crypto from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../store/schema.js';
import type { Dialect } from '../store/migrations.js';
import { canonicalJson } from './canonical.js';
import { defer, registerFlusher } from '../store/before-commit.js';

export const GENESIS_HASH = '0'.repeat(64);

/** "user:<id>", "guest:<email>", "system", "webhook:<workflowId>" */
export type Actor = string;

export interface AuditInput {
  orgId: string;
  actor: Actor;
  action: string;
  subject?: string | null;
  runId?: string | null;
  data?: Record<string, unknown>;
  at: number;
}

export interface AuditRow {
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

export function hashEvent(prevHash: string, e: Omit<AuditRow, 'hash' | 'prev_hash'>): string {
  const body = canonicalJson({
    org: e.org_id,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    run: e.run_id,
    data: JSON.parse(e.data),
  });
  return crypto.createHash('sha256').update(prevHash).update(body).digest('hex');
}

/**
 * Appends events to their orgs' chains as part of `trx`. In a transaction opened by the store
 * they are chained and inserted just before it commits, together with every other event of
 * the transaction (see store/before-commit.ts), so the chain's lock is held only for that.
 */
export async function appendAudit(trx: Transaction<DB>, dialect: Dialect, events: AuditInput | AuditInput[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  if (list.every((e) => defer(trx, 'audit', { dialect, event: e }))) return;
  await writeAudit(trx, dialect, list);
}

registerFlusher<{ dialect: Dialect; event: AuditInput }>('audit', {
  order: 100,
  flush: (trx, entries) => writeAudit(trx, entries[0]!.dialect, entries.map((e) => e.event)),
});

/** Chains `list` onto each org's head (under the org's chain lock on PostgreSQL) in multi-row inserts. */
async function writeAudit(trx: Transaction<DB>, dialect: Dialect, list: AuditInput[]): Promise<void> {
  const byOrg = new Map<string, AuditInput[]>();
  for (const e of list) byOrg.set(e.orgId, [...(byOrg.get(e.orgId) ?? []), e]);
  for (const [orgId, evs] of [...byOrg].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${'audit:' + orgId}))`.execute(trx);
    const head = await trx
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .where('org_id', '=', orgId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = head?.seq ?? 0;
    let prev = head?.hash ?? GENESIS_HASH;
    const rows: AuditRow[] = [];
    for (const e of evs) {
      seq += 1;
      const base = {
        org_id: orgId,
        seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        subject: e.subject ?? null,
        run_id: e.runId ?? null,
        data: canonicalJson(e.data ?? {}),
      };
      const hash = hashEvent(prev, base);
      rows.push({ ...base, prev_hash: prev, hash });
      prev = hash;
    }
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('audit_events').values(rows.slice(i, i + 500)).execute();
  }
}
