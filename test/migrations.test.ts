import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/db.js';
import { migrate, MigrationError } from '../src/store/migrate.js';
import { migrations } from '../src/store/migrations.js';
import { openDatabase } from '../src/store/open.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';

const ALL_IDS = migrations.map((m) => m.id).sort((a, b) => a - b);
const LATEST = Math.max(...ALL_IDS);

/** Table names the migrations create, read from the statements themselves. */
function createdTables(dialect: 'sqlite' | 'postgres'): string[] {
  return migrations.flatMap((m) => m.statements(dialect)).flatMap((s) => /^\s*CREATE TABLE (\w+)/i.exec(s)?.[1] ?? []);
}

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  const open: Database[] = [];
  async function fresh(): Promise<Database> {
    const db = await openDatabase({ db: await freshDbUrl(dialect), migrate: false });
    open.push(db);
    return db;
  }
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });

  it('applies every migration to an empty database, and a second run is a no-op', async () => {
    const db = await fresh();
    const first = await migrate(db);
    expect(first.applied.map((m) => m.id)).toEqual(ALL_IDS);
    expect(first.current).toBe(LATEST);
    for (const table of createdTables(dialect)) {
      const res = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(db.k);
      expect(Number(res.rows[0]!.n), table).toBe(0);
    }
    const rows = await db.k.selectFrom('flowgate_migrations').selectAll().orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual(ALL_IDS);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && typeof r.applied_at === 'number')).toBe(true);

    const second = await migrate(db);
    expect(second).toEqual({ applied: [], current: LATEST });
    expect(await db.k.selectFrom('flowgate_migrations').selectAll().orderBy('id').execute()).toEqual(rows);
  });

  it('refuses a database written by a newer Flowgate', async () => {
    const url = await freshDbUrl(dialect);
    const db = await openDatabase({ db: url });
    open.push(db);
    await db.k.insertInto('flowgate_migrations').values({ id: 999, name: 'from the future', checksum: 'f'.repeat(64), applied_at: Date.now() }).execute();
    const err = await migrate(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/migration 999/);
    expect((err as Error).message).toMatch(/newer Flowgate/);
    // openDatabase refuses too, and does not leave the store open.
    await expect(openDatabase({ db: url })).rejects.toThrow(/newer Flowgate/);
  });

  it('refuses a history whose checksum was altered, as corrupted', async () => {
    const db = await fresh();
    await migrate(db);
    await db.k.updateTable('flowgate_migrations').set({ checksum: '0'.repeat(64) }).where('id', '=', 1).execute();
    const err = await migrate(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/Migration 1 /);
    expect((err as Error).message).toMatch(/corrupted/);
  });

  it('applies a migration entirely or not at all', async () => {
    const db = await fresh();
    await migrate(db);
    const broken = { id: 100_000, name: 'half broken', statements: () => ['CREATE TABLE half_made (id TEXT PRIMARY KEY)', 'THIS IS NOT SQL'] };
    await expect(migrate(db, [...migrations, broken])).rejects.toThrow();
    const ids = (await db.k.selectFrom('flowgate_migrations').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual(ALL_IDS);
    await expect(sql`SELECT * FROM half_made`.execute(db.k)).rejects.toThrow();
    // The same list without the broken entry is still fine.
    expect((await migrate(db)).applied).toEqual([]);
  });

  it('gives an existing org its flow-control slots, held by the runs that hold them', async () => {
    const db = await fresh();
    await migrate(db, migrations.filter((m) => m.id < 9));
    const now = Date.now();
    const q = (text: string) => sql.raw(text).execute(db.k);
    await q(`INSERT INTO orgs (id, name, max_active_runs, created_at) VALUES ('o1', 'Limit three', 3, ${now}), ('o2', 'Limit zero', 0, ${now})`);
    await q(`INSERT INTO spaces (id, org_id, name, statuses, created_at) VALUES ('s1', 'o1', 'S', '[]', ${now})`);
    await q(`INSERT INTO workflows (id, org_id, space_id, name, enabled, version, created_at, updated_at) VALUES ('w1', 'o1', 's1', 'W', 1, 1, ${now}, ${now})`);
    const run = (id: string, status: string, waitingFor: string | null) =>
      `('${id}', 'o1', 's1', 'w1', 1, '${status}', 'manual', '{}', ${waitingFor ? `'${waitingFor}'` : 'NULL'}, 1, ${now}, ${now})`;
    await q(`INSERT INTO runs (id, org_id, space_id, workflow_id, workflow_version, status, trigger, input, waiting_for, rev, created_at, updated_at) VALUES
      ${[run('r1-active', 'active', null), run('r2-admitted', 'waiting', 'flow_control'), run('r3-parked', 'triggered', 'flow_control'), run('r4-done', 'completed', null)].join(', ')}`);
    await q(`INSERT INTO jobs (id, kind, org_id, run_id, payload, due_at, created_at) VALUES
      ('j2', 'resume', 'o1', 'r2-admitted', '{}', ${now}, ${now}), ('j3', 'resume', 'o1', 'r3-parked', '{}', 8640000000000000, ${now})`);
    await migrate(db);
    const slots = await db.k.selectFrom('org_slots').select(['org_id', 'slot', 'run_id']).orderBy('org_id').orderBy('slot').execute();
    expect(slots).toEqual([
      { org_id: 'o1', slot: 0, run_id: 'r1-active' },
      { org_id: 'o1', slot: 1, run_id: 'r2-admitted' },
      { org_id: 'o1', slot: 2, run_id: null },
    ]);
  });
});

describe('migrations under concurrency (postgres)', () => {
  it('two concurrent migrate() calls on one fresh database both succeed and apply each migration once', async () => {
    const url = await freshDbUrl('postgres');
    const a = await openDatabase({ db: url, migrate: false });
    const b = await openDatabase({ db: url, migrate: false });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const applied = [...ra.applied, ...rb.applied].map((m) => m.id).sort((x, y) => x - y);
      expect(applied).toEqual(ALL_IDS);
      expect(ra.current).toBe(LATEST);
      expect(rb.current).toBe(LATEST);
      const rows = await a.k.selectFrom('flowgate_migrations').select('id').orderBy('id').execute();
      expect(rows.map((r) => r.id)).toEqual(ALL_IDS);
      // Several more at once on the migrated database: all no-ops.
      const again = await Promise.all([migrate(a), migrate(b), migrate(a)]);
      expect(again.every((r) => r.applied.length === 0)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
