/**
 * Statements of the hot path (claiming, transitions, the phases run inline) written as SQL
 * text, run without building a query per call. Inside a transaction on SQLite a statement
 * runs straight on the connection's cached prepared statement (see sqlite.ts); elsewhere it
 * goes through Kysely as a compiled query, so it takes the connection's turn like any other.
 *
 * The text uses `?` placeholders; for PostgreSQL they are numbered `$1…` once per text.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Executor } from './db.js';
import type { DB } from './schema.js';
import { dialectOf } from './dialect.js';

/** What the SQLite driver's cached `prepare` gives back (better-sqlite3's Statement, as used here). */
interface Prepared {
  reader: boolean;
  run(params: readonly unknown[]): { changes: number };
  all(params: readonly unknown[]): unknown[];
}
type Prepare = (text: string) => Prepared;

/** The SQLite connection behind each Kysely instance, by its adapter (a transaction shares it). */
const connections = new WeakMap<object, Prepare>();

export function registerSqliteConnection(k: Kysely<DB>, prepare: Prepare): void {
  connections.set(k.getExecutor().adapter, prepare);
}

function direct(q: Executor): Prepare | undefined {
  // Only inside a transaction: the transaction holds the one connection, so nothing else
  // runs on it meanwhile. A statement outside one waits for the connection through Kysely.
  return q.isTransaction ? connections.get(q.getExecutor().adapter) : undefined;
}

const numbered = new Map<string, string>();
/** PostgreSQL text → the name it is prepared under on each connection (postgres.ts). */
const prepared = new Map<string, string>();
/** Most statements prepared by name: past it, a new text runs unnamed (parsed each time). */
const MOST_PREPARED = 1000;

/** `?` placeholders as `$1, $2, …` (the texts here have no `?` inside string literals). */
function forPostgres(text: string): string {
  let out = numbered.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    if (numbered.size > 2000) numbered.clear();
    numbered.set(text, out);
    if (prepared.size < MOST_PREPARED && !prepared.has(out)) prepared.set(out, `fg_${prepared.size + 1}`);
  }
  return out;
}

/**
 * The name a hot-path statement is prepared under on PostgreSQL, or undefined for any other
 * text. A named statement is parsed and planned once per connection, then only bound and
 * executed: the server's parse and plan work leaves the hot path.
 */
export function preparedName(text: string): string | undefined {
  return prepared.get(text);
}

function compiled(q: Executor, text: string, params: readonly unknown[]): CompiledQuery {
  return CompiledQuery.raw(dialectOf(q) === 'postgres' ? forPostgres(text) : text, params as unknown[]);
}

/** Runs a statement that returns rows. */
export async function rows<T>(q: Executor, text: string, params: readonly unknown[]): Promise<T[]> {
  const prepare = direct(q);
  if (prepare) return prepare(text).all(params) as T[];
  return (await q.executeQuery<T>(compiled(q, text, params))).rows;
}

/** Runs a statement that returns no rows; resolves with the number of rows it changed. */
export async function run(q: Executor, text: string, params: readonly unknown[]): Promise<number> {
  const prepare = direct(q);
  if (prepare) return prepare(text).run(params).changes;
  return Number((await q.executeQuery(compiled(q, text, params))).numAffectedRows ?? 0);
}

/** `(?, ?, …), (?, ?, …)` for `count` rows of `width` values: a multi-row VALUES list. */
export function valuesList(width: number, count: number): string {
  const row = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  return Array.from({ length: count }, () => row).join(', ');
}
