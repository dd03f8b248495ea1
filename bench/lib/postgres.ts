/** PostgreSQL for the benchmarks: a throw-away durable server, databases on it, and commit counts. */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
// @ts-expect-error -- a plain .mjs helper shared with the test runner
import { findPgBin, freePort } from '../../test/postgres-server.mjs';

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

/** A throw-away PostgreSQL with durable defaults (unlike the test suite's fsync=off server). */
export async function startDurablePostgres(): Promise<PostgresServer> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found: install the Debian package "postgresql", or set FLOWGATE_BENCH_PG_URL.');
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-bench-pg-'));
  const dataDir = path.join(dir, 'data');
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { stdio: 'ignore' }) : execFileSync(path.join(bin, cmd), args, { stdio: 'ignore' });
  run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8']);
  const port: number = await freePort();
  const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-h', '127.0.0.1', '-c', 'max_connections=300', '-c', 'shared_buffers=256MB'];
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', path.join(bin, 'postgres'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(path.join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        // runuser does not pass signals on to the server; pg_ctl stops it by its pid file.
        run('pg_ctl', ['-D', dataDir, 'stop', '-m', 'fast']);
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up && /ready to accept connections/.test(log)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`PostgreSQL did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

/** The URL of database `name` on the server of `baseUrl`. */
export function databaseUrl(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** (Re)creates database `name` on the server of `baseUrl`, empty; returns its URL. */
export async function createDatabase(baseUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  return databaseUrl(baseUrl, name);
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/**
 * Reads `pg_stat_database` for one database from a session on the server's maintenance
 * database, so the reads themselves never count as commits of the database watched.
 *
 * A backend publishes its counters when it goes idle, but at most once a second; what it
 * holds back then is published after 10 s of idleness (PostgreSQL's PGSTAT_IDLE_INTERVAL),
 * or when the backend exits. So a reading is exact only once every session of the database
 * has been idle for that long, or has ended: `settle()` waits for the one, `untilNoSessions()`
 * for the other.
 */
export class CommitCounter {
  private constructor(private readonly client: pg.Client, readonly database: string) {}

  static async open(baseUrl: string, database: string): Promise<CommitCounter> {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    return new CommitCounter(client, database);
  }

  /** Committed transactions of the database so far (read-only ones included), as published. */
  async commits(): Promise<number> {
    const r = await this.client.query<{ n: string }>(`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1`, [this.database]);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Waits until the database's backends have published what they held back while busy. */
  async settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
  }

  /** Waits until no client session is connected to the database (each published its counters as it ended). */
  async untilNoSessions(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()`, [this.database]);
      if (r.rows[0]!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`sessions on ${this.database} still open after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** PGSTAT_IDLE_INTERVAL (10 s) and a margin. */
const SETTLE_MS = 10_500;

/**
 * A client on a watched database that counts its own statements: each one outside a
 * transaction block is one commit in `pg_stat_database`, to be taken off the system's count.
 */
export class CountingClient {
  queries = 0;
  private constructor(private readonly client: pg.Client) {}

  static async open(url: string): Promise<CountingClient> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new CountingClient(client);
  }

  async query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    this.queries++;
    return this.client.query<R>(text, values);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
