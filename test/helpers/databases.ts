/**
 * Fresh real databases for tests: a new SQLite file in a temp dir, or a new PostgreSQL
 * database on the suite's server (FLOWGATE_TEST_PG_URL, started by test/run-tests.mjs).
 * Contract suites run the same cases over `DIALECTS`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Dialect } from '../../src/store/migrations.js';

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export function pgBaseUrl(): string {
  const url = process.env.FLOWGATE_TEST_PG_URL;
  if (!url) throw new Error('FLOWGATE_TEST_PG_URL is not set: run the suite with `npm test`, which starts PostgreSQL.');
  return url;
}

let counter = 0;

/** Returns a connection string (SQLite path or postgres URL) for a brand-new empty database. */
export async function freshDbUrl(dialect: Dialect): Promise<string> {
  const tag = `${process.pid}_${Date.now()}_${counter++}`;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgate-test-'));
    return path.join(dir, 'flowgate.db');
  }
  const base = pgBaseUrl();
  const name = `fg_${tag}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}
