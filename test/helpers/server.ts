/**
 * A real Flowgate server on a free loopback port over a fresh real database, and a tiny
 * HTTP client for tests. Nothing is mocked: requests go over TCP.
 */
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Dialect } from '../../src/store/migrations.js';
import { freshDbUrl } from './databases.js';

export interface TestServer extends RunningServer {
  dbUrl: string;
  call<T = any>(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: T; headers: Headers }>;
}

export async function startTestServer(dialect: Dialect, overrides: Partial<Config> = {}, dbUrl?: string): Promise<TestServer> {
  const url = dbUrl ?? (await freshDbUrl(dialect));
  const config = loadConfig({ port: 0, host: '127.0.0.1', db: url, logLevel: 'silent', ...overrides }, {});
  const server = await startServer(config, { logger: pino({ level: process.env.FLOWGATE_TEST_LOG ?? 'silent' }) });
  return Object.assign(server, {
    dbUrl: url,
    async call(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.raw !== undefined) body = opts.raw;
      else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(server.url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
  });
}

export interface World {
  orgId: string;
  owner: { id: string; token: string; email: string };
  spaceId: string;
}

/** Sets up an org with its owner and one space. */
export async function setupWorld(s: TestServer, orgName = 'Acme'): Promise<World> {
  const email = `owner@${orgName.toLowerCase()}.example`;
  const res = await s.call('POST', '/api/setup', { body: { orgName, email, name: 'Olive Owner', password: 'correct horse' } });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token = res.body.token as string;
  const space = await s.call('POST', '/api/spaces', { token, body: { name: 'Social' } });
  return { orgId: res.body.org.id, owner: { id: res.body.user.id, token, email }, spaceId: space.body.id };
}

/** Adds a user to the caller's org (and optionally to a space) and signs them in. */
export async function addUser(s: TestServer, adminToken: string, opts: { email: string; name?: string; role?: 'owner' | 'admin' | 'member'; spaceId?: string; spaceRole?: 'editor' | 'viewer' }) {
  const created = await s.call('POST', '/api/users', { token: adminToken, body: { email: opts.email, name: opts.name ?? opts.email.split('@')[0], password: 'correct horse', role: opts.role ?? 'member' } });
  if (created.status !== 201) throw new Error(`add user failed: ${created.status} ${JSON.stringify(created.body)}`);
  if (opts.spaceId) {
    const m = await s.call('PUT', `/api/spaces/${opts.spaceId}/members/${created.body.id}`, { token: adminToken, body: { role: opts.spaceRole ?? 'editor' } });
    if (m.status !== 200) throw new Error(`add member failed: ${m.status} ${JSON.stringify(m.body)}`);
  }
  const login = await s.call('POST', '/api/auth/login', { body: { email: opts.email, password: 'correct horse' } });
  return { id: created.body.id as string, token: login.body.token as string, email: opts.email };
}
