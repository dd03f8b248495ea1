/**
 * Audit tampering (the chain's promise: any edit of the stored log is detected, and the first
 * bad event is named). Seeded trials, each in a transaction rolled back after verifying: an
 * edited field, a deleted event (the newest included), a well-formed event added at the end
 * or slipped into the middle by someone who knows how hashes are computed, two events
 * swapped. And no false alarm: chains of many orgs written by concurrent transactions all
 * verify.
 *
 * FLOWGATE_TEST_SEED=<n> replays one run of trials; a failure prints its seed and trial.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, hashEvent, sealAllPending, type AuditInput } from '../src/audit/log.js';
import { verifyAuditChain } from '../src/audit/verify.js';
import type { Database } from '../src/store/db.js';
import { newId } from '../src/store/ids.js';
import { openDatabase } from '../src/store/open.js';
import type { AuditEventsTable } from '../src/store/schema.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';

const now = 1_750_000_000_000;
const SEED = Number(process.env.FLOWGATE_TEST_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing trial can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

class Rollback extends Error {}

const EVENTS = 40;

describe.each(DIALECTS)('audit tampering (%s)', { timeout: 120_000 }, (dialect) => {
  let db: Database;
  let orgId: string;
  const trials = dialect === 'sqlite' ? 1000 : 300;

  beforeAll(async () => {
    db = await openDatabase({ db: await freshDbUrl(dialect) });
    orgId = newId();
    await db.k.insertInto('orgs').values({ id: orgId, name: 'Tamper', max_active_runs: 100, created_at: now }).execute();
    const ev = (i: number): AuditInput => ({ orgId, actor: i % 3 ? 'system' : 'user:ann', action: `thing.${i % 5}`, subject: `run:${i}`, runId: i % 2 ? `run-${i}` : null, data: { i, note: `event ${i}` }, at: now + i });
    // Written by several transactions at once, as the engine does.
    await Promise.all(Array.from({ length: EVENTS / 4 }, (_, b) => db.tx((trx) => appendAudit(trx, db.dialect, [0, 1, 2, 3].map((k) => ev(b * 4 + k))))));
    if (dialect === 'postgres') await sealAllPending(db);
    expect(await verifyAuditChain(db.k, orgId)).toEqual({ ok: true, checked: EVENTS });
  });
  afterAll(async () => db?.close());

  type Kind = 'edit' | 'delete' | 'append' | 'insert' | 'swap';
  const KINDS: Kind[] = ['edit', 'delete', 'append', 'insert', 'swap'];
  const FIELDS = ['actor', 'action', 'at', 'subject', 'run_id', 'data', 'hash', 'prev_hash'] as const;

  it(`detects every one of ${trials} random tamperings and names the first bad event`, async () => {
    const r = rng(SEED);
    const counts: Record<string, number> = {};
    for (let trial = 0; trial < trials; trial++) {
      const kind = KINDS[r.int(0, KINDS.length - 1)]!;
      counts[kind] = (counts[kind] ?? 0) + 1;
      let expected = 0;
      let got: Awaited<ReturnType<typeof verifyAuditChain>> | null = null;
      await db
        .txAlone(async (trx) => {
          const all = (await trx.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).orderBy('seq').execute()) as AuditEventsTable[];
          const at = (seq: number) => trx.updateTable('audit_events').where('org_id', '=', orgId).where('seq', '=', seq);
          switch (kind) {
            case 'edit': {
              const k = r.int(1, EVENTS);
              const field = FIELDS[r.int(0, FIELDS.length - 1)]!;
              const e = all[k - 1]!;
              const value =
                field === 'at' ? e.at + r.int(1, 1000) : field === 'data' ? JSON.stringify({ ...JSON.parse(e.data), forged: true }) : field === 'run_id' ? `${e.run_id ?? 'none'}-x` : `${e[field]}x`;
              await at(k).set({ [field]: value }).execute();
              expected = k;
              break;
            }
            case 'delete': {
              const k = r.int(1, EVENTS);
              await trx.deleteFrom('audit_events').where('org_id', '=', orgId).where('seq', '=', k).execute();
              expected = k;
              break;
            }
            case 'append': {
              // A well-formed event after the newest, hashed exactly as Flowgate would.
              const last = all[EVENTS - 1]!;
              const base = { org_id: orgId, seq: EVENTS + 1, at: last.at + 1, actor: 'user:mallory', action: 'run.deleted', subject: 'run:x', run_id: null, data: '{}' };
              await trx.insertInto('audit_events').values({ ...base, prev_hash: last.hash, hash: hashEvent(last.hash, base) }).execute();
              expected = EVENTS + 1;
              break;
            }
            case 'insert': {
              // A well-formed event slipped in at k: the later events move up one place.
              const k = r.int(1, EVENTS);
              for (let seq = EVENTS; seq >= k; seq--) await at(seq).set({ seq: seq + 1 }).execute();
              const prevHash = k === 1 ? '0'.repeat(64) : all[k - 2]!.hash;
              const base = { org_id: orgId, seq: k, at: all[k - 1]!.at, actor: 'user:mallory', action: 'gate.decision', subject: 'run:x', run_id: null, data: '{"decision":"approve"}' };
              await trx.insertInto('audit_events').values({ ...base, prev_hash: prevHash, hash: hashEvent(prevHash, base) }).execute();
              // The forged event itself adds up; the chain breaks at the one after it.
              expected = k + 1;
              break;
            }
            case 'swap': {
              const i = r.int(1, EVENTS - 1);
              const j = r.int(i + 1, EVENTS);
              const [a, b] = [all[i - 1]!, all[j - 1]!];
              const { org_id: _ao, seq: _as, ...aRest } = a;
              const { org_id: _bo, seq: _bs, ...bRest } = b;
              await at(i).set(bRest).execute();
              await at(j).set(aRest).execute();
              expected = i;
              break;
            }
          }
          got = await verifyAuditChain(trx, orgId, r.int(1, 3) === 1 ? 7 : 2000);
          throw new Rollback();
        })
        .catch((err) => {
          if (!(err instanceof Rollback)) throw err;
        });
      if (!got || (got as { ok: boolean }).ok || (got as { firstBad?: number }).firstBad !== expected) {
        throw new Error(`seed ${SEED}, trial ${trial} (${kind}): expected the first bad event to be ${expected}, verification said ${JSON.stringify(got)}`);
      }
    }
    // Every kind was tried, and the stored chain is untouched.
    expect(Object.keys(counts).sort()).toEqual([...KINDS].sort());
    expect(await verifyAuditChain(db.k, orgId)).toEqual({ ok: true, checked: EVENTS });
  });

  it('raises no false alarm on 1,000 chains written by concurrent transactions', async () => {
    const orgs = Array.from({ length: 1000 }, () => newId());
    await db.k
      .insertInto('orgs')
      .values(orgs.map((id, i) => ({ id, name: `Chain ${i}`, max_active_runs: 100, created_at: now })))
      .execute();
    const r = rng(SEED + 1);
    // Three events per org, in transactions of a few orgs each, all in flight at once.
    const writes: Promise<void>[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < orgs.length; i += 7) {
        const group = orgs.slice(i, i + 7);
        writes.push(db.tx((trx) => appendAudit(trx, db.dialect, group.map((o) => ({ orgId: o, actor: 'system', action: 'space.created', data: { round, n: r.int(0, 1e6) }, at: now + round })))));
      }
    }
    await Promise.all(writes);
    if (dialect === 'postgres') await sealAllPending(db);
    const bad: string[] = [];
    for (const o of orgs) {
      const v = await verifyAuditChain(db.k, o);
      if (!v.ok || v.checked !== 3) bad.push(`${o}: ${JSON.stringify(v)}`);
    }
    expect(bad).toEqual([]);
  });
});
