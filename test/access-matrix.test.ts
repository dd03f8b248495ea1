/**
 * The access matrix (docs/RELIABILITY.md), generated from /api/openapi.json at test time:
 * every route × {owner, admin, editor, viewer, guest (a review link's token as a bearer
 * token and as the session cookie), no token, another org's owner} × {an object in the
 * space the editor and viewer belong to, an object in another space of the same org, an
 * object of another org}. Each `{param}` is filled with a real object of the class; a route
 * added later is covered without editing this file (an id nobody maps gets a made-up id,
 * and is reported). Bodies come from a small table keyed by route, else from the route's
 * request schema, else `{}`.
 *
 * Checked: no 2xx across orgs, nor into a space the caller is not a member of; no answer
 * holds another org's (or, for space members, another space's) ids or names; every refusal
 * in the documented shape and code (docs/API.md "Errors"): 401 without a valid token, 404
 * for another org's ids, 403 or 404 for another space's; and the database, every table and
 * column, is unchanged after every request by those who may not write (viewers, guests,
 * no one, other orgs, members outside their space), re-read after they all ran.
 *
 * Both stores; PostgreSQL runs a smaller pass (without the admin and the guest's cookie,
 * which act as the owner and the guest's bearer token do) to keep the file within a minute.
 *
 * Review links are the one place a path segment is the credential: `/api/guest/{token}` is
 * called with the guest's own token (which must work, and show nothing of other spaces or
 * orgs) and with a made-up one (404 for everyone).
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAllPending } from '../src/audit/log.js';
import { DIALECTS } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

/** docs/API.md "Errors": the codes each refusal status may carry. */
const CODES: Record<number, string[]> = {
  400: ['invalid_input', 'invalid_definition', 'invalid_confirm_token', 'confirm_token_expired'],
  401: ['unauthenticated'],
  403: ['forbidden', 'not_an_approver', 'self_approval', 'cross_site_request', 'share_link_cannot_decide', 'invalid_form_nonce'],
  404: ['not_found'],
  409: ['conflict', 'illegal_state', 'version_mismatch', 'version_conflict', 'already_decided', 'gate_not_waiting', 'already_set_up', 'org_required', 'not_webhook_triggered', 'no_target'],
  410: ['link_expired', 'link_used', 'link_closed', 'target_deleted'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  429: ['rate_limited'],
};
/** Routes that answer without a session: their own credential (a review link, a webhook secret) or none. */
const PUBLIC = /^\/api\/(health|setup|auth\/login|openapi\.json|docs|guest\/|hooks\/)/;

type Cls = 'own' | 'space' | 'org';
type Who = 'owner' | 'admin' | 'editor' | 'viewer' | 'guest' | 'guest-cookie' | 'none' | 'outsider';
const ALL_PRINCIPALS: Who[] = ['owner', 'admin', 'editor', 'viewer', 'guest', 'guest-cookie', 'none', 'outsider'];
/** PostgreSQL runs a smaller pass to keep the file within a minute: an admin acts as an owner does, and the guest's cookie as its bearer token. */
const principalsFor = (dialect: string): Who[] => (dialect === 'sqlite' ? ALL_PRINCIPALS : ALL_PRINCIPALS.filter((w) => w !== 'admin' && w !== 'guest-cookie'));

interface Fixture {
  orgId: string;
  space: string;
  spaceName: string;
  content: string;
  contentTitle: string;
  task: string;
  taskTitle: string;
  workflow: string;
  workflowName: string;
  run: string;
  guestToken: string;
  outbox: string;
  notification: string;
  job: string;
  user: string;
}

interface Route {
  method: string;
  path: string;
  pathParams: string[];
  body: boolean;
  schema: any;
  /** Statuses the document lists for the route. */
  statuses: string[];
}

const tag = () => crypto.randomBytes(5).toString('hex');

/** Minimal bodies, by route, for an object class's fixture. */
const BODIES: Record<string, (f: Fixture) => unknown> = {
  'POST /api/setup': () => ({ orgName: 'Again', email: 'again@x.example', name: 'Again', password: 'correct horse' }),
  'POST /api/orgs': () => ({ name: `Org ${tag()}`, owner: { email: `o-${tag()}@new.example`, name: 'New', password: 'correct horse' } }),
  'POST /api/auth/login': () => ({ email: 'nobody@nowhere.example', password: 'wrong password' }),
  'POST /api/users': () => ({ email: `u-${tag()}@acme.example`, name: 'New user', password: 'correct horse', role: 'member' }),
  'PATCH /api/org': () => ({ maxActiveRuns: 100 }),
  'POST /api/spaces': () => ({ name: `Space ${tag()}` }),
  'PATCH /api/spaces/{spaceId}': (f) => ({ name: f.spaceName }),
  'PUT /api/spaces/{spaceId}/members/{userId}': () => ({ role: 'viewer' }),
  'POST /api/spaces/{spaceId}/workflows': () => ({ name: `Wf ${tag()}`, trigger: { type: 'manual' }, phases: [{ id: 'n', type: 'notify', to: ['assignees'], channels: ['in_app'], message: 'hi' }] }),
  'PUT /api/workflows/{id}': (f) => ({ name: f.workflowName, trigger: { type: 'manual' }, phases: gatePhases() }),
  'PATCH /api/workflows/{id}': (f) => ({ name: f.workflowName }),
  'POST /api/spaces/{spaceId}/content': () => ({ title: `Item ${tag()}` }),
  'PATCH /api/content/{id}': (f) => ({ title: f.contentTitle }),
  'POST /api/content/{id}/comments': () => ({ body: 'a comment' }),
  'POST /api/spaces/{spaceId}/tasks': () => ({ title: `Task ${tag()}` }),
  'PATCH /api/tasks/{id}': (f) => ({ title: f.taskTitle }),
  'POST /api/tasks/{id}/comments': () => ({ body: 'a comment' }),
  'POST /api/workflows/{id}/runs': (f) => ({ target: { type: 'content', id: f.content } }),
  'POST /api/runs/{id}/cancel': () => ({}),
  'POST /api/runs/{id}/phases/{phaseId}/skip': () => ({ reason: 'skipped' }),
  'POST /api/runs/{id}/phases/{phaseId}/decision': () => ({ decision: 'approve' }),
  'POST /api/guest/{token}/decision': () => ({ decision: 'approve' }),
  'POST /api/guest/{token}/comments': () => ({ body: 'a guest comment' }),
  'POST /api/runs/bulk': (f) => ({ action: 'cancel', ids: [f.run] }),
  'POST /api/spaces/{spaceId}/workflows/describe': () => ({ description: 'an editor approves, then publish' }),
};
/** Routes without path ids whose body names an object of the class: run once per class. */
const BODY_NAMES_OBJECT = new Set(['POST /api/runs/bulk']);

/** POSTs that change nothing: counting a bulk operation (without its confirm token), drafting a definition from words. */
const READS_BY_POST = new Set(['POST /api/runs/bulk', 'POST /api/spaces/{spaceId}/workflows/describe']);

/** A value the route's JSON schema accepts, for routes missing from BODIES. */
function fromSchema(s: any): unknown {
  if (!s || typeof s !== 'object') return {};
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const alt = s.oneOf ?? s.anyOf;
  if (alt) return fromSchema(alt[0]);
  switch (s.type) {
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k: string) => [k, fromSchema(s.properties?.[k])]));
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => fromSchema(s.items));
    case 'integer':
    case 'number':
      return s.minimum ?? 0;
    case 'boolean':
      return false;
    case 'string':
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    default:
      return {};
  }
}

const gatePhases = () => [
  { id: 'tell', type: 'notify', to: ['space_admins'], channels: ['in_app'], message: 'Review {{target.title}}' },
  { id: 'review', type: 'approval', approvers: { emails: ['client@brand.example'] }, required: 'any' },
];

describe.each(DIALECTS)('access matrix from the OpenAPI document (%s)', { timeout: 120_000 }, (dialect) => {
  let s: TestServer;
  let routes: Route[];
  const fx = {} as Record<Cls, Fixture>;
  const tokens = {} as Record<Who, string | null>;
  const orgOf = {} as Record<Who, string | null>;
  const unmapped = new Set<string>();

  async function ok<T = any>(method: string, path: string, token: string, body?: unknown, status = [200, 201]): Promise<T> {
    const r = await s.call(method, path, { token, body });
    if (!status.includes(r.status)) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  async function login(email: string) {
    return (await ok('POST', '/api/auth/login', '', { email, password: 'correct horse' })).token as string;
  }

  /** A space with a content item, a task, a workflow with a gate, a run waiting on it with its review link, an email, a notification and a bulk job. */
  async function fixture(ownerToken: string, orgId: string, spaceId: string, user: string): Promise<Fixture> {
    const t = tag();
    const space = await ok('GET', `/api/spaces/${spaceId}`, ownerToken);
    const contentTitle = `Content ${t}`;
    const taskTitle = `Task ${t}`;
    const workflowName = `Workflow ${t}`;
    const content = (await ok('POST', `/api/spaces/${spaceId}/content`, ownerToken, { title: contentTitle })).id;
    const task = (await ok('POST', `/api/spaces/${spaceId}/tasks`, ownerToken, { title: taskTitle })).id;
    const workflow = (await ok('POST', `/api/spaces/${spaceId}/workflows`, ownerToken, { name: workflowName, trigger: { type: 'manual' }, phases: gatePhases() })).id;
    const start = async () => (await ok('POST', `/api/workflows/${workflow}/runs`, ownerToken, { target: { type: 'content', id: content } })).id as string;
    const run = await start();
    const spare = await start();
    for (const id of [run, spare]) await until(`run ${id} to wait`, async () => (await s.call('GET', `/api/runs/${id}`, { token: ownerToken })).body.status === 'waiting');
    const mail = await until('the review email', async () => (await ok('GET', '/api/outbox?limit=500', ownerToken)).items.find((m: { runId: string }) => m.runId === run));
    const guestToken = /\/review\/([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    const notification = await until('the notification', async () => (await ok('GET', '/api/me/notifications?limit=500', ownerToken)).items.find((n: { runId: string }) => n.runId === run)?.id);
    const counted = await ok('POST', '/api/runs/bulk', ownerToken, { action: 'cancel', ids: [spare] });
    const job = (await ok('POST', '/api/runs/bulk', ownerToken, { action: 'cancel', ids: [spare], confirmToken: counted.confirmToken }, [202])).jobId;
    // Settled before the matrix starts, so nothing but the requests under test changes the database.
    await until('the bulk job', async () => (await ok('GET', `/api/jobs/${job}`, ownerToken)).status === 'done');
    await until('the cancelled run', async () => (await ok('GET', `/api/runs/${spare}`, ownerToken)).status === 'cancelled');
    return { orgId, space: spaceId, spaceName: space.name, content, contentTitle, task, taskTitle, workflow, workflowName, run, guestToken, outbox: mail.id, notification, job, user };
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
    const t = tag();
    const setup = await ok('POST', '/api/setup', '', { orgName: `Acme ${t}`, email: `owner-${t}@acme.example`, name: 'Olive Owner', password: 'correct horse' });
    const owner = setup.token as string;
    const orgA = setup.org.id as string;
    const s1 = (await ok('POST', '/api/spaces', owner, { name: `Social ${t}` })).id as string;
    const s2 = (await ok('POST', '/api/spaces', owner, { name: `Secret ${t}` })).id as string;
    const add = async (email: string, role: string) => (await ok('POST', '/api/users', owner, { email, name: email.split('@')[0], password: 'correct horse', role })).id as string;
    await add(`admin-${t}@acme.example`, 'admin');
    const editorId = await add(`editor-${t}@acme.example`, 'member');
    const viewerId = await add(`viewer-${t}@acme.example`, 'member');
    const memberId = await add(`member-${t}@acme.example`, 'member');
    await ok('PUT', `/api/spaces/${s1}/members/${editorId}`, owner, { role: 'editor' });
    await ok('PUT', `/api/spaces/${s1}/members/${viewerId}`, owner, { role: 'viewer' });

    const b = await ok('POST', '/api/orgs', owner, { name: `Globex ${t}`, owner: { email: `boss-${t}@globex.example`, name: 'Boss', password: 'correct horse' } });
    const bOwner = await login(`boss-${t}@globex.example`);
    const sb = (await ok('POST', '/api/spaces', bOwner, { name: `Globex space ${t}` })).id as string;
    const c = await ok('POST', '/api/orgs', owner, { name: `Initech ${t}`, owner: { email: `peter-${t}@initech.example`, name: 'Peter', password: 'correct horse' } });

    fx.own = await fixture(owner, orgA, s1, memberId);
    fx.space = await fixture(owner, orgA, s2, memberId);
    fx.org = await fixture(bOwner, b.org.id, sb, b.user.id);
    Object.assign(tokens, {
      owner,
      admin: await login(`admin-${t}@acme.example`),
      editor: await login(`editor-${t}@acme.example`),
      viewer: await login(`viewer-${t}@acme.example`),
      guest: fx.own.guestToken,
      'guest-cookie': fx.own.guestToken,
      none: null,
      outsider: await login(`peter-${t}@initech.example`),
    });
    Object.assign(orgOf, { owner: orgA, admin: orgA, editor: orgA, viewer: orgA, guest: null, 'guest-cookie': null, none: null, outsider: c.org.id });

    const doc = (await s.call('GET', '/api/openapi.json')).body;
    routes = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name),
        body: op.requestBody !== undefined,
        schema: op.requestBody?.content?.['application/json']?.schema,
        statuses: Object.keys(op.responses ?? {}),
      })),
    );
  }, 120_000);
  afterAll(async () => s?.close());

  /** The fixture id for `{name}` in `path`. */
  function idFor(path: string, name: string, f: Fixture): string {
    const byName: Record<string, string> = { spaceId: f.space, userId: f.user, workflowId: f.workflow, token: f.guestToken, version: '1', phaseId: 'review' };
    if (byName[name]) return byName[name]!;
    const collection = /^\/api\/(?:me\/)?([a-z]+)\/\{/.exec(path)?.[1];
    const byCollection: Record<string, string> = { workflows: f.workflow, content: f.content, tasks: f.task, outbox: f.outbox, runs: f.run, notifications: f.notification, jobs: f.job, spaces: f.space, users: f.user };
    const id = collection ? byCollection[collection] : undefined;
    if (id) return id;
    unmapped.add(`${path} {${name}}`);
    return crypto.randomUUID();
  }

  /** Every id and name of a fixture: none may appear in an answer to someone outside it. */
  const markers = (f: Fixture) => [f.space, f.spaceName, f.content, f.contentTitle, f.task, f.taskTitle, f.workflow, f.workflowName, f.run, f.outbox, f.notification, f.job, f.guestToken];

  interface Outcome {
    status: number;
    text: string;
    what: string;
  }

  async function send(route: Route, who: Who, f: Fixture, pathOverride?: string, emptyBody = false): Promise<Outcome> {
    let url = route.path;
    for (const p of route.pathParams) url = url.replace(`{${p}}`, encodeURIComponent(idFor(route.path, p, f)));
    if (pathOverride) url = pathOverride;
    const key = `${route.method} ${route.path}`;
    const headers: Record<string, string> = {};
    const token = tokens[who];
    if (token && who === 'guest-cookie') headers.cookie = `flowgate_session=${encodeURIComponent(token)}`;
    else if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (route.method !== 'GET' && route.method !== 'DELETE' && route.body && !emptyBody) {
      body = JSON.stringify(BODIES[key] ? BODIES[key]!(f) : fromSchema(route.schema));
      headers['content-type'] = 'application/json';
    } else if (route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH') {
      body = '{}';
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(s.url + url, { method: route.method, headers, body, signal: AbortSignal.timeout(10_000) });
    let text = '';
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) await res.body?.cancel();
    else text = await res.text();
    return { status: res.status, text, what: `${who} ${route.method} ${url} ${body ?? ''} → ${res.status} ${text.slice(0, 300)}` };
  }

  /** Every database row, per table, as sorted JSON lines. */
  async function snapshot(): Promise<Map<string, string[]>> {
    // PostgreSQL chains audit events a few milliseconds after their commit: chain what earlier,
    // allowed work left pending, so only the matrix's own writes can differ between snapshots.
    await sealAllPending(s.db, { wait: true });
    const tables =
      dialect === 'sqlite'
        ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(s.db.k)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(s.db.k)).rows.map((r) => r.name);
    const out = new Map<string, string[]>();
    for (const table of tables) {
      const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(s.db.k)).rows;
      out.set(table, rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('hex') : v))).sort());
    }
    return out;
  }

  it('refuses every route across orgs and spaces, in the documented shape, and those who may not write change nothing', async () => {
    const PRINCIPALS = principalsFor(dialect);
    expect(routes.length).toBeGreaterThan(50);
    const counts = { requests: 0, ok: 0, refusals: new Map<string, number>() };
    const problems: string[] = [];
    const fail = (msg: string) => problems.push(msg);

    /** The answer to the same request with made-up ids: what a caller sees for an object that does not exist. */
    async function unknown(route: Route, who: Who, f: Fixture): Promise<string> {
      const made: Fixture = { ...f, space: crypto.randomUUID(), content: crypto.randomUUID(), task: crypto.randomUUID(), workflow: crypto.randomUUID(), run: crypto.randomUUID(), outbox: crypto.randomUUID(), notification: crypto.randomUUID(), job: crypto.randomUUID(), user: crypto.randomUUID() };
      const o = await send(route, who, made);
      counts.requests++;
      return `${o.status} ${o.status >= 300 ? JSON.parse(o.text).error?.code : ''}`;
    }

    async function check(o: Outcome, who: Who, cls: Cls | null, route: Route) {
      counts.requests++;
      const key = `${route.method} ${route.path}`;
      const pub = PUBLIC.test(route.path);
      // No answer holds what the caller may not see.
      const hidden: Fixture[] = who === 'none' || who === 'outsider' ? [fx.own, fx.space, fx.org] : who === 'guest' || who === 'guest-cookie' ? [fx.space, fx.org] : who === 'editor' || who === 'viewer' ? [fx.space, fx.org] : [fx.org];
      const allHidden = hidden.flatMap(markers).concat(hidden.includes(fx.org) ? [fx.org.orgId] : []);
      // A guest's own token in a session header is not an answer's leak; the guest route itself echoes nothing but its review.
      for (const m of allHidden) if (o.text.includes(m)) fail(`answer holds ${m} it may not show: ${o.what}`);
      if (o.status >= 500 && !route.statuses.includes(String(o.status))) fail(`server error: ${o.what}`);
      if (o.status < 300) {
        counts.ok++;
      } else {
        let code = '';
        try {
          const e = JSON.parse(o.text).error;
          code = e.code;
          if (typeof e.code !== 'string' || typeof e.message !== 'string') fail(`refusal not in the documented shape: ${o.what}`);
        } catch {
          fail(`refusal is not JSON: ${o.what}`);
        }
        if (CODES[o.status] && !CODES[o.status]!.includes(code)) fail(`undocumented code ${code} for ${o.status}: ${o.what}`);
        const k = `${o.status} ${code}`;
        counts.refusals.set(k, (counts.refusals.get(k) ?? 0) + 1);
      }
      // Who must be refused, and how.
      const anonymous = who === 'none' || who === 'guest' || who === 'guest-cookie';
      if (anonymous && !pub && o.status !== 401) fail(`expected 401 without a session: ${o.what}`);
      if (pub || anonymous || cls === null) return;
      const objectOrg = fx[cls].orgId;
      const member = cls === 'own' || who === 'owner' || who === 'admin';
      if (objectOrg !== orgOf[who]) {
        // 404, or a refusal by role that comes before any lookup: the same answer as for an id that does not exist.
        if (route.pathParams.length && o.status !== 404) {
          const none = await unknown(route, who, fx[cls]);
          if (o.status !== 403 || none !== `403 ${JSON.parse(o.text).error?.code}`) fail(`another org's object must answer 404 (or what an unknown id answers, here ${none}): ${o.what}`);
        }
        if (o.status < 300 && !BODY_NAMES_OBJECT.has(key)) fail(`cross-tenant 2xx: ${o.what}`);
      } else if (!member) {
        if (route.pathParams.length && o.status !== 403 && o.status !== 404) fail(`another space's object must answer 403 or 404: ${o.what}`);
        if (o.status < 300 && !READS_BY_POST.has(key)) fail(`2xx in a space the caller is not a member of: ${o.what}`);
      }
      // Personal objects: a notification answers only its user (the fixtures' are the owner's), a bulk job its requester (the owner) or an org admin.
      if (o.status < 300 && route.path.startsWith('/api/me/') && route.pathParams.length && who !== 'owner') fail(`someone else's notification: ${o.what}`);
      if (o.status < 300 && route.path.startsWith('/api/jobs/') && who !== 'owner' && who !== 'admin') fail(`someone else's bulk job: ${o.what}`);
      if (who === 'viewer' && route.method !== 'GET' && o.status < 300 && !READS_BY_POST.has(key)) fail(`a viewer wrote: ${o.what}`);
      // Counting for a bulk operation: what the caller may not change is not counted.
      if (BODY_NAMES_OBJECT.has(key) && o.status < 300 && !mayWrite(who, cls)) {
        if (JSON.parse(o.text).count !== 0) fail(`counted another space's or org's runs: ${o.what}`);
      }
    }

    const byPrincipal = (route: Route) => route.pathParams.length > 0 || BODY_NAMES_OBJECT.has(`${route.method} ${route.path}`);
    const isGuestRoute = (r: Route) => r.path.startsWith('/api/guest/');
    const last = (r: Route) => r.path === '/api/auth/logout';
    // Reads, then writes (decisions last: they close the gate), then deletes.
    const order = (r: Route) => (r.method === 'DELETE' ? 3 : r.method === 'GET' ? 0 : r.path.endsWith('/decision') ? 2 : 1);
    const matrix = routes.filter((r) => !isGuestRoute(r) && !last(r)).sort((a, b) => order(a) - order(b));
    // Routes that name no object act on the caller's org: owners and admins write there (another org's owner in its own org); editors and viewers do not.
    const mayWrite = (who: Who, cls: Cls | null) =>
      cls === null ? ['owner', 'admin', 'outsider'].includes(who) : (who === 'owner' || who === 'admin' || who === 'editor') && fx[cls].orgId === orgOf[who] && (who !== 'editor' || cls !== 'space');

    /** A request by someone who may not write: checked, and a write it asks for must be refused; a route with no entry in BODIES is also sent an empty body. */
    async function refused(route: Route, who: Who, cls: Cls | null) {
      const key = `${route.method} ${route.path}`;
      const bodies = route.body && !BODIES[key] ? [false, true] : [false];
      for (const empty of bodies) {
        const o = await send(route, who, fx[cls ?? 'own'], undefined, empty);
        await check(o, who, cls, route);
        if (route.method !== 'GET' && o.status < 300 && !READS_BY_POST.has(key)) fail(`a write accepted from someone who may not write: ${o.what}`);
      }
    }

    // 1. Everyone who may not write: viewers, guests, no one, another org; members outside their space or org, and on the org itself.
    const before = await snapshot();
    for (const route of matrix) {
      for (const who of PRINCIPALS) {
        if (!byPrincipal(route)) {
          if (!mayWrite(who, null)) await refused(route, who, null);
          continue;
        }
        for (const cls of ['own', 'space', 'org'] as Cls[]) if (!mayWrite(who, cls)) await refused(route, who, cls);
      }
    }
    const after = await snapshot();
    const changed: string[] = [];
    for (const [table, rows] of before) {
      const now = after.get(table) ?? [];
      const gone = rows.filter((r) => !now.includes(r));
      const added = now.filter((r) => !rows.includes(r));
      if (gone.length || added.length) changed.push(`${table}: ${gone.length} rows changed or removed, ${added.length} added: ${added.slice(0, 2).join(' | ').slice(0, 600)}`);
    }
    expect(changed, 'the database after requests by those who may not write').toEqual([]);

    // 2. Review links: the guest's own link works and shows nothing of other spaces or orgs; a made-up token is 404 for everyone.
    const made = `fgr_${crypto.randomBytes(32).toString('base64url')}`;
    for (const route of routes.filter(isGuestRoute).sort((a, b) => order(a) - order(b))) {
      for (const who of PRINCIPALS) await check(await send(route, who, fx.own, route.path.replace('{token}', made)), who, null, route);
      const own = await send(route, 'none', fx.own);
      await check(own, 'guest', null, route);
      if (own.status >= 300) fail(`the guest's own link refused: ${own.what}`);
    }

    // 3. Those who may write, on what they may write (writes allowed; still nothing of other orgs, and the documented shape).
    for (const route of matrix) {
      for (const who of (['owner', 'admin', 'editor', 'outsider'] as Who[]).filter((w) => PRINCIPALS.includes(w))) {
        if (!byPrincipal(route) && !mayWrite(who, null)) continue;
        if (!byPrincipal(route)) await check(await send(route, who, fx.own), who, null, route);
        else for (const cls of ['own', 'space', 'org'] as Cls[]) if (mayWrite(who, cls)) await check(await send(route, who, fx[cls]), who, cls, route);
      }
    }
    // 4. Logout, last: it ends the caller's session.
    for (const route of routes.filter(last)) for (const who of PRINCIPALS) await check(await send(route, who, fx.own), who, null, route);

    const refusals = [...counts.refusals].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(`access matrix (${dialect}): ${routes.length} routes, ${counts.requests} requests, ${counts.ok} 2xx, refusals ${refusals}${unmapped.size ? `; ids made up for ${[...unmapped].join(', ')}` : ''}`);
    expect(problems).toEqual([]);
    expect(counts.requests).toBeGreaterThan(routes.length * PRINCIPALS.length);
  });
});
