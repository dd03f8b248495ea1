/**
 * The append-only, hash-chained audit log. Each org has its own chain: event `seq` carries
 * `prev_hash` (the hash of event seq-1, or 64 zeros for the first) and
 * `hash = sha256(prev_hash ‖ canonical JSON of the event)`. Events are written in the same
 * transaction as the change they record; the chain head is taken under a per-org lock
 * (PostgreSQL advisory lock; SQLite has one writer), so concurrent writers never fork it.
 */
import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../store/schema.js';
import type { Dialect } from '../store/migrations.js';
import { canonicalJson } from './canonical.js';
import { afterCommit, defer, registerFlusher } from '../store/before-commit.js';
import { lockAuditChain } from '../store/locks.js';

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

export function hashEvent(prevHash: string, e: Omit<AuditRow, 'hash' | 'prev_hash'>, opts: { canonicalData?: boolean } = {}): string {
  if (opts.canonicalData) {
    // The same text canonicalJson makes of the event (keys in sorted order), with `data`
    // spliced in as it is: the appender made it canonical itself, so it is not parsed again.
    const j = JSON.stringify;
    const body = `{"action":${j(e.action)},"actor":${j(e.actor)},"at":${j(e.at)},"data":${e.data},"org":${j(e.org_id)},"run":${j(e.run_id)},"seq":${j(e.seq)},"subject":${j(e.subject)}}`;
    return crypto.createHash('sha256').update(prevHash).update(body).digest('hex');
  }
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
 * they are written together with every other event of the transaction just before it commits
 * (see store/before-commit.ts):
 * - SQLite (one writer) chains them there and then;
 * - PostgreSQL writes them to `audit_pending`, which takes no lock, and right after the commit
 *   asks the process's sealer (`requestSeal`) to chain them, a few milliseconds later, under
 *   the org's chain lock, together with whatever other transactions have committed
 *   meanwhile. No transition holds the chain lock, and one seal serves many transactions.
 *   Events a sealer did not take (another process held the lock, a crash just after commit)
 *   are taken by the next seal of their org or by the engine's sweep (`sealAllPending`);
 *   readers of the chain (the audit API, `flowgate audit verify`) seal first, so they always
 *   see every committed event, chained.
 */
export async function appendAudit(trx: Transaction<DB>, dialect: Dialect, events: AuditInput | AuditInput[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  if (list.every((e) => defer(trx, 'audit', { dialect, event: e }))) return;
  await chainNow(trx, dialect, list);
}

registerFlusher<{ dialect: Dialect; event: AuditInput }>('audit', {
  order: 100,
  async flush(trx, entries) {
    const dialect = entries[0]!.dialect;
    const list = entries.map((e) => e.event);
    if (dialect !== 'postgres') return chainNow(trx, dialect, list);
    const orgs = [...new Set(list.map((e) => e.orgId))].sort();
    if (!orgs.every((orgId) => afterCommit(trx, `audit:${orgId}`, async (k) => requestSeal(k, orgId)))) return chainNow(trx, dialect, list);
    const rows = list.map((e) => ({ org_id: e.orgId, at: e.at, actor: e.actor, action: e.action, subject: e.subject ?? null, run_id: e.runId ?? null, data: canonicalJson(e.data ?? {}) }));
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('audit_pending').values(rows.slice(i, i + 500)).execute();
  },
});

/** Most pending events one pass of a seal takes. */
const SEAL_BATCH = 5000;

/**
 * Chains an org's committed pending events (PostgreSQL) onto its head, oldest first, and
 * deletes them, in transactions under the org's chain lock, until a pass finds none. Safe to
 * call at any time and from any process. Readers wait for the lock (`wait`, the default) so
 * that everything committed before they asked is chained; a committer only tries it
 * (`wait: false`) and leaves its events to the holder when the lock is taken.
 */
export async function sealAudit(k: Kysely<DB>, orgId: string, opts: { wait?: boolean } = {}): Promise<number> {
  let sealed = 0;
  for (;;) {
    const n = await k.transaction().execute(async (trx) => {
      // Without waiting, someone else sealing this org now takes our events too, or its next pass does.
      if (!(await lockAuditChain(trx, orgId, { wait: opts.wait !== false }))) return -1;
      // A statement of its own after the lock: its snapshot sees every seal committed before.
      const pending = await trx.selectFrom('audit_pending').selectAll().where('org_id', '=', orgId).orderBy('id').limit(SEAL_BATCH).execute();
      if (pending.length === 0) return 0;
      await chainRows(trx, orgId, pending.map((p) => ({ orgId, at: p.at, actor: p.actor, action: p.action, subject: p.subject, runId: p.run_id, data: p.data })));
      const ids = pending.map((p) => p.id);
      for (let i = 0; i < ids.length; i += 1000) await trx.deleteFrom('audit_pending').where('id', 'in', ids.slice(i, i + 1000)).execute();
      return pending.length;
    });
    if (n < 0) return sealed;
    sealed += n;
    // The holder goes round until a pass finds nothing: events committed while it sealed
    // (whose committers found the lock taken) are sealed by its next pass.
    if (n === 0) return sealed;
  }
}

/**
 * The process's sealer: commits ask for their orgs to be sealed and go on; every few
 * milliseconds one pass seals each asked-for org that no other process is sealing, so one
 * seal (and its commit) serves every transaction committed since the last.
 */
const SEAL_DELAY_MS = 5;
const sealers = new WeakMap<Kysely<DB>, { orgs: Set<string>; timer: NodeJS.Timeout | null; running: Promise<void> | null }>();

export function requestSeal(k: Kysely<DB>, orgId: string): void {
  let s = sealers.get(k);
  if (!s) sealers.set(k, (s = { orgs: new Set(), timer: null, running: null }));
  s.orgs.add(orgId);
  if (s.timer || s.running) return;
  const state = s;
  const pass = () => {
    state.timer = null;
    const orgs = [...state.orgs];
    state.orgs.clear();
    state.running = (async () => {
      for (const org of orgs) await sealAudit(k, org, { wait: false }).catch(() => {});
    })().finally(() => {
      state.running = null;
      if (state.orgs.size) state.timer = setTimeout(pass, SEAL_DELAY_MS);
    });
  };
  s.timer = setTimeout(pass, SEAL_DELAY_MS);
}

/** Seals every org's pending events (PostgreSQL; a no-op on SQLite, which never leaves any). */
export async function sealAllPending(db: { dialect: Dialect; k: Kysely<DB> }, opts: { wait?: boolean } = {}): Promise<number> {
  if (db.dialect !== 'postgres') return 0;
  const orgs = await db.k.selectFrom('audit_pending').select('org_id').distinct().execute();
  let n = 0;
  for (const { org_id } of orgs) n += await sealAudit(db.k, org_id, opts);
  return n;
}

/** Chains `list` onto each org's head within `trx` (under the org's chain lock on PostgreSQL). */
async function chainNow(trx: Transaction<DB>, dialect: Dialect, list: AuditInput[]): Promise<void> {
  const byOrg = new Map<string, AuditInput[]>();
  for (const e of list) byOrg.set(e.orgId, [...(byOrg.get(e.orgId) ?? []), e]);
  for (const [orgId, evs] of [...byOrg].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await lockAuditChain(trx, orgId);
    await chainRows(trx, orgId, evs.map((e) => ({ ...e, data: canonicalJson(e.data ?? {}) })));
  }
}

/** Chains one org's events (data already canonical JSON) onto its head, in multi-row inserts. */
async function chainRows(trx: Transaction<DB>, orgId: string, evs: Array<Omit<AuditInput, 'data'> & { data: string }>): Promise<void> {
  // The chain continues from its recorded head, not from whatever event is newest now: after
  // a deletion of the newest events the next one leaves a gap that verification reports.
  const head = await trx.selectFrom('audit_heads').select(['seq', 'hash']).where('org_id', '=', orgId).executeTakeFirst();
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
      data: e.data,
    };
    const hash = hashEvent(prev, base, { canonicalData: true });
    rows.push({ ...base, prev_hash: prev, hash });
    prev = hash;
  }
  for (let i = 0; i < rows.length; i += 500) await trx.insertInto('audit_events').values(rows.slice(i, i + 500)).execute();
  if (rows.length) {
    await trx
      .insertInto('audit_heads')
      .values({ org_id: orgId, seq, hash: prev })
      .onConflict((oc) => oc.column('org_id').doUpdateSet({ seq, hash: prev }))
      .execute();
  }
}
