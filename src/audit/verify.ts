import type { Executor } from '../store/db.js';
import { GENESIS_HASH, hashEvent } from './log.js';

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBad?: number;
  reason?: string;
}

/**
 * Recomputes an org's chain from the first event. Reports the first event whose stored
 * hash, link to its predecessor, or sequence number does not add up, and checks that the
 * chain ends exactly at its recorded head (audit_heads): deleting the newest events, or
 * adding a well-formed event after them, is reported too.
 */
export async function verifyAuditChain(db: Executor, orgId: string, pageSize = 2000): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const r of rows) {
      if (r.seq !== expectedSeq) return { ok: false, checked, firstBad: expectedSeq, reason: `event ${expectedSeq} is missing` };
      let recomputed: string;
      try {
        recomputed = hashEvent(prev, r);
      } catch {
        return { ok: false, checked, firstBad: r.seq, reason: `event ${r.seq} has unreadable data` };
      }
      if (r.prev_hash !== prev) return { ok: false, checked, firstBad: r.seq, reason: `event ${r.seq} does not link to event ${r.seq - 1}` };
      if (r.hash !== recomputed) return { ok: false, checked, firstBad: r.seq, reason: `event ${r.seq} was altered after it was written` };
      prev = r.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < pageSize) break;
  }
  const last = expectedSeq - 1;
  const head = await db.selectFrom('audit_heads').select(['seq', 'hash']).where('org_id', '=', orgId).executeTakeFirst();
  const headSeq = head?.seq ?? 0;
  if (headSeq > last) return { ok: false, checked, firstBad: last + 1, reason: `event ${last + 1} is missing (the chain's head is event ${headSeq})` };
  if (headSeq < last) return { ok: false, checked, firstBad: headSeq + 1, reason: `event ${headSeq + 1} is past the chain's head: it was not written by Flowgate` };
  if (head && head.hash !== prev) return { ok: false, checked, firstBad: last, reason: `event ${last} is not the event the chain's head records` };
  return { ok: true, checked };
}
