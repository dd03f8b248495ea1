/**
 * Seeding a Flowgate store with many runs quickly, straight into the database.
 *
 * The rows are copies of real runs: a benchmark first drives one run of each kind through a
 * running `flowgate serve` (so the engine writes every row of it), captures those rows as a
 * template, and then clones the template N times with INSERT … SELECT over a generated
 * series (PostgreSQL `generate_series`, SQLite a recursive CTE), in large transactions. A
 * clone keeps every column of its template except:
 *
 * - ids: a fresh UUIDv7-shaped id per row, whose time part is the clone's own time (so
 *   ordering by id is still ordering by creation time, as keyset pagination expects);
 * - references to the template's run and executions (`run_id`, `execution_id`, and any
 *   text that names them, such as a run URL in an email), pointing at the clone's own;
 * - times (`*_at`, `lease_until`): shifted by the clone's offset from the template, so the
 *   clones spread evenly over a span of past time, oldest first;
 * - its target: a content item of the template's space from a pool (`runs.target_id`, and
 *   the item's id and title wherever the template's text names them).
 *
 * Not cloned: audit events (each org's audit log is a hash chain; the seeded runs simply
 * have no audit trail, and the chain stays valid), and anything outside the tables asked
 * for. Templates must have no jobs left (terminal runs, or gates without a timeout).
 */
import Sqlite from 'better-sqlite3';
import pg from 'pg';

export type SeedDialect = 'sqlite' | 'postgres';

/** A direct connection to the store of a Flowgate instance. */
export interface SeedStore {
  dialect: SeedDialect;
  exec(sql: string): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** `location` is a SQLite file path or a postgres:// URL, as `flowgate serve --db` takes. */
export async function openSeedStore(location: string): Promise<SeedStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const c = new pg.Client({ connectionString: location });
    await c.connect();
    return {
      dialect: 'postgres',
      exec: async (s) => void (await c.query(s)),
      all: async <T>(s: string, p: unknown[] = []) => (await c.query(s, p)).rows as T[],
      close: () => c.end(),
    };
  }
  const db = new Sqlite(location);
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  return {
    dialect: 'sqlite',
    exec: async (s) => {
      db.exec(s);
    },
    all: async <T>(s: string, p: unknown[] = []) => db.prepare(s).all(...p) as T[],
    close: async () => {
      db.close();
    },
  };
}

type Row = Record<string, unknown>;

export interface Template {
  /** What the template is (`completed`, `waiting at a gate`…); reported, not interpreted. */
  kind: string;
  runId: string;
  /** The template's rows by table, in insertion order (`runs` first). */
  rows: Array<{ table: string; row: Row }>;
  /** Its target item, whose id and title stand for the clone's own item in text columns. */
  item: { id: string; title: string } | null;
}

/** Columns of a table and their types, in the store's order. */
async function columns(store: SeedStore, table: string): Promise<Array<{ name: string; type: string }>> {
  if (store.dialect === 'sqlite') {
    const r = await store.all<{ name: string; type: string }>(`SELECT name, type FROM pragma_table_info('${table}') ORDER BY cid`);
    return r.map((c) => ({ name: c.name, type: c.type.toLowerCase() }));
  }
  const r = await store.all<{ name: string; type: string }>(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return r.map((c) => ({ name: c.name, type: c.type }));
}

/** The rows of run `runId` in `tables` (`runs` itself by id, the others by `run_id`). */
export async function captureTemplate(store: SeedStore, kind: string, runId: string, tables: string[]): Promise<Template> {
  const ph = (i: number) => (store.dialect === 'postgres' ? `$${i}` : '?');
  const rows: Template['rows'] = [];
  for (const table of ['runs', ...tables.filter((t) => t !== 'runs')]) {
    const key = table === 'runs' ? 'id' : 'run_id';
    const cols = await columns(store, table);
    const order = cols.some((c) => c.name === 'id') ? 'id' : cols.some((c) => c.name === 'created_at') ? 'created_at' : key;
    for (const row of await store.all<Row>(`SELECT * FROM ${table} WHERE ${key} = ${ph(1)} ORDER BY ${order}`, [runId])) rows.push({ table, row });
  }
  const run = rows[0]?.row;
  if (!run) throw new Error(`template run ${runId} not found`);
  if (run.rerun_of !== null || run.event_key !== null) throw new Error(`template run ${runId} is a re-run or event-keyed; clones would break uniqueness`);
  const jobs = await store.all<{ n: number | string }>(`SELECT count(*) AS n FROM jobs WHERE run_id = ${ph(1)}`, [runId]);
  if (Number(jobs[0]!.n) > 0) throw new Error(`template run ${runId} (${kind}) still has jobs; only runs without jobs can be cloned`);
  let item: Template['item'] = null;
  if (run.target_type === 'content' && run.target_id) {
    const it = await store.all<{ id: string; title: string }>(`SELECT id, title FROM content_items WHERE id = ${ph(1)}`, [run.target_id]);
    item = it[0] ?? null;
  }
  return { kind, runId, rows, item };
}

export interface ClonePlan {
  /** Runs to create in all, numbered 0 … total-1 in time order. */
  total: number;
  /** Clone number g lives in space `spaceOf(g)` = ⌊g / 100⌋ mod spaces; its kind is slot g mod 100. */
  spaces: number;
  /** For each space, the templates of that space by kind. */
  templates: Array<Record<string, Template>>;
  /** 100 slots, each naming a kind: the mix of kinds. */
  slots: string[];
  /** For each space, its pool of content items; clone g targets item g mod n of its space. */
  items: Array<Array<{ id: string; title: string }>>;
  /** Time of clone 0 and the gap between consecutive clones (ms). */
  t0: number;
  step: number;
  /** Clones per transaction. */
  chunk?: number;
  onProgress?: (done: number) => void;
}

const PERIOD = 100;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** The UUIDv7 timestamp (ms) of an id. */
const idTime = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
const isTime = (name: string) => name.endsWith('_at') || name === 'lease_until';

/**
 * Clones the templates as the plan says. Rows are written table by table in the order the
 * templates list them (parents before children), one INSERT … SELECT per template row and
 * chunk, each producing that row for every clone of its kind in the chunk.
 */
export async function seedClones(store: SeedStore, plan: ClonePlan): Promise<void> {
  if (plan.slots.length !== PERIOD) throw new Error(`a clone plan needs ${PERIOD} slots`);
  const pgsql = store.dialect === 'postgres';
  const types = new Map<string, Map<string, string>>();
  for (const sp of plan.templates) {
    for (const t of Object.values(sp)) {
      for (const { table } of t.rows) if (!types.has(table)) types.set(table, new Map((await columns(store, table)).map((c) => [c.name, c.type])));
    }
  }
  // The item pool, joined by (space, index).
  await store.exec(pgsql ? `CREATE TEMP TABLE IF NOT EXISTS bench_items (sp INT, idx INT, id TEXT, title TEXT, PRIMARY KEY (sp, idx))` : `CREATE TEMP TABLE IF NOT EXISTS bench_items (sp INTEGER, idx INTEGER, id TEXT, title TEXT, PRIMARY KEY (sp, idx))`);
  await store.exec(`DELETE FROM bench_items`);
  for (let s = 0; s < plan.items.length; s++) {
    const list = plan.items[s]!;
    for (let i = 0; i < list.length; i += 500) {
      const values = list.slice(i, i + 500).map((it, k) => `(${s}, ${i + k}, ${lit(it.id)}, ${lit(it.title)})`);
      await store.exec(`INSERT INTO bench_items (sp, idx, id, title) VALUES ${values.join(', ')}`);
    }
  }
  const salt = Math.floor(Math.random() * 0x4000);
  /** A fresh id: time `ms` (an SQL expression), row number `k` within its run, clone number q.g. */
  const newId = (ms: string, k: number) => {
    const mid = `-7${k.toString(16).padStart(3, '0')}-${(0x8000 + salt).toString(16)}-`;
    return pgsql
      ? `(lpad(to_hex((${ms}) >> 16), 8, '0') || '-' || lpad(to_hex((${ms}) & 65535), 4, '0') || '${mid}' || lpad(to_hex(q.g), 12, '0'))`
      : `(printf('%08x-%04x', (${ms}) >> 16, (${ms}) & 65535) || '${mid}' || printf('%012x', q.g))`;
  };

  /** The INSERT of one template row for the clones of slots `offsets` in space `s`, periods j0…j1. */
  const statement = (t: Template, index: number, s: number, offsets: number[], j0: number, j1: number) => {
    const { table, row } = t.rows[index]!;
    const run = t.rows[0]!.row;
    const created = Number(run.created_at);
    const time = (v: number) => `(${v - created + plan.t0} + q.g * ${plan.step})`;
    // Every template id that has a row of its own gets the clone's counterpart.
    const idExprs = new Map<string, string>();
    t.rows.forEach(({ row: r }, k) => {
      if (typeof r.id === 'string' && !idExprs.has(r.id)) idExprs.set(r.id, newId(time(idTime(r.id)), k));
    });
    const swaps: Array<[string, string]> = [...idExprs];
    if (t.item) swaps.push([t.item.id, 'bi.id'], [t.item.title, 'bi.title']);
    const text = (v: string) => {
      let parts: Array<string | { expr: string }> = [v];
      for (const [from, expr] of swaps) {
        parts = parts.flatMap((p) => (typeof p !== 'string' ? [p] : p.split(from).flatMap((x, i) => (i === 0 ? [x] : [{ expr }, x]))));
      }
      const sqlParts = parts.filter((p) => p !== '').map((p) => (typeof p === 'string' ? lit(p) : p.expr));
      return sqlParts.length ? sqlParts.join(' || ') : `''`;
    };
    const colTypes = types.get(table)!;
    const names = [...colTypes.keys()];
    const exprs = names.map((name) => {
      const type = colTypes.get(name)!;
      const v = row[name];
      if (v === null || v === undefined) return pgsql ? `CAST(NULL AS ${type})` : 'NULL';
      if (table === 'runs' && name === 'target_id') return 'bi.id';
      if (typeof v === 'string' && idExprs.has(v) && (name === 'id' || name === 'run_id' || name === 'execution_id')) return idExprs.get(v)!;
      const numeric = /int|numeric|real|double/.test(type);
      if (numeric) return isTime(name) ? time(Number(v)) : String(Number(v));
      return text(String(v));
    });
    const gen = pgsql
      ? `(SELECT j * ${PERIOD} + o.p AS g FROM generate_series(${j0}::bigint, ${j1 - 1}::bigint) AS seq(j) CROSS JOIN (VALUES ${offsets.map((p) => `(${p})`).join(', ')}) AS o(p) WHERE j % ${plan.spaces} = ${s}) q`
      : `(SELECT j * ${PERIOD} + o.p AS g FROM seq CROSS JOIN (SELECT column1 AS p FROM (VALUES ${offsets.map((p) => `(${p})`).join(', ')})) o WHERE j % ${plan.spaces} = ${s}) q`;
    const n = plan.items[s]!.length;
    const body = `INSERT INTO ${table} (${names.join(', ')}) SELECT ${exprs.join(', ')} FROM ${gen} JOIN bench_items bi ON bi.sp = ${s} AND bi.idx = q.g % ${n} WHERE q.g < ${plan.total}`;
    return pgsql ? body : `WITH RECURSIVE seq(j) AS (SELECT ${j0} UNION ALL SELECT j + 1 FROM seq WHERE j + 1 < ${j1}) ${body}`;
  };

  const kinds = [...new Set(plan.slots)];
  const offsetsOf = new Map(kinds.map((k) => [k, plan.slots.flatMap((x, i) => (x === k ? [i] : []))]));
  const periods = Math.ceil(plan.total / PERIOD);
  const chunkPeriods = Math.max(1, Math.floor((plan.chunk ?? 50_000) / PERIOD));
  for (let j0 = 0; j0 < periods; j0 += chunkPeriods) {
    const j1 = Math.min(periods, j0 + chunkPeriods);
    await store.exec('BEGIN');
    try {
      // Parents before children: every kind's runs, then every kind's executions, and so on.
      const tables = [...new Set(plan.templates.flatMap((sp) => Object.values(sp).flatMap((t) => t.rows.map((r) => r.table))))];
      for (const table of tables) {
        for (let s = 0; s < plan.spaces; s++) {
          for (const kind of kinds) {
            const t = plan.templates[s]![kind];
            if (!t) throw new Error(`no template of kind ${kind} in space ${s}`);
            for (let i = 0; i < t.rows.length; i++) if (t.rows[i]!.table === table) await store.exec(statement(t, i, s, offsetsOf.get(kind)!, j0, j1));
          }
        }
      }
      await store.exec('COMMIT');
    } catch (e) {
      await store.exec('ROLLBACK').catch(() => {});
      throw e;
    }
    plan.onProgress?.(Math.min(plan.total, j1 * PERIOD));
  }
}

/** 100 slots holding each kind in proportion to its weight, spread out (a fixed shuffle). */
export function mixSlots(weights: Record<string, number>): string[] {
  const entries = Object.entries(weights);
  const sum = entries.reduce((a, [, w]) => a + w, 0);
  const counts = entries.map(([k, w]) => ({ k, n: Math.floor((w / sum) * PERIOD), r: ((w / sum) * PERIOD) % 1 }));
  let left = PERIOD - counts.reduce((a, c) => a + c.n, 0);
  for (const c of [...counts].sort((a, b) => b.r - a.r)) if (left-- > 0) c.n++;
  const slots = counts.flatMap((c) => Array.from({ length: c.n }, () => c.k));
  // Deterministic shuffle (mulberry32), so a status is not bunched in one part of the period.
  let seed = 0x5eed;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  return slots;
}
