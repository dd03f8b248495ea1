/**
 * The transaction's read cache (src/store/tx-cache.ts) on real databases: a target read once
 * per transaction, a space's people once per batch, and never a value that a rolled-back
 * unit or a later write of the same transaction made untrue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/db.js';
import { GroupCommitter } from '../src/store/group-commit.js';
import { newId } from '../src/store/ids.js';
import { openDatabase } from '../src/store/open.js';
import { createTarget, editTarget, getTarget } from '../src/store/targets.js';
import { ROSTER, spaceRoster } from '../src/store/workflows.js';
import { txForget } from '../src/store/tx-cache.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';

const now = 1_750_000_000_000;

describe.each(DIALECTS)('transaction read cache (%s)', { timeout: 60_000 }, (dialect) => {
  let db: Database;
  let orgId: string;
  let spaceId: string;
  let userId: string;

  beforeAll(async () => {
    db = await openDatabase({ db: await freshDbUrl(dialect) });
    orgId = newId();
    spaceId = newId();
    userId = newId();
    await db.k.insertInto('orgs').values({ id: orgId, name: 'Cache', max_active_runs: 100, created_at: now }).execute();
    await db.k.insertInto('spaces').values({ id: spaceId, org_id: orgId, name: 'S', statuses: JSON.stringify(['draft', 'done']), created_at: now }).execute();
    await db.k.insertInto('users').values({ id: userId, email: `u-${userId}@example.com`, name: 'U', password_hash: 'x', is_instance_admin: 0, created_at: now }).execute();
    await db.k.insertInto('memberships').values({ org_id: orgId, user_id: userId, role: 'member', created_at: now }).execute();
  });
  afterAll(async () => db?.close());

  const newItem = () => db.tx((trx) => createTarget(trx, { orgId, spaceId, type: 'content', fields: { title: 'Cached' }, by: { userId }, now }));

  it('shows a transaction its own edits of a target, and reads it once', async () => {
    const item = await newItem();
    await db.txAlone(async (trx) => {
      expect((await getTarget(trx, orgId, 'content', item.id))!.version).toBe(1);
      await editTarget(trx, { orgId, type: 'content', id: item.id, changes: { caption: 'one' }, by: { userId }, now: now + 1 });
      const after = (await getTarget(trx, orgId, 'content', item.id))!;
      expect(after).toMatchObject({ version: 2, caption: 'one' });
    });
  });

  it('forgets what a unit rolled back to its savepoint had cached: the next unit of the batch sees the stored row', async () => {
    const item = await newItem();
    const gc = new GroupCommitter(db.txAlone, { maxBatch: 8, parallel: 1 });
    const seen: number[] = [];
    const results = await Promise.allSettled([
      gc.run(async (trx) => {
        await getTarget(trx, orgId, 'content', item.id);
        await editTarget(trx, { orgId, type: 'content', id: item.id, changes: { caption: 'rolled back' }, by: { userId }, now: now + 1 });
        // The edit is cached for this transaction …
        seen.push((await getTarget(trx, orgId, 'content', item.id))!.version);
        throw new Error('unit fails after its edit');
      }),
      gc.run(async (trx) => {
        // … and gone with the unit's savepoint: this unit sees version 1, as stored.
        const t = (await getTarget(trx, orgId, 'content', item.id))!;
        seen.push(t.version);
        return t.caption;
      }),
    ]);
    expect(results[0]!.status).toBe('rejected');
    expect(results[1]).toEqual({ status: 'fulfilled', value: null });
    // The failing unit ran twice (in the batch, then alone); the other unit saw version 1.
    expect(seen).toContain(1);
    expect(gc.stats().largest).toBe(2);
    expect((await getTarget(db.k, orgId, 'content', item.id))!.version).toBe(1);
  });

  it("reads a space's people once per transaction, and again after a write of them forgets it", async () => {
    await db.txAlone(async (trx) => {
      expect([...(await spaceRoster(trx, spaceId)).members]).toEqual([]);
      await trx.insertInto('space_members').values({ space_id: spaceId, user_id: userId, role: 'editor', created_at: now }).execute();
      // Without forgetting, the transaction would keep its first read.
      expect([...(await spaceRoster(trx, spaceId)).members]).toEqual([]);
      txForget(trx, ROSTER);
      const roster = await spaceRoster(trx, spaceId);
      expect([...roster.members]).toEqual([userId]);
      expect([...roster.editors]).toEqual([userId]);
    });
  });
});
