/**
 * Token hygiene (docs/RELIABILITY.md): review-link tokens from the real generator do not
 * collide; guessing review links is limited per address, answered alike whatever was
 * guessed, and leaves a trace; and after a run of work (sessions, runs with review links and
 * share links, decisions by link and by API, comments, webhook deliveries, a logout) no raw
 * session token, review-link token or webhook secret is anywhere but where it must be: the
 * answer that hands it out, and for review links the email that carries them (the outbox
 * row's bodies and links). Searched: every column of every table, every line the server
 * logged at debug level, every answer. Both stores.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { basename } from 'node:path';
import http from 'node:http';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { newSecret } from '../src/api/secrets.js';
import { GUEST_LIMIT_DEFAULTS } from '../src/api/rate-limit.js';
import { DIALECTS, freshDbUrl } from './helpers/databases.js';
import { freePort, startSmtp, until, type TestSmtp } from './helpers/smtp.js';

/** How many review-link tokens to draw: 100,000 in `npm test`; FLOWGATE_TOKEN_COUNT=1000000 for the full run (about 25 s, docs/RELIABILITY.md). */
const TOKEN_COUNT = Number(process.env.FLOWGATE_TOKEN_COUNT ?? 100_000);

describe('review-link tokens', () => {
  it(`${TOKEN_COUNT.toLocaleString('en')} tokens from the generator the links use: no collision, 256 bits each`, () => {
    const seen = new Set<string>();
    const started = Date.now();
    for (let i = 0; i < TOKEN_COUNT; i++) seen.add(newSecret('fgr'));
    const ms = Date.now() - started;
    console.log(`review-link tokens: ${TOKEN_COUNT} drawn in ${ms} ms, ${TOKEN_COUNT - seen.size} collisions`);
    expect(seen.size).toBe(TOKEN_COUNT);
    const sample = [...seen].slice(0, 1000);
    for (const t of sample) expect(t).toMatch(/^fgr_[A-Za-z0-9_-]{43}$/);
    // Every bit of the 256 varies: over the sample, each base64url place takes many values.
    const places = Array.from({ length: 42 }, (_, i) => new Set(sample.map((t) => t[4 + i])).size);
    expect(Math.min(...places)).toBeGreaterThan(40);
  }, 60_000);
});

interface Answer {
  status: number;
  text: string;
  path: string;
}

describe.each(DIALECTS)('token hygiene (%s)', { timeout: 120_000 }, (dialect) => {
  let smtp: TestSmtp;
  let server: RunningServer;
  let base: string;
  let dbUrl: string;
  const logs: string[] = [];
  const answers: Answer[] = [];
  /** Raw secrets, by kind, and the answers that handed them out (allowed to hold them). */
  const sessions: string[] = [];
  const links: string[] = [];
  const webhookSecrets: string[] = [];
  const issuing = new Set<Answer>();

  async function call(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; from?: string } = {}) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body) headers['content-type'] = 'application/json';
    const url = new URL(base + path);
    const { status, text, setCookie } = await new Promise<{ status: number; text: string; setCookie: string[] }>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress: opts.from ?? '127.0.0.1' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8'), setCookie: res.headers['set-cookie'] ?? [] }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const a: Answer = { status, text: text + setCookie.join('\n'), path };
    answers.push(a);
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status, body: parsed, answer: a };
  }

  async function login(email: string, password = 'correct horse') {
    const r = await call('POST', '/api/auth/login', { body: { email, password } });
    expect(r.status).toBe(200);
    sessions.push(r.body.token);
    issuing.add(r.answer);
    return r.body.token as string;
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    const port = await freePort();
    dbUrl = await freshDbUrl(dialect);
    const config = loadConfig({ port, host: '127.0.0.1', db: dbUrl, smtpUrl: smtp.url, publicUrl: `http://127.0.0.1:${port}`, logLevel: 'debug' }, {});
    server = await startServer(config, { logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }) });
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('answers every unknown review token alike, whatever its form, on every guest route and the page', async () => {
    const session = newSecret('fgt');
    const guesses = [
      newSecret('fgr'),
      newSecret('fgr').slice(0, 30),
      `${newSecret('fgr')}x`,
      session,
      'a'.repeat(20),
      'x'.repeat(500),
      crypto.randomUUID(),
    ];
    const seen = new Set<string>();
    for (const g of guesses) {
      const p = encodeURIComponent(g);
      for (const [method, path, body] of [
        ['GET', `/api/guest/${p}`, undefined],
        ['POST', `/api/guest/${p}/decision`, { decision: 'approve' }],
        ['POST', `/api/guest/${p}/comments`, { body: 'hello' }],
      ] as const) {
        const r = await call(method, path, { body, from: '127.0.0.3' });
        seen.add(`${r.status} ${JSON.stringify(r.body)}`);
      }
      const page = await call('GET', `/review/${p}`, { from: '127.0.0.3' });
      seen.add(`${page.status} ${page.answer.text.length}`);
    }
    // One answer for every unknown token, and one page; a path segment too long for any route is refused as such, in the documented shape and without echoing it.
    const tooLong = `400 ${JSON.stringify({ error: { code: 'invalid_input', message: 'A part of the address is longer than 100 characters.', details: [{ path: 'url', message: 'has a part longer than 100 characters' }] } })}`;
    expect([...seen].filter((a) => !a.startsWith('400 '))).toEqual(['404 {"error":{"code":"not_found","message":"Review link was not found."}}', expect.stringMatching(/^404 \d+$/)]);
    expect([...seen].filter((a) => a.startsWith('400 '))).toEqual([tooLong, expect.stringMatching(/^400 \d+$/)]);
    const broken = await call('GET', '/api/guest/fgr_%E0%A4%A', { from: '127.0.0.3' });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'invalid_input', details: [{ path: 'url' }] });
  });

  it('limits guessing per address, and says so in the log once per window without the token', async () => {
    const guess = () => `fgr_${crypto.randomBytes(32).toString('base64url')}`;
    const statuses: number[] = [];
    const tried: string[] = [];
    for (let i = 0; i < GUEST_LIMIT_DEFAULTS.failedLookups + 3; i++) {
      const t = guess();
      tried.push(t);
      statuses.push((await call('GET', `/api/guest/${t}`, { from: '127.0.0.2' })).status);
    }
    expect(statuses).toEqual([...Array(GUEST_LIMIT_DEFAULTS.failedLookups).fill(404), 429, 429, 429]);
    // Another address is not held back by that one's guessing.
    expect((await call('GET', `/api/guest/${guess()}`, { from: '127.0.0.4' })).status).toBe(404);
    const warned = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'review link guessing limited');
    expect(warned).toEqual([expect.objectContaining({ level: 40, ip: '127.0.0.2', failedLookups: GUEST_LIMIT_DEFAULTS.failedLookups })]);
    const all = logs.join('');
    for (const t of tried) expect(all.includes(t)).toBe(false);
  });

  it('after a run of work, no raw session token, review link or webhook secret is stored, logged or answered outside the answer that issues it and the email that carries it', async () => {
    const setup = await call('POST', '/api/setup', { body: { orgName: 'Acme', email: 'owner@acme.example', name: 'Olive', password: 'correct horse' } });
    expect(setup.status).toBe(201);
    sessions.push(setup.body.token);
    issuing.add(setup.answer);
    const owner = setup.body.token as string;
    const space = (await call('POST', '/api/spaces', { token: owner, body: { name: 'Social' } })).body.id as string;
    const ed = await call('POST', '/api/users', { token: owner, body: { email: 'ed@acme.example', name: 'Ed', password: 'correct horse', role: 'member' } });
    await call('PUT', `/api/spaces/${space}/members/${ed.body.id}`, { token: owner, body: { role: 'editor' } });
    const editor = await login('ed@acme.example');
    const second = await login('owner@acme.example');
    await call('GET', '/api/me', { headers: { cookie: `flowgate_session=${second}` } });
    await call('POST', '/api/auth/logout', { token: second });
    expect((await call('GET', '/api/me', { token: second })).status).toBe(401);
    await call('GET', '/api/me', { token: `${owner}x` });

    const item = (await call('POST', `/api/spaces/${space}/content`, { token: owner, body: { title: 'Spring post' } })).body.id as string;
    const wf = await call('POST', `/api/spaces/${space}/workflows`, {
      token: owner,
      body: {
        name: 'Sign-off',
        trigger: { type: 'manual' },
        phases: [
          { id: 'share', type: 'share_email', to: ['watcher@brand.example'] },
          { id: 'client', type: 'approval', approvers: { emails: ['a@brand.example', 'b@brand.example'] }, required: 'all' },
          { id: 'team', type: 'approval', approvers: { members: [ed.body.id] }, required: 'any' },
        ],
      },
    });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const hook = await call('POST', `/api/spaces/${space}/workflows`, { token: owner, body: { name: 'Hooked', trigger: { type: 'webhook' }, phases: [{ id: 'n', type: 'notify', to: ['space_admins'], channels: ['in_app'], message: 'hooked' }] } });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    webhookSecrets.push(hook.body.webhookSecret);
    issuing.add(hook.answer);
    const rotated = await call('POST', `/api/workflows/${hook.body.id}/webhook-secret`, { token: owner });
    webhookSecrets.push(rotated.body.webhookSecret);
    issuing.add(rotated.answer);
    expect((await call('POST', `/api/hooks/${hook.body.id}`, { body: { n: 1 }, headers: { 'x-flowgate-secret': rotated.body.webhookSecret } })).status).toBeLessThan(300);
    expect((await call('POST', `/api/hooks/${hook.body.id}`, { body: { n: 2 }, headers: { 'x-flowgate-secret': webhookSecrets[0]! } })).status).toBe(401);

    const runs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call('POST', `/api/workflows/${wf.body.id}/runs`, { token: owner, body: { target: { type: 'content', id: item } } });
      expect(r.status).toBe(201);
      runs.push(r.body.id);
    }
    // Every review link, as its reviewer gets it: from the email.
    const wanted = runs.length * 3;
    await until('every review email', async () => smtp.messages.filter((m) => /\/review\//.test(m.raw)).length >= wanted, 20_000);
    for (const m of smtp.messages) {
      const raw = m.raw.replace(/=\r?\n/g, '');
      for (const t of raw.matchAll(/\/review\/(fgr_[A-Za-z0-9_-]{43})/g)) if (!links.includes(t[1]!)) links.push(t[1]!);
    }
    expect(links).toHaveLength(wanted);
    for (const t of links) {
      const view = await call('GET', `/api/guest/${t}`);
      expect(view.status).toBe(200);
      await call('POST', `/api/guest/${t}/comments`, { body: { body: 'Looks good' } });
      if (view.body.kind === 'approval') {
        expect((await call('POST', `/api/guest/${t}/decision`, { body: { decision: 'approve' } })).status).toBe(200);
        // Used: refused, and the refusal audited.
        expect((await call('POST', `/api/guest/${t}/decision`, { body: { decision: 'deny' } })).status).toBe(410);
      }
      await call('GET', `/review/${t}`);
    }
    for (const id of runs) {
      await until('the team gate', async () => (await call('GET', `/api/runs/${id}/approvals`, { token: owner })).body.items.some((g: { phaseId: string; status: string }) => g.phaseId === 'team' && g.status === 'waiting'));
      expect((await call('POST', `/api/runs/${id}/phases/team/decision`, { token: editor, body: { decision: 'approve' } })).status).toBe(200);
    }
    for (const id of runs) await until('the run to complete', async () => (await call('GET', `/api/runs/${id}`, { token: owner })).body.status === 'completed');
    const refused = await call('GET', '/api/audit?action=guest_link.refused&limit=500', { token: owner });
    // Each refusal of a known link (a second decision, a page opened after the review closed) is one audit event.
    const gone = answers.filter((a) => a.status === 410 && /^\/(api\/guest|review)\//.test(a.path)).length;
    expect(gone).toBeGreaterThanOrEqual(runs.length * 2);
    expect(refused.body.items).toHaveLength(gone);
    for (const e of refused.body.items) expect(['used', 'closed']).toContain(e.data.reason);

    // Read back everything a user could: every list and object.
    for (const path of ['/api/me', '/api/users', '/api/spaces', `/api/spaces/${space}`, '/api/runs?limit=500', '/api/audit?limit=500', '/api/audit/verify', '/api/me/notifications', '/api/me/runs', `/api/content/${item}/comments?limit=500`, `/api/spaces/${space}/workflows`, `/api/workflows/${hook.body.id}`]) {
      expect((await call('GET', path, { token: owner })).status).toBe(200);
    }
    for (const id of runs) {
      await call('GET', `/api/runs/${id}`, { token: owner });
      await call('GET', `/api/runs/${id}/approvals`, { token: owner });
    }
    const outbox = await call('GET', '/api/outbox?limit=500', { token: owner });
    for (const m of outbox.body.items) await call('GET', `/api/outbox/${m.id}`, { token: owner });

    // Answers: a secret only in the answer that issued it, and review links only in emails shown by the outbox.
    const secrets = [...sessions.map((t) => ['session', t]), ...links.map((t) => ['review link', t]), ...webhookSecrets.map((t) => ['webhook secret', t])] as const;
    expect(sessions.length).toBeGreaterThanOrEqual(3);
    const leaks: string[] = [];
    for (const a of answers) {
      if (issuing.has(a)) continue;
      for (const [kind, t] of secrets) {
        if (!a.text.includes(t)) continue;
        if (kind === 'review link' && a.path.startsWith('/api/outbox')) {
          const body = JSON.parse(a.text);
          for (const mail of body.items ?? [body]) if (JSON.stringify({ ...mail, text: '', html: '', links: [] }).includes(t)) leaks.push(`${kind} outside an email's bodies in ${a.path}`);
          continue;
        }
        leaks.push(`${kind} in the answer to ${a.path}`);
      }
    }
    // Logs, at debug level.
    const logged = logs.join('');
    expect(logged).toContain('email sent');
    for (const [kind, t] of secrets) if (logged.includes(t)) leaks.push(`${kind} in the server log`);
    // Every column of every table.
    const tables =
      dialect === 'sqlite'
        ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(server.db.k)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(server.db.k)).rows.map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['auth_tokens', 'guest_links', 'audit_events', 'outbox', 'workflows']));
    let cells = 0;
    for (const table of tables) {
      for (const row of (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(server.db.k)).rows) {
        for (const [col, v] of Object.entries(row)) {
          cells++;
          const text = Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
          for (const [kind, t] of secrets) {
            if (!text.includes(t)) continue;
            if (kind === 'review link' && table === 'outbox' && ['text_body', 'html_body', 'links'].includes(col)) continue;
            leaks.push(`${kind} in ${table}.${col}`);
          }
        }
      }
    }
    if (dialect === 'sqlite') {
      // The file's bytes, write-ahead log and freed pages included: a review token only inside a review URL (an email), no other secret at all.
      let inEmails = 0;
      for (const f of [dbUrl, `${dbUrl}-wal`].filter((x) => fs.existsSync(x))) {
        const bytes = fs.readFileSync(f);
        for (const [kind, t] of secrets) {
          for (let i = bytes.indexOf(t); i >= 0; i = bytes.indexOf(t, i + 1)) {
            if (kind === 'review link' && bytes.subarray(i - 8, i).toString('latin1') === '/review/') {
              inEmails++;
              continue;
            }
            leaks.push(`${kind} in the bytes of ${basename(f)}`);
          }
        }
      }
      expect(inEmails).toBeGreaterThanOrEqual(links.length);
    }
    console.log(`token hygiene (${dialect}): ${sessions.length} session tokens, ${links.length} review links, ${webhookSecrets.length} webhook secrets; searched ${answers.length} answers, ${logs.length} log lines, ${cells} database cells in ${tables.length} tables`);
    expect(leaks).toEqual([]);
  });
});
